"""Mapping's Arrow fast paths agree with their per-value paths on tricky cells."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.imports import countries, mapping
from pipelines.imports import normalize as nz
from schemas.modules import PART_SEP, get_module
from schemas.options import ColumnMapping, ImportOptions

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


_PHONES = [
    "(415) 555-0100",
    "+44 20 7946 0958",
    "020 7946 0999",
    "\u0662\u0661\u0662\u0665\u0665\u0665\u0661\u0662\u0663\u0664",  # Arabic-Indic digits
    "415\u00a0555\u20030101",  # Unicode spaces
    "  ",
    None,
    "n/a",
    "+1 415 555 0100; 415-555-0199",
    f"12{PART_SEP}34",  # a separator inside a value
    "+4930901820",
]
_MOBILES = [
    "415-555-0100",
    "+442079460958",
    None,
    "+33 1 42 68 53 00",
    "",
    "(415) 555-0102",
    "030 901820",
    "n/a",
    "415.555.0199",
    "+4930901820",
    "\u2003+4930901820\u3000",
]
_COUNTRY = [
    "US",
    "UK",
    "United Kingdom",
    None,
    "Canada",
    "DE",
    "Deutschland",
    None,
    "US",
    "AR",
    "DE",
]


def _phone_fields(phones: list[Any], mobiles: list[Any]) -> tuple[pd.Series, pd.Series]:
    """The field from both columns at once, and column by column then combined per row."""
    index = pd.Index(range(7, 7 + len(phones)))
    columns = [pd.Series(phones, index=index, dtype=object), pd.Series(mobiles, index=index)]
    regions = countries.regions(nz.blank_to_none(pd.Series(_COUNTRY, index=index)))
    options = ImportOptions()
    both = mapping._phone_field(columns, ["Work", "Mobile"], options, regions)
    apart = mapping._combine_joined(
        [
            mapping._phone_field([column], [kind], options, regions)
            for column, kind in zip(columns, ["Work", "Mobile"], strict=True)
        ]
    )
    return both, apart.where(apart.notna(), None)


def test_phone_field_reads_all_columns_in_one_pass_as_column_by_column() -> None:
    """One number per cell: the rows are combined with array operations."""
    phones = [*_PHONES[:8], "+1 415 555 0100", "12 34", _PHONES[10]]
    both, apart = _phone_fields(phones, _MOBILES)
    assert both.tolist() == apart.tolist()
    assert both.tolist()[0] == f"+14155550100{PART_SEP}Work"  # the mobile repeats it
    assert both.tolist()[10] == f"+4930901820{PART_SEP}Work"


def test_phone_field_with_several_numbers_or_separators_in_a_cell_agrees() -> None:
    both, apart = _phone_fields(_PHONES, _MOBILES)
    assert both.tolist() == apart.tolist()
    assert both.tolist()[9].startswith(f"12{PART_SEP}34{PART_SEP}Work")


def test_phone_field_of_cells_arrow_cannot_hold_agrees() -> None:
    phones = [*_PHONES[:-1], "+1 415 555 \ud800"]
    both, apart = _phone_fields(phones, [*_MOBILES[:-1], 4155550103.0])
    assert both.tolist() == apart.tolist()


def test_national_numbers_of_mixed_regions_agree_with_one_region_at_a_time() -> None:
    rng = random.Random(5)
    regions = np.array(
        [rng.choice(["DE", "GB", "AR", "CH", "CA", "ZZ", "SE"]) for _ in range(4000)]
    )
    values = np.array(
        [
            rng.choice(["{}", "({}) {}", "{}-{}", "0{} {}", "00{}{}", "{}\u00a0{}"]).format(
                rng.randint(1, 99999), rng.randint(0, 9999999)
            )
            for _ in regions
        ],
        dtype=object,
    )
    numbers, settled = nz.national_numbers_by_region(values, regions)
    assert settled.any() and not settled.all()
    for region in set(regions):
        rows = regions == region
        alone, done = nz.national_numbers(pd.Series(values[rows], dtype=object), region)
        assert list(numbers[rows]) == list(alone) and list(settled[rows]) == list(done)


_MULTI = [
    "vip; customer",
    "VIP ,vip",
    " ; ,",
    "",
    None,
    "A@Example.com; <b@example.com>, a@example.com",
    "Zoë\u00a0; \u3000zoë",
    "mailto:C@EXAMPLE.COM",
    "vip; customer",
    "x",
]


@pytest.mark.parametrize("slug", ["tags", "additional_emails"])
def test_multi_values_per_distinct_text_agree_with_the_per_value_path(slug: str) -> None:
    module = get_module("contacts")
    entries = [ColumnMapping(source_column="c", target_field=slug)]
    options = ImportOptions()
    fast = mapping._field_values(module.field(slug), pd.DataFrame({"c": _MULTI}), entries, options)
    typed = pd.DataFrame({"c": pd.Series([*_MULTI, 12.0], dtype=object)})
    per_value = mapping._field_values(module.field(slug), typed, entries, options)
    assert fast.tolist() == per_value.where(per_value.notna(), None).tolist()[:-1]
    assert fast.tolist()[4] is None and fast.tolist()[0] == fast.tolist()[8]


def test_numbers_by_region_in_arrow_agree_with_the_per_value_path() -> None:
    values = [v.strip() for v in [*_PHONES, *_MOBILES] if v and v.strip()]
    index = pd.Index(list(range(len(values))))
    present = pd.Series(values, index=index, dtype=object)
    countries_ = (_COUNTRY * 3)[: len(values)]
    regions = countries.regions(nz.blank_to_none(pd.Series(countries_, index=index)))
    fast = mapping._numbers_by_region(present, regions, "US")
    per_value = mapping._numbers_by_region_per_value(present, regions, "US")
    assert fast.tolist() == per_value.tolist()
    assert "+4930901820" in fast.tolist()
