"""Alembic migrations run up and down on a real server and match the SQLAlchemy metadata."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from migrations import current_revision, downgrade, head_revision, upgrade
from schemas.tables import metadata


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_and_downgrade(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    assert {
        "contacts",
        "companies",
        "groups",
        "contact_groups",
        "import_jobs",
        "import_events",
        "export_jobs",
    } <= _tables(empty_db_url)
    downgrade(empty_db_url, "base")
    assert current_revision(empty_db_url) is None
    assert _tables(empty_db_url) <= {"alembic_version"}
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()


def test_migrations_match_table_definitions(db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_migrations_upgrade_is_idempotent(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
