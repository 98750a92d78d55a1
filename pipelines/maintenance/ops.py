"""Dagster op of the `cleanup` job: runs the plain cleanup and reports what it removed."""

from typing import Any

import dagster as dg

from pipelines.maintenance.cleanup import (
    IMPORT_TIMEOUT_MINUTES,
    ROLLBACK_RETENTION_DAYS,
    run_cleanup,
)
from pipelines.ops import step_guard
from resources.dagster_postgres import PostgresResource

TIMED_OUT_MESSAGE = "contactflow cleanup: the job timed out (import_timeout_minutes)."


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
    result = report.as_dict()
    context.add_output_metadata(
        {
            **{k: len(v) for k, v in result.items() if isinstance(v, list)},
            "purged_import_events": report.purged_import_events,
            "details": dg.MetadataValue.json(result),
        }
    )
    return result
