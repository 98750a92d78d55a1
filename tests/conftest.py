"""Shared fixtures: a real PostgreSQL server (the embedded one, or CONTACTFLOW_TEST_DATABASE_URL),
a migrated template database, and a fresh database per test cloned from it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from migrations import upgrade
from resources.embedded_postgres import EmbeddedPostgres
from resources.postgres import dagster_storage_url, normalize_url

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_HOME = REPO_ROOT / ".contactflow" / "test"
TEMPLATE_DB = "cf_test_template"


def _admin(url: str) -> str:
    """A libpq DSN for the server's maintenance database."""
    u = make_url(url).set(database="postgres", drivername="postgresql")
    return u.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def server_url() -> str:
    """The URL of the server the tests use (database part is replaced per test)."""
    if url := os.environ.get("CONTACTFLOW_TEST_DATABASE_URL"):
        return normalize_url(url)
    return EmbeddedPostgres(TEST_HOME / "postgres").ensure_running()


@pytest.fixture(scope="session")
def template_url(server_url: str) -> str:
    """A database migrated to head once per session, with Dagster's storage schema; test
    databases are copies of it."""
    with psycopg.connect(_admin(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    url = make_url(server_url).set(database=TEMPLATE_DB).render_as_string(hide_password=False)
    upgrade(url)
    from dagster_postgres import DagsterPostgresStorage

    # Dagster's tables too (2 s to create), so a test's instance finds them in its copy.
    DagsterPostgresStorage(dagster_storage_url(url))
    return url


@pytest.fixture
def empty_db_url(server_url: str) -> Iterator[str]:
    """A brand-new, unmigrated database."""
    yield from _temporary_database(server_url, template=None)


@pytest.fixture
def db_url(server_url: str, template_url: str) -> Iterator[str]:
    """A fresh migrated database for one test."""
    yield from _temporary_database(server_url, template=TEMPLATE_DB)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = sa.create_engine(db_url, poolclass=sa.NullPool)
    yield eng
    eng.dispose()


@pytest.fixture
def env_db(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the code under test (resources, CLI) at the test database and tmp folders."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CONTACTFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("UPLOADS_URL", str(tmp_path / "uploads"))
    monkeypatch.setenv("EXPORTS_URL", str(tmp_path / "exports"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("DAGSTER_PG_URL", dagster_storage_url(db_url))
    return db_url


def _temporary_database(server_url: str, template: str | None) -> Iterator[str]:
    name = f"cf_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_admin(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{clause}')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin(server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """An S3-compatible server (moto in server mode) on loopback; yields its endpoint URL."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the loopback S3 server, with the AWS environment pointing at it."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"cf-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=name)
    return name


@pytest.fixture
def cli(env_db: str, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `contactflow --json ...` in this process; returns (exit code, parsed stdout, stderr)."""
    import json

    from pipelines.cli import main

    def run(*args: str) -> tuple[int, Any, str]:
        capsys.readouterr()
        code = main(["--json", *args])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else None), err

    return run


@pytest.fixture
def imp(cli: Any, tmp_path: Path) -> Any:
    """Import CSV text: imp(text, org=..., module=..., flags...) -> the JSON result."""
    counter = iter(range(1, 10_000))

    def run(
        text: str,
        *flags: str,
        org: str = "acme",
        module: str = "contacts",
        name: str | None = None,
        expect: int = 0,
    ) -> Any:
        path = tmp_path / (name or f"upload-{next(counter)}.csv")
        path.write_text(text, encoding="utf-8")
        code, out, err = cli("import", str(path), "--org", org, "--module", module, *flags)
        assert code == expect, err
        return out if expect == 0 else err

    return run
