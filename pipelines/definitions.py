"""The one Dagster Definitions object of the contactflow code location."""

from __future__ import annotations

import dagster as dg

from resources.postgres import PostgresResource
from resources.storage import StorageResource

RESOURCES = {
    "postgres": PostgresResource(),
    "uploads": StorageResource(kind="uploads"),
    "exports": StorageResource(kind="exports"),
}

defs = dg.Definitions(
    jobs=[],
    sensors=[],
    schedules=[],
    resources=RESOURCES,
)
