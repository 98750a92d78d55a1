"""Daily cleanup (SPEC §7): expire old exports, time out stuck imports, remove the staging
leftovers of finished runs, purge old rollback history, choose the upload partitions whose
imports are over. Every step is idempotent."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import sqlalchemy as sa

from pipelines.imports.stage import drop_stage
from resources.embedded_postgres import contactflow_home
from resources.storage import Storage, storage_for_url

IMPORT_TIMEOUT_MINUTES = 120
ROLLBACK_RETENTION_DAYS = 30
IMPORT_TERMINAL = ("completed", "failed", "timed_out", "cancelled")
EXPORT_TERMINAL = ("completed", "failed", "expired")
_WORK_DIR = re.compile(r"(import|export)-([0-9]+)")
_STAGE_TABLE = re.compile(r"import_([0-9]+)(?:_companies|_rows|_updates|_matches)?")


@dataclass
class CleanupReport:
    """What one cleanup removed or changed (empty lists on a second run)."""

    expired_exports: list[int] = field(default_factory=list)
    deleted_files: list[str] = field(default_factory=list)
    files_not_found: list[str] = field(default_factory=list)
    timed_out_imports: list[int] = field(default_factory=list)
    timed_out_runs: list[str] = field(default_factory=list)
    failed_exports: list[int] = field(default_factory=list)
    removed_staging_folders: list[str] = field(default_factory=list)
    dropped_staging_tables: list[str] = field(default_factory=list)
    deleted_partitions: list[str] = field(default_factory=list)
    purged_import_events: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_cleanup(
    engine: sa.Engine,
    import_timeout_minutes: float = IMPORT_TIMEOUT_MINUTES,
    rollback_retention_days: float = ROLLBACK_RETENTION_DAYS,
    now: datetime | None = None,
    staging_root: Path | None = None,
) -> CleanupReport:
    """All cleanup steps, in an order where one run leaves nothing for the next: time-outs
    first, so the staging of a run that just timed out goes in the same pass."""
    now = now or datetime.now(UTC)
    timeout = timedelta(minutes=import_timeout_minutes)
    report = CleanupReport()
    expire_exports(engine, now, report)
    time_out_stuck_jobs(engine, now - timeout, report)
    remove_staging(engine, staging_root or contactflow_home() / "staging", now - timeout, report)
    report.purged_import_events = purge_import_events(
        engine, now - timedelta(days=rollback_retention_days)
    )
    return report


def expire_exports(engine: sa.Engine, now: datetime, report: CleanupReport) -> None:
    """Delete the files of completed exports past `expires_at` and mark them `expired`."""
    with engine.connect() as conn:
        due = conn.execute(
            sa.text(
                "SELECT id, file_location, manifest_location FROM export_jobs "
                "WHERE status = 'completed' AND expires_at <= :now ORDER BY id"
            ),
            {"now": now},
        ).all()
    storages: dict[str, Storage] = {}
    for job_id, *locations in due:
        for location in filter(None, locations):
            if delete_location(location, storages):
                report.deleted_files.append(location)
            else:
                report.files_not_found.append(location)
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE export_jobs SET status = 'expired' WHERE id = :id "
                    "AND status = 'completed'"
                ),
                {"id": job_id},
            )
        report.expired_exports.append(job_id)


def delete_location(location: str, storages: dict[str, Storage] | None = None) -> bool:
    """Delete the object at a stored location (`file://...` or `s3://bucket/key`); returns
    whether it existed."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
        existed = path.is_file()
        path.unlink(missing_ok=True)
        return existed
    if parsed.scheme == "s3":
        storages = {} if storages is None else storages
        bucket = f"s3://{parsed.netloc}"
        storage = storages.setdefault(bucket, storage_for_url(bucket))
        return storage.delete(unquote(parsed.path.lstrip("/")))
    raise ValueError(f"unknown storage location {location!r}")


