"""PostgreSQL access: the database URL (embedded server or DATABASE_URL), engines and
migrations. No Dagster here (the resource is in resources/dagster_postgres.py): the CLI's
`jobs`, `job` and `db` commands need an engine, not Dagster, whose import is most of their
start-up time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pipelines.errors import SetupError
from resources.embedded_postgres import EmbeddedPostgres

DAGSTER_SCHEMA = "dagster"


def normalize_url(url: str) -> str:
    """Force the psycopg 3 driver for the project's own engine, whatever scheme was given."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("postgresql+psycopg://"):
        return url
    raise SetupError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':', 1)[0]}://…")


def database_url() -> str:
    """DATABASE_URL when set, else the embedded server's URL (started when down)."""
    if url := os.environ.get("DATABASE_URL"):
        return normalize_url(url)
    return EmbeddedPostgres.default().ensure_running()


@cache
def engine_for(url: str) -> sa.Engine:
    """One pooled engine per URL and process."""
    return sa.create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)


@cache
def _migrated(url: str) -> bool:
    """Migrate the database once per process. Alembic is imported only when the schema is not
    already at head (one query tells)."""
    from migrations import is_at_head

    if not is_at_head(engine_for(url)):
        from migrations import upgrade

        upgrade(url)
    return True


def migrated_engine(url: str | None = None) -> sa.Engine:
    """An engine on a database migrated to the latest schema (migrates once per process)."""
    url = normalize_url(url) if url else database_url()
    _migrated(url)
    return engine_for(url)


def dagster_storage_url(url: str | None = None) -> str:
    """Where Dagster keeps its runs, event logs and schedules: the `dagster` schema of the
    records database (created here when missing), as a URL for dagster-postgres (psycopg2,
    with the schema as the connection's search_path so its tables never mix with ours)."""
    url = normalize_url(url) if url else database_url()
    engine = sa.create_engine(url, poolclass=sa.NullPool)  # once per process: no pool kept
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('contactflow.dagster'))"))
        conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {DAGSTER_SCHEMA}"))
    parsed = make_url(url)
    query = {**parsed.query, "options": f"-csearch_path={DAGSTER_SCHEMA}"}
    dagster_url = parsed.set(drivername="postgresql+psycopg2", query=query)
    return dagster_url.render_as_string(hide_password=False)


@contextmanager
def terminate_on_interrupt(conn: sa.Connection) -> Iterator[None]:
    """When the block is interrupted (Ctrl-C, SIGTERM, Dagster's termination), end its server
    session from another connection, so its transaction and locks go at once instead of
    waiting behind a statement that keeps running after the client gave up."""
    pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
    try:
        yield
    except BaseException as exc:
        if not isinstance(exc, Exception):
            with conn.engine.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        raise
