"""Chunk results: the COPY text of phones."""

from __future__ import annotations

import pandas as pd

from pipelines.imports.chunks import _csv_text, copy_text, phones_json, phones_json_column
from schemas.modules import MULTI_SEP, PART_SEP, get_module


def test_phones_json_column_matches_phones_json() -> None:
    cells = [
        f"+14155550123{PART_SEP}Work",
        f"+14155550123{PART_SEP}Work{MULTI_SEP}+442079460958{PART_SEP}Mobile",
        f'12 "34"{PART_SEP}Other',
        f"+1{PART_SEP}Other{MULTI_SEP}n/a{PART_SEP}Home",
        None,
        f"+4930123456{PART_SEP}Büro",
        f"+٤٤2079460958{PART_SEP}Work",
        "",
    ]
    index = list(range(5, 5 + len(cells)))
    out = phones_json_column(pd.Series(cells, index=index, dtype=object))
    assert list(out) == [phones_json(c) if c is not None else None for c in cells]
    assert list(out.index) == index
    lone_surrogate = pd.Series([f"+1\ud800{PART_SEP}Work", cells[0]], dtype=object)
    assert list(phones_json_column(lone_surrogate)) == [phones_json(c) for c in lone_surrogate]


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


def test_copy_text_stages_phones_as_json_on_both_paths() -> None:
    """The Arrow path and pandas' (a cell Arrow cannot hold) write the same rows."""
    module = get_module("contacts")
    phones = [f"+14155550123{PART_SEP}Work", None, f'12 "34"{PART_SEP}Other']
    frame = pd.DataFrame({"first_name": ["Zoë", "x", None], "phones": phones}, index=[2, 4, 9])
    expected = _csv_text(frame.assign(phones=phones_json_column(frame["phones"])))
    assert copy_text(frame, ["first_name", "phones"], module) == expected
    assert '"[{""number"": ""+14155550123"", ""type"": ""Work""}]"' in expected
    unmapped = frame.reindex(columns=["phones", "email", "first_name"])
    expected = _csv_text(unmapped.assign(phones=phones_json_column(frame["phones"])))
    assert copy_text(frame, ["phones", "email", "first_name"], module) == expected
    odd = frame.assign(first_name=["\ud800", "x", None])
    assert copy_text(odd, ["first_name", "phones"], module) == _csv_text(
        odd.assign(phones=phones_json_column(odd["phones"]))
    )
