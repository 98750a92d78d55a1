"""The import pipeline as plain functions, one per Dagster op: parse -> map -> validate ->
resolve and write. Chunks travel between steps as Parquet files in the job's work folder;
validated rows travel in the job's staging table."""

from __future__ import annotations

import bisect
import copy
import csv
import json
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from pipelines.errors import ErrorBudgetExceeded, InputRejected, TransientError
from pipelines.imports import jobstore, stage
from pipelines.imports.chunks import ChunkTask, transform_chunks, worker_count
from pipelines.imports.dates import (
    AMBIGUOUS,
    OrderEvidence,
    ambiguous_warning,
    arrow_evidence,
    column_orders,
    evidence,
    is_date_field,
)
from pipelines.imports.mapping import choose_mapping, mapped_fields
from pipelines.imports.parse import ParseHints, RawChunk, RowError, SourceFile
from pipelines.imports.rejects import RejectsWriter, merge_parts
from pipelines.imports.resolve import Resolver
from pipelines.imports.validate import DROPPED, display_value
from pipelines.imports.write import Writer
from resources.embedded_postgres import contactflow_home
from resources.postgres import terminate_on_interrupt
from resources.storage import LocalStorage, Storage
from schemas.modules import ModuleDef, get_module, referenced_modules
from schemas.options import ColumnMapping, ImportOptions

MAX_REPORTED_ERRORS = 100
MAX_REPORTED_WARNINGS = 100
SHARD_BYTES = 256 * 2**20  # raw chunk bytes per shard when the `shards` option is not set
ANALYZE_AFTER = 10_000  # records written by one import before it ANALYZEs the record table
ANALYZE_AFTER_REFERENCES = 100  # companies or groups created, for their table


@dataclass
class ImportRun:
    """Everything the steps share about one import; small enough to pass between ops."""

    job_id: int
    org: str
    module_slug: str
    options: dict[str, Any]
    source_path: str
    file_name: str
    work_dir: str
    file_info: dict[str, Any] = field(default_factory=dict)
    chunks: int = 0
    chunk_rows: list[int] = field(default_factory=list)
    total_rows: int = 0
    mapping: list[dict[str, Any]] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    error_rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    workers: int = 1
    parse_error_rows: int = 0  # `error_rows` and the length of `errors` after parsing:
    parse_errors_listed: int = 0  # where validation starts counting
    chunk_bytes: list[int] = field(default_factory=list)  # raw chunk file sizes, for shards
    chunk_first_rows: list[int] = field(default_factory=list)  # first source row of each chunk
    rows_parts: list[str] = field(default_factory=list)  # the shards' rejects parts
    shards: int = 0
    staged_rows: int = 0  # rows COPYed into the staging table, checked before the write
    date_orders: dict[str, str] = field(default_factory=dict)  # source column -> order
    # The day/month evidence of the columns the mapping reads as dates, gathered while parsing
    # (None from a parse that did not gather it: `map_step` then reads every chunk).
    date_evidence: dict[str, OrderEvidence] | None = None
    warning_rows: int = 0  # rows written without a value `drop_value` dropped
    warnings: list[dict[str, Any]] = field(default_factory=list)  # the first ones

    def copy(self) -> ImportRun:
        """A step works on its own copy: an op retried in the same process (in-process
        executor) gets the input object it had, which must not carry the failed attempt's
        counts (a retried validation counted its rejects twice)."""
        return copy.deepcopy(self)

    @property
    def module(self) -> ModuleDef:
        return get_module(self.module_slug)

    @property
    def opts(self) -> ImportOptions:
        return ImportOptions.model_validate(self.options)

    @property
    def work(self) -> Path:
        """The work folder; empty `work_dir` means this machine's folder for the job (each
        step resolves it where it runs, see `SharedWork`)."""
        return Path(self.work_dir) if self.work_dir else work_dir_for(self.job_id)

    def chunk_path(self, kind: str, number: int) -> Path:
        return self.work / kind / f"chunk-{number:05d}.parquet"

    @property
    def rejects_path(self) -> Path:
        return self.work / "rejects.csv"

    def rejects_part(self, kind: str) -> Path:
        """One step's rejects, in row order: `parse`, `rows` (validation), `staged`."""
        return self.work / f"rejects-{kind}.csv"

    def note_errors(self, errors: list[RowError]) -> None:
        self.error_rows += len({e.row for e in errors})
        room = MAX_REPORTED_ERRORS - len(self.errors)
        self.errors.extend(e.as_dict() for e in errors[: max(room, 0)])

    def column_warnings(self) -> list[dict[str, Any]]:
        """Warnings about whole columns (row None): date columns of unproven order."""
        targets = {m["source_column"]: m.get("target_field") for m in self.mapping}
        return [
            {"row": None, "field": targets.get(c), "value": None, "warning": ambiguous_warning(c)}
            for c, order in self.date_orders.items()
            if order == AMBIGUOUS
        ]


