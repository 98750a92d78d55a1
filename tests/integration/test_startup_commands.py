"""Start-up of CLI commands on a real database: the schema check without Alembic, the
instance's storages on a fresh DAGSTER_HOME, and what the `jobs` and `import` commands load."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg
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


def test_instance_keeps_runs_in_the_dagster_schema_of_the_records_database(
    cli: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    """The CLI's instance (the same code path as `./dev ui`) stores runs, event logs and
    schedules with dagster-postgres in the schema `dagster`, never in SQLite or `public`."""
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    from pipelines.instance import get_instance

    path = tmp_path / "people.csv"
    path.write_text("Email\nann@example.com\n", encoding="utf-8")
    code, result, err = cli("import", str(path), "--org", "acme", "--module", "contacts")
    assert code == 0, err
    instance = get_instance()
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    with engine.connect() as conn:
        run_id = conn.execute(
            sa.text("SELECT run_id FROM import_jobs WHERE id = :id"),
            {"id": result["import_job_id"]},
        ).scalar_one()
        stored = conn.execute(
            sa.text("SELECT status FROM dagster.runs WHERE run_id = :id"), {"id": run_id}
        ).scalar_one()
    assert stored == "SUCCESS"
    assert "runs" not in sa.inspect(engine).get_table_names()
    assert not list((tmp_path / "dagster").rglob("*.db"))


def test_dev_ui_exports_the_postgres_storage(env_db: str, tmp_path: Path) -> None:
    """`./dev ui` evaluates `python -m pipelines.instance`: DAGSTER_HOME and DAGSTER_PG_URL
    that open an instance on dagster-postgres."""
    from dagster._core.instance.ref import InstanceRef
    from dagster_postgres import PostgresRunStorage

    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_PG_URL"}
    env["DAGSTER_HOME"] = str(tmp_path / "ui-home")
    printed = subprocess.run(
        [sys.executable, "-m", "pipelines.instance"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    exported = dict(
        shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in printed.splitlines()
    )
    assert exported["DAGSTER_HOME"] == env["DAGSTER_HOME"]
    os.environ["DAGSTER_PG_URL"] = exported["DAGSTER_PG_URL"]
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(exported["DAGSTER_HOME"])) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert instance.get_runs() == []


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


def test_two_commands_starting_together_share_a_fresh_dagster_home(
    env_db: str, monkeypatch: Any
) -> None:
    """Two commands started at once on a fresh DAGSTER_HOME both find no dagster.yaml link;
    the second to create it finds the first one's and goes on (it failed with FileExistsError:
    seen when two CLI imports started together)."""
    from pipelines import instance

    real = Path.symlink_to

    def made_by_the_other_command_first(self: Path, target: Any, *args: Any) -> None:
        real(self, target, *args)  # the other command
        real(self, target, *args)  # this one: FileExistsError

    monkeypatch.setattr(Path, "symlink_to", made_by_the_other_command_first)
    home = instance.ensure_dagster_home()
    assert (home / "dagster.yaml").resolve() == (REPO_ROOT / "dagster.yaml").resolve()
    assert home == Path(os.environ["DAGSTER_HOME"]).resolve()
