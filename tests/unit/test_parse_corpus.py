"""The parser against every file of tests/data: detection, row counts, row errors and cell
values as MANIFEST.yaml states them, rejections with one clear line, and the parsing hints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from pipelines.errors import InputRejected
from pipelines.imports.parse import ParseHints, SourceFile
from tests.data.make_corpus import make_oversize_csv

DATA = Path(__file__).resolve().parent.parent / "data"
MANIFEST: dict[str, dict[str, Any]] = yaml.safe_load(
    (DATA / "MANIFEST.yaml").read_text(encoding="utf-8")
)["files"]
ACCEPTED = sorted(name for name, entry in MANIFEST.items() if "rejected" not in entry)
REJECTED = sorted(name for name, entry in MANIFEST.items() if "rejected" in entry)

# What each rejection message must name (case-insensitive), beyond being one line.
REJECTION_WORDS = {
    "empty.csv": ["empty"],
    "whitespace_only.csv": ["blank"],
    "png_renamed.csv": ["PNG"],
    "huge_cell.csv": ["32,767", "Notes", "Row 2"],
    "xxe.xlsx": ["DTD", "entity"],
    "entity_bomb.xlsx": ["DTD", "entity"],
    "zip_bomb.xlsx": ["zip bomb"],
    "zip_bomb_deflate.xlsx": ["zip bomb"],
    "not_array.json": ["array"],
    "broken.json": ["not valid JSON", "truncated"],
}


def read_all(source: SourceFile) -> tuple[pd.DataFrame, pd.DataFrame, list[Any]]:
    """Good rows, bad rows and row errors of the whole file."""
    chunks = list(source.chunks())
    columns = source.info.source_columns
    frame = pd.concat([c.frame for c in chunks]) if chunks else pd.DataFrame(columns=columns)
    bad = pd.concat([c.bad for c in chunks]) if chunks else pd.DataFrame(columns=columns)
    return frame, bad, [e for c in chunks for e in c.errors]


def assert_one_line(message: str) -> None:
    assert message.strip(), "empty message"
    assert "\n" not in message and "\r" not in message, message
    assert "Traceback" not in message


@pytest.mark.parametrize("name", ACCEPTED)
def test_parse_corpus_detection_matches_manifest(name: str) -> None:
    entry = MANIFEST[name]
    source = SourceFile(DATA / name)
    info = source.info
    assert info.file_name == name
    assert info.file_type == entry["file_type"]
    if info.file_type in ("json", "jsonl"):
        assert info.delimiter is None
        assert info.encoding == "utf-8"
    elif info.file_type == "csv":
        assert info.encoding == entry["encoding"]
        assert info.delimiter == entry["delimiter"]
    else:
        assert info.sheet == entry["sheet"]
        assert info.encoding is None and info.delimiter is None
    if "header_row" in entry:
        assert info.header_row == entry["header_row"]
    assert info.source_columns == entry["source_columns"]
    assert source.count_rows() == entry["total_rows"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_parse_corpus_rows_errors_and_cells(name: str) -> None:
    entry = MANIFEST[name]
    source = SourceFile(DATA / name)
    frame, bad, errors = read_all(source)
    expected_errors = [e["row"] for e in entry.get("row_errors", [])]
    assert [e.row for e in errors] == expected_errors
    assert list(bad.index) == expected_errors
    assert list(frame.columns) == entry["source_columns"]
    assert list(bad.columns) == entry["source_columns"]
    # every data row is numbered 1..n once, in order, good or bad
    numbers = sorted([*frame.index, *bad.index])
    assert numbers == list(range(1, entry["total_rows"] + 1))
    assert list(frame.index) == sorted(frame.index)
    for check in entry.get("checks", []):
        got = frame.loc[check["row"], check["column"]]
        assert got == check["value"], (check, got)
    assert all(v is None or isinstance(v, str) for v in frame.to_numpy().ravel())


def test_parse_corpus_ragged_rows_errors_name_field_counts() -> None:
    _, bad, errors = read_all(SourceFile(DATA / "ragged_rows.csv"))
    assert [(e.row, e.field) for e in errors] == [(3, None), (6, None)]
    assert "6 fields" in errors[0].error and "header has 5" in errors[0].error
    assert "7 fields" in errors[1].error and "header has 5" in errors[1].error
    assert bad.loc[3].notna().any()


@pytest.mark.parametrize("name", REJECTED)
def test_parse_corpus_rejected_files_say_why_in_one_line(name: str) -> None:
    entry = MANIFEST[name]
    with pytest.raises(InputRejected) as caught:
        source = SourceFile(DATA / name)
        # a file refused only for its content is still detected like the manifest says
        assert "source_columns" in entry, f"{name} was not refused at detection"
        assert source.info.file_type == entry["file_type"]
        assert source.info.source_columns == entry["source_columns"]
        source.count_rows()
    message = str(caught.value)
    assert_one_line(message)
    for word in REJECTION_WORDS[name]:
        assert word.casefold() in message.casefold(), message


@pytest.mark.parametrize("name", ["xxe.xlsx", "entity_bomb.xlsx"])
def test_parse_corpus_hostile_xml_rejected_before_reading(name: str) -> None:
    with pytest.raises(InputRejected) as caught:
        SourceFile(DATA / name)
    assert "root:" not in str(caught.value)
    assert "lol" not in str(caught.value)


def test_parse_corpus_rejected_names_cover_every_rejected_file() -> None:
    assert set(REJECTION_WORDS) == set(REJECTED)


def test_parse_oversize_file_rejected_before_parsing(tmp_path: Path) -> None:
    path = make_oversize_csv(tmp_path / "big.csv", 1.5)
    with pytest.raises(InputRejected) as caught:
        SourceFile(path, ParseHints(max_file_mb=1))
    message = str(caught.value)
    assert_one_line(message)
    assert "1 MB limit" in message and "max_file_mb" in message
    assert SourceFile(path, ParseHints(max_file_mb=2)).info.source_columns == [
        "First Name",
        "Last Name",
        "Email",
        "Phone",
    ]


def test_parse_csv_as_xlsx_reads_as_csv_from_content() -> None:
    info = SourceFile(DATA / "csv_as.xlsx").info
    assert (info.file_type, info.delimiter, info.source_columns) == (
        "csv",
        ",",
        ["Email", "First Name", "Last Name"],
    )


def test_parse_json_disguised_as_csv_reads_as_jsonl() -> None:
    disguised = SourceFile(DATA / "json_disguised.csv")
    plain = SourceFile(DATA / "contacts.jsonl")
    assert disguised.info.file_type == "jsonl"
    pd.testing.assert_frame_equal(read_all(disguised)[0], read_all(plain)[0])


def test_parse_quoted_fields_keep_newlines_quotes_and_delimiters() -> None:
    frame = read_all(SourceFile(DATA / "quoted_newlines.csv"))[0]
    assert frame.loc[1, "Notes"].count("\n") == 2
    assert frame.loc[3, "Notes"] == "Line one\r\nLine two (CRLF inside the quotes)"
    assert frame.loc[2, "Company"] == 'The "Best" Widgets Inc.'
    assert frame.loc[5, "Notes"] == "a,b,c\n\nd"


def test_parse_cp1252_and_utf16_decoded() -> None:
    german = read_all(SourceFile(DATA / "german_excel.csv"))[0]
    assert german.loc[1, "Notizen"] == "Umsatz 2023: 12.500,00 €"
    assert german.loc[3, "Notizen"] == "Rückruf erbeten \u2013 \u201edringend\u201c"
    assert "Straße" in german.columns
    wide = read_all(SourceFile(DATA / "utf16_tabs.txt"))[0]
    assert wide.loc[1, "Full Name"] == "王小明"
    assert wide.loc[3, "Notes"].endswith("🎉")


def test_parse_bom_does_not_leak_into_first_column() -> None:
    info = SourceFile(DATA / "outlook_contacts.csv").info
    assert info.source_columns[0] == "First Name"


def test_parse_null_like_values_stay_text() -> None:
    frame = read_all(SourceFile(DATA / "null_like_values.csv"))[0]
    values = set(frame.to_numpy().ravel()) - {None}
    assert {"NULL", "N/A", "NA", "None", "NaN", "null", "Null"} <= values
    assert frame.loc[7, "First Name"] is None
    assert frame.loc[7, "Country"] == "   "  # blank but kept: normalization empties it


def test_parse_xlsx_numbers_dates_and_bools_as_text() -> None:
    frame = read_all(SourceFile(DATA / "contacts.xlsx"))[0]
    phones = [v for v in frame["Phone"].tolist() + frame["Mobile"].tolist() if v]
    assert not [p for p in phones if p.endswith(".0") or "e+" in p.casefold()]
    assert frame.loc[1, "Phone"] == "4155550100"
    assert frame.loc[1, "Zip"] == "02134"
    assert frame.loc[1, "Birthday"] == "1985-04-12"
    assert frame.loc[1, "Created At"] == "2023-03-15T09:30:00"
    assert frame.loc[1, "Subscribed"] == "true"
    assert frame.loc[2, "Subscribed"] == "false"


def test_parse_xls_numbers_and_dates_as_text() -> None:
    frame = read_all(SourceFile(DATA / "contacts.xls"))[0]
    assert frame.loc[1, "Phone"] == "4155550100"
    assert frame.loc[1, "Birthday"] == "1985-04-12"
    assert frame.loc[1, "Score"] == "4.5"
    assert frame.loc[4, "First Name"] == "Ümit"


def test_parse_json_nested_objects_and_lists() -> None:
    frame = read_all(SourceFile(DATA / "contacts.json"))[0]
    assert frame.loc[1, "address.city"] == "London"
    assert frame.loc[1, "tags"] == "vip; math"
    assert frame.loc[2, "phone"] == "2025550123"
    assert frame.loc[1, "subscribed"] == "true"
    assert frame.loc[3, "phone"] is None


def test_parse_header_only_file_has_zero_rows() -> None:
    source = SourceFile(DATA / "header_only.csv")
    assert source.count_rows() == 0
    assert list(source.chunks()) == []
    assert list(source.sample().columns) == ["First Name", "Last Name", "Email"]


def test_parse_sample_is_the_first_rows() -> None:
    sample = SourceFile(DATA / "google_contacts.csv").sample(3)
    assert list(sample.index) == [1, 2, 3]


# -- hints -------------------------------------------------------------------------------------


def test_parse_header_row_hint_equals_detection() -> None:
    detected = SourceFile(DATA / "linkedin_connections.csv")
    hinted = SourceFile(DATA / "linkedin_connections.csv", ParseHints(header_row=4))
    assert hinted.info == detected.info
    pd.testing.assert_frame_equal(read_all(hinted)[0], read_all(detected)[0])


def test_parse_header_row_hint_overrides_detection() -> None:
    source = SourceFile(DATA / "quoted_newlines.csv", ParseHints(header_row=2))
    assert source.info.header_row == 2
    assert source.info.source_columns[0] == "Alice"
    assert source.count_rows() == 4


def test_parse_header_row_hint_on_blank_line_rejected() -> None:
    with pytest.raises(InputRejected) as caught:
        SourceFile(DATA / "linkedin_connections.csv", ParseHints(header_row=3))
    assert_one_line(str(caught.value))
    assert "header_row 3" in str(caught.value)


def test_parse_header_row_hint_for_sheet() -> None:
    source = SourceFile(DATA / "contacts.xlsx", ParseHints(header_row=3))
    assert source.info.source_columns == MANIFEST["contacts.xlsx"]["source_columns"]
    with pytest.raises(InputRejected, match="header_row 2"):
        SourceFile(DATA / "contacts.xlsx", ParseHints(header_row=2))


def test_parse_sheet_hint_reads_that_sheet() -> None:
    expected = MANIFEST["contacts.xlsx"]["sheets"]["Companies"]
    source = SourceFile(DATA / "contacts.xlsx", ParseHints(sheet="Companies"))
    assert source.info.sheet == "Companies"
    assert source.info.header_row == expected["header_row"]
    assert source.info.source_columns == expected["source_columns"]
    assert source.count_rows() == expected["total_rows"]
    frame = read_all(source)[0]
    for check in expected["checks"]:
        assert frame.loc[check["row"], check["column"]] == check["value"]


def test_parse_sheet_hint_ignores_case() -> None:
    assert SourceFile(DATA / "contacts.xlsx", ParseHints(sheet="companies")).info.sheet == (
        "Companies"
    )


def test_parse_unknown_sheet_lists_the_sheets() -> None:
    with pytest.raises(InputRejected) as caught:
        SourceFile(DATA / "contacts.xlsx", ParseHints(sheet="People"))
    message = str(caught.value)
    assert_one_line(message)
    assert "'People'" in message and "'Contacts'" in message and "'Companies'" in message


def test_parse_encoding_hint_used_and_reported() -> None:
    source = SourceFile(DATA / "german_excel.csv", ParseHints(encoding="windows-1252"))
    assert source.info.encoding == "cp1252"
    assert read_all(source)[0].loc[1, "Straße"] == "Königstraße 12"
    latin = SourceFile(DATA / "german_excel.csv", ParseHints(encoding="latin-1"))
    assert latin.info.encoding == "latin-1"
    assert latin.count_rows() == 6


def test_parse_wrong_encoding_hint_rejected_with_advice() -> None:
    with pytest.raises(InputRejected) as caught:
        SourceFile(DATA / "german_excel.csv", ParseHints(encoding="utf-8"))
    message = str(caught.value)
    assert_one_line(message)
    assert "not valid utf-8" in message and "cp1252" in message


def test_parse_unknown_encoding_hint_rejected() -> None:
    with pytest.raises(InputRejected, match="Unknown encoding 'klingon'"):
        SourceFile(DATA / "groups.csv", ParseHints(encoding="klingon"))


def test_parse_utf8_hint_on_bom_file_strips_the_bom() -> None:
    source = SourceFile(DATA / "outlook_contacts.csv", ParseHints(encoding="UTF8"))
    assert source.info.encoding == "utf-8-sig"
    assert source.info.source_columns[0] == "First Name"


@pytest.mark.parametrize("hint", ["\t", "\\t", "tab"])
def test_parse_delimiter_hint_tab_spellings(hint: str) -> None:
    source = SourceFile(DATA / "utf16_tabs.txt", ParseHints(delimiter=hint))
    assert source.info.delimiter == "\t"
    assert source.info.source_columns == MANIFEST["utf16_tabs.txt"]["source_columns"]


def test_parse_delimiter_hint_overrides_detection() -> None:
    source = SourceFile(DATA / "pipe_delimited.txt", ParseHints(delimiter=","))
    assert source.info.delimiter == ","
    assert source.info.source_columns != MANIFEST["pipe_delimited.txt"]["source_columns"]
    assert SourceFile(DATA / "german_excel.csv", ParseHints(delimiter=";")).count_rows() == 6


def test_parse_unusable_delimiter_hint_rejected() -> None:
    with pytest.raises(InputRejected) as caught:
        SourceFile(DATA / "groups.csv", ParseHints(delimiter=";;"))
    assert_one_line(str(caught.value))
    assert "delimiter" in str(caught.value)


def test_parse_file_name_overrides_path_name() -> None:
    source = SourceFile(DATA / "groups.csv", file_name="upload-17.csv")
    assert source.info.file_name == "upload-17.csv"
    with pytest.raises(InputRejected, match=r"upload-17\.png"):
        SourceFile(DATA / "png_renamed.csv", file_name="upload-17.png")


def test_parse_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match="not found"):
        SourceFile(tmp_path / "nope.csv")
