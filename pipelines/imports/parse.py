"""Read any supported contact file as a stream of raw chunks: format, encoding, delimiter and
header detection, unique header names, ragged rows, hostile-file checks.

A raw chunk is a DataFrame of `str | None` cells whose index is the 1-based data-row number
(the first record after the header is row 1). Rows the parser cannot use (more fields than the
header) come out separately as row errors, with their cells, for the rejects file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import pandas as pd
from charset_normalizer import from_bytes

from pipelines.errors import InputRejected

MAX_CELL_CHARS = 32_767
SNIFF_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
FILE_TYPES = ("csv", "xlsx", "xls", "json", "jsonl")
MAX_ZIP_RATIO = 200
MAX_ZIP_TOTAL = 4 << 30
CHUNK_ROWS = 50_000

csv.field_size_limit(64 << 20)

_BINARY_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_ENCODING_NAMES = {
    "utf_8": "utf-8",
    "ascii": "utf-8",
    "cp1252": "cp1252",
    "windows_1252": "cp1252",
    "latin_1": "latin-1",
    "iso8859_1": "latin-1",
    "iso8859_15": "cp1252",
}
_SUPPORTED = "CSV/TSV/TXT, XLSX, XLS, JSON (an array of objects) or JSONL"


@dataclass(frozen=True)
class RowError:
    """One problem with one data row; `field` is a target field slug or None for the row."""

    row: int
    field: str | None
    value: Any
    error: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "value": self.value, "error": self.error}


@dataclass
class RawChunk:
    """Good rows (`frame`), unusable rows (`bad`, same columns) and the errors about them."""

    frame: pd.DataFrame
    bad: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ParseHints:
    """Parsing options from the import options; None means detect."""

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    sheet: str | None = None
    max_file_mb: float = 100


@dataclass
class FileInfo:
    """What detection found; `header_row` is 1-based (line for text, row for spreadsheets)."""

    file_name: str
    file_type: str
    encoding: str | None
    delimiter: str | None
    header_row: int
    source_columns: list[str]
    sheet: str | None = None


def unique_headers(raw: Iterable[Any]) -> list[str]:
    """`Email, Email, ''` -> `Email, Email (2), Column 3`: strip, fill blanks, number repeats."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for position, value in enumerate(raw, start=1):
        name = "" if value is None else str(value).strip().lstrip("\ufeff")
        if not name:
            name = f"Column {position}"
        seen[name.casefold()] += 1
        if seen[name.casefold()] > 1:
            candidate = f"{name} ({seen[name.casefold()]})"
            while candidate.casefold() in seen:
                seen[name.casefold()] += 1
                candidate = f"{name} ({seen[name.casefold()]})"
            seen[candidate.casefold()] += 1
            name = candidate
        names.append(name)
    return names


