"""The rejects file: every row not written (error or in-file duplicate) with its original
columns plus `_row`, `_field`, `_error`. Steps append to the CSV as they find problems; the
report step sorts it by row and writes the JSON twin (see steps._publish_rejects)."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType

import pandas as pd

from pipelines.imports.parse import RowError
from pipelines.imports.validate import group_by_row

META_COLUMNS = ("_row", "_field", "_error")


class RejectsWriter:
    """Appends rejected rows to a CSV; one line per row, its errors joined with '; '."""

    def __init__(self, csv_path: Path, source_columns: list[str], append: bool = False) -> None:
        self.csv_path = csv_path
        self.columns = list(source_columns)
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        new = not (append and csv_path.exists())
        self._handle = open(csv_path, "w" if new else "a", encoding="utf-8", newline="")  # noqa: SIM115 (closed by close())
        self._writer = csv.writer(self._handle)
        if new:
            self._writer.writerow([*self.columns, *META_COLUMNS])

    def write(self, raw: pd.DataFrame, errors: list[RowError]) -> None:
        """Write the rows of `raw` (indexed by row number) that `errors` name."""
        grouped = sorted(group_by_row(errors).items())
        wanted = [row for row, _ in grouped if row in raw.index]
        cells = dict(zip(wanted, raw.loc[wanted, self.columns].itertuples(index=False)))
        for row, row_errors in grouped:
            values = list(cells.get(row, [None] * len(self.columns)))
            fields = "; ".join(dict.fromkeys(e.field for e in row_errors if e.field))
            messages = "; ".join(dict.fromkeys(e.error for e in row_errors))
            self._writer.writerow(
                [*("" if v is None else v for v in values), row, fields, messages]
            )

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
