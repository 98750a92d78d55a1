"""The one Dagster Definitions object of the contactflow code location."""

from __future__ import annotations

import dagster as dg

from pipelines.imports.jobs import import_file, rollback_import
from resources.postgres import PostgresResource
from resources.storage import StorageResource

RESOURCES = {
    "postgres": PostgresResource(),
    "uploads": StorageResource(kind="uploads"),
    "exports": StorageResource(kind="exports"),
}

defs = dg.Definitions(
    jobs=[import_file, rollback_import],
    sensors=[],
    schedules=[],
    resources=RESOURCES,
)
