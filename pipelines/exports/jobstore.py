"""The `export_jobs` table: create an export job, move it through its statuses, read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import sqlalchemy as sa

from pipelines.errors import JobFailed
from pipelines.jobrows import first_after, jsonable, newest_id
from schemas.tables import export_jobs

if TYPE_CHECKING:
    from resources.storage import Storage

TERMINAL = ("completed", "failed", "expired")


def create_job(
    engine: sa.Engine,
    org: str,
    module: str,
    export_format: str,
    options: dict[str, Any],
    name: str | None = None,
    status: str = "pending",
    run_id: str | None = None,
) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                export_jobs.insert()
                .values(
                    org=org,
                    module=module,
                    format=export_format,
                    options=options,
                    name=name or None,
                    status=status,
                    run_id=run_id,
                )
                .returning(export_jobs.c.id)
            ).scalar_one()
        )


def job_for_run(
    engine: sa.Engine,
    run_id: str,
    org: str,
    module: str,
    export_format: str,
    options: dict[str, Any],
    name: str | None = None,
) -> int:
    """The export job of a Dagster run (a retried op reuses it), created on first call."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(export_jobs.c.id).where(export_jobs.c.run_id == run_id)
        ).scalar()
    if found is not None:
        return int(found)
    return create_job(engine, org, module, export_format, options, name, "queued", run_id)


def update_job(engine: sa.Engine, job_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(export_jobs.update().where(export_jobs.c.id == job_id).values(**values))


def start_job(engine: sa.Engine, job_id: int, run_id: str) -> None:
    update_job(engine, job_id, status="processing", run_id=run_id, reason=None)


def complete_job(engine: sa.Engine, job_id: int, **values: Any) -> None:
    update_job(engine, job_id, status="completed", completed_at=datetime.now(UTC), **values)


def fail_job(engine: sa.Engine, job_id: int, reason: str) -> None:
    """Mark a job failed unless it already ended (a late failure must not undo a success)."""
    with engine.begin() as conn:
        conn.execute(
            export_jobs.update()
            .where(export_jobs.c.id == job_id, export_jobs.c.status.notin_(TERMINAL))
            .values(status="failed", reason=reason[:2000], completed_at=datetime.now(UTC))
        )


def get_job(engine: sa.Engine, job_id: int, org: str | None = None) -> dict[str, Any]:
    """One export job; with `org`, a job of another org is not found."""
    query = sa.select(export_jobs).where(export_jobs.c.id == job_id)
    if org is not None:
        query = query.where(export_jobs.c.org == org)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise JobFailed(f"No export job {job_id}" + (f" in org {org}." if org else "."))
    return jsonable(row)


def list_jobs(
    engine: sa.Engine,
    org: str,
    module: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """An org's export jobs, newest first."""
    query = sa.select(export_jobs).where(export_jobs.c.org == org)
    if module is not None:
        query = query.where(export_jobs.c.module == module)
    if status is not None:
        query = query.where(export_jobs.c.status == status)
    query = query.order_by(export_jobs.c.requested_at.desc(), export_jobs.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [jsonable(r) for r in conn.execute(query).mappings()]


def last_job_id(engine: sa.Engine) -> int:
    """The newest export job id (0 when there is none)."""
    return newest_id(engine, export_jobs)


def first_job_after(
    engine: sa.Engine, after_id: int, org: str, module: str, export_format: str
) -> dict[str, Any] | None:
    """The first export job for this org, module and format created after `after_id` (the
    CLI's progress bar finds the job its own export created this way)."""
    return first_after(engine, export_jobs, after_id, org=org, module=module, format=export_format)


# A download URL is valid for at most a week (S3's limit for pre-signed URLs).
MAX_URL_SECONDS = 7 * 24 * 3600


def stored_file(location: str) -> tuple[Storage, str]:
    """The storage holding an export file's `location` (a file:// or s3:// URL) and the file's
    key in it (its name: an export's manifest lies beside it)."""
    from resources.storage import storage_for_url

    folder, _, quoted = location.rpartition("/")
    if folder.startswith("s3://"):
        folder = unquote(folder)
    return storage_for_url(folder), unquote(quoted)


def download_url(job: dict[str, Any]) -> str | None:
    """A URL for a completed, unexpired export's file (pre-signed on S3, valid until the
    export expires or for a week); None for any other job."""
    if job["status"] != "completed" or not job.get("file_location"):
        return None
    seconds = MAX_URL_SECONDS
    if job.get("expires_at"):
        left = datetime.fromisoformat(job["expires_at"]) - datetime.now(UTC)
        seconds = min(seconds, int(left.total_seconds()))
    if seconds <= 0:
        return None
    storage, key = stored_file(job["file_location"])
    return storage.download_url(key, expires_in=seconds)
