"""The embedded server starts on a fresh folder, is reused, stops, and DATABASE_URL overrides it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from resources.embedded_postgres import EmbeddedPostgres
from resources.postgres import database_url

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "pipelines.cli"]


@pytest.fixture
def fresh_home() -> Iterator[Path]:
    """A CONTACTFLOW_HOME the server's (possibly unprivileged) user can reach."""
    parent = REPO_ROOT / ".contactflow" / "tmp"
    parent.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(dir=parent))
    home.chmod(0o755)
    yield home
    EmbeddedPostgres(home / "postgres").stop()
    shutil.rmtree(home, ignore_errors=True)


def _postmaster_pid(server: EmbeddedPostgres) -> str:
    return (server.data_dir / "postmaster.pid").read_text().splitlines()[0]


def test_embedded_postgres_starts_is_reused_and_stops(fresh_home: Path) -> None:
    server = EmbeddedPostgres(fresh_home / "postgres")
    url = server.ensure_running()
    pid = _postmaster_pid(server)
    with psycopg.connect(
        f"host=127.0.0.1 port={server.port} user=contactflow dbname=contactflow"
    ) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    again = EmbeddedPostgres(fresh_home / "postgres").ensure_running()
    assert again == url
    assert _postmaster_pid(server) == pid

    assert server.stop() is True
    assert not server.is_running()
    assert server.ensure_running() == url
    assert _postmaster_pid(server) != pid


def _alive(pid: str) -> bool:
    """Whether process `pid` runs (a zombie waiting for its parent does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_cluster_without_its_port_file_is_made_again(fresh_home: Path) -> None:
    """A new checkout at the path of a deleted one finds the old cluster (as root it lives
    outside the checkout) but not its port file: the old server is stopped and a new cluster
    made, instead of failing on the missing file."""
    server = EmbeddedPostgres(fresh_home / "postgres")
    server.ensure_running()
    old_pid = _postmaster_pid(server)
    (fresh_home / "postgres" / "port").unlink()
    url = EmbeddedPostgres(fresh_home / "postgres").ensure_running()
    assert _postmaster_pid(server) != old_pid
    assert _alive(old_pid) is False
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_embedded_postgres_runs_unprivileged_when_root(fresh_home: Path) -> None:
    server = EmbeddedPostgres(fresh_home / "postgres")
    server.ensure_running()
    owner = (server.data_dir / "PG_VERSION").stat().st_uid
    if os.geteuid() == 0:
        assert owner != 0
    else:
        assert owner == os.geteuid()


def test_database_url_prefers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5433/crm")
    assert database_url() == "postgresql+psycopg://u:p@db.example:5433/crm"


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120
    )


def test_cli_db_upgrade_json_with_database_url(empty_db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": empty_db_url, "CONTACTFLOW_HOME": str(tmp_path)}
    result = _cli(["db", "upgrade", "--json"], env)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["from_revision"] is None
    assert payload["revision"] == payload["head"]
    assert not (tmp_path / "postgres").exists()


def test_cli_db_upgrade_json_on_embedded_server(fresh_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CONTACTFLOW_HOME"] = str(fresh_home)
    first = _cli(["--json", "db", "upgrade"], env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["revision"] == json.loads(first.stdout)["head"]
    status = _cli(["db", "status", "--json"], env)
    assert json.loads(status.stdout)["up_to_date"] is True
    assert json.loads(status.stdout)["embedded"] is True
    stopped = _cli(["db", "stop", "--json"], env)
    assert json.loads(stopped.stdout)["was_running"] is True


def test_cli_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "CONTACTFLOW_HOME": str(tmp_path),
    }
    result = _cli(["db", "upgrade", "--json"], env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "cannot reach the database" in result.stderr


def test_demo_runs_from_a_private_folder(tmp_path: Path) -> None:
    """`./dev demo` from a clone in a 0700 home: as root the server runs as `postgres`, which
    cannot traverse that folder, so the cluster lives in a folder of its own."""
    private = Path(tempfile.mkdtemp(dir=tmp_path))
    private.chmod(0o700)
    home = private / "clone" / ".contactflow"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DAGSTER_HOME")}
    env.update(
        CONTACTFLOW_HOME=str(home),
        UPLOADS_URL=str(private / "uploads"),
        EXPORTS_URL=str(private / "exports"),
    )
    server = EmbeddedPostgres(home / "postgres")
    try:
        done = subprocess.run(
            [*CLI, "--json", "demo"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["summary"]["total_rows"] > 0 and result["export"]["row_count"] > 0
        if os.geteuid() == 0:
            assert server.server_dir != server.root
            assert (server.root / "server-location").read_text().strip() == str(server.server_dir)
        assert server.is_running()
    finally:
        server.stop()
        if server.server_dir != server.root:
            shutil.rmtree(server.server_dir, ignore_errors=True)
