"""Read the data records of a delimited text file with Arrow's streaming CSV reader, with the
semantics of Python's csv module as `parse.SourceFile` has always applied them.

Arrow parses the records whose width is the header's; it hands every other record to
`invalid_row_handler` with its record number. Those few are parsed again with Python's csv
module: a record with non-empty cells past the header's width is a row error, a shorter one (or
one whose extra cells are empty) is padded or cut like any other row, and a record of blank
cells is not a record. Records whose cells are all blank are dropped, the rest numbered 1.. in
file order, and cut into chunks of `size` records.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipelines.imports.parse import MAX_CELL_CHARS, FileInfo, RawChunk, RowError, _huge_cell

# Arrow keeps several blocks in flight: 1 MB blocks parse as fast as 4 MB ones and hold
# ~100 MB less at 1M rows. A record larger than a block goes to the Python reader.
BLOCK_BYTES = 1 << 20
_ALNUM = "[A-Za-z0-9]"


class ArrowFailed(Exception):
    """Arrow could not read the rest of the file; the Python reader takes over."""


@dataclass
class _Pending:
    """Records parsed so far and not yet yielded: good rows as Arrow tables with their row
    numbers, bad rows (too many fields) with their cells."""

    tables: list[pa.Table] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    bad: list[tuple[int, list[str | None]]] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(r) for r in self.rows) + len(self.bad)


def read_chunks(path: Path, offset: int, info: FileInfo, size: int) -> Iterator[RawChunk]:
    """The chunks of the records that start at byte `offset` (just after the header)."""
    columns = info.source_columns
    width = len(columns)
    names = [f"c{i}" for i in range(width)]
    delimiter = info.delimiter or ","
    invalid: deque[tuple[int, str]] = deque()

    def on_invalid(row: Any) -> str:
        if row.number is None:
            return "error"
        invalid.append((row.number, row.text))
        return "skip"

    encoding = "utf8" if info.encoding in ("utf-8", "utf-8-sig") else info.encoding
    handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    try:
        handle.seek(offset)
        try:
            reader = pa_csv.open_csv(
                handle,
                read_options=pa_csv.ReadOptions(
                    column_names=names,
                    block_size=BLOCK_BYTES,
                    use_threads=False,
                    encoding=encoding or "utf8",
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=delimiter,
                    quote_char='"',
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=True,
                    ignore_empty_lines=True,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types={name: pa.string() for name in names},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except StopIteration:
            return  # no data after the header
        except (pa.ArrowException, UnicodeDecodeError, ValueError) as exc:
            raise ArrowFailed(str(exc)) from exc
        pending = _Pending()
        cursor = 1  # the next record number (Arrow's numbering: records, empty lines skipped)
        last_row = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            except (pa.ArrowException, UnicodeDecodeError, ValueError) as exc:
                raise ArrowFailed(str(exc)) from exc
            table = pa.Table.from_batches([batch]) if batch is not None else None
            n = table.num_rows if table is not None else 0
            end = cursor + n
            others: list[tuple[int, str]] = []
            while invalid and (batch is None or invalid[0][0] < end):
                others.append(invalid.popleft())
                end += 1 if batch is not None else 0
            numbers = np.arange(cursor, end, dtype=np.int64)
            if others and batch is not None:
                numbers = numbers[~np.isin(numbers, [number for number, _ in others])]
            cursor = end
            last_row = _add(
                pending, table, numbers, others, delimiter, width, last_row, columns, names
            )
            while pending.count() >= size:
                yield _take(pending, size, columns)
            if batch is None:
                break
        while pending.count():
            yield _take(pending, size, columns)
    finally:
        handle.close()


def _add(
    pending: _Pending,
    table: pa.Table | None,
    numbers: np.ndarray,
    others: list[tuple[int, str]],
    delimiter: str,
    width: int,
    last_row: int,
    columns: list[str],
    names: list[str],
) -> int:
    """Append one batch (and the records Arrow passed over) to `pending`, numbered after
    `last_row`; returns the last row number used."""
    extra_rows: list[list[str | None]] = []
    extra_numbers: list[int] = []
    bad: list[tuple[int, list[str | None]]] = []
    for number, text in others:
        values = _python_record(text, delimiter)
        if values is None:
            continue
        if len(values) > width and any(v is not None for v in values[width:]):
            bad.append((number, values))
            continue
        extra_rows.append((values + [None] * width)[:width])
        extra_numbers.append(number)
    if table is None:
        table = pa.table({name: pa.array([], pa.string()) for name in names})
    if extra_rows:
        extra = pa.table(
            {
                name: pa.array([r[i] for r in extra_rows], pa.string())
                for i, name in enumerate(names)
            }
        )
        table = pa.concat_tables([table, extra])
        numbers = np.concatenate([numbers, np.asarray(extra_numbers, dtype=np.int64)])
        order = np.argsort(numbers, kind="stable")
        table, numbers = table.take(pa.array(order)), numbers[order]
    if table.num_rows:
        keep = ~_blank_rows(table)
        if not keep.all():
            table, numbers = table.filter(pa.array(keep)), numbers[keep]
    bad_numbers = np.asarray([number for number, _ in bad], dtype=np.int64)
    every = np.sort(np.concatenate([numbers, bad_numbers]))
    rows = last_row + 1 + np.searchsorted(every, numbers)
    _check_cell_sizes(table, rows, columns)
    if table.num_rows:
        pending.tables.append(table)
        pending.rows.append(rows)
    for number, values in bad:
        row = last_row + 1 + int(np.searchsorted(every, number))
        pending.bad.append((row, values))
    pending.bad.sort(key=lambda item: item[0])
    return last_row + len(every)


def _python_record(text: str, delimiter: str) -> list[str | None] | None:
    """One record's text as the csv module reads it, empty cells None; None when blank."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False
    )
    record = next(reader, [])
    if not record or not "".join(record).strip():
        return None
    return [v if v else None for v in record]


