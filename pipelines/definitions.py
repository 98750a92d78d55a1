"""The one Dagster Definitions object of the contactflow code location."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import record_asset_specs, record_checks
from pipelines.exports.jobs import export_records
from pipelines.exports.schedules import export_schedules
from pipelines.exports.sensors import export_schedules_sensor
from pipelines.imports.jobs import import_file, rollback_import
from pipelines.imports.sensors import SENSORS
from pipelines.instance import RESOURCES
from pipelines.maintenance.jobs import cleanup
from pipelines.maintenance.schedules import cleanup_schedule
from pipelines.maintenance.sensors import dead_import_runs_sensor

defs = dg.Definitions(
    assets=record_asset_specs(),
    asset_checks=[record_checks],
    jobs=[import_file, rollback_import, export_records, cleanup],
    sensors=[*SENSORS, dead_import_runs_sensor, export_schedules_sensor],
    schedules=[*export_schedules(), cleanup_schedule],
    resources=RESOURCES,
)
