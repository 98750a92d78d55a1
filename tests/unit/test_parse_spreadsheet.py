"""Spreadsheet cells come out as the texts the import has always given, whether calamine loads
the sheet or openpyxl streams it (a large sheet): numbers without `.0`, dates in ISO, booleans,
formulas' cached values, sheet positions."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.errors import InputRejected
from pipelines.imports import parse, spreadsheet
from pipelines.imports.parse import ParseHints, SourceFile, cell_text

SHEET1 = "xl/worksheets/sheet1.xml"
HEADER = ["Name", "Phone", "Zip", "When", "Time", "Dur", "Pct", "Flag", "Frac", "Code"]
CELLS = [
    ["Ann", 4155550100, 2134, datetime(2023, 3, 15, 9, 30), time(13, 45, 10)],
    ["Bob", 4155550101.0, 99501, date(1985, 4, 12), time(0, 0)],
]
# Cells the sheet XML is patched with: formula results Excel cached, and an error value.
FORMULAS = (
    b'<row r="9"><c r="B9"><f>1+1</f><v>2</v></c><c r="C9" t="str"><f>"a"&amp;"b"</f><v>ab</v>'
    b'</c><c r="D9"><f>4155550100+0</f><v>4155550100</v></c><c r="E9" t="e"><v>#N/A</v></c></row>'
)


def rich_workbook(path: Path) -> Path:
    """A first sheet whose table starts at B4 under a title row, and a second sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "People"
    sheet["C2"] = "Contacts export"
    rows = [
        HEADER,
        [*CELLS[0], timedelta(hours=30), 0.25, True, 0.1 + 0.2, "00123"],
        [*CELLS[1], timedelta(minutes=5), 1.0, False, 1 / 3, " padded "],
        [],
        ["Émile", "+1 415 555", None, datetime(1900, 1, 1), None, None, None, None, 123.456],
    ]
    for number, row in enumerate(rows, start=4):
        for column, value in enumerate(row, start=2):
            if value is not None:
                cell = sheet.cell(row=number, column=column, value=value)
                if isinstance(value, timedelta):
                    cell.number_format = "[h]:mm:ss"
                elif isinstance(value, time):
                    cell.number_format = "hh:mm:ss"
    other = workbook.create_sheet("Other")
    other.append(["Email", "Company"])
    other.append(["x@y.org", "Acme"])
    workbook.save(path)
    return change_sheet_xml(
        path, lambda xml: xml.replace(b"</sheetData>", FORMULAS + b"</sheetData>")
    )