def value_warnings(dropped: list[RowError], room: int) -> list[dict[str, Any]]:
    """The first `room` dropped values as `{row, field, value, warning}`."""
    return [
        {"row": e.row, "field": e.field, "value": e.value, "warning": e.error}
        for e in dropped[: max(room, 0)]
    ]


DAMAGED_ROW = (
    "invalid UTF-8 bytes in this row (shown as \ufffd): fix them in the file, or pass "
    "encoding=cp1252 if the whole file is Windows-1252"
)


def reject_damaged_rows(chunk: RawChunk) -> RawChunk:
    """In a UTF-8 file with a few invalid bytes (read as U+FFFD), the rows holding them are
    row errors: their values cannot be trusted, the rest of the file can."""
    if chunk.frame.empty:
        return chunk
    text = chunk.frame.astype("string")
    damaged = text.apply(lambda column: column.str.contains("\ufffd", regex=False)).any(axis=1)
    damaged = damaged.fillna(False).astype(bool)
    if not damaged.any():
        return chunk
    rows = chunk.frame[damaged]
    errors = [RowError(int(row), None, None, DAMAGED_ROW) for row in rows.index]
    bad = pd.concat([chunk.bad, rows]).sort_index() if len(chunk.bad) else rows
    return RawChunk(
        chunk.frame[~damaged], bad, sorted([*chunk.errors, *errors], key=lambda e: e.row)
    )


