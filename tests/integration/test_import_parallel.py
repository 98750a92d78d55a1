"""Chunks mapped and validated in parallel worker processes give exactly what one process
gives: the same counts, the same records and the same rejects file, in row order."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.generate import generate
from pipelines.imports import chunks, parse

ROWS = 3_500


def records(engine: sa.Engine, org: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT c.email, c.first_name, c.last_name, c.phones::text, co.name, "
                    "c.tags, c.notes, c.source_created_at FROM contacts c LEFT JOIN companies co "
                    "ON co.id = c.company_id WHERE c.org = :org ORDER BY c.id"
                ),
                {"org": org},
            )
        ]


def rejects(result: dict[str, Any]) -> list[list[str]]:
    path = Path(result["errors_file"].removeprefix("file://"))
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_source_cells(lines: list[list[str]], source: Path) -> None:
    """Each rejected row carries its own cells from the source file (rows are numbered from
    the first data record, 1), duplicates found by the database in any chunk included."""
    with open(source, newline="", encoding="utf-8") as handle:
        by_row = dict(enumerate(list(csv.reader(handle))[1:], start=1))
    header, *rows = lines
    assert header[-3:] == ["_row", "_field", "_error"]
    assert any(line[-1].startswith("duplicate of row") for line in rows)
    for line in rows:
        assert line[:-3] == by_row[int(line[-3])], line[-3:]


@pytest.fixture
def messy_file(tmp_path: Path) -> Path:
    return generate(ROWS, tmp_path / "messy.csv", seed=7)


def test_parallel_chunks_match_one_process(
    cli: Any, engine: sa.Engine, messy_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parse, "CHUNK_ROWS", 1_000)  # 4 chunks
    seen_workers: list[int] = []
    real_transform = chunks.transform_chunks

    def spy(tasks: list[chunks.ChunkTask], workers: int) -> Any:
        seen_workers.append(workers)
        return real_transform(tasks, workers)

    monkeypatch.setattr("pipelines.imports.steps.transform_chunks", spy)
    results = {}
    for org, workers in (("inline", "1"), ("forked", "2")):
        monkeypatch.setenv("CONTACTFLOW_WORKERS", workers)
        code, out, err = cli(
            "import", str(messy_file), "--org", org, "--module", "contacts",
            "--create-missing-references",
        )  # fmt: skip
        assert code == 0, err
        results[org] = out
    assert seen_workers == [1, 2]
    inline, forked = results["inline"], results["forked"]
    keys = ("total_rows", "created_rows", "skipped_rows", "error_rows", "created_references")
    assert {k: forked[k] for k in keys} == {k: inline[k] for k in keys}
    assert inline["total_rows"] == ROWS and inline["error_rows"] > 0
    assert forked["errors"] == inline["errors"]
    assert rejects(forked) == rejects(inline)
    assert_source_cells(rejects(inline), messy_file)
    assert records(engine, "forked") == records(engine, "inline")
    assert len(records(engine, "inline")) == inline["created_rows"]


def test_worker_count_respects_the_setting_and_the_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTACTFLOW_WORKERS", "3")
    assert chunks.worker_count(10) == 3
    assert chunks.worker_count(2) == 2
    assert chunks.worker_count(0) == 1
    monkeypatch.setenv("CONTACTFLOW_WORKERS", "nonsense")
    assert chunks.worker_count(1) == 1
