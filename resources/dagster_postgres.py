"""The Dagster resource that hands the project's database to ops and sensors."""

from __future__ import annotations

import dagster as dg
import sqlalchemy as sa

from resources.postgres import migrated_engine


class PostgresResource(dg.ConfigurableResource):
    """The project's database. Empty `url` means DATABASE_URL, else the embedded server."""

    url: str = ""

    def engine(self) -> sa.Engine:
        return migrated_engine(self.url or None)
