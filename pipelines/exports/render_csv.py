"""CSV exports: the header from Python's csv writer, the rows straight from PostgreSQL's
`COPY (SELECT ...) TO STDOUT`, so no row passes through Python and memory stays flat."""

from __future__ import annotations

import csv
import io
from itertools import islice
from pathlib import Path
from typing import Any

from psycopg import ClientCursor

from pipelines.exports.cells import neutralise
from pipelines.exports.query import ExportQuery

BOM = b"\xef\xbb\xbf"


def write_csv(
    raw: Any,
    query: ExportQuery,
    path: Path,
    delimiter: str = ",",
    bom: bool = False,
    include_headers: bool = True,
    allow_formulas: bool = False,
) -> int:
    """Write the query's rows (already rendered and neutralised in SQL) to `path`; returns
    the number of rows. An empty result is a file with the header only."""
    statement = ClientCursor(raw).mogrify(
        f"COPY ({query.select}) TO STDOUT (FORMAT csv, DELIMITER %(_delimiter)s)",
        {**query.params, "_delimiter": delimiter},
    )
    with open(path, "wb") as out:
        if bom:
            out.write(BOM)
        if include_headers:
            labels = [c.label if allow_formulas else neutralise(c.label) for c in query.columns]
            out.write(header_line(labels, delimiter).encode("utf-8"))
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL client_encoding TO 'UTF8'")
            with cursor.copy(statement) as copy:
                for block in copy:
                    out.write(block)
            return int(cursor.rowcount)


def header_line(labels: list[str], delimiter: str) -> str:
    """One CSV line quoted the way COPY quotes rows (only when needed, `\\n` line ends)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerow(labels)
    return buffer.getvalue()


def read_preview(
    path: Path, delimiter: str, include_headers: bool, rows: int = 10
) -> list[list[str]]:
    """The first data rows of a written CSV (for the run's metadata)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        if include_headers:
            next(reader, None)
        return list(islice(reader, rows))
