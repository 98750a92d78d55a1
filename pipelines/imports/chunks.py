"""Map, normalize and validate the parsed chunks, in parallel worker processes.

Each chunk is independent: read its raw Parquet file, apply the mapping (normalization), run
the Pandera schema, and hand back the valid rows already rendered as COPY text, the row errors
and the raw cells of the rejected rows. The caller COPYs and writes rejects in chunk order
while the workers go on with the next chunks, so the CPU-bound Python runs on every core and
the database work overlaps it.

Workers are forked from the running process (they inherit its imported modules, so they start
in milliseconds) and never touch its database connections. A file of one chunk, a machine
with one core, `CONTACTFLOW_WORKERS=1` or a platform without `fork` runs inline. At most
`workers + 1` chunks are in flight, so memory stays flat in the file size.
"""

from __future__ import annotations

import ctypes
import gc
import io
import json
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipelines.imports.mapping import apply_mapping
from pipelines.imports.normalize import blank_as_null
from pipelines.imports.parse import RowError
from pipelines.imports.validate import drop_invalid_values, identity_fields, validate_chunk
from schemas.modules import MULTI_SEP, PART_SEP, DataType, ModuleDef, get_module
from schemas.options import ColumnMapping, ImportOptions
from schemas.validation import arrow_texts


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs for one chunk (small and picklable)."""

    number: int
    raw_path: str
    module_slug: str
    options: dict[str, Any]
    mapping: list[dict[str, Any]]
    fields: list[str]
    source_columns: list[str]
    date_orders: dict[str, str] = field(default_factory=dict)  # see dates.column_orders


@dataclass
class ChunkResult:
    number: int
    copy_text: str
    errors: list[RowError] = field(default_factory=list)
    rejected: pd.DataFrame | None = None  # raw cells of the rejected rows and the dropped values
    dropped: list[RowError] = field(default_factory=list)  # `invalid_values: drop_value`


def transform_chunk(task: ChunkTask) -> ChunkResult:
    """One chunk: raw Parquet -> normalized frame -> Pandera -> COPY text of the valid rows."""
    module = get_module(task.module_slug)
    opts = ImportOptions.model_validate(task.options)
    mapping = [ColumnMapping.model_validate(m) for m in task.mapping]
    raw = pd.read_parquet(task.raw_path)
    mapped = apply_mapping(raw, module, mapping, opts, task.date_orders)
    valid, errors = validate_chunk(mapped, module)
    dropped: list[RowError] = []
    if errors and opts.invalid_values == "drop_value":
        identity = identity_fields(module, opts.match_keys(module))
        valid, errors, dropped = drop_invalid_values(mapped, valid, errors, module, identity)
    rejected = None
    if errors or dropped:
        rows = sorted({e.row for e in [*errors, *dropped] if e.row in raw.index})
        rejected = raw.loc[rows, task.source_columns]
    text = copy_text(valid, task.fields, module)
    return ChunkResult(task.number, text, errors, rejected, dropped)


def copy_text(frame: pd.DataFrame, fields: list[str], module: ModuleDef) -> str:
    """The rows as COPY CSV: the row number (the index), then one column per field. Phones
    are staged as the JSON the record column stores (built here, in the workers, rather than
    once per row and per reference in the write statements)."""
    if frame.empty:
        return ""
    phones = {
        name
        for name in fields
        if module.has_field(name) and module.field(name).data_type is DataType.PHONE
    }
    columns = {"_row": pa.array(frame.index.to_numpy(), type=pa.int64())}
    for name in fields:
        cells = frame[name] if name in frame.columns else None
        texts = (
            pa.nulls(len(frame), pa.string()) if cells is None else arrow_texts(cells.to_numpy())
        )
        if texts is None:
            frame = frame.reindex(columns=fields)
            return _csv_text(frame.assign(**{p: phones_json_column(frame[p]) for p in phones}))
        columns[name] = blank_as_null(_phones_json_texts(texts) if name in phones else texts)
    return _arrow_csv(pa.table(columns))


def _csv_text(frame: pd.DataFrame) -> str:
    """CSV without a header, the index first: Arrow's writer (a C loop) when every column is
    text, pandas' otherwise. Both write a missing value as an empty unquoted field (NULL to
    COPY); pandas writes an empty string the same way, so Arrow gets it as missing too."""
    columns = {"_row": pa.array(frame.index.to_numpy(), type=pa.int64())}
    for number in range(frame.shape[1]):
        texts = arrow_texts(frame.iloc[:, number].to_numpy(dtype=object))
        if texts is None:
            buffer = io.StringIO()
            frame.to_csv(buffer, header=False, index=True)
            return buffer.getvalue()
        columns[f"c{number}"] = blank_as_null(texts)
    return _arrow_csv(pa.table(columns))


def _arrow_csv(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False))
    return str(memoryview(sink.getvalue()), "utf-8")


_PLAIN_PHONES = rf"^\+[0-9]+{PART_SEP}[A-Za-z]+(?:{MULTI_SEP}\+[0-9]+{PART_SEP}[A-Za-z]+)*$"


def phones_json_column(cells: pd.Series) -> pd.Series:
    """`phones_json` of a column (see `_phones_json_texts`); per value when a cell is not
    text Arrow can hold."""
    values = cells.to_numpy(dtype=object)
    texts = arrow_texts(values)
    if texts is None:
        out = [phones_json(v) if isinstance(v, str) else None for v in values]
    else:
        out = _phones_json_texts(texts).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=cells.index, dtype=object, name=cells.name)


def _phones_json_texts(texts: pa.Array) -> pa.Array:
    """`phones_json` of each text (null stays null): cells of E.164 numbers with plain types
    (nothing to escape) are spliced together in Arrow, the others take `phones_json`."""
    spliced = pc.binary_join_element_wise(
        '[{"number": "',
        pc.replace_substring(
            pc.replace_substring(texts, PART_SEP, '", "type": "'),
            MULTI_SEP,
            '"}, {"number": "',
        ),
        '"}]',
        "",
    )
    odd = pc.invert(pc.fill_null(pc.match_substring_regex(texts, _PLAIN_PHONES), True))
    if not pc.any(odd).as_py():
        return spliced
    rows = np.flatnonzero(np.asarray(odd, dtype=bool))
    fixed = pa.array([phones_json(cell) for cell in texts.take(pa.array(rows)).to_pylist()])
    return pc.replace_with_mask(spliced, odd, fixed)


def phones_json(cell: str) -> str:
    """`+number PART_SEP type` values joined by MULTI_SEP -> `[{"number": ..., "type": ...}]`."""
    return json.dumps(
        [
            {"number": number, "type": kind}
            for number, _, kind in (part.partition(PART_SEP) for part in cell.split(MULTI_SEP))
        ],
        ensure_ascii=False,
    )


def worker_count(chunks: int) -> int:
    """`CONTACTFLOW_WORKERS`, else the CPUs this process may use; never more than the chunks."""
    configured = os.environ.get("CONTACTFLOW_WORKERS", "").strip()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wanted = int(configured) if configured.isdigit() and int(configured) > 0 else cpus or 1
    if "fork" not in multiprocessing.get_all_start_methods():
        wanted = 1
    return max(1, min(wanted, chunks))


def transform_chunks(tasks: list[ChunkTask], workers: int) -> Iterator[ChunkResult]:
    """The results in chunk order; `workers` > 1 runs them in forked processes."""
    if len(tasks) == 1:
        yield transform_chunk(tasks[0])
        return
    # Objects that exist now are left out of garbage collection (here and in the workers): the
    # collection after each chunk then walks only that chunk's objects, and the collector does
    # not write to the frozen objects' pages, so forked workers share them with this process
    # instead of copying them. They are live (collected just before) and stay frozen: a command
    # runs one import and exits.
    gc.collect()
    gc.freeze()
    release_memory()  # the workers start from what this process holds now
    if workers <= 1:
        for task in tasks:
            yield transform_chunk_lean(task)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    pending: deque[Future[ChunkResult]] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(transform_chunk_lean, task))
            if len(pending) > workers:
                yield pending.popleft().result()
                tidy_after_result()
        while pending:
            yield pending.popleft().result()
            tidy_after_result()
    finally:
        # On an error or interrupt, queued chunks are dropped; running ones finish first.
        pool.shutdown(wait=True, cancel_futures=True)


def transform_chunk_lean(task: ChunkTask) -> ChunkResult:
    """`transform_chunk`, then hand the memory it freed back to the system, so a process
    holds one chunk's working set rather than the high-water mark of all of them."""
    try:
        return transform_chunk(task)
    finally:
        gc.collect()  # pandas frames hold reference cycles: free them before the next chunk
        release_memory()


def tidy_after_result() -> None:
    """After the caller has written a chunk: free what it left (a rejected rows frame holds
    reference cycles) and hand freed memory back, as the workers do after each chunk. Without
    it, this process's heap grew by ~25 MB PSS over the chunks of a 2M-row import (under 1 ms
    per chunk)."""
    gc.collect()
    release_memory()


def release_memory() -> None:
    """Return freed memory to the system: Arrow's pool keeps freed blocks for reuse, and glibc's
    malloc keeps freed pages of pandas' and Python's objects (bench/README.md: memory)."""
    pa.default_memory_pool().release_unused()
    trim = getattr(_LIBC, "malloc_trim", None)  # glibc only
    if trim is not None:
        trim(0)


_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Worker start-up: the kernel SIGKILLs this worker when its parent dies. A worker that
    outlived a killed import held hundreds of MB and, through the database socket it inherited
    by fork, kept the parent's COPY transaction (locks, xmin) open for minutes."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above ran
        os._exit(1)
