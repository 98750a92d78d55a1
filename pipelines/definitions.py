"""The one Dagster Definitions object of the contactflow code location."""

from __future__ import annotations

import dagster as dg

from pipelines.exports.jobs import export_records
from pipelines.exports.schedules import export_schedules
from pipelines.imports.jobs import import_file, rollback_import
from pipelines.imports.sensors import SENSORS
from pipelines.maintenance.jobs import cleanup
from pipelines.maintenance.schedules import cleanup_schedule
from resources.notify import NotifierResource
from resources.postgres import PostgresResource
from resources.storage import StorageResource

RESOURCES = {
    "postgres": PostgresResource(),
    "uploads": StorageResource(kind="uploads"),
    "exports": StorageResource(kind="exports"),
    "notifier": NotifierResource(),
}

defs = dg.Definitions(
    jobs=[import_file, rollback_import, export_records, cleanup],
    sensors=[*SENSORS],
    schedules=[*export_schedules(), cleanup_schedule],
    resources=RESOURCES,
)
