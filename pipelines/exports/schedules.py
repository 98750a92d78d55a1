"""One Dagster schedule per recurring export in exports.yaml, running by default (SPEC §5)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.errors import InputRejected
from pipelines.exports.jobs import EXPORT_NAME_TAG, export_records, export_run_config
from pipelines.exports.recurring import RecurringExport, load_recurring_exports


def schedule_name(export_name: str) -> str:
    return f"{export_name}_export_schedule"


def export_schedule(export: RecurringExport) -> dg.ScheduleDefinition:
    """The schedule of one recurring export; a bad cron is reported with the export's name."""
    status = (
        dg.DefaultScheduleStatus.RUNNING if export.enabled else dg.DefaultScheduleStatus.STOPPED
    )
    try:
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
            or f"Recurring {export.options.get('format', 'csv')} export of {export.org}'s "
            f"{export.module} ({export.cron}, {export.timezone}).",
            default_status=status,
        )
    except dg.DagsterInvalidDefinitionError as exc:
        raise InputRejected(
            f"recurring export {export.name!r}: cron {export.cron!r} is not a valid cron "
            f"schedule ({str(exc).strip().splitlines()[0]})"
        ) from None


def export_schedules(path: Path | None = None) -> list[dg.ScheduleDefinition]:
    """The schedules of every export in exports.yaml (EXPORTS_CONFIG)."""
    return [export_schedule(export) for export in load_recurring_exports(path)]
