"""Dagster op of the `cleanup` job: runs the plain cleanup, deletes the upload partitions of
imports that are over, and reports what it removed."""

from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import sqlalchemy as sa

from pipelines.imports.jobs import IMPORT_PARTITIONS
from pipelines.maintenance.cleanup import (
    IMPORT_TIMEOUT_MINUTES,
    ROLLBACK_RETENTION_DAYS,
    expired_partitions,
    run_cleanup,
)
from pipelines.ops import step_guard
from resources.dagster_postgres import PostgresResource

TIMED_OUT_MESSAGE = "contactflow cleanup: the job timed out (import_timeout_minutes)."
PARTITION_TAG = "dagster/partition"


class CleanupConfig(dg.Config):
    """How long an import may stay `processing`, and how long rollback history is kept."""

    import_timeout_minutes: float = IMPORT_TIMEOUT_MINUTES
    rollback_retention_days: float = ROLLBACK_RETENTION_DAYS


@dg.op(retry_policy=dg.RetryPolicy(max_retries=2, delay=5))
def clean_up(
    context: dg.OpExecutionContext, config: CleanupConfig, postgres: PostgresResource
) -> dict[str, Any]:
    with step_guard(context, fail=lambda reason: None):
        report = run_cleanup(
            postgres.engine(), config.import_timeout_minutes, config.rollback_retention_days
        )
    for run_id in report.timed_out_runs:
        run = context.instance.get_run_by_id(run_id)
        if run is not None and not run.is_finished:
            context.instance.report_run_failed(run, TIMED_OUT_MESSAGE)
    report.deleted_partitions = delete_expired_partitions(
        context.instance, postgres.engine(), config.rollback_retention_days
    )
    result = report.as_dict()
    context.add_output_metadata(
        {
            **{k: len(v) for k, v in result.items() if isinstance(v, list)},
            "purged_import_events": report.purged_import_events,
            "details": dg.MetadataValue.json(result),
        }
    )
    return result


def delete_expired_partitions(
    instance: dg.DagsterInstance, engine: sa.Engine, retention_days: float
) -> list[str]:
    """Delete the `import_files` partitions whose runs all finished and whose import jobs
    expired or were deleted (their runs stay in the run history)."""
    name = IMPORT_PARTITIONS.name or ""
    keys = instance.get_dynamic_partitions(name)
    finished: dict[str, bool] = {}
    for start in range(0, len(keys), 200):
        chunk = keys[start : start + 200]
        runs = instance.get_runs(dg.RunsFilter(job_name="import_file", tags={PARTITION_TAG: chunk}))
        for run in runs:
            key = run.tags[PARTITION_TAG]
            finished[key] = finished.get(key, True) and run.is_finished
    now = datetime.now(UTC)
    expired = expired_partitions(engine, finished, now, now - timedelta(days=retention_days))
    for key in expired:
        instance.delete_dynamic_partition(name, key)
    return expired
