"""The `import_jobs` table: create a job, move it through its statuses, record counts, read it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from pipelines.errors import JobFailed
from pipelines.jobrows import first_after, jsonable, newest_id
from schemas.tables import COUNT_COLUMNS, import_jobs

ROLLBACK_RETENTION_DAYS = 30
TERMINAL = ("completed", "failed", "timed_out", "cancelled")
ACTIVE = ("pending", "queued", "processing")  # export jobs use the same three
# Advisory lock class of "a process is working on this import job" (the object is the job id):
# every step holds it shared while it runs, on its own session, so the lock goes when the
# process dies however it dies (see `step_alive` and `pipelines.maintenance.liveness`).
LIVENESS_LOCK_CLASS = 7301


@contextmanager
def step_alive(engine: sa.Engine, job_id: int) -> Iterator[None]:
    """Hold the job's liveness lock (shared: parallel steps of one job each hold it) for the
    duration of the block."""
    params = {"cls": LIVENESS_LOCK_CLASS, "job": int(job_id)}
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock_shared(:cls, :job)"), params)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock_shared(:cls, :job)"), params)
            conn.commit()


def live_jobs(engine: sa.Engine, job_ids: list[int]) -> set[int]:
    """Which of these jobs have a process holding their liveness lock now."""
    if not job_ids:
        return set()
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT DISTINCT objid::bigint FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND classid = :cls AND objsubid = 2 AND objid::bigint = ANY(:ids) "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"cls": LIVENESS_LOCK_CLASS, "ids": [int(j) for j in job_ids]},
        ).scalars()
        return {int(j) for j in found}


def _option_columns(options: dict[str, Any]) -> dict[str, Any]:
    """The options and the job columns that repeat some of them."""
    return {
        "options": options,
        "action": options.get("action", "merge"),
        "validate_only": bool(options.get("validate_only")),
        "source": options.get("source"),
        "campaign_id": options.get("campaign_id"),
    }


def create_job(
    engine: sa.Engine,
    org: str,
    module: str,
    options: dict[str, Any],
    status: str = "pending",
    **columns: Any,
) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                import_jobs.insert()
                .values(
                    org=org, module=module, status=status, **_option_columns(options), **columns
                )
                .returning(import_jobs.c.id)
            ).scalar_one()
        )


def set_options(engine: sa.Engine, job_id: int, options: dict[str, Any]) -> None:
    """The options a run found after its job was created (a sidecar read by the run)."""
    update_job(engine, job_id, **_option_columns(options))


def job_id_for_run(engine: sa.Engine, run_id: str) -> int | None:
    """The import job a Dagster run already created (a retried op must not create another)."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(import_jobs.c.id).where(import_jobs.c.run_id == run_id)
        ).scalar()
    return int(found) if found is not None else None


def update_job(engine: sa.Engine | sa.Connection, job_id: int, **values: Any) -> None:
    statement = import_jobs.update().where(import_jobs.c.id == job_id).values(**values)
    if isinstance(engine, sa.Connection):
        engine.execute(statement)
        return
    with engine.begin() as conn:
        conn.execute(statement)


def add_progress(engine: sa.Engine, job_id: int, rows: int) -> None:
    """Count rows as processed (shards in parallel add theirs; never above total_rows)."""
    with engine.begin() as conn:
        conn.execute(
            import_jobs.update()
            .where(import_jobs.c.id == job_id)
            .values(
                processed_rows=sa.func.least(
                    sa.func.coalesce(import_jobs.c.processed_rows, 0) + rows,
                    sa.func.coalesce(import_jobs.c.total_rows, rows),
                )
            )
        )


def start_job(engine: sa.Engine, job_id: int, **values: Any) -> None:
    update_job(
        engine, job_id, status="processing", started_at=datetime.now(UTC), reason=None, **values
    )


def complete_job(
    conn: sa.Connection | sa.Engine, job_id: int, counts: dict[str, int], **values: Any
) -> None:
    now = datetime.now(UTC)
    update_job(
        conn,
        job_id,
        status="completed",
        completed_at=now,
        expires_at=now + timedelta(days=ROLLBACK_RETENTION_DAYS),
        **{k: v for k, v in counts.items() if k in COUNT_COLUMNS},
        **values,
    )


def fail_job(engine: sa.Engine, job_id: int, reason: str, status: str = "failed") -> None:
    """Mark a job failed unless it already ended (a late failure must not undo a success)."""
    with engine.begin() as conn:
        conn.execute(
            import_jobs.update()
            .where(import_jobs.c.id == job_id, import_jobs.c.status.notin_(TERMINAL))
            .values(status=status, reason=reason[:2000], completed_at=datetime.now(UTC))
        )


def get_job(engine: sa.Engine, job_id: int, org: str | None = None) -> dict[str, Any]:
    """One job; with `org`, a job of another org is not found (tenant-scoped scripts)."""
    query = sa.select(import_jobs).where(import_jobs.c.id == job_id)
    if org is not None:
        query = query.where(import_jobs.c.org == org)
    with engine.connect() as conn:
        job = conn.execute(query).mappings().first()
    if job is None:
        raise JobFailed(f"No import job {job_id}" + (f" in org {org}." if org else "."))
    return jsonable(job)


def list_jobs(
    engine: sa.Engine,
    org: str,
    module: str | None = None,
    status: str | None = None,
    source: str | None = None,
    campaign: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    query = sa.select(import_jobs).where(import_jobs.c.org == org)
    for column, value in (
        ("module", module),
        ("status", status),
        ("source", source),
        ("campaign_id", campaign),
    ):
        if value is not None:
            query = query.where(import_jobs.c[column] == value)
    query = query.order_by(import_jobs.c.created_at.desc(), import_jobs.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [jsonable(r) for r in conn.execute(query).mappings()]


def last_job_id(engine: sa.Engine) -> int:
    """The newest job id (0 when there is none)."""
    return newest_id(engine, import_jobs)


def first_job_after(
    engine: sa.Engine, after_id: int, org: str, module: str, file_name: str
) -> dict[str, Any] | None:
    """The first job for this org, module and file created after `after_id` (the CLI's
    progress bar finds the job its own import created this way)."""
    return first_after(engine, import_jobs, after_id, org=org, module=module, file_name=file_name)
