"""Chunk results: the COPY text of phones."""

from __future__ import annotations

import pandas as pd

from pipelines.imports.chunks import phones_json, phones_json_column
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