def chunk_rows_setting() -> int | None:
    """CONTACTFLOW_CHUNK_ROWS: rows per chunk (the unit a shard is made of); unset, the parser
    chooses by the file's width."""
    value = os.environ.get("CONTACTFLOW_CHUNK_ROWS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def work_dir_for(job_id: int) -> Path:
    return contactflow_home() / "staging" / f"import-{job_id}"


class SharedWork:
    """The work folder's files on the uploads storage when it is remote (S3), so that each
    step can run on another machine: a step shares what it wrote and fetches what it reads
    and does not have. With a local uploads folder every step shares one work folder (one
    machine, or a shared mount), and both calls do nothing."""

    def __init__(self, run: ImportRun, storage: Storage) -> None:
        self.run = run
        self.storage = storage
        self.remote = not isinstance(storage, LocalStorage)
        self.prefix = f"_work/import-{run.job_id}/"

    def key(self, path: Path) -> str:
        return self.prefix + path.relative_to(self.run.work).as_posix()

    def share(self, paths: list[Path]) -> None:
        if self.remote:
            for path in paths:
                self.storage.put_file(path, self.key(path))

    def fetch(self, paths: list[Path]) -> None:
        if self.remote:
            for path in paths:
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    self.storage.get_file(self.key(path), path)

    def remove(self) -> None:
        if self.remote:
            for found in list(self.storage.iter_all(self.prefix)):
                self.storage.delete(found.key)

    def chunks(self, kind: str, numbers: range | list[int] | None = None) -> list[Path]:
        numbers = range(1, self.run.chunks + 1) if numbers is None else numbers
        return [self.run.chunk_path(kind, n) for n in numbers]

    def rejects_parts(self) -> list[Path]:
        return [self.run.rejects_part(kind) for kind in ("parse", *self.run.rows_parts)]


def parse_step(run: ImportRun) -> ImportRun:
    """Detect the file and write its rows as raw Parquet chunks (bad rows in `bad` chunks)."""
    run = run.copy()
    opts = run.opts
    hints = ParseHints(
        encoding=opts.encoding,
        delimiter=opts.delimiter,
        header_row=opts.header_row,
        sheet=opts.sheet,
        max_file_mb=opts.max_file_mb,
    )
    source = SourceFile(Path(run.source_path), hints, file_name=run.file_name)
    run.file_info = source.info.__dict__.copy()
    for kind in ("raw", "bad"):
        (run.work / kind).mkdir(parents=True, exist_ok=True)
    errors: list[RowError] = []
    date_columns: list[str] | None = []
    for number, chunk in enumerate(source.chunks(chunk_rows_setting()), start=1):
        if source.info.invalid_bytes:
            chunk = reject_damaged_rows(chunk)
        if chunk.table is not None:
            pq.write_table(chunk.table, run.chunk_path("raw", number), compression=None)
        else:
            _write_parquet(chunk.frame, run.chunk_path("raw", number))
        _write_parquet(chunk.bad, run.chunk_path("bad", number))
        if number == 1:
            date_columns = _date_columns(run)
            run.date_evidence = None if date_columns is None else {}
        if run.date_evidence is not None and date_columns:
            for column, found in _chunk_evidence(chunk, date_columns).items():
                run.date_evidence[column] = run.date_evidence.get(column, OrderEvidence()) + found
        errors.extend(chunk.errors)
        run.chunk_bytes.append(run.chunk_path("raw", number).stat().st_size)
        run.chunk_first_rows.append(chunk.first_row())
        run.chunk_rows.append(chunk.good_rows + len(chunk.bad))
        run.total_rows += run.chunk_rows[-1]
        run.chunks = number
    run.note_errors(errors)
    run.parse_error_rows, run.parse_errors_listed = run.error_rows, len(run.errors)
    _append_errors(run, errors)
    return run


def map_step(run: ImportRun) -> ImportRun:
    """Choose the mapping (explicit or suggested) and check it against the module; it is
    applied chunk by chunk in `validate_step`, which normalizes and validates in one pass."""
    run = run.copy()
    mapping = _mapping(run)
    run.mapping = [m.model_dump(exclude_none=True) for m in mapping]
    run.fields = mapped_fields(run.module, mapping, run.opts)
    run.date_orders = _date_orders(run)
    return run


def _mapping(run: ImportRun) -> list[ColumnMapping]:
    """The mapping `choose_mapping` makes of the file's columns and the first 200 rows."""
    columns = run.file_info["source_columns"]
    sample = (
        pd.read_parquet(run.chunk_path("raw", 1)).head(200)
        if run.chunks
        else pd.DataFrame(columns=columns)
    )
    mapping, _ = choose_mapping(run.module, columns, run.opts, sample)
    return mapping


def map_reads(run: ImportRun) -> list[int]:
    """The raw chunks `map_step` reads: the first (the mapping's sample), or all of them when
    the parse gathered no date evidence (a run parsed by an earlier version)."""
    if run.date_evidence is None:
        return list(range(1, run.chunks + 1))
    return [1] if run.chunks else []


def _date_columns(run: ImportRun) -> list[str] | None:
    """While parsing, after the first chunk: the source columns whose day/month order
    `map_step` will need (the mapping only depends on the first chunk); None when the mapping
    is refused, which `map_step` reports."""
    opts = run.opts
    if opts.dayfirst is not None or opts.date_format:
        return []
    try:
        mapping = _mapping(run)
    except InputRejected:
        return None
    return _mapped_dates(run, [m.model_dump(exclude_none=True) for m in mapping])


def _mapped_dates(run: ImportRun, mapping: list[dict[str, Any]]) -> list[str]:
    module = run.module
    return [
        m["source_column"]
        for m in mapping
        if not m.get("ignored") and is_date_field(module, m.get("target_field"))
    ]


def _chunk_evidence(chunk: RawChunk, columns: list[str]) -> dict[str, OrderEvidence]:
    """The day/month evidence of `columns` in one parsed chunk (what `map_step` would read
    back from its raw chunk file)."""
    if chunk.table is not None:
        return {c: arrow_evidence(chunk.table.column(c)) for c in columns}
    frame = chunk.frame
    return {c: evidence(frame[c]) for c in columns if c in frame}


def _date_orders(run: ImportRun) -> dict[str, str]:
    """The order of each mapped date column's numeric dates, from the values of the whole
    file (gathered by the parse; read from every chunk after a parse that did not), unless
    `dayfirst` or `date_format` decides."""
    opts = run.opts
    if opts.dayfirst is not None or opts.date_format:
        return {}
    columns = _mapped_dates(run, run.mapping)
    if not columns:
        return {}
    if run.date_evidence is not None:
        found = run.date_evidence
        return {c: order for c in columns if c in found and (order := found[c].order)}
    frames = (
        pd.read_parquet(run.chunk_path("raw", n), columns=columns) for n in range(1, run.chunks + 1)
    )
    return column_orders(frames, columns)


@dataclass(frozen=True)
class Shard:
    """Consecutive chunks validated by one step (`validate_rows[shard_N]`), possibly on another
    machine: it reads its raw chunks from the work folder (or the shared storage, see the ops)
    and COPYs into the import's staging table."""

    number: int
    first_chunk: int
    last_chunk: int  # < first_chunk for the one empty shard of a file without rows

    @property
    def key(self) -> str:
        return f"shard_{self.number}"

    @property
    def chunk_numbers(self) -> range:
        return range(self.first_chunk, self.last_chunk + 1)


@dataclass
class ShardResult:
    """What one shard hands to the write: its counts, first errors and rejects part."""

    number: int
    error_rows: int
    errors: list[dict[str, Any]]
    staged_rows: int
    rejects_kind: str
    workers: int
    warning_rows: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)


