"""Alembic migrations of the contactflow schema, and helpers to run them from code.

Alembic is imported only by the helpers that need it: `is_at_head` answers "is this database
already migrated?" with one query, so commands that find the schema up to date (nearly all of
them) do not pay for importing Alembic and loading the migration scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent

# The newest revision in versions/. Update it with each new migration (a unit test compares it
# with Alembic's own head, so a stale value fails the test suite).
HEAD_REVISION = "0007"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; concurrent callers serialise on a lock."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("postgresql+psycopg://")).get_current_head()
    return head or ""


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def is_at_head(engine: sa.Engine) -> bool:
    """Whether the database already is at HEAD_REVISION: one query, no Alembic. A missing
    version table, another revision or several rows (branches) all mean "not at head", and the
    caller then runs `upgrade`, which sorts those cases out (or reports them) as it always did."""
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT to_regclass('alembic_version') IS NOT NULL"))
        if not exists.scalar_one():
            return False
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(rows) == [HEAD_REVISION]
