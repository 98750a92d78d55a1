"""XLSX and XLS files imported end to end (CLI, Dagster job, PostgreSQL): numeric phone cells
keep their digits, preamble rows are skipped, row numbers in errors count data rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DATA = Path(__file__).resolve().parents[1] / "data"


def _import(cli: Any, name: str, *options: str) -> dict[str, Any]:
    code, result, err = cli("import", str(DATA / name), "--org", "acme", *options)
    assert code == 0, err
    return dict(result)


def _errors(result: dict[str, Any]) -> list[tuple[int, str]]:
    return [(e["row"], e["value"]) for e in result["errors"]]


def test_import_xlsx_and_xls_keep_numeric_cells_digits(cli: Any, engine: sa.Engine) -> None:
    xlsx = _import(cli, "contacts.xlsx", "--module", "contacts")
    assert (xlsx["total_rows"], xlsx["created_rows"], xlsx["error_rows"]) == (6, 3, 3)
    # numeric cells with a foreign number but no +: digits, no ".0", at the data row's number
    assert _errors(xlsx) == [(2, "49301234567"), (5, "97235550160"), (6, "353871234567")]
    xls = _import(cli, "contacts.xls", "--module", "contacts")
    assert (xls["total_rows"], xls["created_rows"], xls["skipped_rows"]) == (4, 1, 1)
    assert _errors(xls) == [(2, "49301234567"), (4, "902125550100")]
    with engine.connect() as conn:
        ada = conn.execute(
            sa.text(
                "SELECT phones, address->>'zip', source_created_at FROM contacts "
                "WHERE email = 'ada@example.com'"
            )
        ).one()
    assert [p["number"] for p in ada[0]] == ["+14155550100", "+14155550101"]
    assert ada[1] == "02134"  # a text cell keeps its leading zero
    assert ada[2] == datetime(2023, 3, 15, 9, 30, tzinfo=UTC)  # a datetime cell


def test_import_xlsx_named_sheet(cli: Any, engine: sa.Engine) -> None:
    result = _import(cli, "contacts.xlsx", "--module", "companies", "--option", "sheet=Companies")
    assert (result["total_rows"], result["created_rows"]) == (4, 4)
    with engine.connect() as conn:
        domains = conn.execute(sa.text("SELECT domain FROM companies ORDER BY id")).scalars().all()
    assert domains == ["acme.com", "globex.com", "initech.com", "hooli.xyz"]