def cell_text(value: Any) -> str | None:
    """A spreadsheet or JSON value as text: integral numbers keep their digits, dates are ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


class SourceFile:
    """A file on disk, detected once, then read any number of times as chunks."""

    def __init__(
        self, path: Path, hints: ParseHints | None = None, file_name: str | None = None
    ) -> None:
        self.path = Path(path)
        self.hints = hints or ParseHints()
        self.file_name = file_name or self.path.name
        self._check_size()
        self.info = self._detect()

    def chunks(self, chunk_rows: int = CHUNK_ROWS) -> Iterator[RawChunk]:
        """The data rows in order, `chunk_rows` at a time."""
        reader: Callable[..., Iterator[tuple[int, Any]]] = {
            "csv": self._csv_records,
            "xlsx": self._xlsx_records,
            "xls": self._xls_records,
            "json": self._json_records,
            "jsonl": self._json_records,
        }[self.info.file_type]
        yield from _chunked(reader(), self.info.source_columns, chunk_rows)

    def count_rows(self) -> int:
        return sum(len(c.frame) + len(c.bad) for c in self.chunks())

    def sample(self, rows: int = 50) -> pd.DataFrame:
        for chunk in self.chunks(chunk_rows=rows):
            return chunk.frame
        return pd.DataFrame(columns=self.info.source_columns)

    # -- detection ---------------------------------------------------------------------------

    def _check_size(self) -> None:
        if not self.path.exists():
            raise InputRejected(f"File not found: {self.path}.")
        size = self.path.stat().st_size
        limit = self.hints.max_file_mb * 1024 * 1024
        if size > limit:
            raise InputRejected(
                f"{self.file_name} is {size / 1048576:.1f} MB, over the {self.hints.max_file_mb:g}"
                " MB limit: split the file or raise max_file_mb."
            )
        if size == 0:
            raise InputRejected(f"{self.file_name} is empty: export the data again.")

    def _detect(self) -> FileInfo:
        with open(self.path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
        if head.startswith(b"PK\x03\x04"):
            return self._detect_xlsx()
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            return self._detect_xls()
        for signature, what in _BINARY_SIGNATURES.items():
            if head.startswith(signature):
                raise InputRejected(
                    f"{self.file_name} is {what}, not a contact file: upload {_SUPPORTED}."
                )
        encoding = self.hints.encoding or detect_encoding(head)
        text = _decode_sample(head, encoding, self.file_name)
        if "\x00" in text:
            raise InputRejected(
                f"{self.file_name} contains binary data, not text: upload {_SUPPORTED}."
            )
        stripped = text.lstrip("\ufeff \t\r\n")
        if not stripped:
            raise InputRejected(f"{self.file_name} has no content (only blank lines).")
        if stripped[0] in "[{":
            return self._detect_json(encoding, stripped)
        return self._detect_csv(encoding, text)

    def _detect_csv(self, encoding: str, text: str) -> FileInfo:
        delimiter = self.hints.delimiter or detect_delimiter(text)
        if delimiter == "\\t":
            delimiter = "\t"
        records = list(_records_with_lines(io.StringIO(text), delimiter, limit=200))
        if self.hints.header_row:
            matches = [(line, r) for line, r in records if line == self.hints.header_row]
            if not matches:
                raise InputRejected(
                    f"header_row {self.hints.header_row} is not a row of {self.file_name}."
                )
            header_line, header = matches[0]
        else:
            header_line, header = detect_header(records)
        return FileInfo(
            self.file_name, "csv", encoding, delimiter, header_line, unique_headers(header)
        )

    def _detect_json(self, encoding: str, text: str) -> FileInfo:
        file_type = "json" if text[0] == "[" else "jsonl"
        if file_type == "jsonl":
            first_line = text.split("\n", 1)[0].strip()
            try:
                json.loads(first_line)
            except json.JSONDecodeError:
                raise InputRejected(
                    f"{self.file_name} is a JSON object, not an array of objects or one object "
                    "per line (JSONL): wrap the records in [ ] or write one per line."
                ) from None
        self.info = FileInfo(self.file_name, file_type, encoding, None, 1, [])
        keys: dict[str, None] = {}
        for _, record in self._json_records(flat_keys_only=True):
            keys.update(dict.fromkeys(record))
        return FileInfo(self.file_name, file_type, encoding, None, 1, unique_headers(keys))

    def _detect_xlsx(self) -> FileInfo:
        check_xlsx_safety(self.path, self.file_name)
        workbook = self._open_xlsx()
        try:
            sheet = self._pick_sheet(workbook.sheetnames)
            rows = [list(r) for _, r in zip(range(30), workbook[sheet].iter_rows(values_only=True))]
        finally:
            workbook.close()
        numbered = [(i, [cell_text(v) or "" for v in r]) for i, r in enumerate(rows, 1)]
        numbered = [(i, _trim(r)) for i, r in numbered if any(r)]
        if not numbered:
            raise InputRejected(f"Sheet {sheet!r} of {self.file_name} is empty.")
        header_row, header = self._header_from(numbered)
        return FileInfo(
            self.file_name, "xlsx", None, None, header_row, unique_headers(header), sheet
        )

    def _detect_xls(self) -> FileInfo:
        book = self._open_xls()
        try:
            sheet = self._pick_sheet(book.sheet_names())
            ws = book.sheet_by_name(sheet)
            numbered = [
                (i + 1, _trim([cell_text(v) or "" for v in self._xls_row(book, ws, i)]))
                for i in range(min(ws.nrows, 30))
            ]
        finally:
            book.release_resources()
        numbered = [(i, r) for i, r in numbered if any(r)]
        if not numbered:
            raise InputRejected(f"Sheet {sheet!r} of {self.file_name} is empty.")
        header_row, header = self._header_from(numbered)
        return FileInfo(
            self.file_name, "xls", None, None, header_row, unique_headers(header), sheet
        )

    def _header_from(self, numbered: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
        if self.hints.header_row:
            for line, row in numbered:
                if line == self.hints.header_row:
                    return line, row
            raise InputRejected(
                f"header_row {self.hints.header_row} is empty or not in {self.file_name}."
            )
        return detect_header(numbered)

    def _pick_sheet(self, names: list[str]) -> str:
        if not self.hints.sheet:
            return names[0]
        if self.hints.sheet not in names:
            raise InputRejected(
                f"{self.file_name} has no sheet {self.hints.sheet!r}; sheets: {', '.join(names)}."
            )
        return self.hints.sheet

    def _open_xlsx(self) -> Any:
        import openpyxl

        try:
            return openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputRejected(
                f"{self.file_name} is not a readable Excel workbook ({type(exc).__name__}): "
                "open it in Excel and save it again as .xlsx."
            ) from None

    def _open_xls(self) -> Any:
        import xlrd

        try:
            return xlrd.open_workbook(str(self.path), on_demand=True)
        except Exception as exc:
            raise InputRejected(
                f"{self.file_name} is not a readable .xls workbook ({exc}): save it as .xlsx."
            ) from None

    # -- reading -----------------------------------------------------------------------------

    def _csv_records(self) -> Iterator[tuple[int, list[str | None]]]:
        info = self.info
        with open(self.path, encoding=info.encoding, newline="", errors="strict") as handle:
            try:
                records = _records_with_lines(handle, info.delimiter or ",")
                row = 0
                for line, record in records:
                    if line <= info.header_row:
                        continue
                    row += 1
                    yield row, [v if v else None for v in record]
            except UnicodeDecodeError as exc:
                raise InputRejected(
                    f"{self.file_name} is not valid {info.encoding} ({exc.reason} at byte "
                    f"{exc.start}): pass the right encoding option (e.g. cp1252)."
                ) from None

    def _xlsx_records(self) -> Iterator[tuple[int, list[str | None]]]:
        workbook = self._open_xlsx()
        try:
            rows = workbook[self.info.sheet].iter_rows(
                min_row=self.info.header_row + 1, values_only=True
            )
            yield from _numbered([cell_text(v) for v in r] for r in rows)
        finally:
            workbook.close()

    def _xls_records(self) -> Iterator[tuple[int, list[str | None]]]:
        book = self._open_xls()
        try:
            ws = book.sheet_by_name(self.info.sheet)
            rows = (self._xls_row(book, ws, i) for i in range(self.info.header_row, ws.nrows))
            yield from _numbered([cell_text(v) for v in r] for r in rows)
        finally:
            book.release_resources()

    @staticmethod
    def _xls_row(book: Any, ws: Any, index: int) -> list[Any]:
        import xlrd

        values = []
        for cell in ws.row(index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                values.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                values.append(bool(cell.value))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                values.append(None)
            else:
                values.append(cell.value)
        return values

    def _json_records(self, flat_keys_only: bool = False) -> Iterator[tuple[int, Any]]:
        info = self.info
        with open(self.path, encoding=info.encoding, errors="strict") as handle:
            objects = (
                _json_array_items(handle, self.file_name)
                if info.file_type == "json"
                else _jsonl_items(handle, self.file_name)
            )
            for row, obj in enumerate(objects, start=1):
                if not isinstance(obj, dict):
                    raise InputRejected(
                        f"Record {row} of {self.file_name} is not a JSON object: every record "
                        "must be an object of field names to values."
                    )
                flat = flatten_json(obj)
                if flat_keys_only:
                    yield row, flat
                else:
                    yield row, [flat.get(c) for c in info.source_columns]


def flatten_json(obj: dict[str, Any], prefix: str = "") -> dict[str, str | None]:
    """Nested objects become `a.b` columns; lists of scalars become `; `-joined text."""
    flat: dict[str, str | None] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_json(value, f"{name}."))
        elif isinstance(value, list):
            parts = [json.dumps(v) if isinstance(v, (dict, list)) else cell_text(v) for v in value]
            flat[name] = "; ".join(p for p in parts if p) or None
        else:
            flat[name] = cell_text(value)
    return flat


def _json_array_items(handle: IO[str], file_name: str) -> Iterator[Any]:
    """Stream the items of a top-level JSON array without loading the whole file."""
    decoder = json.JSONDecoder()
    buffer = handle.read(1 << 16).lstrip("\ufeff \t\r\n")
    if not buffer.startswith("["):
        raise InputRejected(f"{file_name} is not a JSON array of objects.")
    position = 1
    done = False
    while True:
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if position < len(buffer) or done:
                break
            more = handle.read(1 << 16)
            done = not more
            buffer, position = buffer[position:] + more, 0
        if position >= len(buffer):
            raise InputRejected(
                f"{file_name} ends before its JSON array is closed: the file "
                "is truncated or not valid JSON."
            )
        if buffer[position] == "]":
            return
        while True:
            try:
                item, end = decoder.raw_decode(buffer, position)
                break
            except json.JSONDecodeError as exc:
                more = handle.read(1 << 16)
                if not more:
                    raise InputRejected(
                        f"{file_name} is not valid JSON ({exc.msg} near character {exc.pos}): "
                        "the file is truncated or malformed."
                    ) from None
                buffer, position = buffer[position:] + more, 0
        yield item
        position = end
        if position > 1 << 20:
            buffer, position = buffer[position:], 0


def _jsonl_items(handle: IO[str], file_name: str) -> Iterator[Any]:
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputRejected(
                f"Line {line_number} of {file_name} is not valid JSON ({exc.msg})."
            ) from None


def _numbered(rows: Iterable[list[str | None]]) -> Iterator[tuple[int, list[str | None]]]:
    """Number spreadsheet rows 1.. skipping entirely empty rows."""
    row = 0
    for values in rows:
        if any(v is not None for v in values):
            row += 1
            yield row, values


def _trim(row: list[str]) -> list[str]:
    while row and not row[-1]:
        row = row[:-1]
    return row


def _chunked(
    records: Iterable[tuple[int, Any]], columns: list[str], size: int
) -> Iterator[RawChunk]:
    width = len(columns)
    good_rows: list[list[Any]] = []
    good_index: list[int] = []
    bad_rows: list[list[Any]] = []
    errors: list[RowError] = []
    for row, values in records:
        if len(values) > width and any(v is not None for v in values[width:]):
            errors.append(
                RowError(row, None, None, f"row has {len(values)} fields, the header has {width}")
            )
            bad_rows.append([row, *values[:width]])
        else:
            for position, value in enumerate(values[:width]):
                if value is not None and len(value) > MAX_CELL_CHARS:
                    raise InputRejected(
                        f"Row {row}, column {columns[position]!r} has a cell of {len(value):,} "
                        f"characters, over the {MAX_CELL_CHARS:,} limit: shorten it and retry."
                    )
            if len(values) < width:
                values = values + [None] * (width - len(values))
            good_rows.append(values[:width])
            good_index.append(row)
        if len(good_rows) + len(bad_rows) >= size:
            yield _make_chunk(good_rows, good_index, bad_rows, errors, columns)
            good_rows, good_index, bad_rows, errors = [], [], [], []
    if good_rows or bad_rows:
        yield _make_chunk(good_rows, good_index, bad_rows, errors, columns)


def _make_chunk(
    rows: list[list[Any]],
    index: list[int],
    bad: list[list[Any]],
    errors: list[RowError],
    columns: list[str],
) -> RawChunk:
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index(index, name="_row"), dtype=object)
    bad_frame = pd.DataFrame(
        [b[1:] for b in bad],
        columns=columns,
        dtype=object,
        index=pd.Index([b[0] for b in bad], name="_row"),
    )
    return RawChunk(frame, bad_frame, errors)


def _records_with_lines(
    handle: IO[str], delimiter: str, limit: int | None = None
) -> Iterator[tuple[int, list[str]]]:
    """csv records with the 1-based physical line each starts on; blank lines skipped."""
    reader = csv.reader(
        handle,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )
    line = 0
    count = 0
    for record in reader:
        start = line + 1
        line = reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        yield start, record
        count += 1
        if limit is not None and count >= limit:
            return


def detect_encoding(head: bytes) -> str:
    """BOMs first, then strict UTF-8, then charset-normalizer among Western encodings."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(head[:200_000]).best()
    name = _ENCODING_NAMES.get(best.encoding if best else "", "")
    if name in ("cp1252", "latin-1"):
        return name
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _decode_sample(head: bytes, encoding: str, file_name: str) -> str:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        return str(decoder.decode(head, final=False))
    except LookupError:
        raise InputRejected(f"Unknown encoding {encoding!r}.") from None
    except UnicodeDecodeError as exc:
        raise InputRejected(
            f"{file_name} is not valid {encoding} ({exc.reason} at byte {exc.start}): pass the "
            "right encoding option (utf-8, utf-16, cp1252 or latin-1)."
        ) from None


