"""The CSV export's streaming path on a real PostgreSQL: COPY read straight from libpq and
hashed while written, the file hard-linked into local storage, and the cells SQL renders
(phones, the formula rule) equal to what the Python rules give."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from pipelines.exports.cells import neutralise
from pipelines.exports.query import ExportQuery, snapshot
from pipelines.exports.render_csv import BOM, WRITE_BYTES, WrittenCsv, write_csv
from schemas.export_options import ExportColumn
from tests.integration.export_data import export, loaded, local_path, read_csv, read_manifest

__all__ = ["loaded"]

COLUMNS = [ExportColumn("a", "=A"), ExportColumn("b", "B")]


def _query(select: str, **params: Any) -> ExportQuery:
    return ExportQuery(select, "", params, COLUMNS)


def test_write_csv_counts_and_hashes_what_it_streams(engine: sa.Engine, tmp_path: Path) -> None:
    query = _query(
        "SELECT g::text || repeat('x', 60), NULL FROM generate_series(1, %(n)s) g", n=20_000
    )
    path = tmp_path / "rows.csv"
    with snapshot(engine) as raw:
        written = write_csv(raw, query, path, bom=True)
    data = path.read_bytes()
    assert len(data) > 3 * WRITE_BYTES
    assert data.startswith(BOM + b"'=A,B\n1" + b"x" * 60 + b",\n2x")
    assert data.endswith(b"20000" + b"x" * 60 + b",\n") and data.count(b"\n") == 20_001
    assert written == WrittenCsv(20_000, len(data), hashlib.sha256(data).hexdigest())

    empty = tmp_path / "empty.csv"
    with snapshot(engine) as raw:
        nothing = write_csv(raw, _query("SELECT 'a', 'b' WHERE false"), empty, ";")
    assert empty.read_bytes() == b"'=A;B\n"
    assert nothing == WrittenCsv(0, 6, hashlib.sha256(b"'=A;B\n").hexdigest())


def test_write_csv_raises_the_servers_error_from_midway(engine: sa.Engine, tmp_path: Path) -> None:
    query = _query(
        "SELECT (1 / (%(n)s - g))::text, repeat('y', 50) FROM generate_series(1, 100000) g",
        n=60_000,
    )
    with pytest.raises(psycopg.errors.DivisionByZero), snapshot(engine) as raw:
        write_csv(raw, query, tmp_path / "broken.csv")
    with snapshot(engine) as raw, raw.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_export_csv_manifest_hash_and_stored_file(
    cli: Any, loaded: dict[str, Any], tmp_path: Path
) -> None:
    result = export(cli, "--format", "csv", "--option", "bom=true", "--option", "delimiter=;")
    path = local_path(result["file"])
    data = path.read_bytes()
    assert data.startswith(BOM + b"Display name;Email")
    assert read_manifest(result)["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["size_bytes"] == len(data)
    assert not list((tmp_path / "home" / "staging").glob("export-*"))
    assert path.stat().st_nlink == 1


def test_export_csv_stored_by_copy_when_it_cannot_be_linked(
    cli: Any, loaded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cross_device(*args: Any) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("pipelines.exports.steps.os.link", cross_device)
    result = export(cli, "--format", "csv", "--columns", "email")
    path = local_path(result["file"])
    assert read_csv(result["file"])[1] == ["ann@example.com"]
    assert read_manifest(result)["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not list(path.parent.glob(".*.part"))


def test_export_csv_of_empty_cells_only(cli: Any, loaded: dict[str, Any]) -> None:
    """A line holding one empty cell reads back as no cells: the run's preview still works."""
    result = export(cli, "--format", "csv", "--columns", "notes")
    assert result["status"] == "completed" and result["row_count"] == 5
    assert local_path(result["file"]).read_text("utf-8") == "Notes\n" + "\n" * 5


PHONES: list[Any] = [
    None,
    [],
    {"number": "+1"},
    [{"type": "Work", "number": "+14155550100"}],
    [{"type": "Mobile", "number": "+1"}, {"type": "Work", "number": "-2"}],
    [
        {"type": kind, "number": f"+4420794600{i}"}
        for i, kind in enumerate(["Work", "Mobile", "Work", "Home", "Work"])
    ],
    [{"type": "Work"}, {"number": "=cmd"}, "x", {"type": "Work", "number": ""}],
    [{"type": "Work", "number": ""}],
    [{"type": "Work", "number": "a; b"}, None, {"type": "Work", "number": "@c"}, {}, {}],
]
TEXTS = [
    None,
    "",
    "+",
    "-",
    "=",
    "@",
    "\t",
    "\r",
    "+1",
    "-5",
    "+14155550100",
    "+1 415",
    "-3.14",
    "-.5",
    "+1e5",
    "-1e",
    "+.",
    "-5 ",
    " -5",
    "=1+1",
    "@SUM(A1)",
    "\t1",
    "\r1",
    "-5.",
    "é",
    "\u22125",
    "+5x",
    "++5",
    "a",
    "5",
    "~",
    "A=1",
]


def _numbers(phones: Any, kind: str | None = None) -> str:
    if not isinstance(phones, list):
        return ""
    return "; ".join(
        str(p["number"])
        for p in phones
        if isinstance(p, dict)
        and p.get("number") is not None
        and (kind is None or p.get("type") == kind)
    )


def test_export_csv_cells_rendered_in_sql_follow_the_python_rules(
    cli: Any, env_db: str, engine: sa.Engine
) -> None:
    """Phones inline (up to 4) or aggregated (more), one type or all; the formula rule."""
    with engine.begin() as conn:
        for i in range(max(len(PHONES), len(TEXTS))):
            conn.execute(
                sa.text(
                    "INSERT INTO contacts (org, email, job_title, phones) "
                    "VALUES ('acme', :email, :title, CAST(:phones AS jsonb))"
                ),
                {
                    "email": f"c{i:02}@example.com",
                    "title": TEXTS[i] if i < len(TEXTS) else None,
                    "phones": json.dumps(PHONES[i]) if i < len(PHONES) else None,
                },
            )
    columns = "email,job_title,phones,phones:Work"
    rows = read_csv(export(cli, "--format", "csv", "--columns", columns, "--sort", "email")["file"])
    raw = read_csv(
        export(
            cli,
            "--format",
            "csv",
            "--columns",
            columns,
            "--sort",
            "email",
            "--option",
            "allow_formulas=true",
        )["file"]
    )
    for i, (row, plain) in enumerate(zip(rows[1:], raw[1:], strict=True)):
        title = (TEXTS[i] if i < len(TEXTS) else None) or ""
        phones = PHONES[i] if i < len(PHONES) else None
        expected = [title, _numbers(phones), _numbers(phones, "Work")]
        assert plain[1:] == expected, i
        assert row[1:] == [neutralise(v) for v in expected], i
