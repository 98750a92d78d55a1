"""XLSX and XLS sheets through python-calamine (Rust's calamine): worksheet names, and rows of
cell values numbered from the sheet's first row and first column.

calamine loads a whole sheet into its own (Rust) memory when it is opened, then hands rows to
Python one at a time; callers check hostile workbooks (DTDs, zip bombs) before calling here.
A cell is an int, float, str, bool, date, datetime, time or timedelta; an empty cell, and a
formula error such as `#N/A`, is `""`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import python_calamine


class UnreadableWorkbook(Exception):
    """calamine could not read the workbook; the message is the one-line reason."""


def worksheet_names(path: Path) -> list[str]:
    """The names of the workbook's worksheets (not chart or macro sheets), in workbook order."""
    with _calamine(), python_calamine.CalamineWorkbook.from_path(path) as workbook:
        return [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]


def load_sheet(path: Path, sheet: str) -> python_calamine.CalamineSheet:
    """The sheet's cells, loaded into calamine's memory; the file is closed on return."""
    with _calamine(), python_calamine.CalamineWorkbook.from_path(path) as workbook:
        return workbook.get_sheet_by_name(sheet)


def sheet_rows(loaded: python_calamine.CalamineSheet) -> Iterator[list[Any]]:
    """Every row of a loaded sheet from row 1 and column A (leading empty rows and columns
    included, so that positions match what a user sees in Excel), as wide as the used range."""
    if loaded.start is None:  # an empty sheet: calamine's row iterator needs a cell
        return
    with _calamine():
        rows = loaded.iter_rows()
    lead = [""] * loaded.start[1]
    while True:
        with _calamine():
            row = next(rows, None)
        if row is None:
            return
        yield lead + row if lead else row


@contextmanager
def _calamine() -> Iterator[None]:
    """calamine's errors, and the Rust panics a damaged file can cause (pyo3's PanicException
    is a BaseException), as UnreadableWorkbook; only calamine calls run inside."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise UnreadableWorkbook(reason) from None
