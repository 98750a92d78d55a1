"""The export pipeline as plain functions, one per Dagster op: render (query one snapshot and
write the file in the job's work folder) -> publish (manifest, storage, job row)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipelines.errors import InputRejected
from pipelines.exports import jobstore
from pipelines.exports.query import (
    ExportQuery,
    Mode,
    build_query,
    resolve_group,
    snapshot,
    snapshot_time,
)
from pipelines.exports.render_csv import read_preview, write_csv
from pipelines.names import check_org
from resources.embedded_postgres import contactflow_home
from resources.storage import LocalStorage, Storage
from schemas.export_options import CONTENT_TYPES, ExportOptions, parse_export_options
from schemas.modules import ModuleDef, get_module

PDF_MAX_ROWS = 50_000
PREVIEW_ROWS = 10
FETCH_ROWS = 2_000


@dataclass
class ExportRun:
    """Everything the steps share about one export; small enough to pass between ops."""

    job_id: int
    org: str
    module_slug: str
    options: dict[str, Any]
    name: str = ""
    destination: str = ""
    work_dir: str = ""
    file_name: str = ""
    row_count: int = 0
    columns: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    snapshot_at: str = ""
    sha256: str = ""  # set when the renderer hashed the file while writing it (CSV)

    @property
    def module(self) -> ModuleDef:
        return get_module(self.module_slug)

    @property
    def opts(self) -> ExportOptions:
        return parse_export_options(self.options)

    @property
    def path(self) -> Path:
        return Path(self.work_dir) / self.file_name

    @property
    def storage_key(self) -> str:
        return f"{self.org}/exports/{self.file_name}"


def work_dir_for(job_id: int) -> Path:
    return contactflow_home() / "staging" / f"export-{job_id}"


def prepare(org: str, module_slug: str, options: dict[str, Any]) -> ExportOptions:
    """Options checked against the module before anything runs, the query built once to check
    where values too (bad input: a clear sentence)."""
    check_org(org)
    opts = parse_export_options(options)
    module = get_module(module_slug)
    opts.check_against(module)
    build_query(module, org, opts, "text")
    return opts


def render_step(engine: sa.Engine, run: ExportRun) -> ExportRun:
    """Read the rows from one snapshot and write the file in the run's work folder."""
    opts, module = prepare(run.org, run.module_slug, run.options), run.module
    work = work_dir_for(run.job_id)
    work.mkdir(parents=True, exist_ok=True)
    run.work_dir = str(work)
    with snapshot(engine) as raw:
        taken = snapshot_time(raw)
        run.snapshot_at = taken.strftime("%Y-%m-%dT%H:%M:%SZ")
        run.file_name = _file_name(run, taken)
        group = opts.filters.group
        group_ids = resolve_group(raw, run.org, group) if group is not None else None
        mode: Mode = "typed" if opts.format == "xlsx" else "text"
        neutral = opts.format == "csv" and not opts.allow_formulas
        query = build_query(module, run.org, opts, mode, neutral, group_ids)
        run.columns = [c.spec for c in query.columns]
        run.labels = [c.label for c in query.columns]
        run.row_count = _render(raw, query, run, opts)
    return run


def _render(raw: Any, query: ExportQuery, run: ExportRun, opts: ExportOptions) -> int:
    if opts.format == "csv":
        # No count first: nothing is limited by it, and COPY reports the rows it wrote.
        written = write_csv(
            raw,
            query,
            run.path,
            opts.delimiter,
            opts.bom,
            opts.include_headers,
            opts.allow_formulas,
        )
        run.sha256 = written.sha256
        run.preview = read_preview(run.path, opts.delimiter, opts.include_headers, PREVIEW_ROWS)
        return written.row_count
    # The spreadsheet and PDF writers load openpyxl and reportlab: only when needed.
    from pipelines.exports.render_pdf import write_pdf
    from pipelines.exports.render_xlsx import write_xlsx

    total = _count(raw, query)
    _check_size(opts, total)
    rows = _keep_preview(_stream(raw, query), run.preview)
    if opts.format == "xlsx":
        return write_xlsx(
            run.path,
            query.columns,
            rows,
            row_count=total,
            sheet_name=run.name or run.module.label,
            date_format=opts.date_format,
            include_headers=opts.include_headers,
            allow_formulas=opts.allow_formulas,
            title=opts.title or _default_title(run),
        )
    return write_pdf(
        run.path,
        run.labels,
        rows,
        title=opts.title or _default_title(run),
        description=opts.description if opts.description is not None else _describe(run, total),
        orientation=opts.orientation,
        page_size=opts.page_size,
    )