def detect_delimiter(text: str) -> str:
    """The candidate whose field count is most consistent over the first records."""
    sample = text[:200_000]
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(r) for _, r in _records_with_lines(io.StringIO(sample), delimiter, 100)]
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = frequency / len(counts) * 10 + min(mode, 50) / 50
        if score > best_score:
            best, best_score = delimiter, score
    return best


_NUMERIC = re.compile(r"^[\s\d.,:/+\-()%$€]*$")


def detect_header(records: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The first record as wide as the table whose cells are mostly non-empty, non-numeric
    text: preamble lines (notes, report titles) above it are skipped."""
    if not records:
        raise InputRejected("The file has no rows.")
    widths = Counter(len(_trim(list(r))) for _, r in records)
    table_width = max(w for w, n in widths.items() if n == max(widths.values()))
    for line, record in records:
        cells = _trim([c.strip() for c in record])
        if len(cells) < max(2, table_width) and table_width > 1:
            continue
        filled = [c for c in cells if c]
        texty = [c for c in filled if not _NUMERIC.match(c)]
        if len(filled) >= 0.5 * len(cells) and len(texty) >= 0.5 * len(filled):
            return line, list(record)
    return records[0]


def check_xlsx_safety(path: Path, file_name: str) -> None:
    """Reject zip bombs and XML with DTDs/entities before any XML parser sees the workbook."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputRejected(f"{file_name} looks like a ZIP file but is damaged.") from None
    with archive:
        names = archive.namelist()
        if "xl/workbook.xml" not in names:
            raise InputRejected(
                f"{file_name} is a ZIP archive, not an Excel workbook: upload {_SUPPORTED}."
            )
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_ZIP_TOTAL or (ratio > MAX_ZIP_RATIO and info.file_size > 10 << 20):
                raise InputRejected(
                    f"{file_name} expands to {info.file_size / 1048576:,.0f} MB "
                    f"({ratio:,.0f}x compression): rejected as a possible zip bomb."
                )
        for name in names:
            if not name.endswith((".xml", ".rels")):
                continue
            with archive.open(name) as member:
                head = member.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise InputRejected(
                    f"{file_name} contains XML with a DTD or entity declarations ({name}); "
                    "such workbooks are rejected for safety: save it again from Excel."
                )
