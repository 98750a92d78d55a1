"""Checks MANIFEST.yaml against the files in tests/data with plain readers, not the project's.

    .venv/bin/python tests/data/check_manifest.py          # fast checks
    .venv/bin/python tests/data/check_manifest.py --deep   # also inflate both zip bombs (~10 s)

Text files are read with the csv module using the manifest's encoding and delimiter, xlsx
with openpyxl, xls with xlrd, JSON with json and pandas.json_normalize. Prints one line per
file and exits 1 on the first disagreement.
"""

from __future__ import annotations

import csv
import io
import json
import struct
import sys
import tempfile
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
NOT_CORPUS = {"MANIFEST.yaml", "README.md", "make_corpus.py", "check_manifest.py"}
MAX_CELL = 32_767
BIG_FILES = {"zip_bomb.xlsx", "zip_bomb_deflate.xlsx"}

csv.field_size_limit(1 << 24)


class Mismatch(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


def unique(names: list[Any]) -> list[str]:
    """The SPEC's rule: blank -> 'Column N' (1-based position), repeats -> 'Name (k)'."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw).strip()
        name = name or f"Column {position}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text != "" else None


def check_cells(entry: dict[str, Any], columns: list[str], records: list[list[Any]]) -> None:
    for check in entry.get("checks", []):
        row, column = check["row"], check["column"]
        record = records[row - 1]
        index = columns.index(column)
        got = as_text(record[index]) if index < len(record) else None
        expect(
            got == check["value"],
            f"row {row} {column!r}: file has {got!r}, manifest says {check['value']!r}",
        )


# -- text ------------------------------------------------------------------------------------


def decode(raw: bytes, encoding: str) -> str:
    if encoding == "utf-8-sig":
        expect(raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM")
        return raw.decode("utf-8-sig")
    if encoding == "utf-16":
        expect(raw[:2] in (b"\xff\xfe", b"\xfe\xff"), "no UTF-16 BOM")
        return raw.decode("utf-16")
    if encoding == "utf-8":
        expect(not raw.startswith(b"\xef\xbb\xbf"), "has a BOM: would be utf-8-sig")
        return raw.decode("utf-8")
    if encoding == "cp1252":
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise Mismatch("decodes as UTF-8")
        expect(any(0x80 <= b <= 0x9F for b in raw), "no 0x80-0x9F byte: latin-1 would do")
        return raw.decode("cp1252")
    if encoding == "latin-1":
        return raw.decode("latin-1")
    raise Mismatch(f"unknown encoding {encoding}")


def check_text(name: str, entry: dict[str, Any]) -> None:
    raw = (HERE / name).read_bytes()
    text = decode(raw, entry["encoding"])
    delimiter = entry["delimiter"]
    lines = text.splitlines(keepends=True)
    header_line = entry["header_row"]
    preamble, rest = lines[: header_line - 1], "".join(lines[header_line - 1 :])
    reader = csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter)
    header = next(reader)
    columns = unique(header)
    expect(columns == entry["source_columns"], f"header {columns} != manifest")
    expect(len(header) > 1, "one column only: wrong delimiter?")
    for line in preamble:
        fields = next(csv.reader([line], delimiter=delimiter), [])
        expect(len(fields) < len(header), f"preamble line {line!r} looks like a header")
    records = [r for r in reader if any(field.strip() for field in r)]
    expect(
        len(records) == entry["total_rows"],
        f"{len(records)} records, manifest says {entry['total_rows']}",
    )
    too_long = [i for i, r in enumerate(records, start=1) if len(r) > len(header)]
    expected = [e["row"] for e in entry.get("row_errors", [])]
    expect(too_long == expected, f"rows with too many fields {too_long} != {expected}")
    if not expected:
        widths = {len(r) for r in records}
        expect(widths <= {len(header)}, f"field counts {widths} != header width {len(header)}")
    longest = max((len(f) for r in records for f in r), default=0)
    if "32,767" in str(entry.get("rejected", "")):
        expect(longest > MAX_CELL, "no cell over 32,767 characters")
    else:
        expect(longest <= MAX_CELL, "a cell is over 32,767 characters")
    check_cells(entry, columns, records)


# -- spreadsheets ----------------------------------------------------------------------------


def _sheet_rows(rows: list[list[Any]], entry: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header_row = entry["header_row"]
    for above in rows[: header_row - 1]:
        filled = sum(v not in (None, "") for v in above)
        expect(filled <= 1, f"preamble row {above} looks like a header")
    header = list(rows[header_row - 1])
    while header and header[-1] in (None, ""):
        header.pop()
    columns = unique(header)
    expect(columns == entry["source_columns"], f"header {columns} != manifest")
    records = [
        list(r) for r in rows[header_row:] if any(v is not None and str(v).strip() for v in r)
    ]
    expect(
        len(records) == entry["total_rows"],
        f"{len(records)} records, manifest says {entry['total_rows']}",
    )
    check_cells(entry, columns, records)
    return columns, records


def check_types(
    entry: dict[str, Any],
    columns: list[str],
    records: list[list[Any]],
    xls_types: list[list[int]] | None = None,
) -> None:
    for spec in entry.get("cell_types", []):
        row, column, kind = spec["row"], spec["column"], spec["type"]
        value = records[row - 1][columns.index(column)]
        if kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind == "number":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "str":
            ok = isinstance(value, str)
        elif kind == "date":
            ok = isinstance(value, date) and (
                not isinstance(value, datetime) or value.time() == datetime.min.time()
            )
            if isinstance(value, datetime):
                value = value.date()
        elif kind == "datetime":
            ok = isinstance(value, datetime)
        else:
            raise Mismatch(f"unknown cell type {kind}")
        expect(ok, f"row {row} {column!r} is {type(value).__name__} {value!r}, not {kind}")
        if "value" in spec:
            got = value.isoformat() if isinstance(value, date) else value
            expect(got == spec["value"], f"row {row} {column!r}: {got!r} != {spec['value']!r}")


def check_xlsx(name: str, entry: dict[str, Any]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(HERE / name, data_only=True)
    expect(wb.sheetnames[0] == entry["sheet"], f"first sheet is {wb.sheetnames[0]}")
    for sheet, spec in [(entry["sheet"], entry), *entry.get("sheets", {}).items()]:
        rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
        columns, records = _sheet_rows(rows, spec)
        check_types(spec, columns, records)


def check_xls(name: str, entry: dict[str, Any]) -> None:
    import xlrd

    book = xlrd.open_workbook(str(HERE / name))
    ws = book.sheet_by_index(0)
    expect(ws.name == entry["sheet"], f"first sheet is {ws.name}")

    def value(r: int, c: int) -> Any:
        cell = ws.cell(r, c)
        if cell.ctype == xlrd.XL_CELL_DATE:
            return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
        if cell.ctype == xlrd.XL_CELL_EMPTY:
            return None
        return cell.value

    rows = [[value(r, c) for c in range(ws.ncols)] for r in range(ws.nrows)]
    columns, records = _sheet_rows(rows, entry)
    check_types(entry, columns, records)


def check_disguised_xlsx(name: str, entry: dict[str, Any]) -> None:
    expect(not zipfile.is_zipfile(HERE / name), "is a zip")
    check_text(name, entry)


# -- JSON ------------------------------------------------------------------------------------


def check_json_records(entry: dict[str, Any], records: list[Any]) -> None:
    import pandas as pd

    expect(all(isinstance(r, dict) for r in records), "not all records are objects")
    frame = pd.json_normalize(records)
    columns = list(frame.columns)
    expect(columns == entry["source_columns"], f"columns {columns} != manifest")
    expect(len(records) == entry["total_rows"], f"{len(records)} records")
    rows = [
        [None if isinstance(v, float) and v != v else v for v in row]
        for row in frame.astype(object).values.tolist()
    ]
    check_cells(entry, columns, rows)


def check_json(name: str, entry: dict[str, Any]) -> None:
    raw = (HERE / name).read_text(encoding="utf-8")
    rejected = entry.get("rejected", "")
    if "invalid JSON" in rejected:
        try:
            json.loads(raw)
        except json.JSONDecodeError:
            return
        raise Mismatch("parses as JSON")
    data = json.loads(raw)
    if "array" in rejected:
        expect(isinstance(data, dict), "top level is not an object")
        first = raw.splitlines()[0]
        try:
            json.loads(first)
        except json.JSONDecodeError:
            return
        raise Mismatch("first line is a JSON value: would read as JSONL")
    expect(isinstance(data, list), "top level is not an array")
    check_json_records(entry, data)


def check_jsonl(name: str, entry: dict[str, Any]) -> None:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    check_json_records(entry, [json.loads(line) for line in lines if line.strip()])


# -- rejected binaries -----------------------------------------------------------------------


def check_png(name: str) -> None:
    raw = (HERE / name).read_bytes()
    expect(raw.startswith(b"\x89PNG\r\n\x1a\n"), "no PNG signature")
    pos, kinds = 8, []
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind, data = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", raw[pos + 8 + length : pos + 12 + length])
        expect(crc == zlib.crc32(kind + data) & 0xFFFFFFFF, f"bad CRC in {kind!r}")
        kinds.append(kind)
        pos += 12 + length
    expect(kinds == [b"IHDR", b"IDAT", b"IEND"], f"chunks {kinds}")


def check_dtd(name: str) -> None:
    with zipfile.ZipFile(HERE / name) as archive:
        expect("[Content_Types].xml" in archive.namelist(), "not an OOXML package")
        hostile = [
            i.filename
            for i in archive.infolist()
            if b"<!ENTITY" in archive.read(i.filename) and b"<!DOCTYPE" in archive.read(i.filename)
        ]
    expect(len(hostile) == 1, f"parts with a DTD: {hostile}")


def check_zip_bomb(name: str, deep: bool) -> None:
    with zipfile.ZipFile(HERE / name) as archive:
        expect("xl/workbook.xml" in archive.namelist(), "not a workbook")
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        ratio = sheet.file_size / sheet.compress_size
        expect(ratio > 1000, f"ratio {ratio:.0f}:1")
        if name == "zip_bomb.xlsx":
            expect(sheet.file_size > 1 << 30, f"only {sheet.file_size} bytes uncompressed")
        if deep:
            total = 0
            with archive.open(sheet) as stream:  # CRC and size are checked at EOF
                while block := stream.read(1 << 22):
                    total += len(block)
            expect(total == sheet.file_size, "declared size is not the real size")
    print(
        f"    sheet1.xml: {sheet.compress_size:,} -> {sheet.file_size:,} bytes "
        f"(method {sheet.compress_type}, {ratio:,.0f}:1)"
    )


# -- driver ----------------------------------------------------------------------------------


def check_file(name: str, entry: dict[str, Any], deep: bool) -> None:
    path = HERE / name
    expect(path.exists(), "missing")
    size = path.stat().st_size
    limit = 100_000 if name in BIG_FILES else 50_000
    expect(size < limit, f"{size} bytes")
    rejected = str(entry.get("rejected", ""))
    kind = entry.get("file_type")
    if rejected == "empty file":
        expect(size == 0, "not empty")
    elif rejected == "blank lines only":
        expect(size > 0 and not path.read_bytes().strip(), "not blank")
    elif "PNG" in rejected:
        check_png(name)
    elif "DTD" in rejected:
        check_dtd(name)
    elif rejected == "zip bomb":
        check_zip_bomb(name, deep)
    elif kind == "csv" and name.endswith(".xlsx"):
        check_disguised_xlsx(name, entry)
    elif kind == "csv":
        check_text(name, entry)
    elif kind == "xlsx":
        check_xlsx(name, entry)
    elif kind == "xls":
        check_xls(name, entry)
    elif kind == "json":
        check_json(name, entry)
    elif kind == "jsonl":
        check_jsonl(name, entry)
    else:
        raise Mismatch(f"nothing checks {entry}")


def check_runtime() -> None:
    sys.path.insert(0, str(HERE))
    from make_corpus import make_oversize_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = make_oversize_csv(Path(tmp) / "big.csv", 1.5)
        size = path.stat().st_size
        expect(size > 1.5 * 1024 * 1024, f"only {size} bytes")
        with open(path, newline="", encoding="utf-8") as handle:
            widths = {len(r) for r in csv.reader(handle)}
        expect(widths == {4}, f"field counts {widths}")


def main() -> int:
    deep = "--deep" in sys.argv[1:]
    manifest = yaml.safe_load((HERE / "MANIFEST.yaml").read_text(encoding="utf-8"))
    files: dict[str, dict[str, Any]] = manifest["files"]
    on_disk = {p.name for p in HERE.iterdir() if p.is_file()} - NOT_CORPUS
    expect(
        on_disk == set(files),
        f"not in manifest: {sorted(on_disk - set(files))}; missing: {sorted(set(files) - on_disk)}",
    )
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.is_file())
    expect(total < 1_000_000, f"tests/data holds {total} bytes")
    for name, entry in files.items():
        try:
            check_file(name, entry, deep)
        except Mismatch as exc:
            print(f"FAIL {name}: {exc}")
            return 1
        print(f"ok   {name}")
    check_runtime()
    print(f"ok   runtime oversize.csv; {len(files)} files, {total:,} bytes in tests/data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
