"""Files built to exhaust the importer are refused quickly with one sentence."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelines.errors import InputRejected
from pipelines.imports.parse import MAX_COLUMNS, SourceFile


@pytest.mark.parametrize("columns", [100_000, 6_000_000])
def test_a_file_with_too_many_columns_is_refused_within_seconds(
    tmp_path: Path, columns: int
) -> None:
    """A 0.9 MB file of 100,000 header columns took 142 s; one 50 MB line never finished."""
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + "x,y\n")
    started = time.monotonic()
    with pytest.raises(InputRejected, match=f"at most {MAX_COLUMNS:,}"):
        SourceFile(path)
    assert time.monotonic() - started < 5


def test_a_file_at_the_column_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS)) + "\n" + "x\n")
    assert len(SourceFile(path).info.source_columns) == MAX_COLUMNS