def _blank_rows(table: pa.Table) -> np.ndarray:
    """Rows whose cells are all empty or white space (what the csv reader skips). Arrow finds
    the rows without a letter or digit; Python's `str.strip` decides for those few."""
    candidate = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        has_alnum = pc.fill_null(pc.match_substring_regex(column, _ALNUM), False)
        candidate &= ~np.asarray(has_alnum)
        if not candidate.any():
            return candidate
    for position in np.flatnonzero(candidate):
        cells = [column[int(position)].as_py() for column in table.columns]
        candidate[position] = all(c is None or not c.strip() for c in cells)
    return candidate


def _check_cell_sizes(table: pa.Table, rows: np.ndarray, columns: list[str]) -> None:
    """The first cell over MAX_CELL_CHARS, in file order, rejects the file."""
    found: tuple[int, int, str] | None = None
    for position, column in enumerate(table.columns):
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py()
        if longest is None or longest <= MAX_CELL_CHARS:
            continue
        over = np.flatnonzero(np.asarray(pc.fill_null(pc.greater(lengths, MAX_CELL_CHARS), False)))
        first = int(over[0])
        candidate = (int(rows[first]), position, str(column[first].as_py()))
        if found is None or candidate[:2] < found[:2]:
            found = candidate
    if found is not None:
        row, position, value = found
        raise _huge_cell(row, columns[position], value)


def _take(pending: _Pending, size: int, columns: list[str]) -> RawChunk:
    """The first `size` pending records (good and bad together) as one chunk."""
    rows = np.concatenate(pending.rows) if pending.rows else np.empty(0, dtype=np.int64)
    bad_rows = [row for row, _ in pending.bad]
    every = np.sort(np.concatenate([rows, np.asarray(bad_rows, dtype=np.int64)]))
    limit = int(every[min(size, len(every)) - 1])
    cut = int(np.searchsorted(rows, limit, side="right"))
    table = pa.concat_tables(pending.tables) if pending.tables else None
    if table is not None and cut < table.num_rows:
        pending.tables, pending.rows = [table.slice(cut)], [rows[cut:]]
    else:
        pending.tables, pending.rows = [], []
    good = table.slice(0, cut) if table is not None else None
    taken = [item for item in pending.bad if item[0] <= limit]
    pending.bad = [item for item in pending.bad if item[0] > limit]
    width = len(columns)
    bad = pd.DataFrame(
        [values[:width] + [None] * (width - len(values[:width])) for _, values in taken],
        columns=columns,
        dtype=object,
        index=pd.Index([row for row, _ in taken], name="_row"),
    )
    errors = [
        RowError(row, None, None, f"row has {len(values)} fields, the header has {width}")
        for row, values in taken
    ]
    if good is None:
        empty = pd.DataFrame(columns=columns, dtype=object, index=_row_index(rows[:0]))
        return RawChunk(empty, bad, errors)
    table = good.rename_columns(columns).append_column("_row", pa.array(rows[:cut]))
    return RawChunk(None, bad, errors, table.replace_schema_metadata(_pandas_metadata(columns)))


def _row_index(rows: np.ndarray) -> pd.Index:
    return pd.Index(rows, dtype=np.int64, name="_row")


def _pandas_metadata(columns: list[str]) -> dict[bytes, bytes]:
    """The schema metadata with which a chunk's table reads back (`to_pandas`, Parquet) as the
    frame pandas would have written: text columns, indexed by `_row`."""
    frame = pd.DataFrame(columns=columns, dtype=object, index=_row_index(np.empty(0, np.int64)))
    return dict(pa.Schema.from_pandas(frame, preserve_index=True).metadata)
