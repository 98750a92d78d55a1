"""Export cell rules, column specs, date formats and the XLSX/PDF writers as plain functions
(no database, no Dagster)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pypdf
import pytest

from pipelines.errors import InputRejected
from pipelines.exports.cells import neutralise, spreadsheet_number
from pipelines.exports.render_pdf import write_pdf
from pipelines.exports.render_xlsx import write_xlsx
from schemas.export_options import (
    ExportColumn,
    parse_column,
    parse_export_options,
    to_excel_format,
    to_pg_format,
)
from schemas.modules import CONTACTS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),
        ("+14155550100", "+14155550100"),
        ("-3.14", "-3.14"),
        ("-1e5", "-1e5"),
        ("-inf", "'-inf"),
        ("- 5", "'- 5"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_formulas_but_not_numbers(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-5", -5),
        ("0", 0),
        ("3.14", 3.14),
        ("-0.5", -0.5),
        ("62701", 62701),
        ("02134", None),
        ("-0", None),
        ("3.10", None),
        ("1e5", None),
        ("+14155550100", None),
        ("1234567890123456", None),
        ("12 34", None),
    ],
)
def test_spreadsheet_number_only_when_nothing_is_lost(text: str, expected: object) -> None:
    assert spreadsheet_number(text) == expected
    assert type(spreadsheet_number(text)) is type(expected)


def test_parse_column_specs_and_labels() -> None:
    assert parse_column(CONTACTS, "phones:mobile") == ExportColumn(
        "phones:Mobile", "Mobile phone", field=CONTACTS.field("phones"), part="Mobile"
    )
    assert parse_column(CONTACTS, "address.city").label == "City"
    assert parse_column(CONTACTS, "created_at").kind == "datetime"
    assert parse_column(CONTACTS, "id").kind == "integer"
    assert parse_column(CONTACTS, "attributes.plan").attribute == "plan"
    with pytest.raises(InputRejected, match="only phones take"):
        parse_column(CONTACTS, "email:Work")
    options = parse_export_options(
        {"columns": "email, company", "column_labels": {"company": "Employer"}, "group": 7}
    )
    assert [c.label for c in options.export_columns(CONTACTS)] == ["Email", "Employer"]
    assert options.filters.group == "7"


def test_parse_export_options_where_forms_and_errors() -> None:
    listed = parse_export_options({"where": ["tags=a", "tags=b", "job_title=CEO"]})
    assert listed.filters.where == {"tags": ["a", "b"], "job_title": ["CEO"]}
    mapped = parse_export_options({"filters": {"where": {"tags": ["a", "b"], "zip": 2134}}})
    assert mapped.filters.where == {"tags": ["a", "b"], "zip": ["2134"]}
    with pytest.raises(InputRejected, match="Invalid export options: format"):
        parse_export_options({"format": "docx"})
    with pytest.raises(InputRejected, match="limit"):
        parse_export_options({"limit": -1})
    with pytest.raises(InputRejected, match="created_from is after created_to"):
        parse_export_options(
            {"created_from": "2024-02-01", "created_to": "2024-01-01"}
        ).check_against(CONTACTS)


def test_date_format_translations() -> None:
    assert to_pg_format("%Y-%m-%dT%H:%M:%SZ") == 'YYYY"-"MM"-"DD"T"HH24":"MI":"SS"Z"'
    assert to_pg_format("%d %B %Y, %I %p (100%%)") == ('DD" "FMMonth" "YYYY", "HH12" "AM" (100%)"')
    assert to_excel_format("%d/%m/%Y %H:%M") == 'dd"/"mm"/"yyyy" "hh":"mm'


def test_write_xlsx_escapes_and_cleans_text(tmp_path: Path) -> None:
    columns = [ExportColumn("notes", "Notes <&>"), ExportColumn("created_at", "When", "datetime")]
    rows = [
        ("a < b & c > d", datetime(2024, 2, 29, 23, 59, 59)),
        ("bell\x07 and nul\x00 gone", None),
        ("  padded  ", datetime(1999, 12, 31)),
        ("x" * 40_000, None),
        ("line\nbreak", None),
    ]
    path = tmp_path / "out.xlsx"
    assert write_xlsx(path, columns, rows, row_count=len(rows), sheet_name="A/B: [c]") == 5
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "A B   c"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Notes <&>", "When")
    assert values[1] == ("a < b & c > d", datetime(2024, 2, 29, 23, 59, 59))
    assert values[2][0] == "bell and nul gone"
    assert values[3] == ("  padded  ", datetime(1999, 12, 31))
    assert len(values[4][0]) == 32_767
    assert values[5][0] == "line\nbreak"


def test_write_pdf_wraps_unbroken_values(tmp_path: Path) -> None:
    token = "https://example.com/" + "y" * 300
    path = tmp_path / "out.pdf"
    assert write_pdf(path, ["Website"], [(token,)], title="Sites") == 1
    text = pypdf.PdfReader(path).pages[0].extract_text()
    assert token in "".join(text.split())
    assert max(len(line) for line in text.splitlines()) < 200


def test_xlsx_keeps_a_carriage_return(tmp_path: Path) -> None:
    """A raw CR in the sheet XML read back as LF; a character reference keeps it."""
    path = tmp_path / "cr.xlsx"
    columns = [ExportColumn("notes", "Notes")]
    assert write_xlsx(path, columns, [("a\r\nb",), ("c\rd",)], row_count=2) == 2
    values = [r[0] for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    assert values == ["Notes", "a\r\nb", "c\rd"]
