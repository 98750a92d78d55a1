"""CSV exports: the header from Python's csv writer, the rows straight from PostgreSQL's
`COPY (SELECT ...) TO STDOUT`, so no row passes through Python's csv module and memory stays
flat. The file is hashed while it is written."""

from __future__ import annotations

import csv
import hashlib
import io
import select
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from psycopg import ClientCursor, errors, pq

from pipelines.exports.cells import neutralise
from pipelines.exports.query import ExportQuery

BOM = b"\xef\xbb\xbf"
# Rows are gathered into writes (and hash updates) of about this many bytes.
WRITE_BYTES = 1 << 18


@dataclass(frozen=True)
class WrittenCsv:
    """What `write_csv` wrote: data rows, bytes and the SHA-256 of the whole file."""

    row_count: int
    size_bytes: int
    sha256: str


def write_csv(
    raw: Any,
    query: ExportQuery,
    path: Path,
    delimiter: str = ",",
    bom: bool = False,
    include_headers: bool = True,
    allow_formulas: bool = False,
) -> WrittenCsv:
    """Write the query's rows (already rendered and neutralised in SQL) to `path`. An empty
    result is a file with the header only."""
    statement = ClientCursor(raw).mogrify(
        f"COPY ({query.select}) TO STDOUT (FORMAT csv, DELIMITER %(_delimiter)s)",
        {**query.params, "_delimiter": delimiter},
    )
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as out:

        def write(chunk: bytes | bytearray) -> None:
            nonlocal size
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)

        head = BOM if bom else b""
        if include_headers:
            labels = [c.label if allow_formulas else neutralise(c.label) for c in query.columns]
            head += header_line(labels, delimiter).encode("utf-8")
        if head:
            write(head)
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL client_encoding TO 'UTF8'")
            rows = copy_out(cursor, statement, write)
    return WrittenCsv(rows, size, digest.hexdigest())


def copy_out(cursor: Any, statement: str, write: Callable[[bytes | bytearray], None]) -> int:
    """Run a `COPY ... TO STDOUT` and pass its data to `write` in blocks of about
    WRITE_BYTES; returns the number of rows the server reports.

    psycopg's `for row in copy` runs a chain of Python generators for every row, most of the
    client's time on a large export. Here psycopg starts the COPY (and cleans up after an
    error) and the rows are read straight from libpq: `get_copy_data` without blocking while
    rows are buffered, else wait for the socket (interruptible) and take what arrived."""
    pgconn = cursor.connection.pgconn
    get = pgconn.get_copy_data
    block = bytearray()
    with cursor.copy(statement):
        while True:
            nbytes, data = get(1)
            if nbytes > 0:
                block += data
                if len(block) >= WRITE_BYTES:
                    write(block)
                    block.clear()
            elif nbytes == 0:
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            else:
                count = _end_of_copy(cursor)
                break
    if block:
        write(block)
    return count


def _end_of_copy(cursor: Any) -> int:
    """The end of the data (`get_copy_data` gave -1): collect the COPY's final result as
    psycopg would, raising the server's error if the query failed midway; returns the row
    count it reports."""
    pgconn = cursor.connection.pgconn
    results = []
    while (result := pgconn.get_result()) is not None:
        results.append(result)
    if not results:
        raise errors.InternalError("COPY ended without a result.")
    if results[0].status != pq.ExecStatus.COMMAND_OK:
        raise errors.error_from_result(results[0], encoding=cursor.connection.info.encoding)
    return int(results[0].command_tuples or 0)


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
