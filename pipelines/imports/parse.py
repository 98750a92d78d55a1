"""Read any supported contact file as a stream of raw chunks: format, encoding, delimiter and
header detection, unique header names, ragged rows, hostile-file checks.

A raw chunk is a DataFrame of `str | None` cells whose index is the 1-based data-row number
(the first record after the header is row 1). Rows the parser cannot use (more fields than the
header) come out separately as row errors, with their cells, for the rejects file. Lines or
sheet rows whose cells are all blank are not records and take no row number.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

from pipelines.errors import InputRejected

MAX_CELL_CHARS = 32_767
SNIFF_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
FILE_TYPES = ("csv", "xlsx", "xls", "json", "jsonl")
MAX_ZIP_RATIO = 200
MAX_ZIP_TOTAL = 4 << 30
# Rows per chunk: a worker mapping and validating one holds about 5 MB per 1,000 rows of a
# 12-column file above its steady ~75 MB, and two workers plus the parent make the import's
# peak. 10,000 rows (and cells in proportion) keep a 1M-row import's process tree under
# 400 MB (490 -> 375 MB PSS at 20,000 -> 10,000); the fixed cost per chunk (Parquet files,
# phone regions, one Pandera run: ~0.1 s of CPU) adds ~10% to the transform's CPU.
CHUNK_ROWS = 10_000
# Columns a file may have (HubSpot's limit is similar); mapping suggestions cost about a
# millisecond per column, and a 0.9 MB file of 100,000 header columns took 142 s.
MAX_COLUMNS = 1_000
CHUNK_CELLS = 120_000
HEADER_SCAN_ROWS = 30
JSON_BLOCK_CHARS = 1 << 16
MAX_JSON_RECORD_CHARS = 16 << 20
XML_PROLOG_BYTES = 1 << 16

csv.field_size_limit(64 << 20)

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x7fELF": "a program (ELF executable)",
    b"SQLite format 3\x00": "an SQLite database",
}
_ENCODING_NAMES = {
    "utf_8": "utf-8",
    "utf_8_sig": "utf-8-sig",
    "utf_16": "utf-16",
    "cp1252": "cp1252",
    "iso8859_1": "latin-1",
    "latin_1": "latin-1",
}
_ENCODINGS = "utf-8, utf-8-sig, utf-16, cp1252 or latin-1"
_SUPPORTED = "CSV/TSV/TXT, XLSX, XLS, JSON (an array of objects) or JSONL"
_DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}
_NOT_C1 = bytes(range(0x80)) + bytes(range(0xA0, 0x100))
_CP1252_C1 = bytes(b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
_JSON_LEADING = re.compile(r"[\ufeff \t\r\n]*")
_JSON_BETWEEN = re.compile(r"[ \t\r\n,]*")
_XML_PROLOG_SKIP = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)


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
    """Good rows (`frame`), unusable rows (`bad`, same columns) and the errors about them,
    each frame indexed by row number. The Arrow CSV reader hands its good rows as `table`
    (the source columns, then `_row`, with pandas' metadata) and the frame is built from it
    only when something reads it: the import writes the table to Parquet as it is
    (converting a million rows to pandas and back cost ~2 s of the parse step)."""

    _frame: pd.DataFrame | None
    bad: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    table: pa.Table | None = None

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            assert self.table is not None, "a chunk holds a frame or a table"
            self._frame = self.table.to_pandas()
        return self._frame

    @property
    def good_rows(self) -> int:
        return self.table.num_rows if self.table is not None else len(self.frame)

    def first_row(self) -> int:
        """The smallest row number of the chunk, good or bad (a chunk is never empty)."""
        return min(self._row_numbers(min))

    def last_row(self) -> int:
        """The largest row number of the chunk, good or bad; 0 for an empty chunk."""
        return max(self._row_numbers(max), default=0)

    def _row_numbers(self, pick: Callable[[Any], Any]) -> list[int]:
        """`pick` (min or max) of the good rows' and of the bad rows' numbers, where any."""
        found = [int(pick(self.bad.index))] if len(self.bad) else []
        if self.table is not None:
            if self.table.num_rows:  # ascending
                at = 0 if pick is min else self.table.num_rows - 1
                found.append(int(self.table.column("_row")[at].as_py()))
        elif len(self.frame):
            found.append(int(pick(self.frame.index)))
        return found


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
    # Bytes that are not UTF-8 in a file that otherwise is: read as U+FFFD, and the rows
    # holding them become row errors (see `utf8_damage`).
    invalid_bytes: int = 0


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


def cell_text(value: Any, spreadsheet: bool = False) -> str | None:
    """A spreadsheet or JSON value as text: integral numbers keep their digits (no `.0`, no
    exponent), dates are ISO (date only when the time is midnight), blank text is None.
    Spreadsheet fractions keep Excel's 15 significant digits (0.1 + 0.2 reads as 0.3)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return f"{value:.15g}" if spreadsheet else repr(value)
    if isinstance(value, datetime):
        if value.time() == time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _sheet_text(value: Any) -> str | None:
    return cell_text(value, spreadsheet=True)


def _sheet_texts(row: list[Any]) -> list[str | None]:
    """A sheet row's cells as text; non-blank text cells, the most common, as they are."""
    return [v if v.__class__ is str and v.strip() else _sheet_text(v) for v in row]


class SourceFile:
    """A file on disk, detected once, then read any number of times as chunks."""

    def __init__(
        self, path: Path, hints: ParseHints | None = None, file_name: str | None = None
    ) -> None:
        self.path = Path(path)
        self.hints = hints or ParseHints()
        self.file_name = file_name or self.path.name
        self._json_keys: list[str] = []
        self._sheet: Any = None  # the sheet detection opened, for the first read
        self.invalid_bytes = 0
        self._check_size()
        try:
            self.info = self._detect()
        except RecursionError:
            raise self._too_deep() from None
        if self.hints.sheet and self.info.file_type not in ("xlsx", "xls"):
            raise InputRejected(
                f"The sheet option applies to spreadsheets; {self.file_name} is "
                f"{self.info.file_type.upper()}: remove the option."
            )
        self.info.invalid_bytes = self.invalid_bytes
        if len(self.info.source_columns) > MAX_COLUMNS:
            raise InputRejected(
                f"{self.file_name} has {len(self.info.source_columns):,} columns; an import "
                f"takes at most {MAX_COLUMNS:,}: remove the columns you do not import, or split "
                "the file."
            )

    def chunks(self, chunk_rows: int | None = None) -> Iterator[RawChunk]:
        """The data rows in order, `chunk_rows` at a time; by default up to CHUNK_ROWS rows and
        about CHUNK_CELLS cells, so that a wide file does not make chunks larger in memory."""
        if chunk_rows is None:
            width = max(len(self.info.source_columns), 1)
            chunk_rows = max(1_000, min(CHUNK_ROWS, CHUNK_CELLS // width))
        if self.info.file_type == "csv":
            yield from self._csv_chunks(max(chunk_rows, 1))
            return
        kind = "json" if self.info.file_type == "jsonl" else self.info.file_type
        reader: Callable[[], Iterator[tuple[int, Any]]] = getattr(self, f"_{kind}_records")
        yield from _chunked(reader(), self.info.source_columns, max(chunk_rows, 1))

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
        if not self.path.is_file():
            raise InputRejected(f"{self.path} is a folder, not a file: give the path of a file.")
        size = self.path.stat().st_size
        limit = self.hints.max_file_mb * 1024 * 1024
        if size > limit:
            raise InputRejected(
                f"{self.file_name} is {size / 1048576:.1f} MB, over the {self.hints.max_file_mb:g}"
                " MB limit: split the file or raise max_file_mb."
            )
        if size == 0:
            raise InputRejected(f"{self.file_name} is empty (0 bytes): export the data again.")

    def _detect(self) -> FileInfo:
        with open(self.path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return self._detect_xlsx()
        if head.startswith(_OLE_SIGNATURE):
            if "EncryptedPackage".encode("utf-16-le") in head:
                raise InputRejected(
                    f"{self.file_name} is a password-protected workbook: remove the password "
                    "in Excel and upload it again."
                )
            return self._detect_xls()
        for signature, what in _BINARY_SIGNATURES.items():
            if head.startswith(signature):
                raise InputRejected(
                    f"{self.file_name} is {what}, not a contact file: upload {_SUPPORTED}."
                )
        encoding = self._encoding(head)
        text = (
            head.decode("utf-8", errors="replace")
            if self.invalid_bytes
            else _decode_sample(head, encoding, self.file_name)
        )
        if "\x00" in text:
            raise InputRejected(
                f"{self.file_name} contains binary data, not text: upload {_SUPPORTED}."
            )
        stripped = text.lstrip("\ufeff \t\r\n")
        if not stripped:
            raise InputRejected(
                f"{self.file_name} has no content (only blank lines): export the data again."
            )
        if _looks_like_json(stripped):
            return self._detect_json(encoding, stripped, whole=len(head) < SNIFF_BYTES)
        return self._detect_csv(encoding, text)

    def _encoding(self, head: bytes) -> str:
        """The hinted encoding under its reported name, or the one detected over all bytes."""
        if self.hints.encoding:
            name = canonical_encoding(self.hints.encoding)
            if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
                return "utf-8-sig"
            return name
        if len(head) < SNIFF_BYTES:
            detected = detect_encoding(head)
        else:
            with open(self.path, "rb") as handle:
                handle.seek(len(head))
                detected = detect_encoding(head, iter(lambda: handle.read(SNIFF_BYTES), b""))
        if detected in ("cp1252", "latin-1"):
            with open(self.path, "rb") as handle:
                valid, invalid = utf8_damage(iter(lambda: handle.read(SNIFF_BYTES), b""))
            if invalid and invalid * UTF8_DAMAGE_RATIO <= valid:
                self.invalid_bytes = invalid
                return "utf-8"
        return detected

    def _delimiter_hint(self) -> str | None:
        value = self.hints.delimiter
        if value is None or value == "":
            return None
        value = _DELIMITER_NAMES.get(value, value)
        if len(value) != 1 or value in '"\r\n':
            raise InputRejected(
                f"delimiter {self.hints.delimiter!r} is not usable: give one character such as "
                ", ; | or \\t."
            )
        return value

    def _detect_csv(self, encoding: str, text: str) -> FileInfo:
        delimiter = self._delimiter_hint() or detect_delimiter(text)
        wanted = self.hints.header_row
        records = list(
            _records_with_lines(
                io.StringIO(text, newline=""),
                delimiter,
                self.file_name,
                limit=200 + (wanted or 0),
            )
        )
        if not records:
            raise InputRejected(
                f"{self.file_name} has no rows with content (only blank lines and empty "
                "fields): export the data again."
            )
        if wanted:
            matches = [(line, r) for line, r in records if line == wanted]
            if not matches:
                raise InputRejected(
                    f"header_row {wanted} is not a line with content in {self.file_name}: give "
                    "the 1-based line number of the header (blank lines count as lines)."
                )
            header_line, header = matches[0]
        else:
            header_line, header = detect_header(records)
        return FileInfo(
            self.file_name, "csv", encoding, delimiter, header_line, unique_headers(header)
        )

    def _detect_json(self, encoding: str, text: str, whole: bool) -> FileInfo:
        file_type = "json" if text[0] == "[" else "jsonl"
        if file_type == "jsonl" and ("\n" in text or whole):
            try:
                json.loads(text.split("\n", 1)[0])
            except json.JSONDecodeError:
                raise InputRejected(
                    f"{self.file_name} is a JSON object, not an array of objects or one object "
                    "per line (JSONL): wrap the records in [ ] or write one per line."
                ) from None
        self.info = FileInfo(self.file_name, file_type, encoding, None, 1, [])
        keys: dict[str, None] = {}
        first: dict[str, Any] | None = None
        count = 0
        for _, obj in self._json_objects():
            first = obj if first is None else first
            count += 1
            keys.update(dict.fromkeys(flatten_json(obj)))
        if file_type == "jsonl" and count == 1 and first is not None:
            for key, value in first.items():
                if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                    raise InputRejected(
                        f"{self.file_name} is one JSON object whose {key!r} holds the records: "
                        "upload that list as a JSON array (or one object per line)."
                    )
        self._json_keys = list(keys)
        return FileInfo(self.file_name, file_type, encoding, None, 1, unique_headers(keys))

    def _detect_xlsx(self) -> FileInfo:
        check_xlsx_safety(self.path, self.file_name)
        return self._detect_sheet("xlsx")

    def _detect_xls(self) -> FileInfo:
        return self._detect_sheet("xls")

    def _detect_sheet(self, file_type: str) -> FileInfo:
        from pipelines.imports import spreadsheet

        try:
            sheet = self._pick_sheet(spreadsheet.worksheet_names(self.path))
            self._sheet = spreadsheet.open_sheet(self.path, sheet)
            head = list(itertools.islice(self._sheet.rows(), self._scan_rows()))
        except spreadsheet.UnreadableWorkbook as exc:
            raise self._unreadable(file_type, str(exc)) from None
        numbered = [(i, _trim([v or "" for v in _sheet_texts(r)])) for i, r in enumerate(head, 1)]
        return self._sheet_info(file_type, sheet, numbered)

    def _sheet_info(
        self, file_type: str, sheet: str, numbered: list[tuple[int, list[str]]]
    ) -> FileInfo:
        """Header row and columns of a spreadsheet from its first rows (row number, cells)."""
        numbered = [(i, r) for i, r in numbered if any(r)]
        if not numbered:
            raise InputRejected(
                f"Sheet {sheet!r} of {self.file_name} is empty: choose another sheet with the "
                "sheet option."
            )
        header_row, header = self._header_from(numbered)
        return FileInfo(
            self.file_name, file_type, None, None, header_row, unique_headers(header), sheet
        )

    def _scan_rows(self) -> int:
        return max(HEADER_SCAN_ROWS, self.hints.header_row or 0)

    def _header_from(self, numbered: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
        if self.hints.header_row:
            for line, row in numbered:
                if line == self.hints.header_row:
                    return line, row
            raise InputRejected(
                f"header_row {self.hints.header_row} is an empty row or past the end of "
                f"{self.file_name}: give the 1-based sheet row of the header."
            )
        return detect_header(numbered)

    def _pick_sheet(self, names: list[str]) -> str:
        if not names:
            raise InputRejected(f"{self.file_name} has no worksheets: export the data again.")
        wanted = self.hints.sheet
        if not wanted:
            return names[0]
        if wanted in names:
            return wanted
        folded = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
        if len(folded) == 1:
            return folded[0]
        raise InputRejected(
            f"{self.file_name} has no sheet {wanted!r}: use one of "
            f"{', '.join(repr(n) for n in names)}."
        )

    def _unreadable(self, file_type: str, reason: str) -> InputRejected:
        if file_type == "xls":
            return InputRejected(
                f"{self.file_name} is not a readable .xls workbook ({reason}): open it in Excel "
                "and save it as .xlsx."
            )
        # The reader's reason ("File not found '_rels/.rels'") names its internals, not the
        # file's problem: left out.
        return InputRejected(
            f"{self.file_name} is not a readable Excel workbook: open it in Excel and save it "
            "again as .xlsx."
        )

    # -- reading -----------------------------------------------------------------------------

    def _csv_chunks(self, size: int) -> Iterator[RawChunk]:
        """Delimited text through Arrow's streaming reader; Python's csv module reads what
        Arrow cannot (UTF-16, a header past the sniffed bytes) and takes over after the last
        yielded row when Arrow fails (a bad byte, a record larger than a block): it then
        raises the same error, at the same row, as it always did."""
        from pipelines.imports import arrow_csv

        offset = self._data_offset()
        done = 0
        if offset is not None:
            try:
                for chunk in arrow_csv.read_chunks(self.path, offset, self.info, size):
                    done = max(done, chunk.last_row())
                    yield chunk
                return
            except arrow_csv.ArrowFailed:
                pass
        records = ((row, values) for row, values in self._csv_records() if row > done)
        yield from _chunked(records, self.info.source_columns, size)

    def _data_offset(self) -> int | None:
        """The byte offset of the first data record (the one after the header record), when
        Arrow can start there: an 8-bit or UTF-8 file whose header ends within the sniffed
        bytes. None otherwise."""
        info = self.info
        encoding = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1252": "cp1252"}.get(
            info.encoding or "", "latin-1" if info.encoding == "latin-1" else None
        )
        if encoding is None:
            return None
        with open(self.path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
        bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        try:
            text = head[bom:].decode(encoding, errors="strict")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - bom - 4:
                return None
            text = head[bom : bom + exc.start].decode(encoding)  # a character cut at the end
        consumed = 0

        def lines() -> Iterator[str]:
            nonlocal consumed
            for line in io.StringIO(text, newline=""):
                consumed += len(line)
                yield line

        reader = csv.reader(lines(), delimiter=info.delimiter or ",", quotechar='"', strict=False)
        try:
            for _ in reader:
                if reader.line_num >= info.header_row:
                    break
            else:
                return None
        except csv.Error:
            return None
        if consumed >= len(text) and len(head) >= SNIFF_BYTES:
            return None  # the header's last line may go on past the sniffed bytes
        return bom + len(text[:consumed].encode(encoding))

    def _csv_records(self) -> Iterator[tuple[int, list[str | None]]]:
        info = self.info
        row = 0
        errors = "replace" if self.invalid_bytes else "strict"
        with open(self.path, encoding=info.encoding, newline="", errors=errors) as handle:
            try:
                records = _records_with_lines(handle, info.delimiter or ",", self.file_name)
                for line, record in records:
                    if line <= info.header_row:
                        continue
                    row += 1
                    yield row, [v if v else None for v in record]
            except UnicodeDecodeError:
                raise InputRejected(
                    f"{self.file_name} is not valid {info.encoding} at data row {row + 1}: pass "
                    f"the right encoding option ({_ENCODINGS})."
                ) from None

    def _sheet_records(self) -> Iterator[tuple[int, list[str | None]]]:
        """The sheet's rows after the header row, numbered from 1 without the empty ones. The
        first read takes the sheet that detection opened (loading a sheet into calamine is half
        the cost of reading it); later reads open it again, so a SourceFile holds no sheet once
        read."""
        from pipelines.imports import spreadsheet

        sheet, self._sheet = self._sheet, None
        try:
            if sheet is None:
                sheet = spreadsheet.open_sheet(self.path, self.info.sheet or "")
            data = itertools.islice(sheet.rows(), self.info.header_row, None)
            del sheet  # the iterator holds a loaded sheet until it is done
            yield from _numbered(_sheet_texts(r) for r in data)
        except spreadsheet.UnreadableWorkbook as exc:
            raise self._unreadable(self.info.file_type, str(exc)) from None

    _xlsx_records = _sheet_records
    _xls_records = _sheet_records

    def _json_objects(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """The records of a JSON array or JSONL file, numbered from 1; each must be an object."""
        info = self.info
        with open(self.path, encoding=info.encoding, errors="strict") as handle:
            objects = (
                _json_array_items(handle, self.file_name)
                if info.file_type == "json"
                else _jsonl_items(handle, self.file_name)
            )
            try:
                for row, obj in enumerate(objects, start=1):
                    if not isinstance(obj, dict):
                        raise InputRejected(
                            f"Record {row} of {self.file_name} is not a JSON object: every "
                            "record must be an object of field names to values."
                        )
                    yield row, obj
            except UnicodeDecodeError:
                raise InputRejected(
                    f"{self.file_name} is not valid {info.encoding}: pass the right encoding "
                    f"option ({_ENCODINGS})."
                ) from None

    def _json_records(self) -> Iterator[tuple[int, list[str | None]]]:
        keys = self._json_keys
        try:
            for row, obj in self._json_objects():
                flat = flatten_json(obj)
                yield row, [flat.get(k) for k in keys]
        except RecursionError:
            raise self._too_deep() from None

    def _too_deep(self) -> InputRejected:
        return InputRejected(
            f"{self.file_name} nests JSON objects or lists too deeply to be records: flatten "
            "the data or export it as CSV."
        )


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


class _JsonWindow:
    """A sliding window of text over a handle: enough to decode one array item at a time,
    grown geometrically for a large item and trimmed behind the items already decoded."""

    def __init__(self, handle: IO[str], file_name: str) -> None:
        self.handle = handle
        self.file_name = file_name
        self.buffer = ""
        self.position = 0
        self.lines_before = 0
        self.eof = False
        self.decoder = json.JSONDecoder()

    def read(self, size: int = 0) -> bool:
        """Append `size` (default a block) more characters, dropping what lies behind
        `position`; False at the end of the file."""
        if self.eof:
            return False
        self.lines_before += self.buffer.count("\n", 0, self.position)
        block = self.handle.read(max(size, JSON_BLOCK_CHARS))
        self.eof = not block
        self.buffer, self.position = self.buffer[self.position :] + block, 0
        return bool(block)

    def next_char(self, skip: re.Pattern[str]) -> str | None:
        """The first character at or after `position` that `skip` does not match; None at
        the end of the file."""
        while True:
            match = skip.match(self.buffer, self.position)
            self.position = match.end() if match else self.position
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self.read():
                return None

    def decode(self) -> Any:
        """The JSON value at `position`, reading more while it continues past the window."""
        while True:
            try:
                item, end = self.decoder.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as exc:
                pending = len(self.buffer) - self.position
                cut = exc.pos >= len(self.buffer) - 10 or exc.msg.startswith("Unterminated")
                if cut and pending < MAX_JSON_RECORD_CHARS and self.read(pending):
                    continue  # the item goes on past the window (errors elsewhere are real)
                raise self.invalid(exc) from None
            if end == len(self.buffer) and self.read():
                continue  # a number at the window's edge may go on in the next block
            self.position = end
            return item

    def invalid(self, exc: json.JSONDecodeError) -> InputRejected:
        line = self.lines_before + self.buffer.count("\n", 0, exc.pos) + 1
        return InputRejected(
            f"{self.file_name} is not valid JSON ({exc.msg.removesuffix(' at')} at line {line}): "
            "the file is truncated or malformed; export it again."
        )


def _json_array_items(handle: IO[str], file_name: str) -> Iterator[Any]:
    """Stream the items of a top-level JSON array without loading the whole file."""
    window = _JsonWindow(handle, file_name)
    if window.next_char(_JSON_LEADING) != "[":
        raise InputRejected(
            f"{file_name} is not a JSON array of objects: put the records in [ ] or write one "
            "object per line (JSONL)."
        )
    window.position += 1
    while True:
        char = window.next_char(_JSON_BETWEEN)
        if char is None:
            raise InputRejected(
                f"{file_name} ends before its JSON array is closed: the file is truncated; "
                "export it again."
            )
        if char == "]":
            return
        yield window.decode()


def _jsonl_items(handle: IO[str], file_name: str) -> Iterator[Any]:
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputRejected(
                f"Line {line_number} of {file_name} is not valid JSON ({exc.msg}): fix that "
                "line or export the file again."
            ) from None


def _looks_like_json(text: str) -> bool:
    """`[` or `{` opening a JSON document, not a CSV header such as `[Name],[Email]`."""
    rest = text[1:].lstrip(" \t\r\n")
    if text[0] == "{":
        return not rest or rest[0] in '"}'
    if text[0] == "[":
        return (
            not rest or rest[0] in '{["]-0123456789' or rest.startswith(("true", "false", "null"))
        )
    return False


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
            if _longest(values) > MAX_CELL_CHARS:
                for position, value in enumerate(values[:width]):
                    if value is not None and len(value) > MAX_CELL_CHARS:
                        raise _huge_cell(row, columns[position], value)
            if len(values) < width:
                values = values + [None] * (width - len(values))
            good_rows.append(values[:width])
            good_index.append(row)
        if len(good_rows) + len(bad_rows) >= size:
            yield _make_chunk(good_rows, good_index, bad_rows, errors, columns)
            good_rows, good_index, bad_rows, errors = [], [], [], []
    if good_rows or bad_rows:
        yield _make_chunk(good_rows, good_index, bad_rows, errors, columns)


def _longest(values: list[Any]) -> int:
    """The length of the longest cell (cells are text or None); computed in C, as this runs
    for every row."""
    try:
        return max(map(len, filter(None, values)), default=0)
    except TypeError:  # a non-text cell: measure the text ones
        return max((len(v) for v in values if isinstance(v, str)), default=0)


def _huge_cell(row: int, column: str, value: str) -> InputRejected:
    lines = value.count("\n") + 1
    cause = (
        f" (it spans {lines:,} lines: probably a quote that is never closed)" if lines > 50 else ""
    )
    return InputRejected(
        f"Row {row}, column {column!r} has a cell of {len(value):,} characters{cause}, over the "
        f"{MAX_CELL_CHARS:,} limit: shorten it and retry."
    )


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
    handle: IO[str], delimiter: str, file_name: str = "The file", limit: int | None = None
) -> Iterator[tuple[int, list[str]]]:
    """csv records with the 1-based physical line each starts on; records whose fields are
    all blank (empty lines, `;;;` lines) are skipped. `handle` must be opened with newline=""."""
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
    try:
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not record or (not record[0].strip() and not "".join(record).strip()):
                continue
            yield start, record
            count += 1
            if limit is not None and count >= limit:
                return
    except csv.Error as exc:
        raise InputRejected(
            f"{file_name} cannot be read as delimited text near line {line + 1} ({exc}): check "
            "the file's quoting or pass the delimiter option."
        ) from None


def canonical_encoding(name: str) -> str:
    """An encoding name as reported (`UTF8` -> `utf-8`, `windows-1252` -> `cp1252`)."""
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        raise InputRejected(f"Unknown encoding {name!r}: use {_ENCODINGS}.") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: not text
        raise InputRejected(f"{name!r} is not a text encoding: use {_ENCODINGS}.")
    codec = info.name
    return _ENCODING_NAMES.get(codec.replace("-", "_"), codec)


def detect_encoding(head: bytes, rest: Iterable[bytes] = ()) -> str:
    """BOMs first; UTF-8 when every byte of `head` and `rest` decodes as UTF-8; otherwise
    cp1252 when its characters in 0x80-0x9F (euro sign, curly quotes, dashes) occur and all
    are defined there, else latin-1 (without such bytes the two decode identically)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, c1, undefined = True, False, False
    for block in itertools.chain([head], rest):
        if utf8:
            try:
                decoder.decode(block, final=False)
            except UnicodeDecodeError:
                utf8 = False
        found = block.translate(None, _NOT_C1)
        if found:
            c1 = True
            undefined = undefined or bool(found.translate(None, _CP1252_C1))
    if utf8:
        return "utf-8"
    return "cp1252" if c1 and not undefined else "latin-1"


# A file is UTF-8 with a few damaged bytes, not cp1252 or latin-1, when its valid multi-byte
# UTF-8 characters outnumber its invalid bytes this many times over: a cp1252 or latin-1
# file almost never forms valid UTF-8 sequences, while one bad byte in a UTF-8 file full of
# accents read as latin-1 would silently mangle every accent.
UTF8_DAMAGE_RATIO = 20
_INVALID_UTF8 = re.compile("[\udc80-\udcff]")
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")


def utf8_damage(blocks: Iterable[bytes]) -> tuple[int, int]:
    """(valid multi-byte characters, invalid bytes) of the bytes read as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    valid = invalid = 0
    for block in blocks:
        text = decoder.decode(block)
        invalid += len(_INVALID_UTF8.findall(text))
        valid += len(_MULTIBYTE.findall(text))
    return valid, invalid


def _decode_sample(head: bytes, encoding: str, file_name: str) -> str:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        return str(decoder.decode(head, final=False))
    except LookupError:
        raise InputRejected(f"Unknown encoding {encoding!r}: use {_ENCODINGS}.") from None
    except UnicodeDecodeError as exc:
        raise InputRejected(
            f"{file_name} is not valid {encoding} ({exc.reason} at byte {exc.start}): pass the "
            f"right encoding option ({_ENCODINGS})."
        ) from None


def detect_delimiter(text: str) -> str:
    """The candidate whose field count is most consistent over the first records."""
    sample = text[:200_000]
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        try:
            counts = [
                len(r)
                for _, r in _records_with_lines(
                    io.StringIO(sample, newline=""), delimiter, limit=100
                )
            ]
        except InputRejected:
            continue
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
    """The first record about as wide as the table whose cells are mostly non-empty,
    non-numeric text: preamble lines (notes, report titles) above it are skipped."""
    if not records:
        raise InputRejected("The file has no rows with content: export the data again.")
    widths = Counter(len(r) for _, r in records)
    table_width = max(w for w, n in widths.items() if n == max(widths.values()))
    for line, record in records:
        cells = _trim([c.strip() for c in record])
        filled = [c for c in cells if c]
        if table_width > 1 and (len(filled) < 2 or len(record) < 0.6 * table_width):
            continue
        texty = [c for c in filled if not _NUMERIC.match(c)]
        if len(filled) >= 0.5 * len(cells) and len(texty) >= 0.5 * len(filled):
            return line, list(record)
    return records[0]


def check_xlsx_safety(path: Path, file_name: str) -> None:
    """Reject zip bombs and XML with DTDs/entities before any XML parser sees the workbook."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        raise InputRejected(
            f"{file_name} looks like a ZIP file (such as .xlsx) but is damaged or incomplete: "
            "export it again."
        ) from None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise InputRejected(_zip_kind(archive, names, file_name))
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_ZIP_TOTAL or (ratio > MAX_ZIP_RATIO and info.file_size > 10 << 20):
                raise InputRejected(
                    f"{file_name} expands to {info.file_size / 1048576:,.0f} MB "
                    f"({ratio:,.0f}x compression): rejected as a possible zip bomb."
                )
        for info in infos:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    head = member.read(XML_PROLOG_BYTES)
            except Exception:
                raise InputRejected(
                    f"{file_name} has a damaged part ({info.filename}): open it in Excel and "
                    "save it again as .xlsx."
                ) from None
            if _xml_declares_dtd(head):
                raise InputRejected(
                    f"{file_name} contains XML with a DTD or entity declarations "
                    f"({info.filename}); such workbooks are rejected for safety: save it again "
                    "from Excel."
                )


def _zip_kind(archive: zipfile.ZipFile, names: set[str], file_name: str) -> str:
    """The rejection message for a ZIP archive that is not an .xlsx workbook."""
    if "xl/workbook.bin" in names:
        return f"{file_name} is an Excel binary workbook (.xlsb): save it as .xlsx and upload that."
    if "mimetype" in names:
        with archive.open("mimetype") as member:
            if b"opendocument.spreadsheet" in member.read(200):
                return (
                    f"{file_name} is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV "
                    "and upload that."
                )
    what = "a ZIP archive, not an Excel workbook"
    if "word/document.xml" in names:
        what = "a Word document, not a spreadsheet"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint presentation, not a spreadsheet"
    return f"{file_name} is {what}: upload {_SUPPORTED}."


def _xml_declares_dtd(head: bytes) -> bool:
    """True when the prolog of an XML part (what precedes its root element) holds a DOCTYPE,
    or cannot be read to its end within `head`; binary parts are not XML and pass."""
    sample = head[:64]
    if head.startswith(codecs.BOM_UTF16_LE) or (b"\x00" in sample and sample[1:2] == b"\x00"):
        text = head.decode("utf-16-le", "ignore")
    elif head.startswith(codecs.BOM_UTF16_BE) or (b"\x00" in sample and sample[:1] == b"\x00"):
        text = head.decode("utf-16-be", "ignore")
    else:
        text = head.decode("latin-1").removeprefix("\xef\xbb\xbf")
    text = text.lstrip("\ufeff")
    position = 0
    while match := _XML_PROLOG_SKIP.match(text, position):
        if match.end() == position:
            break
        position = match.end()
    rest = text[position : position + 9]
    if not rest.startswith("<"):
        return False
    return rest.startswith(("<!DOCTYPE", "<!ENTITY", "<!", "<?"))
