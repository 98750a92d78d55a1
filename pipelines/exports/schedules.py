"""One Dagster schedule per good recurring export in exports.yaml, running by default (SPEC §5).
A bad entry gets no schedule and a warning; the `export_schedules_sensor` logs it each tick and
`contactflow schedules list` shows it, so the rest of the code location still loads."""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg

from pipelines.exports.jobs import EXPORT_NAME_TAG, export_records, export_run_config
from pipelines.exports.recurring import RecurringExport, load_recurring_exports

log = logging.getLogger(__name__)


def schedule_name(export_name: str) -> str:
    return f"{export_name}_export_schedule"


def export_schedule(export: RecurringExport) -> dg.ScheduleDefinition:
    """The schedule of one checked recurring export."""
    status = (
        dg.DefaultScheduleStatus.RUNNING if export.enabled else dg.DefaultScheduleStatus.STOPPED
    )
    return dg.ScheduleDefinition(
        name=schedule_name(export.name),
        cron_schedule=export.cron,
        execution_timezone=export.timezone,
        job=export_records,
        run_config=export_run_config(
            export.org, export.module, export.options, export.name, export.destination
        ),
        tags={EXPORT_NAME_TAG: export.name},
        description=export.description
        or f"Recurring {export.format} export of {export.org}'s "
        f"{export.module} ({export.cron}, {export.timezone}).",
        default_status=status,
    )


def export_schedules(path: Path | None = None) -> list[dg.ScheduleDefinition]:
    """The schedules of the good exports in exports.yaml (EXPORTS_CONFIG); each bad entry is
    logged with its name and problem and left out."""
    recurring = load_recurring_exports(path)
    for problem in recurring.problems:
        log.warning("exports.yaml: %r is disabled: %s", problem.name, problem.problem)
    return [export_schedule(export) for export in recurring.exports]