def plan_shards(run: ImportRun) -> list[Shard]:
    """A file of up to SHARD_BYTES of raw chunks is one shard; bigger files split by size into
    shards of whole chunks; the `shards` option overrides (never more shards than chunks)."""
    wanted = run.opts.shards or -(-sum(run.chunk_bytes) // SHARD_BYTES)
    count = max(1, min(wanted, run.chunks))
    if not run.chunks:
        return [Shard(1, 1, 0)]
    bounds = [round(i * run.chunks / count) for i in range(count + 1)]
    return [Shard(i + 1, bounds[i] + 1, bounds[i + 1]) for i in range(count)]


def begin_validation(run: ImportRun, engine: sa.Engine) -> None:
    """Before the shards: a fresh staging table, and the parse rejects part."""
    with RejectsWriter(run.rejects_part("parse"), run.file_info["source_columns"]) as rejects:
        for number in range(1, run.chunks + 1):
            path = run.chunk_path("bad", number)
            if pq.read_metadata(path).num_rows:  # most chunks have none: ~3 ms each to read
                bad = pd.read_parquet(path)
                rejects.write(bad, _parse_errors_for(run, bad))
    with engine.begin() as conn:
        stage.create_stage(conn, run.job_id, run.module, run.fields)
        jobstore.update_job(conn, run.job_id, processed_rows=0)


def validate_shard(
    run: ImportRun, shard: Shard, engine: sa.Engine, workers: int | None = None
) -> ShardResult:
    """Map, normalize and validate the shard's chunks (in forked workers, see chunks.py), COPY
    the valid rows to the staging table and the rejected ones to the shard's rejects part, in
    chunk order. The COPYs are one transaction that first deletes the shard's row range, so a
    retried shard never stages a row twice."""
    kind = f"rows-{shard.number:04d}"
    chunk_numbers = list(shard.chunk_numbers)
    tasks = [
        ChunkTask(
            n,
            str(run.chunk_path("raw", n)),
            run.module_slug,
            run.options,
            run.mapping,
            run.fields,
            run.file_info["source_columns"],
            run.date_orders,
        )
        for n in chunk_numbers
    ]
    result = ShardResult(shard.number, 0, [], 0, kind, workers or worker_count(len(tasks)))
    table = stage.stage_table(run.job_id)
    rows = _shard_rows(run, shard)
    with (
        RejectsWriter(run.rejects_part(kind), run.file_info["source_columns"]) as rejects,
        engine.connect() as conn,
        conn.begin(),
    ):
        conn.execute(sa.text(f"DELETE FROM {table} WHERE _row >= :lo AND _row < :hi"), rows)
        for chunk in transform_chunks(tasks, result.workers):
            result.error_rows += len({e.row for e in chunk.errors})
            room = MAX_REPORTED_ERRORS - len(result.errors)
            result.errors.extend(e.as_dict() for e in chunk.errors[: max(room, 0)])
            result.warning_rows += len({e.row for e in chunk.dropped})
            result.warnings += value_warnings(
                chunk.dropped, MAX_REPORTED_WARNINGS - len(result.warnings)
            )
            if chunk.rejected is not None:
                rejects.write(chunk.rejected, chunk.errors, chunk.dropped)
            result.staged_rows += stage.copy_text(conn, run.job_id, chunk.copy_text, run.fields)
            jobstore.add_progress(engine, run.job_id, run.chunk_rows[chunk.number - 1])
    return result


def _shard_rows(run: ImportRun, shard: Shard) -> dict[str, int]:
    """The half-open range of source row numbers of the shard's chunks."""
    firsts = run.chunk_first_rows
    lo = firsts[shard.first_chunk - 1] if shard.first_chunk <= len(firsts) else 0
    hi = firsts[shard.last_chunk] if shard.last_chunk < len(firsts) else 2**62
    return {"lo": lo, "hi": hi}


def collect_shards(run: ImportRun, results: list[ShardResult], engine: sa.Engine) -> ImportRun:
    """The run after every shard: errors counted from the parse errors on (so a retried or
    re-staged validation never counts a reject twice), then in-file duplicates marked over
    the whole staging table (first row wins)."""
    run = run.copy()
    run.error_rows = run.parse_error_rows
    run.errors = run.errors[: run.parse_errors_listed]
    run.warning_rows, run.warnings = 0, run.column_warnings()
    results = sorted(results, key=lambda r: r.number)
    for result in results:
        run.error_rows += result.error_rows
        room = MAX_REPORTED_ERRORS - len(run.errors)
        run.errors.extend(result.errors[: max(room, 0)])
        run.warning_rows += result.warning_rows
        run.warnings += result.warnings[: max(MAX_REPORTED_WARNINGS - len(run.warnings), 0)]
    run.staged_rows = sum(r.staged_rows for r in results)
    run.rows_parts = [r.rejects_kind for r in results]
    run.shards = len(results)
    run.workers = max((r.workers for r in results), default=1)
    module = run.module
    keys = stage.usable_keys(module, run.opts.match_keys(module), run.fields)
    with engine.begin() as conn:
        stage.mark_in_file_duplicates(conn, run.job_id, module, keys)
    return run


def validate_step(run: ImportRun, engine: sa.Engine) -> ImportRun:
    """Every shard in this process, one after the other (what the job's mapped steps do, for
    `ensure_staged` and direct callers)."""
    begin_validation(run, engine)
    results = [validate_shard(run, shard, engine) for shard in plan_shards(run)]
    return collect_shards(run, results, engine)


def ensure_staged(run: ImportRun, engine: sa.Engine) -> ImportRun:
    """The run, re-staged from its raw chunks when the staging table lost rows. It is UNLOGGED
    (no WAL for a table that lives minutes), and PostgreSQL's crash recovery empties unlogged
    tables: a write retried after a database crash would otherwise "succeed" on an empty
    stage and report a completed import that wrote nothing."""
    with engine.connect() as conn:
        found = stage.staged_count(conn, run.job_id)
    if found == run.staged_rows:
        return run
    return validate_step(run, engine)


def _check_staged(run: ImportRun, conn: sa.Connection) -> None:
    """Under the write lock, the stage still holds every staged row (see `ensure_staged`);
    raised as transient, so the retried step re-stages."""
    found = stage.staged_count(conn, run.job_id)
    if found != run.staged_rows:
        raise TransientError(
            f"the staging table holds {found or 0} of {run.staged_rows} validated rows "
            "(the database restarted and emptied it); they are staged again on retry"
        )


def write_step(run: ImportRun, engine: sa.Engine, exports: Storage) -> dict[str, Any]:
    """Resolve and write in one transaction under the org/module lock; with `validate_only`
    compute the same counts, write the plan file and roll back. The summary includes how long
    each phase took (`phases`), shown in the UI."""
    opts = run.opts
    phase = Phases()
    with engine.connect() as conn, conn.begin() as transaction, terminate_on_interrupt(conn):
        resolver = Resolver(conn, run.job_id, run.org, run.module, run.fields, opts)
        writer = Writer(resolver)
        with phase("lock"):
            writer.lock()
            stage.planning_settings(conn)
            _check_staged(run, conn)
        with phase("resolve"):
            references = resolver.resolve_references()
            created_refs = (
                writer.create_references(references)
                if opts.create_missing_references
                else dict.fromkeys(referenced_modules(), 0)
            )
            resolver.match(stage.usable_keys(run.module, opts.match_keys(run.module), run.fields))
            resolver.plan_actions()
            rejected = _staged_rejects(run, conn)
            counts = _counts(run, resolver.counts(run.staged_rows))
            _check_error_budget(run, counts)
        # The rejects file is written while the database writes the records (~1.5 s of
        # Python per 70,000 rejected rows, off the import's critical path).
        with ThreadPoolExecutor(1, thread_name_prefix="rejects") as pool:
            rejects = pool.submit(_write_rejects, run, rejected, exports)
            with phase("write"):
                _apply(run, conn, writer, counts)
            with phase("report"):
                plan_file = _write_plan(run, conn, exports) if opts.validate_only else None
                errors_file = rejects.result()
        warnings = [] if opts.create_missing_references else references.warnings()
        outcome = {
            "errors_file": errors_file,
            "created_references": created_refs,
            "reference_warnings": warnings,
            "warning_rows": run.warning_rows,
            "warnings": run.warnings,
        }
        if opts.validate_only:
            transaction.rollback()
            jobstore.complete_job(engine, run.job_id, counts, plan_file=plan_file, **outcome)
        else:
            stage.drop_stage(conn, run.job_id)
            jobstore.complete_job(conn, run.job_id, counts, **outcome)
            with phase("commit"):
                transaction.commit()
    if opts.validate_only:
        with engine.begin() as conn:
            stage.drop_stage(conn, run.job_id)
    elif tables := _tables_to_analyze(run, counts, created_refs):
        # Fresh planner statistics now rather than when autovacuum gets to it: the first export
        # after a big import planned with "0 companies" statistics, chose a nested loop over
        # every contact and company and took 5x longer than the next one.
        with phase("analyze"), engine.begin() as conn:
            for table in tables:
                conn.execute(sa.text(f"ANALYZE {table}"))
    return {
        **counts,
        **outcome,
        "date_orders": run.date_orders,
        "plan_file": plan_file,
        "phases": phase.seconds,
    }


def losses(summary: dict[str, Any]) -> str | None:
    """One line on what a finished import could not take in (rejected rows, reference values
    it left empty), for a warning on the run; None when it took in everything."""
    parts = []
    if errors := summary.get("error_rows"):
        parts.append(f"{errors:,} row{'s' if errors != 1 else ''} rejected")
    if dropped := summary.get("warning_rows"):
        parts.append(
            f"{dropped:,} row{'s' if dropped != 1 else ''} written with invalid values dropped"
        )
    for warning in summary.get("reference_warnings") or []:
        values = warning["unresolved_values"]
        shown = ", ".join(str(v) for v in values[:5]) + (" …" if len(values) > 5 else "")
        parts.append(f"{warning['field']} left empty for unknown values: {shown}")
    return "; ".join(parts) or None


def _tables_to_analyze(
    run: ImportRun, counts: dict[str, int], created_refs: dict[str, int]
) -> list[str]:
    """The record table when the import wrote ANALYZE_AFTER records or more; a reference table
    when it created ANALYZE_AFTER_REFERENCES references or more."""
    written = sum(counts[k] for k in ("created_rows", "updated_rows", "deleted_rows"))
    tables = [run.module.table] if written >= ANALYZE_AFTER else []
    tables += [t for t, n in created_refs.items() if n >= ANALYZE_AFTER_REFERENCES]
    return tables


def _apply(run: ImportRun, conn: sa.Connection, writer: Writer, counts: dict[str, int]) -> None:
    """The record writes of a real run (`deleted_rows` lands in `counts`); `validate_only`
    only counts what `overwrite` would delete. References were created before planning (in
    the same transaction, so `validate_only` rolls them back), so updates link them too."""
    opts = run.opts
    if opts.validate_only:
        if opts.action == "overwrite":
            counts["deleted_rows"] = _count_overwrite_deletes(conn, run)
    elif opts.action == "delete":
        counts["deleted_rows"] = writer.apply_deletes(overwrite=False)
    else:
        writer.apply_updates()
        writer.apply_creates()
        if opts.action == "overwrite":
            counts["deleted_rows"] = writer.apply_deletes(overwrite=True)


class Phases:
    """Wall-clock seconds per named phase."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - started, 3)


def finish(run: ImportRun) -> None:
    """Remove the work folder (the staging table went with the write transaction)."""
    shutil.rmtree(run.work, ignore_errors=True)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A chunk file: local and short-lived, so uncompressed (faster to write and read)."""
    if not all(dtype == np.dtype(object) for dtype in frame.dtypes):
        frame = frame.astype(object)
    frame.to_parquet(path, index=True, compression=None)


def _append_errors(run: ImportRun, errors: list[RowError]) -> None:
    path = run.work / "parse_errors.json"
    path.write_text(json.dumps([e.as_dict() for e in errors]))


def _parse_errors_for(run: ImportRun, bad: pd.DataFrame) -> list[RowError]:
    if bad.empty:
        return []
    rows = set(bad.index)
    stored = json.loads((run.work / "parse_errors.json").read_text())
    return [RowError(**e) for e in stored if e["row"] in rows]


def _staged_rejects(run: ImportRun, conn: sa.Connection) -> list[RowError]:
    """Rows the database step rejected (duplicates, ambiguous, not found), in row order; the
    errors among them count as row errors now, their rejects lines are written by
    `_write_rejects`."""
    found = conn.execute(
        sa.text(
            f"SELECT _row, _action, _error, _dup_of FROM {stage.stage_decided(run.job_id)} "
            "WHERE _action = 'error' OR _dup_of IS NOT NULL ORDER BY _row"
        )
    ).all()
    rejected = [
        RowError(int(r), None, None, err if action == "error" else f"duplicate of row {dup}")
        for r, action, err, dup in found
    ]
    run.note_errors([e for e, f in zip(rejected, found) if f[1] == "error"])
    return rejected


def _write_rejects(run: ImportRun, rejected: list[RowError], exports: Storage) -> str | None:
    """The rejects lines of the rows the database step rejected, with their original cells,
    then the whole rejects file published (see `_publish_rejects`). It needs no database, so
    `write_step` runs it in a thread while the records are written."""
    rows = [e.row for e in rejected]  # ascending, as the chunks are
    if rows:
        _write_staged_part(run, rows, rejected)
    else:  # a retried write must not publish an earlier attempt's part
        run.rejects_part("staged").unlink(missing_ok=True)
    return _publish_rejects(run, exports)


def _write_staged_part(run: ImportRun, rows: list[int], rejected: list[RowError]) -> None:
    with RejectsWriter(run.rejects_part("staged"), run.file_info["source_columns"]) as out:
        for number in range(1, run.chunks + 1):
            first = bisect.bisect_left(rows, run.chunk_first_rows[number - 1])
            last = (
                bisect.bisect_left(rows, run.chunk_first_rows[number], first)
                if number < run.chunks
                else len(rows)
            )
            if first < last:
                raw = _raw_rows(run.chunk_path("raw", number), rows[first:last])
                out.write(raw, rejected[first:last])


def _raw_rows(path: Path, rows: list[int]) -> pd.DataFrame:
    """The raw cells of `rows` (source row numbers) from one raw chunk file. The rows are
    picked in Arrow, so only they become Python objects: converting every chunk whole took
    ~1 s per million rows of the write step."""
    table = pq.read_table(path)
    index = table.column(table.schema.pandas_metadata["index_columns"][0])  # index=True
    picked = table.filter(pc.is_in(index, value_set=pa.array(rows, index.type)))
    return picked.to_pandas()


def _counts(run: ImportRun, actions: dict[str, int]) -> dict[str, int]:
    return {
        "total_rows": run.total_rows,
        "processed_rows": run.total_rows,
        "created_rows": actions.get("create", 0),
        "updated_rows": actions.get("update", 0),
        "unchanged_rows": actions.get("unchanged", 0),
        "skipped_rows": actions.get("skip", 0),
        "deleted_rows": actions.get("delete", 0),
        "error_rows": run.error_rows,
    }


def _check_error_budget(run: ImportRun, counts: dict[str, int]) -> None:
    opts = run.opts
    errors, total = counts["error_rows"], max(counts["total_rows"], 1)
    if opts.max_error_rows is not None and errors > opts.max_error_rows:
        raise ErrorBudgetExceeded(
            f"{errors} rows have errors, more than max_error_rows "
            f"({opts.max_error_rows}); nothing was written. See the rejects file.",
            errors,
            counts["total_rows"],
        )
    if opts.max_error_ratio is not None and errors / total > opts.max_error_ratio:
        raise ErrorBudgetExceeded(
            f"{errors / total:.1%} of rows have errors, more than max_error_ratio "
            f"({opts.max_error_ratio:.1%}); nothing was written.",
            errors,
            counts["total_rows"],
        )


def _count_overwrite_deletes(conn: sa.Connection, run: ImportRun) -> int:
    matches = stage.stage_matches(run.job_id)
    return int(
        conn.execute(
            sa.text(
                f"SELECT count(*) FROM {run.module.table} t WHERE t.org = :org AND NOT EXISTS "
                f"(SELECT 1 FROM {matches} m WHERE m._target = t.id)"
            ),
            {"org": run.org},
        ).scalar_one()
    )


def _write_plan(run: ImportRun, conn: sa.Connection, exports: Storage) -> str:
    """Each row's planned action; updates list `field: old -> new`."""
    resolver = Resolver(conn, run.job_id, run.org, run.module, run.fields, run.opts)
    diffs = [
        f"CASE WHEN '{slug}' = ANY(d._changed) THEN '{slug}: ' || coalesce(t.{column}::text, "
        f"'') || ' -> ' || coalesce(({sql})::text, '') END"
        for column, sql, slug in resolver.merged_columns()
    ]
    changes = f"concat_ws('; ', {', '.join(diffs)})" if diffs else "''"
    rows = conn.execute(
        sa.text(
            f"SELECT s._row, d._action, d._target, CASE WHEN d._action = 'update' THEN {changes} "
            f"END, coalesce(d._error, CASE WHEN d._dup_of IS NOT NULL THEN 'duplicate of row ' || "
            f"d._dup_of END) FROM {stage.stage_rows(run.job_id)} s "
            f"LEFT JOIN {stage.stage_decided(run.job_id)} d ON d._row = s._row "
            f"LEFT JOIN {run.module.table} t ON t.id = d._target ORDER BY s._row"
        )
    )
    path = run.work / "plan.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["_row", "action", "record_id", "changes", "reason"])
        for row, action, target, change, reason in rows:
            label = action or "create"
            writer.writerow([row, label, target or "", display_value(change) or "", reason or ""])
        for error in _file_errors(run):
            writer.writerow([error["row"], "error", "", "", error["error"]])
    return exports.put_file(path, f"{run.org}/plans/import-{run.job_id}-plan.csv", "text/csv")


def _file_errors(run: ImportRun) -> Iterator[dict[str, Any]]:
    """Rows rejected before staging (parse and validation errors), from their rejects parts."""
    for kind in ("parse", *run.rows_parts):
        with open(run.rejects_part(kind), newline="", encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                if not record["_error"].startswith(DROPPED):
                    yield {"row": int(record["_row"]), "error": record["_error"]}


def _publish_rejects(run: ImportRun, exports: Storage) -> str | None:
    """Merge the rejects parts into one file sorted by row with its JSON twin, store both;
    None when nothing was rejected."""
    json_path = run.rejects_path.with_suffix(".json")
    parts = [run.rejects_part(kind) for kind in ("parse", *run.rows_parts, "staged")]
    if not merge_parts(parts, run.rejects_path, json_path):
        return None
    key = f"{run.org}/rejects/import-{run.job_id}-rejects"
    location = exports.put_file(run.rejects_path, f"{key}.csv", "text/csv")
    exports.put_file(json_path, f"{key}.json", "application/json")
    return location