def change_sheet_xml(path: Path, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite the archive with the first sheet's XML changed."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[SHEET1] = change(parts[SHEET1])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(params=["loaded", "streamed"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with calamine (the default) and with openpyxl (every sheet too large)."""
    if request.param == "streamed":
        monkeypatch.setattr(spreadsheet, "MAX_LOADED_XML", 0)
    return str(request.param)


def read_all(source: SourceFile) -> pd.DataFrame:
    return pd.concat([c.frame for c in source.chunks(2)])


def test_parse_spreadsheet_cells_as_text(tmp_path: Path, reader: str) -> None:
    source = SourceFile(rich_workbook(tmp_path / "rich.xlsx"))
    assert (source.info.sheet, source.info.header_row) == ("People", 4)
    assert source.info.source_columns == ["Column 1", *HEADER]
    frame = read_all(source)
    assert frame.index.tolist() == [1, 2, 3, 4]  # the blank row 7 takes no number
    assert frame.loc[1].tolist() == [
        None,
        "Ann",
        "4155550100",
        "2134",
        "2023-03-15T09:30:00",
        "13:45:10",
        "1 day, 6:00:00",
        "0.25",
        "true",
        "0.3",
        "00123",
    ]
    assert frame.loc[
        2, ["Phone", "When", "Time", "Dur", "Pct", "Flag", "Frac", "Code"]
    ].tolist() == [
        "4155550101",
        "1985-04-12",
        "00:00:00",
        "0:05:00",
        "1",
        "false",
        "0.333333333333333",
        " padded ",
    ]
    assert frame.loc[3, ["Name", "Phone", "Zip", "When", "Frac"]].tolist() == [
        "Émile",
        "+1 415 555",
        None,
        "1900-01-01",
        "123.456",
    ]


def test_parse_spreadsheet_formulas_give_cached_values(tmp_path: Path, reader: str) -> None:
    frame = read_all(SourceFile(rich_workbook(tmp_path / "rich.xlsx")))
    error = None if reader == "loaded" else "#N/A"  # calamine does not expose error values
    assert frame.loc[4, ["Name", "Phone", "Zip", "When"]].tolist() == [
        "2",
        "ab",
        "4155550100",
        error,
    ]


def test_parse_spreadsheet_other_sheet_and_header_row(tmp_path: Path, reader: str) -> None:
    path = rich_workbook(tmp_path / "rich.xlsx")
    other = SourceFile(path, ParseHints(sheet="other"))
    assert (other.info.sheet, other.info.source_columns) == ("Other", ["Email", "Company"])
    assert read_all(other).loc[1].tolist() == ["x@y.org", "Acme"]
    given = SourceFile(path, ParseHints(header_row=5))
    assert given.info.source_columns[1:3] == ["Ann", "4155550100"]
    assert read_all(given).loc[1, "Ann"] == "Bob"


def test_parse_spreadsheet_reads_again_the_same(tmp_path: Path, reader: str) -> None:
    source = SourceFile(rich_workbook(tmp_path / "rich.xlsx"))
    first = read_all(source)
    pd.testing.assert_frame_equal(read_all(source), first)
    assert source.count_rows() == 4


def test_parse_spreadsheet_empty_sheet_says_so(tmp_path: Path, reader: str) -> None:
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Data").append(["Email"])
    path = tmp_path / "blank_first.xlsx"
    workbook.save(path)
    with pytest.raises(InputRejected, match=r"Sheet 'Sheet' of blank_first.xlsx is empty"):
        SourceFile(path)
    assert SourceFile(path, ParseHints(sheet="Data")).info.source_columns == ["Email"]


def test_parse_spreadsheet_damaged_sheet_xml_is_one_line(tmp_path: Path, reader: str) -> None:
    path = change_sheet_xml(rich_workbook(tmp_path / "rich.xlsx"), lambda xml: xml[:-400])
    with pytest.raises(InputRejected) as caught:
        SourceFile(path).count_rows()
    message = str(caught.value)
    assert "rich.xlsx is not a readable Excel workbook" in message and "\n" not in message


def test_parse_spreadsheet_unknown_zip_version_is_damaged(tmp_path: Path, reader: str) -> None:
    """A central directory that asks for a ZIP feature version Python cannot extract."""
    data = bytearray(rich_workbook(tmp_path / "rich.xlsx").read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + 6] = 0xFF  # version needed to extract: 25.5
    path = tmp_path / "future.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(InputRejected, match="damaged or incomplete"):
        SourceFile(path)


def test_parse_spreadsheet_streams_only_sheets_too_large_to_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rich_workbook(tmp_path / "rich.xlsx")
    size = spreadsheet.sheet_xml_bytes(path)
    assert size > len(FORMULAS)
    monkeypatch.setattr(spreadsheet, "MAX_LOADED_XML", size)
    assert isinstance(spreadsheet.open_sheet(path, "People"), spreadsheet.LoadedSheet)
    monkeypatch.setattr(spreadsheet, "MAX_LOADED_XML", size - 1)
    assert isinstance(spreadsheet.open_sheet(path, "People"), spreadsheet.StreamedSheet)
    assert not spreadsheet.streams(Path(__file__).parents[1] / "data" / "contacts.xls")


@given(
    st.lists(
        st.one_of(
            st.text(alphabet=" \t\n\u00a0\u3000ab1"),
            st.integers(),
            st.floats(),
            st.booleans(),
            st.datetimes(),
            st.dates(),
            st.times(),
            st.none(),
        )
    )
)
def test_parse_spreadsheet_row_texts_are_cell_texts(row: list[object]) -> None:
    """The fast path for text cells gives what cell_text gives for every value."""
    assert parse._sheet_texts(row) == [cell_text(v, spreadsheet=True) for v in row]
