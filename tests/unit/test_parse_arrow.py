"""The Arrow CSV reader yields what the csv-module reader yields: same rows, numbers, cells,
bad rows and errors, whatever the block and chunk boundaries."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from pipelines.imports import arrow_csv
from pipelines.imports.parse import RawChunk, SourceFile, _chunked


def _messy_file(path: Path, rows: int, encoding: str = "utf-8") -> None:
    rng = random.Random(7)
    lines = ["Notes about this export", "", "Name,Email,City,Tags"]
    for i in range(rows):
        kind = rng.random()
        if kind < 0.05:
            lines.append(f"Short {i},s{i}@example.com")  # fewer fields: padded
        elif kind < 0.08:
            lines.append(f"Long {i},l{i}@example.com,Köln,a,extra")  # too many: row error
        elif kind < 0.10:
            lines.append(f"Trailing {i},t{i}@example.com,Paris,x,,")  # empty extras: good
        elif kind < 0.13:
            lines.append(rng.choice(["", ",,,", "  ,\t, ,", "   "]))  # not records
        elif kind < 0.16:
            lines.append(f'"Multi\nline {i}",m{i}@example.com,"São Paulo, BR","a;b"')
        else:
            lines.append(f'Zoë {i},z{i}@example.com,Łódź,"q ""x"" y"')
    path.write_bytes("\r\n".join(lines).encode(encoding, errors="replace"))


def _frames(chunks: list[RawChunk]) -> tuple[pd.DataFrame, pd.DataFrame, list[object]]:
    good = pd.concat([c.frame for c in chunks if len(c.frame)])
    bad = pd.concat([c.bad for c in chunks if len(c.bad)])
    return good, bad, [e for c in chunks for e in c.errors]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
@pytest.mark.parametrize(("block", "size"), [(64, 7), (512, 100), (1 << 20, 20_000)])
def test_arrow_reader_matches_csv_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str, block: int, size: int
) -> None:
    path = tmp_path / "messy.csv"
    _messy_file(path, 600, encoding)
    hint = None if encoding == "utf-8" else "cp1252"
    from pipelines.imports.parse import ParseHints

    source = SourceFile(path, ParseHints(encoding=hint))
    monkeypatch.setattr(arrow_csv, "BLOCK_BYTES", block)
    used = []
    original = arrow_csv.read_chunks
    monkeypatch.setattr(arrow_csv, "read_chunks", lambda *a: used.append(1) or original(*a))
    arrow = list(source.chunks(chunk_rows=size))
    python = list(_chunked(source._csv_records(), source.info.source_columns, size))
    assert used
    assert [len(c.frame) + len(c.bad) for c in arrow] == [len(c.frame) + len(c.bad) for c in python]
    for mine, theirs in zip(_frames(arrow), _frames(python), strict=True):
        if isinstance(mine, pd.DataFrame):
            pd.testing.assert_frame_equal(mine, theirs)
        else:
            assert mine == theirs


def test_arrow_reader_hands_a_bad_byte_to_the_csv_module(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    rows = "".join(f"n{i},e{i}@example.com\n" for i in range(60_000))
    path.write_bytes(b"Name,Email\n" + rows.encode() + b"caf\xe9,x@example.com\n")
    from pipelines.errors import InputRejected
    from pipelines.imports.parse import ParseHints

    source = SourceFile(path, ParseHints(encoding="utf-8"))
    with pytest.raises(InputRejected) as before:
        list(_chunked(source._csv_records(), source.info.source_columns, 10_000))
    with pytest.raises(InputRejected) as after:
        list(source.chunks(chunk_rows=10_000))
    assert str(after.value) == str(before.value)
    assert "not valid utf-8 at data row" in str(after.value)


def test_arrow_chunks_write_the_parquet_pandas_would(tmp_path: Path) -> None:
    """The import writes the reader's Arrow table to Parquet as it is; read back, it is the
    frame the csv-module reader's chunk gives written through pandas (row numbers as the
    index, text cells, missing cells None), and the chunk's row count and first row agree."""
    import pyarrow.parquet as pq

    from pipelines.imports.steps import _write_parquet

    path = tmp_path / "messy.csv"
    _messy_file(path, 600)
    with open(path, "ab") as handle:
        handle.write(b"\r\nOnly a name,,,")  # a chunk where one column is all missing
    source = SourceFile(path)
    arrow = list(source.chunks(chunk_rows=97))
    python = list(_chunked(source._csv_records(), source.info.source_columns, 97))
    assert all(c.table is not None for c in arrow)
    for number, (mine, theirs) in enumerate(zip(arrow, python, strict=True)):
        assert (mine.good_rows, mine.first_row()) == (len(theirs.frame), theirs_first(theirs))
        pq.write_table(mine.table, tmp_path / f"arrow-{number}.parquet", compression=None)
        _write_parquet(theirs.frame, tmp_path / f"pandas-{number}.parquet")
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / f"arrow-{number}.parquet"),
            pd.read_parquet(tmp_path / f"pandas-{number}.parquet"),
        )


def theirs_first(chunk: RawChunk) -> int:
    return int(min(x.index.min() for x in (chunk.frame, chunk.bad) if len(x)))
