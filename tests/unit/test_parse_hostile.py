"""Files that lie about what they are, stress the streaming reader at its boundaries, or try to
exhaust memory: each is read correctly or rejected with one clear line, never a traceback."""

from __future__ import annotations

import codecs
import gzip
import json
import os
import random
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.errors import InputRejected
from pipelines.imports import parse
from pipelines.imports.parse import (
    JSON_BLOCK_CHARS,
    MAX_CELL_CHARS,
    SNIFF_BYTES,
    ParseHints,
    RawChunk,
    SourceFile,
)


def rejection(path: Path, hints: ParseHints | None = None) -> str:
    """The message a file is rejected with, whether at detection or while reading."""
    with pytest.raises(InputRejected) as caught:
        SourceFile(path, hints).count_rows()
    message = str(caught.value)
    assert message.strip() and "\n" not in message and "\r" not in message, message
    return message


def read_all(source: SourceFile, chunk_rows: int = 50_000) -> pd.DataFrame:
    frames = [c.frame for c in source.chunks(chunk_rows)]
    return pd.concat(frames) if frames else pd.DataFrame(columns=source.info.source_columns)


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Contacts"
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def rewrite_zip(source: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of the archive with some members replaced or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename not in changes:
                new.writestr(info, old.read(info.filename))
        for name, data in changes.items():
            new.writestr(name, data)
    return target


SIMPLE_ROWS: list[list[object]] = [["Name", "Email"], ["Ann", "ann@example.com"]]


# -- not what the extension says ------------------------------------------------------------------


def test_parse_pdf_named_csv_rejected(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
    assert "PDF" in rejection(path)


def test_parse_gzip_named_xlsx_rejected(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(gzip.compress(b"Name,Email\nAnn,ann@example.com\n"))
    assert "gzip" in rejection(path)


def test_parse_zip_that_is_not_a_workbook_rejected(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("contacts.csv", "Name,Email\nAnn,ann@example.com\n")
    message = rejection(path)
    assert "ZIP archive" in message and "not an Excel workbook" in message


@pytest.mark.parametrize(
    ("members", "named"),
    [
        ({"xl/workbook.bin": b"\x00" * 16}, ".xlsb"),
        ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}, ".ods"),
        ({"word/document.xml": b"<w:document/>"}, "Word document"),
    ],
)
def test_parse_other_office_archives_named(
    tmp_path: Path, members: dict[str, bytes], named: str
) -> None:
    path = tmp_path / "contacts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert named in rejection(path)


def test_parse_truncated_zip_rejected(tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", SIMPLE_ROWS).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert "damaged" in rejection(path)


def test_parse_random_binary_with_nuls_rejected(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    # Seeded: some random starts are a known signature (gzip, PDF, ...) and get that message.
    noise = random.Random(20261205).randbytes(4096)
    path.write_bytes(noise.replace(b"PK", b"pk") + b"\x00\x00\x00")
    assert "binary" in rejection(path)


def test_parse_fake_xls_rejected(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2048))
    assert ".xls" in rejection(path)


def test_parse_encrypted_workbook_named(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le")
    )
    assert "password" in rejection(path)


def test_parse_folder_rejected(tmp_path: Path) -> None:
    assert "folder" in rejection(tmp_path)


def test_parse_bracketed_csv_header_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("[Name],[Email]\nAnn,ann@example.com\n", encoding="utf-8")
    source = SourceFile(path)
    assert source.info.file_type == "csv"
    assert source.info.source_columns == ["[Name]", "[Email]"]


def test_parse_json_wrapper_object_on_one_line_rejected(tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    path.write_text(json.dumps({"contacts": [{"email": "a@example.com"}], "count": 1}))
    assert "'contacts'" in rejection(path)


# -- hostile workbooks ----------------------------------------------------------------------------

DTD = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def test_parse_dtd_after_long_comment_rejected(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", SIMPLE_ROWS)
    with zipfile.ZipFile(good) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    padded = b'<?xml version="1.0"?>\n<!--' + b" " * 20_000 + b"-->\n" + DTD + sheet
    path = rewrite_zip(good, tmp_path / "padded.xlsx", {"xl/worksheets/sheet1.xml": padded})
    assert "DTD" in rejection(path)


def test_parse_dtd_in_utf16_part_rejected(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", SIMPLE_ROWS)
    with zipfile.ZipFile(good) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    text = '<?xml version="1.0" encoding="UTF-16"?>' + DTD.decode() + sheet
    encoded = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    path = rewrite_zip(good, tmp_path / "utf16.xlsx", {"xl/worksheets/sheet1.xml": encoded})
    assert "DTD" in rejection(path)


def test_parse_dtd_in_part_without_xml_extension_rejected(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", SIMPLE_ROWS)
    part = b'<?xml version="1.0"?>' + DTD + b"<x>&xxe;</x>"
    path = rewrite_zip(good, tmp_path / "odd.xlsx", {"xl/custom/data.bin": part})
    assert "DTD" in rejection(path)


def test_parse_unterminated_xml_prolog_rejected(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", SIMPLE_ROWS)
    endless = b'<?xml version="1.0"?><!--' + b"x" * 200_000 + b"-->" + DTD + b"<worksheet/>"
    path = rewrite_zip(good, tmp_path / "endless.xlsx", {"xl/worksheets/sheet1.xml": endless})
    assert "DTD" in rejection(path)


def test_parse_xlsx_with_wrong_dimension_reads_every_cell(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Name", "Email", "Phone"]]
    rows += [[f"P{i}", f"p{i}@example.com", 4155550100 + i] for i in range(40)]
    good = write_xlsx(tmp_path / "good.xlsx", rows)
    with zipfile.ZipFile(good) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:C41" />' in sheet
    wrong = sheet.replace(b'<dimension ref="A1:C41" />', b'<dimension ref="A1" />')
    path = rewrite_zip(good, tmp_path / "wrong.xlsx", {"xl/worksheets/sheet1.xml": wrong})
    source = SourceFile(path)
    assert source.info.source_columns == ["Name", "Email", "Phone"]
    frame = read_all(source)
    assert len(frame) == 40
    assert frame.loc[40, "Phone"] == "4155550139"


def test_parse_xlsx_header_row_hint_beyond_detection_window(tmp_path: Path) -> None:
    rows: list[list[object]] = [[f"note {i}"] for i in range(45)]
    rows += [["Name", "Email"], ["Ann", "ann@example.com"]]
    path = write_xlsx(tmp_path / "late.xlsx", rows)
    source = SourceFile(path, ParseHints(header_row=46))
    assert source.info.source_columns == ["Name", "Email"]
    assert read_all(source).loc[1, "Email"] == "ann@example.com"


def test_parse_xlsx_fractions_read_as_excel_shows_them(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "n.xlsx", [["Name", "Score", "Big"], ["Ann", 0.1 + 0.2, 1e20]])
    frame = read_all(SourceFile(path))
    assert frame.loc[1, "Score"] == "0.3"
    assert frame.loc[1, "Big"] == "1e+20"


# -- long lines, odd line endings, ragged rows ----------------------------------------------------


def test_parse_very_long_lines_across_the_sniff_window(tmp_path: Path) -> None:
    note = "x" * (MAX_CELL_CHARS - 7)
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("Name,Email,Notes\r\n")
        for i in range(45):
            handle.write(f'P{i},p{i}@example.com,"{i:06d},{note}"\r\n')
    assert path.stat().st_size > SNIFF_BYTES
    source = SourceFile(path)
    assert (source.info.delimiter, source.info.source_columns) == (",", ["Name", "Email", "Notes"])
    frame = read_all(source)
    assert len(frame) == 45
    assert frame.loc[45, "Notes"] == f"{44:06d},{note}"


def test_parse_line_with_thousands_of_fields_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    wide = ",".join(f"field {i}" for i in range(100_000))
    path.write_text(f"Name,Email\nAnn,ann@example.com\n{wide}\nBob,bob@example.com\n")
    chunks = list(SourceFile(path).chunks())
    errors = [e for c in chunks for e in c.errors]
    assert [(e.row, e.error) for e in errors] == [(2, "row has 100000 fields, the header has 2")]
    assert [i for c in chunks for i in c.frame.index] == [1, 3]


def test_parse_unclosed_quote_named_in_rejection(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    lines = [f"P{i},p{i}@example.com,fine" for i in range(3000)]
    path.write_text('Name,Email,Notes\nAnn,ann@example.com,"oops\n' + "\n".join(lines) + "\n")
    message = rejection(path)
    assert "32,767" in message and "quote" in message


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_parse_line_endings(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "endings.csv"
    lines = ["Name,Email,Notes", 'Ann,ann@example.com,"two\nlines"', "Bob,bob@example.com,"]
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    frame = read_all(SourceFile(path))
    assert frame.to_numpy().tolist() == [
        ["Ann", "ann@example.com", "two\nlines"],
        ["Bob", "bob@example.com", None],
    ]


def test_parse_delimiter_only_rows_are_not_records(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("Name;Email\n;\nAnn;ann@example.com\n ; \n;\nBob;bob@example.com\n;;\n")
    source = SourceFile(path)
    assert source.count_rows() == 2
    assert read_all(source)["Name"].tolist() == ["Ann", "Bob"]


def test_parse_ragged_rows_numbered_across_chunk_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    lines = ["A,B,C", "1,1,1", "2,2,2,extra", "3,3", "4,4,4,x,y", "5,5,5,", "", "6,6,6,,more", "7"]
    path.write_text("\n".join(lines) + "\n")
    chunks: list[RawChunk] = list(SourceFile(path).chunks(chunk_rows=2))
    assert [len(c.frame) + len(c.bad) for c in chunks] == [2, 2, 2, 1]
    assert [list(c.frame.index) for c in chunks] == [[1], [3], [5], [7]]
    assert [list(c.bad.index) for c in chunks] == [[2], [4], [6], []]
    assert [[e.row for e in c.errors] for c in chunks] == [[2], [4], [6], []]
    assert chunks[1].errors[0].error == "row has 5 fields, the header has 3"
    assert chunks[2].errors[0].error == "row has 5 fields, the header has 3"
    assert chunks[1].frame.loc[3].tolist() == ["3", "3", None]
    assert chunks[2].frame.loc[5].tolist() == ["5", "5", "5"]
    assert chunks[3].frame.loc[7].tolist() == ["7", None, None]
    assert chunks[0].bad.loc[2].tolist() == ["2", "2", "2"]


# -- encodings found past the first megabyte ------------------------------------------------------


def test_parse_cp1252_byte_after_the_sniff_window(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    filler = b"".join(b"P%d,p%d@example.com\r\n" % (i, i) for i in range(60_000))
    path.write_bytes(b"Name,Email\r\n" + filler + "Café €,cafe@example.com\r\n".encode("cp1252"))
    assert path.stat().st_size > SNIFF_BYTES
    source = SourceFile(path)
    assert source.info.encoding == "cp1252"
    frame = read_all(source)
    assert frame.loc[len(frame), "Name"] == "Café €"


def test_parse_latin1_when_bytes_undefined_in_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"Name,Email\nJos\xe9\x81,jose@example.com\n")
    source = SourceFile(path)
    assert source.info.encoding == "latin-1"
    assert read_all(source).loc[1, "Name"] == "José\x81"


# -- JSON streaming -------------------------------------------------------------------------------


def json_records(count: int) -> list[dict[str, object]]:
    return [
        {
            "id": i,
            "email": f"person{i}@example.com",
            "name": f"Person {i} " + "é" * (i % 37),
            "score": i * 1234567 + 0.5,
            "tags": ["a", f"t{i}"],
            "address": {"city": f"City {i}", "zip": f"{i:05d}"},
        }
        for i in range(count)
    ]


@pytest.mark.parametrize("indent", [None, 2])
def test_parse_json_array_streams_across_read_blocks(tmp_path: Path, indent: int | None) -> None:
    records = json_records(2000)
    path = tmp_path / "many.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=indent), encoding="utf-8")
    assert path.stat().st_size > 4 * JSON_BLOCK_CHARS
    source = SourceFile(path)
    assert source.info.file_type == "json"
    assert source.info.source_columns == [
        "id",
        "email",
        "name",
        "score",
        "tags",
        "address.city",
        "address.zip",
    ]
    assert source.count_rows() == 2000
    frame = read_all(source, chunk_rows=333)
    assert list(frame.index) == list(range(1, 2001))
    for i in (0, 1, 776, 1999):
        row = frame.loc[i + 1]
        assert row["id"] == str(i)
        assert row["name"] == records[i]["name"]
        assert row["score"] == repr(i * 1234567 + 0.5)
        assert row["tags"] == f"a; t{i}"
        assert row["address.zip"] == f"{i:05d}"


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
def test_parse_json_tiny_read_blocks_give_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Every item, string, escape, number and multi-byte character straddles some boundary."""
    records = json_records(60)
    records[3]["notes"] = 'quote " backslash \\ tab \t unicode \u00e9 emoji 😀 ]}'
    path = tmp_path / "small.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    expected = read_all(SourceFile(path))
    monkeypatch.setattr(parse, "JSON_BLOCK_CHARS", block)
    source = SourceFile(path)
    assert source.info.source_columns == list(expected.columns)
    pd.testing.assert_frame_equal(read_all(source, chunk_rows=7), expected)
    assert expected.loc[4, "notes"] == records[3]["notes"]


def test_parse_json_top_level_number_split_by_a_block_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "numbers.json"
    path.write_text('[{"email": "a@example.com"}, 123456789]', encoding="utf-8")
    monkeypatch.setattr(parse, "JSON_BLOCK_CHARS", 3)
    message = rejection(path)
    assert "Record 2" in message and "not a JSON object" in message


def test_parse_json_item_larger_than_a_block(tmp_path: Path) -> None:
    notes = ["n" * 30_000, "m" * 30_000, "o" * 30_000]
    path = tmp_path / "big.json"
    record = {"email": "a@example.com", "n1": notes[0], "n2": notes[1], "n3": notes[2]}
    path.write_text(json.dumps([record, {"email": "b@example.com"}]), encoding="utf-8")
    frame = read_all(SourceFile(path))
    assert frame.loc[1, "n3"] == notes[2] and frame.loc[2, "email"] == "b@example.com"


def test_parse_json_whitespace_longer_than_a_block(tmp_path: Path) -> None:
    path = tmp_path / "spaced.json"
    gap = " \n" * JSON_BLOCK_CHARS
    path.write_text(f'\ufeff{gap}[{gap}{{"email": "a@example.com"}}{gap},{gap}]', encoding="utf-8")
    assert read_all(SourceFile(path))["email"].tolist() == ["a@example.com"]


def test_parse_json_error_reports_the_file_line(tmp_path: Path) -> None:
    records = json_records(3000)
    text = json.dumps(records, indent=2)
    lines = text.split("\n")
    target = 40_001
    assert lines[target - 1].strip().startswith('"')
    lines[target - 1] = lines[target - 1].replace('"', "'", 1)
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines), encoding="utf-8")
    message = rejection(path)
    assert f"line {target}" in message and "not valid JSON" in message


def test_parse_json_early_error_is_reported_without_reading_on(tmp_path: Path) -> None:
    path = tmp_path / "early.json"
    item = json.dumps({"email": "a@example.com", "notes": "n" * 200})
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('[{"email": "a@example.com"},\n{"email": oops},\n')
        for _ in range(20):
            handle.write(",\n".join([item] * 5_000) + ",\n")
        handle.write(item + "]")
    assert path.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        message = rejection(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "Expecting value at line 2" in message
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1048576:.1f} MB"


def test_parse_json_case_colliding_keys_keep_their_values(tmp_path: Path) -> None:
    path = tmp_path / "keys.jsonl"
    path.write_text('{"Email": "a@example.com", "email": "b@example.com", "": "x"}\n')
    source = SourceFile(path)
    assert source.info.source_columns == ["Email", "email (2)", "Column 3"]
    assert read_all(source).loc[1].tolist() == ["a@example.com", "b@example.com", "x"]


# -- memory ---------------------------------------------------------------------------------------


def test_parse_streams_large_csv_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    rows = 200_000
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("First Name,Last Name,Email,Phone,Company,Notes\r\n")
        for start in range(0, rows, 10_000):
            handle.write(
                "".join(
                    f"Person{i},Last {i},person{i}@example.com,+1 415 555 {i % 10_000:04d},"
                    f'Company {i % 997},"Note, number {i}"\r\n'
                    for i in range(start, start + 10_000)
                )
            )
    assert path.stat().st_size > 15_000_000
    tracemalloc.start()
    try:
        source = SourceFile(path)
        seen = 0
        last = 0
        for chunk in source.chunks(chunk_rows=10_000):
            seen += len(chunk.frame)
            last = int(chunk.frame.index[-1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (seen, last) == (rows, rows)
    # Holding every row at once takes about 100 MB here.
    assert peak < 60 * 1024 * 1024, f"peak {peak / 1048576:.1f} MB"


def test_parse_streams_large_json_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "large.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for start in range(0, 50_000, 10_000):
            handle.write(
                "".join(
                    json.dumps({"email": f"p{i}@example.com", "name": f"Person {i}", "n": i}) + "\n"
                    for i in range(start, start + 10_000)
                )
            )
    array = tmp_path / "large.json"
    with open(path, encoding="utf-8") as lines, open(array, "w", encoding="utf-8") as out:
        out.write("[" + ",".join(line.strip() for line in lines) + "]")
    for candidate in (path, array):
        tracemalloc.start()
        try:
            source = SourceFile(candidate)
            seen = sum(len(c.frame) for c in source.chunks(chunk_rows=10_000))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert seen == 50_000
        # json.load of this array alone peaks at about 17 MB.
        assert peak < 12 * 1024 * 1024, f"{candidate.name}: peak {peak / 1048576:.1f} MB"


def test_parse_default_chunks_hold_a_bounded_number_of_cells(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    header = ",".join(f"Field {i}" for i in range(100))
    row = ",".join(str(i) for i in range(100))
    path.write_text(header + "\n" + (row + "\n") * 12_000)
    sizes = [len(c.frame) for c in SourceFile(path).chunks()]
    assert sum(sizes) == 12_000
    assert max(sizes) * 100 <= parse.CHUNK_CELLS


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
@pytest.mark.parametrize("kind", ["csv", "xlsx", "json"])
def test_parse_readers_close_files_when_abandoned(tmp_path: Path, kind: str) -> None:
    rows: list[list[object]] = [["Name", "Email"]] + [[f"P{i}", f"p{i}@x.org"] for i in range(9)]
    path = tmp_path / f"c.{kind}"
    if kind == "xlsx":
        write_xlsx(path, rows)
    elif kind == "json":
        path.write_text(json.dumps([dict(zip(rows[0], r, strict=True)) for r in rows[1:]]))
    else:
        path.write_text("".join(f"{r[0]},{r[1]}\n" for r in rows))
    source = SourceFile(path)
    before = len(os.listdir("/proc/self/fd"))
    chunks = source.chunks(chunk_rows=2)
    assert list(next(chunks).frame.index) == [1, 2]
    reading = len(os.listdir("/proc/self/fd"))
    # calamine loads the sheet and closes the workbook at once; text files stay open while read
    assert reading == before if kind == "xlsx" else reading > before
    chunks.close()
    assert len(os.listdir("/proc/self/fd")) == before
    assert source.sample(3).index.tolist() == [1, 2, 3]
    assert len(os.listdir("/proc/self/fd")) == before
