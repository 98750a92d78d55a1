"""The rejects file: every row not written (error or in-file duplicate), and every value
dropped under `invalid_values: drop_value`, with its original columns plus `_row`, `_field`,
`_error`. Each step writes its own part in row order (parse
errors, validation errors, rows the database step rejected); the report step merges the parts
into one file sorted by row, and its JSON twin, streaming (see `merge_parts`)."""

from __future__ import annotations

import csv
import heapq
import json
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from pipelines.imports.parse import RowError
from pipelines.imports.validate import group_by_row

META_COLUMNS = ("_row", "_field", "_error")


class RejectsWriter:
    """Appends rejected rows to a CSV; one line per row, its errors joined with '; '."""

    def __init__(self, csv_path: Path, source_columns: list[str]) -> None:
        self.csv_path = csv_path
        self.columns = list(source_columns)
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(csv_path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed by close())
        self._writer = csv.writer(self._handle)
        self._writer.writerow([*self.columns, *META_COLUMNS])

    def write(
        self, raw: pd.DataFrame, errors: list[RowError], dropped: list[RowError] | None = None
    ) -> None:
        """Write the rows of `raw` (indexed by row number) that `errors` name, one line per
        row, and one line per value `dropped` from a row that was written, in row order."""
        lines = [(row, found) for row, found in group_by_row(errors).items()]
        lines += [(e.row, [e]) for e in dropped or []]
        lines.sort(key=lambda line: line[0])
        wanted = list(dict.fromkeys(row for row, _ in lines if row in raw.index))
        cells = dict(zip(wanted, raw.loc[wanted, self.columns].itertuples(index=False)))
        for row, row_errors in lines:
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


def merge_parts(parts: list[Path], csv_path: Path, json_path: Path) -> int:
    """Merge rejects parts (each in row order; a row may be in two, e.g. a value dropped under
    `drop_value` and then an in-file duplicate, and keeps both lines) into one CSV sorted by row
    and its JSON twin (a list of objects, empty cells as null, `_row` a number), streaming:
    memory does not grow with the number of rejected rows. Returns the number of rows."""
    existing = [path for path in parts if path.exists()]
    if not existing:
        return 0
    with open(existing[0], newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))  # every part has the same columns
    position = header.index("_row")
    count = 0
    with (
        open(csv_path, "w", newline="", encoding="utf-8") as out_csv,
        open(json_path, "w", encoding="utf-8") as out_json,
    ):
        writer = csv.writer(out_csv)
        writer.writerow(header)
        out_json.write("[")
        rows = heapq.merge(*(_rows(path) for path in existing), key=lambda r: int(r[position]))
        for row in rows:
            writer.writerow(row)
            record: dict[str, Any] = {n: (v or None) for n, v in zip(header, row)}
            record["_row"] = int(row[position])
            out_json.write(",\n" if count else "\n")
            out_json.write(json.dumps(record, ensure_ascii=False))
            count += 1
        out_json.write("\n]\n" if count else "]\n")
    return count


def _rows(path: Path) -> Iterator[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader
