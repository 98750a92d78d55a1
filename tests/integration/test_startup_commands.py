"""Start-up of CLI commands on a real database: the schema check without Alembic, the
instance's storages on a fresh DAGSTER_HOME, and what the `jobs` and `import` commands load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from migrations import HEAD_REVISION, current_revision, is_at_head
from resources.postgres import migrated_engine

REPO_ROOT = Path(__file__).resolve().parents[2]
# Runs the CLI, then prints on stderr which of the given modules it loaded.
RUN_CLI = """
import json, sys
from pipelines.cli import main
code = main(sys.argv[2:])
watched = json.loads(sys.argv[1])
print("LOADED " + json.dumps([m for m in watched if m in sys.modules]), file=sys.stderr)
sys.exit(code)
"""


def _cli(watched: list[str], *args: str) -> tuple[dict, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", RUN_CLI, json.dumps(watched), "--json", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded = result.stderr.strip().splitlines()[-1].removeprefix("LOADED ")
    return json.loads(result.stdout), set(json.loads(loaded))


def test_is_at_head(db_url: str, empty_db_url: str) -> None:
    assert is_at_head(sa.create_engine(db_url, poolclass=sa.NullPool))
    assert not is_at_head(sa.create_engine(empty_db_url, poolclass=sa.NullPool))
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'elsewhere'"))
    assert not is_at_head(engine)


def test_migrated_engine_migrates_a_new_database(empty_db_url: str) -> None:
    engine = migrated_engine(empty_db_url)
    assert current_revision(empty_db_url) == HEAD_REVISION
    assert "import_jobs" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_get_instance_creates_every_storage_on_a_fresh_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files that tell get_instance a home is set up are the ones its first call makes."""
    from pipelines.instance import SQLITE_STORAGE_FILES, get_instance

    home = tmp_path / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    get_instance()
    assert [name for name in SQLITE_STORAGE_FILES if not (home / name).exists()] == []
    assert get_instance().get_runs(limit=1) == []


def test_jobs_command_loads_neither_dagster_nor_alembic(env_db: str) -> None:
    result, loaded = _cli(["alembic", "dagster", "pandas"], "jobs", "--org", "acme")
    assert result == {"jobs": []}
    assert loaded == set()


def test_import_command_loads_only_the_import_job(env_db: str, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email,First Name\nann@example.com,Ann\n", encoding="utf-8")
    watched = ["openpyxl", "reportlab", "boto3", "pipelines.definitions", "pipelines.exports"]
    result, loaded = _cli(watched, "import", str(path), "--org", "acme", "--module", "contacts")
    assert (result["status"], result["created_rows"]) == ("completed", 1)
    assert loaded == set()
