"""Import runs whose process died. Every step of an import holds the job's liveness lock on
its own database session while it runs (`jobstore.step_alive`); PostgreSQL drops the lock
when the process dies, however it dies (SIGKILL, out of memory, a lost machine). A run that
Dagster still calls STARTED, with a step started more than a grace period ago and not ended,
whose lock nobody holds, is dead: nothing else would ever end it, and while it looks alive the
run queue keeps its org and module (and one of the instance's run slots) blocked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
import sqlalchemy as sa

from pipelines.imports import jobstore

IMPORT_JOB_TAG = "contactflow/import_job_id"
GRACE_SECONDS = 15.0  # a step's first moments, before its op body takes the lock
STEP_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_RESTARTED,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_UP_FOR_RETRY,
    dg.DagsterEventType.STEP_SKIPPED,
}
RUNNING = (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_RESTARTED)


@dataclass(frozen=True)
class DeadRun:
    run: dg.DagsterRun
    import_job_id: int
    step: str

    @property
    def reason(self) -> str:
        return (
            f"the process running step {self.step} died (killed, or out of memory) and the "
            "run can never finish; nothing was written. Run the import again."
        )


def dead_import_runs(
    instance: dg.DagsterInstance,
    engine: sa.Engine,
    grace_seconds: float = GRACE_SECONDS,
    now: float | None = None,
) -> list[DeadRun]:
    started_before = (now or datetime.now(UTC).timestamp()) - grace_seconds
    runs = instance.get_runs(
        filters=dg.RunsFilter(job_name="import_file", statuses=[dg.DagsterRunStatus.STARTED])
    )
    candidates = []
    for run in runs:
        job_id = run.tags.get(IMPORT_JOB_TAG, "")
        step = _step_in_progress(instance, run.run_id, started_before)
        if job_id.isdigit() and step is not None:
            candidates.append(DeadRun(run, int(job_id), step))
    live = jobstore.live_jobs(engine, [c.import_job_id for c in candidates])
    return [c for c in candidates if c.import_job_id not in live]


def _step_in_progress(instance: dg.DagsterInstance, run_id: str, before: float) -> str | None:
    """A step whose last event is its start (or restart for a retry), older than `before`."""
    last: dict[str, dg.EventLogEntry] = {}
    for entry in instance.all_logs(run_id, of_type=STEP_EVENTS):
        if entry.step_key:
            last[entry.step_key] = entry
    for step, entry in last.items():
        if entry.dagster_event_type in RUNNING and entry.timestamp < before:
            return step
    return None


def fail_dead_runs(
    instance: dg.DagsterInstance, engine: sa.Engine, **kwargs: float
) -> list[DeadRun]:
    """Mark each dead run's import job failed and the Dagster run FAILURE (which frees its
    place in the queue and fires the run-failure sensor's webhook)."""
    dead = dead_import_runs(instance, engine, **kwargs)
    for found in dead:
        jobstore.fail_job(engine, found.import_job_id, found.reason)
        instance.report_run_failed(found.run, found.reason)
    return dead
