"""XLSX exports read back with openpyxl: labels, typed cells (numbers, dates), neutralised
formulas, date formats, empty results, and a sheet that read-only mode can stream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import openpyxl

from tests.integration.export_data import export, loaded, local_path, read_manifest

__all__ = ["loaded"]

COLUMNS = "id,external_id,display_name,job_title,phones:Mobile,address.zip,source_created_at,groups"


def sheet_rows(result: dict[str, Any], read_only: bool = False) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(local_path(result["file"]), read_only=read_only)
    return list(workbook.active.iter_rows(values_only=True))


def test_export_xlsx_typed_cells_and_neutralised_formulas(
    cli: Any, loaded: dict[str, Any], imp: Any
) -> None:
    imp("Email,Zip,External ID\nzip@example.com,02134,0042\n")
    result = export(cli, "--format", "xlsx", "--columns", COLUMNS, "--label", "job_title=Role")
    assert result["content_type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = sheet_rows(result)
    assert rows[0] == (
        "ID",
        "External ID",
        "Display name",
        "Role",
        "Mobile phone",
        "ZIP",
        "Source created at",
        "Groups",
    )
    by_id = {r[1]: r for r in rows[1:]}
    assert isinstance(by_id["C1"][0], int)
    assert by_id["C1"][2:] == (
        "Ann Lee",
        "CEO",
        "+14155550100",
        62701,
        datetime(2023, 3, 15, 10, 30),
        "Customers; VIP",
    )
    assert by_id["C2"][3] == '\'=HYPERLINK("http://x.example","click")'
    assert by_id["C3"][3] == -5 and isinstance(by_id["C3"][3], int)
    assert by_id["C4"][3] == 3.14 and isinstance(by_id["C4"][3], float)
    assert by_id["C5"][2] == "'=1+2 @SUM(A1)"
    assert by_id["C5"][3] == "'+cmd|' /C calc'!A0"
    assert by_id["0042"][5] == "02134"
    assert rows == sheet_rows(result, read_only=True)
    assert len(rows) == 7 and read_manifest(result)["row_count"] == 6


def test_export_xlsx_header_style_frozen_pane_and_date_format(
    cli: Any, loaded: dict[str, Any]
) -> None:
    result = export(
        cli,
        "--format",
        "xlsx",
        "--columns",
        "email,source_created_at",
        "--date-format",
        "%d.%m.%Y %H:%M",
    )
    sheet = openpyxl.load_workbook(local_path(result["file"])).active
    assert sheet.title == "Contacts"
    assert sheet["A1"].font.b and sheet["B1"].value == "Source created at"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B6"
    assert sheet["B2"].is_date and sheet["B2"].number_format == 'dd"."mm"."yyyy" "hh":"mm'
    assert sheet["B2"].value == datetime(2023, 3, 15, 10, 30)
    assert sheet["B3"].value is None


def test_export_xlsx_allow_formulas_keeps_text(cli: Any, loaded: dict[str, Any]) -> None:
    result = export(
        cli, "--format", "xlsx", "--columns", "job_title", "--option", "allow_formulas=true"
    )
    workbook = openpyxl.load_workbook(local_path(result["file"]))
    cell = workbook.active["A3"]
    assert cell.value == '=HYPERLINK("http://x.example","click")' and cell.data_type == "s"


def test_export_xlsx_empty_result_and_no_header(cli: Any, loaded: dict[str, Any]) -> None:
    empty = export(cli, "--format", "xlsx", "--search", "nobody-at-all")
    assert empty["row_count"] == 0
    assert sheet_rows(empty) == [("Display name", "Email", "Phones", "Company", "Job title")]
    bare = export(
        cli, "--format", "xlsx", "--columns", "email", "--option", "include_headers=false"
    )
    assert sheet_rows(bare)[0] == ("ann@example.com",)
    assert len(sheet_rows(bare, read_only=True)) == 5
