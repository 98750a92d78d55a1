"""`contactflow demo`: shows that the embedded set-up works end to end (database, schema,
storage folders, Dagster instance) and how to open the UI."""

from __future__ import annotations

from typing import Any

from migrations import current_revision
from pipelines.instance import ensure_dagster_home
from resources.postgres import database_url, migrated_engine
from resources.storage import StorageResource


def run_demo() -> dict[str, Any]:
    url = database_url()
    migrated_engine(url)
    return {
        "database": url,
        "schema_revision": current_revision(url),
        "uploads": StorageResource(kind="uploads").storage().location(""),
        "exports": StorageResource(kind="exports").storage().location(""),
        "dagster_home": str(ensure_dagster_home()),
        "next": "Open the Dagster UI with `./dev ui`, then http://127.0.0.1:3000",
    }
