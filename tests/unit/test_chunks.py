"""Chunk results: the COPY text of phones."""

from __future__ import annotations

import pandas as pd

from pipelines.imports.chunks import _csv_text, phones_json, phones_json_column
from schemas.modules import MULTI_SEP, PART_SEP


def test_phones_json_column_matches_phones_json() -> None:
    cells = [
        f"+14155550123{PART_SEP}Work",
        f"+14155550123{PART_SEP}Work{MULTI_SEP}+442079460958{PART_SEP}Mobile",
        f'12 "34"{PART_SEP}Other',
        f"+1{PART_SEP}Other{MULTI_SEP}n/a{PART_SEP}Home",
        None,
    ]
    out = phones_json_column(pd.Series(cells, index=[5, 6, 7, 8, 9], dtype=object))
    assert list(out) == [phones_json(c) if c else None for c in cells]
    assert list(out.index) == [5, 6, 7, 8, 9]


def test_copy_csv_keeps_values_and_writes_missing_and_blank_as_null() -> None:
    """Arrow's writer quotes every text and writes a missing or empty cell as an empty
    unquoted field, which COPY reads as NULL (as pandas' `to_csv` did)."""
    frame = pd.DataFrame(
        {"a": ["Zoë", None, "", 'say "hi"'], "b": ["multi\nline", "x,y", None, " "]},
        index=[3, 7, 8, 12],
    )
    assert _csv_text(frame) == ('3,"Zoë","multi\nline"\n7,,"x,y"\n8,,\n12,"say ""hi"""," "\n')


def test_copy_csv_of_a_column_that_is_not_text_falls_back_to_pandas() -> None:
    frame = pd.DataFrame({"a": ["x", None], "n": [1.5, None]}, index=[1, 2])
    assert _csv_text(frame) == "1,x,1.5\n2,,\n"
