"""Finished runs: the import or export job each one worked on, and the failures its ops could
not record themselves (a run that died, was canceled, or failed before its first step)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from pipelines.exports import jobstore as export_jobstore
from pipelines.imports import jobstore
from schemas.tables import export_jobs, import_jobs

KINDS = {"import_file": "import", "export_records": "export"}
IMPORT_JOB_TAG = "contactflow/import_job_id"
EXPORT_JOB_TAG = "contactflow/export_job_id"
UPLOAD_KEY_TAG = "contactflow/upload_key"


@dataclass(frozen=True)
class FinishedRun:
    """What the run-status sensors know about a run that ended (SUCCESS, FAILURE, CANCELED)."""

    run_id: str
    job_name: str
    status: str
    tags: dict[str, str] = field(default_factory=dict)
    run_config: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def kind(self) -> str | None:
        """`import` or `export`; None for runs nobody is notified about (e.g. rollbacks)."""
        return KINDS.get(self.job_name)

    def op_config(self, op: str) -> dict[str, Any]:
        ops = self.run_config.get("ops") or {}
        return dict((ops.get(op) or {}).get("config") or {})

    @property
    def import_config(self) -> dict[str, Any]:
        return self.op_config("parse_file")

    @property
    def export_config(self) -> dict[str, Any]:
        return self.op_config("render_export")

    def summary(self) -> dict[str, Any]:
        """The run part of a webhook payload."""
        config = self.import_config or self.export_config
        return {
            "run_id": self.run_id,
            "job_name": self.job_name,
            "status": self.status,
            "partition_key": self.tags.get("dagster/partition"),
            "reason": self.reason or None,
            "org": config.get("org"),
            "module": config.get("module"),
            "tags": {k: v for k, v in self.tags.items() if k.startswith("contactflow/")},
        }


def _int(value: Any) -> int | None:
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None


def _row(table: sa.Table, engine: sa.Engine, *where: Any) -> dict[str, Any] | None:
    with engine.connect() as conn:
        found = conn.execute(sa.select(table).where(*where).limit(1)).mappings().first()
    if found is None:
        return None
    return json.loads(json.dumps(dict(found), default=lambda v: v.isoformat()))


def import_job_for(engine: sa.Engine, run: FinishedRun) -> dict[str, Any] | None:
    """The import job of a run: by the tag parse_file adds, the job id the CLI put in the
    run config, or the run id recorded on the job."""
    candidates = (run.tags.get(IMPORT_JOB_TAG), run.import_config.get("import_job_id"))
    for job_id in map(_int, candidates):
        if job_id and (row := _row(import_jobs, engine, import_jobs.c.id == job_id)):
            return row
    return _row(import_jobs, engine, import_jobs.c.run_id == run.run_id)


def export_job_for(engine: sa.Engine, run: FinishedRun) -> dict[str, Any] | None:
    """The export job of a run: by the tag render_export adds, the job id in the run config,
    or the run id recorded on the job."""
    candidates = (run.tags.get(EXPORT_JOB_TAG), run.export_config.get("export_job_id"))
    for job_id in map(_int, candidates):
        if job_id and (row := _row(export_jobs, engine, export_jobs.c.id == job_id)):
            return row
    return _row(export_jobs, engine, export_jobs.c.run_id == run.run_id)


def job_for(engine: sa.Engine, run: FinishedRun) -> dict[str, Any] | None:
    if run.kind == "import":
        return import_job_for(engine, run)
    if run.kind == "export":
        return export_job_for(engine, run)
    return None


def failure_reason(run: FinishedRun) -> str:
    verb = "was canceled" if run.status == "CANCELED" else "failed"
    detail = f": {run.reason}" if run.reason else ""
    return f"The Dagster run {run.run_id} {verb} before the job recorded an outcome{detail}"


def record_failure(
    engine: sa.Engine, run: FinishedRun, upload_location: str | None = None
) -> dict[str, Any] | None:
    """Mark the run's job failed unless it already ended (the ops record their own failures,
    with a better reason). An import run that ended before parse_file created its job gets a
    failed job row, so the file's fate is on record. Returns the job row afterwards."""
    reason = failure_reason(run)
    if run.kind == "import":
        job = import_job_for(engine, run)
        if job is not None:
            jobstore.fail_job(engine, int(job["id"]), reason)
            return import_job_for(engine, run)
        config = run.import_config
        if not config.get("org") or not config.get("module"):
            return None
        jobstore.create_job(
            engine,
            str(config["org"]),
            str(config["module"]),
            {},
            status="failed",
            reason=reason,
            run_id=run.run_id,
            partition_key=run.tags.get("dagster/partition"),
            file_name=config.get("file_name") or str(config.get("upload_key", "")).split("/")[-1],
            upload_location=upload_location,
            completed_at=datetime.now(UTC),
        )
        return import_job_for(engine, run)
    if run.kind == "export" and (job := export_job_for(engine, run)):
        export_jobstore.fail_job(engine, int(job["id"]), reason)
        return export_job_for(engine, run)
    return None
