"""XLSX and XLS sheets as rows of cell values from the sheet's row 1 and column A: python-calamine
(Rust's calamine) for sheets that fit in memory, openpyxl's streaming reader for larger ones.

calamine loads a whole sheet into its own memory, then hands rows to Python one at a time: seven
times faster than openpyxl, but a loaded sheet takes about 1.7 times its XML (1.2 GB for 1,000,000
rows of 14 columns), while openpyxl's read-only mode stays flat. Callers check hostile
workbooks (DTDs, zip bombs) before calling here. A cell is an int, float, str, bool, date,
datetime, time, timedelta, `""` or None (empty).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import python_calamine

# XLSX whose worksheets and shared strings (uncompressed XML) are larger than this are streamed by
# openpyxl: about 140,000 rows of 14 columns, which calamine holds in about 160 MB.
MAX_LOADED_XML = 96 << 20


class UnreadableWorkbook(Exception):
    """The reader could not read the workbook; the message is the one-line reason."""


class LoadedSheet:
    """A sheet loaded by calamine when constructed; `rows()` can be read any number of times."""

    def __init__(self, path: Path, sheet: str) -> None:
        with _reading(), python_calamine.CalamineWorkbook.from_path(path) as workbook:
            self._sheet = workbook.get_sheet_by_name(sheet)

    def rows(self) -> Iterator[list[Any]]:
        start = self._sheet.start
        if start is None:  # an empty sheet: calamine's row iterator needs a cell
            return
        lead = [""] * start[1]  # the iterator starts at the first used column
        # One guard around the loop, not one per row (~0.7 s per million rows): the caller's
        # code never runs inside it, and GeneratorExit passes through.
        with _reading():
            for row in self._sheet.iter_rows():
                yield lead + row if lead else row


class StreamedSheet:
    """A sheet read by openpyxl's read-only workbook, one row at a time, on each `rows()`."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.path, self.sheet = path, sheet

    def rows(self) -> Iterator[list[Any]]:
        workbook = _openpyxl_workbook(self.path)
        try:
            with _reading():
                worksheet = workbook[self.sheet]
                worksheet.reset_dimensions()  # a wrong <dimension> must not cut rows
                for row in worksheet.iter_rows(values_only=True):
                    yield list(row)
        finally:
            workbook.close()


Sheet = LoadedSheet | StreamedSheet


def streams(path: Path) -> bool:
    """True for an XLSX whose worksheets are too large to load (see MAX_LOADED_XML)."""
    return zipfile.is_zipfile(path) and sheet_xml_bytes(path) > MAX_LOADED_XML  # XLS: ≤ 65,536 rows


def sheet_xml_bytes(path: Path) -> int:
    """The uncompressed size of an XLSX's worksheets and shared strings (what calamine loads)."""
    with zipfile.ZipFile(path) as archive:
        return sum(
            info.file_size
            for info in archive.infolist()
            if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml"
        )


def worksheet_names(path: Path) -> list[str]:
    """The names of the workbook's worksheets (not chart or macro sheets), in workbook order."""
    if streams(path):
        workbook = _openpyxl_workbook(path)
        try:
            return [sheet.title for sheet in workbook.worksheets]
        finally:
            workbook.close()
    with _reading(), python_calamine.CalamineWorkbook.from_path(path) as book:
        kinds = book.sheets_metadata
    return [s.name for s in kinds if s.typ == python_calamine.SheetTypeEnum.WorkSheet]


def open_sheet(path: Path, sheet: str) -> Sheet:
    """The sheet, loaded by calamine or ready to be streamed by openpyxl (see `streams`)."""
    return StreamedSheet(path, sheet) if streams(path) else LoadedSheet(path, sheet)


def _openpyxl_workbook(path: Path) -> Any:
    import openpyxl

    with _reading():
        return openpyxl.load_workbook(path, read_only=True, data_only=True)


@contextmanager
def _reading() -> Iterator[None]:
    """The readers' errors, and the Rust panics a damaged file can cause (pyo3's PanicException
    is a BaseException), as UnreadableWorkbook. A generator may yield inside it: what the
    consumer raises does not enter the generator, and GeneratorExit passes through."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise UnreadableWorkbook(reason) from None
