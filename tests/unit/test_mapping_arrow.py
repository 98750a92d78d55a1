"""Mapping's Arrow fast paths agree with their per-value paths on tricky cells."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.imports import mapping

_CITIES = ["Zoë", None, 'a "q"', "x\ny", "back\\slash", None, "\x01", "", "\u2028 line"]
_COUNTRIES = ["DE", None, None, "FR", "ü", "US", None, None, "\u0664"]


def test_json_objects_in_arrow_agree_with_the_per_value_path() -> None:
    parts = pd.DataFrame({"city": _CITIES, "country": _COUNTRIES}, index=range(3, 12))
    out = mapping._json_objects(parts)
    assert out.tolist() == mapping._json_objects_per_value(parts).tolist()
    assert list(out.index) == list(parts.index)
    assert out[4] is None
    assert json.loads(out[3]) == {"city": "Zoë", "country": "DE"}
    assert json.loads(out[5]) == {"city": 'a "q"'}
    assert json.loads(out[9]) == {"city": "\x01"}


def test_json_objects_of_cells_arrow_cannot_hold_take_the_per_value_path() -> None:
    parts = pd.DataFrame(
        {"city": ["\ud800", "Wien", None], "zip": pd.Series([1010, None, None], dtype=object)}
    )
    expected = ['{"city": "\ud800", "zip": "1010"}', '{"city": "Wien"}', None]
    assert mapping._json_objects(parts).tolist() == expected