def publish_step(engine: sa.Engine, storage: Storage, run: ExportRun) -> dict[str, Any]:
    """Write the manifest, store file and manifest, complete the job row, clean the work
    folder; returns the export's result (SPEC §8)."""
    opts = run.opts
    path = run.path
    size = path.stat().st_size
    manifest_path = path.with_name(f"{path.name}.manifest.json")
    manifest = build_manifest(run, run.sha256 or file_sha256(path), size)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
    content_type = CONTENT_TYPES[opts.format]
    location = _put_export(storage, path, run.storage_key, content_type)
    manifest_location = storage.put_file(
        manifest_path, f"{run.storage_key}.manifest.json", "application/json"
    )
    retention = timedelta(days=opts.export_retention_days)
    expires = datetime.now(UTC) + retention
    jobstore.complete_job(
        engine,
        run.job_id,
        row_count=run.row_count,
        file_location=location,
        manifest_location=manifest_location,
        size_bytes=size,
        content_type=content_type,
        expires_at=expires,
    )
    url = storage.download_url(
        run.storage_key, expires_in=int(min(retention.total_seconds(), jobstore.MAX_URL_SECONDS))
    )
    shutil.rmtree(run.work_dir, ignore_errors=True)
    return {
        "export_job_id": run.job_id,
        "status": "completed",
        "row_count": run.row_count,
        "file": location,
        "manifest_file": manifest_location,
        "size_bytes": size,
        "content_type": content_type,
        "expires_at": expires.isoformat(),
        "download_url": url,
        "sha256": manifest["sha256"],
    }


def build_manifest(run: ExportRun, sha256: str, size: int) -> dict[str, Any]:
    opts = run.opts
    return {
        "file": run.file_name,
        "sha256": sha256,
        "row_count": run.row_count,
        "columns": run.columns,
        "labels": run.labels,
        "filters": opts.filters.active(),
        "created_at": run.snapshot_at,
        "export_job_id": run.job_id,
        "name": run.name or None,
        "org": run.org,
        "module": run.module_slug,
        "format": opts.format,
        "size_bytes": size,
        "sort": {"field": opts.sort_field, "direction": opts.sort_direction}
        if opts.sort_field
        else None,
        "limit": opts.limit,
    }


def _put_export(storage: Storage, path: Path, key: str, content_type: str) -> str:
    """Store the export file. In a local folder on the same file system it is hard-linked
    into place (then renamed over the key, atomic like `put_file`) instead of copied: the
    work folder's link goes with the folder, and a retried publish finds the file still
    there. Anything else (S3, another file system) goes through `put_file`."""
    if isinstance(storage, LocalStorage):
        target = storage.path(key)
        part = target.with_name(f".{target.name}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            part.unlink(missing_ok=True)
            os.link(path, part)
            os.replace(part, target)
            return storage.location(key)
        except OSError:
            part.unlink(missing_ok=True)
    return storage.put_file(path, key, content_type)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discard(run_or_job_id: int) -> None:
    """Remove a job's work folder (after a failure)."""
    shutil.rmtree(work_dir_for(run_or_job_id), ignore_errors=True)


def _count(raw: Any, query: ExportQuery) -> int:
    with raw.cursor() as cursor:
        cursor.execute(query.count, query.params)
        return int(cursor.fetchone()[0])


def _check_size(opts: ExportOptions, total: int) -> None:
    from pipelines.exports.render_xlsx import MAX_ROWS

    if opts.format == "xlsx" and total + int(opts.include_headers) > MAX_ROWS:
        raise InputRejected(
            f"This export has {total:,} rows; an XLSX sheet holds at most {MAX_ROWS - 1:,}. "
            "Use csv, or narrow it with filters or limit."
        )
    if opts.format == "pdf" and total > PDF_MAX_ROWS:
        raise InputRejected(
            f"This export has {total:,} rows; a PDF export holds at most {PDF_MAX_ROWS:,}. "
            "Use csv or xlsx, or narrow it with filters or limit."
        )


def _stream(raw: Any, query: ExportQuery) -> Iterator[Sequence[Any]]:
    """Rows from a server-side cursor, FETCH_ROWS at a time."""
    with raw.cursor(name=f"contactflow_export_{id(query)}") as cursor:
        cursor.itersize = FETCH_ROWS
        cursor.execute(query.select, query.params)
        yield from cursor


def _keep_preview(rows: Iterator[Sequence[Any]], preview: list[list[str]]) -> Iterator[Any]:
    for row in rows:
        if len(preview) < PREVIEW_ROWS:
            preview.append([_preview_cell(v) for v in row])
        yield row


def _preview_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _file_name(run: ExportRun, taken: datetime) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", run.name or run.module_slug).strip("-.") or "export"
    return f"{slug}-{taken:%Y%m%d-%H%M%S}-{run.job_id}.{run.opts.format}"


def _default_title(run: ExportRun) -> str:
    return run.name or f"{run.module.label} — {run.org}"


def _describe(run: ExportRun, total: int) -> str:
    filters = run.opts.filters.active()
    shown = "; ".join(f"{k}: {v}" for k, v in filters.items()) or "all records"
    return f"{total:,} records ({shown}), snapshot of {run.snapshot_at}."
