"""Alembic environment: runs migrations online against the configured URL, under an advisory
lock so that concurrent processes (CLI, dagster dev, tests) do not race."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from schemas.tables import metadata

MIGRATION_LOCK_KEY = 7_243_117_001


def run_migrations_online() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from resources.postgres import database_url

        url = database_url()
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            context.configure(connection=connection, target_metadata=metadata)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            connection.commit()
    engine.dispose()


run_migrations_online()
