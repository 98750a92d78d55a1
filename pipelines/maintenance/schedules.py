"""The daily cleanup schedule, running by default (SPEC §5, §7)."""

from __future__ import annotations

import dagster as dg

from pipelines.maintenance.jobs import cleanup

cleanup_schedule = dg.ScheduleDefinition(
    name="cleanup_schedule",
    cron_schedule="30 3 * * *",
    execution_timezone="UTC",
    job=cleanup,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 03:30 UTC: expire exports, time out stuck imports, remove "
    "staging leftovers, purge old rollback history.",
)
