"""`dead_import_runs_sensor`: fails import runs whose process died (see `liveness`)."""

from __future__ import annotations

import dagster as dg

from pipelines.maintenance.liveness import fail_dead_runs
from resources.dagster_postgres import PostgresResource


@dg.sensor(
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 15 s: an import run whose process died (SIGKILL, out of memory) is "
    "marked failed, with its import job, so it stops blocking the run queue.",
)
def dead_import_runs_sensor(
    context: dg.SensorEvaluationContext, postgres: PostgresResource
) -> dg.SkipReason:
    dead = fail_dead_runs(context.instance, postgres.engine())
    for found in dead:
        context.log.warning(f"run {found.run.run_id}: {found.reason}")
    return dg.SkipReason(f"{len(dead)} dead import runs failed" if dead else "no dead runs")