def time_out_stuck_jobs(engine: sa.Engine, started_before: datetime, report: CleanupReport) -> None:
    """Imports `processing` since before `started_before` become `timed_out`; exports stuck
    as long become `failed` (their table has no timed_out status)."""
    reason = "timed out: still processing after import_timeout_minutes; marked by the cleanup job"
    with engine.begin() as conn:
        imports = conn.execute(
            sa.text(
                "UPDATE import_jobs SET status = 'timed_out', reason = :reason, "
                "completed_at = now() WHERE status = 'processing' AND "
                "coalesce(started_at, created_at) < :before RETURNING id, run_id"
            ),
            {"before": started_before, "reason": reason},
        ).all()
        exports = conn.execute(
            sa.text(
                "UPDATE export_jobs SET status = 'failed', reason = :reason, "
                "completed_at = now() WHERE status = 'processing' AND requested_at < :before "
                "RETURNING id, run_id"
            ),
            {"before": started_before, "reason": reason},
        ).all()
    report.timed_out_imports += sorted(r.id for r in imports)
    report.failed_exports += sorted(r.id for r in exports)
    report.timed_out_runs += sorted(r.run_id for r in [*imports, *exports] if r.run_id)


def remove_staging(
    engine: sa.Engine, root: Path, orphaned_before: datetime, report: CleanupReport
) -> None:
    """Work folders (`staging/import-<id>`, `staging/export-<id>`) and staging tables
    (`staging.import_<id>`) of jobs that ended. A table without a job row is an orphan and
    goes; a folder without one goes only once it is older than the import timeout (the
    folder may belong to another database using the same CONTACTFLOW_HOME)."""
    folders = _work_folders(root)
    with engine.connect() as conn:
        tables = {
            int(m.group(1)): f"staging.import_{m.group(1)}"
            for name in conn.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'staging'"
                )
            ).scalars()
            if (m := _STAGE_TABLE.fullmatch(name))
        }
        import_ids = sorted({*tables, *(i for k, i in folders if k == "import")})
        export_ids = sorted(i for k, i in folders if k == "export")
        statuses = {
            "import": _statuses(conn, "import_jobs", import_ids),
            "export": _statuses(conn, "export_jobs", export_ids),
        }
    for job_id, table in sorted(tables.items()):
        status = statuses["import"].get(job_id)
        if status is None or status in IMPORT_TERMINAL:
            with engine.begin() as conn:
                drop_stage(conn, job_id)
            report.dropped_staging_tables.append(table)
    for (kind, job_id), folder in sorted(folders.items()):
        status = statuses[kind].get(job_id)
        terminal = IMPORT_TERMINAL if kind == "import" else EXPORT_TERMINAL
        modified = datetime.fromtimestamp(folder.stat().st_mtime, UTC)
        if status in terminal or (status is None and modified < orphaned_before):
            shutil.rmtree(folder, ignore_errors=True)
            report.removed_staging_folders.append(str(folder))


def _work_folders(root: Path) -> dict[tuple[str, int], Path]:
    if not root.is_dir():
        return {}
    found = {}
    for folder in root.iterdir():
        if (match := _WORK_DIR.fullmatch(folder.name)) and folder.is_dir():
            found[(match.group(1), int(match.group(2)))] = folder
    return found


def _statuses(conn: sa.Connection, table: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = conn.execute(
        sa.text(f"SELECT id, status FROM {table} WHERE id = ANY(:ids)"), {"ids": ids}
    )
    return {int(job_id): str(status) for job_id, status in rows}


def purge_import_events(engine: sa.Engine, older_than: datetime) -> int:
    """Delete rollback history older than rollback_retention_days; returns how many rows."""
    with engine.begin() as conn:
        result = conn.execute(
            sa.text("DELETE FROM import_events WHERE created_at < :before"),
            {"before": older_than},
        )
        return int(result.rowcount)


def expired_partitions(
    engine: sa.Engine, runs_finished: Mapping[str, bool], now: datetime, expired_before: datetime
) -> list[str]:
    """The `import_files` partition keys to delete: every run of the key has finished
    (`runs_finished[key]`; keys without runs are not given) and no import job of it is still
    within its retention (`expires_at`, else created before `expired_before`); a key whose
    job rows were deleted goes too."""
    keys = sorted(key for key, finished in runs_finished.items() if finished)
    if not keys:
        return []
    with engine.connect() as conn:
        live = conn.execute(
            sa.text(
                "SELECT DISTINCT partition_key FROM import_jobs WHERE partition_key = ANY(:keys) "
                "AND (expires_at > :now OR (expires_at IS NULL AND created_at >= :before))"
            ),
            {"keys": keys, "now": now, "before": expired_before},
        )
        kept = set(live.scalars())
    return [key for key in keys if key not in kept]
