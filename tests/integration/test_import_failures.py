"""Imports that die or race: a run terminated mid-write leaves nothing and a failed job; two
concurrent imports into one org and module serialise and never duplicate records."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.integration.processes import spawn_import
from tests.integration.test_import_write import contacts

REPO_ROOT = Path(__file__).resolve().parents[2]


def _csv(path: Path, rows: range, name: str) -> Path:
    lines = ["Email,First Name"] + [f"user{i}@example.com,{name}{i}" for i in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _spawn(path: Path, *flags: str, session: bool = False) -> subprocess.Popen[str]:
    return spawn_import(path, *flags, session=session)


def test_import_terminated_mid_write_leaves_nothing(
    env_db: str, engine: sa.Engine, imp: Any, tmp_path: Path
) -> None:
    first = imp(_csv(tmp_path / "a.csv", range(200), "Old").read_text())
    assert first["created_rows"] == 200
    before = contacts(engine)
    second = _csv(tmp_path / "b.csv", range(300), "New")
    with engine.connect() as blocker:
        blocker.execute(
            sa.text("SELECT id FROM contacts WHERE email = 'user150@example.com' FOR UPDATE")
        )
        process = _spawn(second, "--duplicates", "update")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with engine.connect() as probe:
                waiting = probe.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE 'UPDATE contacts%'"
                    )
                ).scalar_one()
            if waiting or process.poll() is not None:
                break
            time.sleep(0.05)
        assert waiting == 1, process.communicate()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        blocker.rollback()
    assert process.returncode != 0
    assert "Traceback" not in err
    assert contacts(engine) == before
    with engine.connect() as conn:
        status, reason = conn.execute(
            sa.text("SELECT status, reason FROM import_jobs ORDER BY id DESC LIMIT 1")
        ).one()
        events = conn.execute(
            sa.text(
                "SELECT count(*) FROM import_events e JOIN import_jobs j ON j.id = e.import_job_id "
                "WHERE j.id <> :first"
            ),
            {"first": first["import_job_id"]},
        ).scalar_one()
    assert status == "failed" and "interrupt" in reason.lower()
    assert events == 0


def test_concurrent_imports_serialise_without_duplicates(
    env_db: str, engine: sa.Engine, tmp_path: Path
) -> None:
    for strategy in ("skip", "update"):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM contacts"))
        one = _csv(tmp_path / f"one-{strategy}.csv", range(0, 3000), "One")
        two = _csv(tmp_path / f"two-{strategy}.csv", range(1500, 4500), "Two")
        processes = [_spawn(one, "--duplicates", strategy), _spawn(two, "--duplicates", strategy)]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            results.append(json.loads(out))
        rows = contacts(engine)
        assert len(rows) == 4500
        assert len({r["email"] for r in rows}) == 4500
        assert sum(r["created_rows"] for r in results) == 4500
        matched = "skipped_rows" if strategy == "skip" else "updated_rows"
        assert sum(r[matched] for r in results) == 1500
        for result in results:
            assert result["created_rows"] + result[matched] == 3000


def test_database_crash_during_write_never_completes_with_lost_rows(
    env_db: str, engine: sa.Engine, imp: Any, tmp_path: Path
) -> None:
    """The write's backend is killed while it waits on a row lock: PostgreSQL restarts every
    session and its crash recovery empties the UNLOGGED staging table. The retried write
    re-stages from the raw chunks and writes every row, or the import fails; it never reports
    a completed import that lost the staged rows."""
    first = imp(_csv(tmp_path / "a.csv", range(200), "Old").read_text())
    assert first["created_rows"] == 200
    blocker = engine.connect()
    blocker.execute(
        sa.text("SELECT id FROM contacts WHERE email = 'user150@example.com' FOR UPDATE")
    )
    process = _spawn(_csv(tmp_path / "b.csv", range(300), "New"), "--duplicates", "update")
    deadline, waiting = time.monotonic() + 120, None
    while time.monotonic() < deadline and waiting is None and process.poll() is None:
        with engine.connect() as probe:
            waiting = probe.execute(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'UPDATE contacts%'"
                )
            ).scalar()
        time.sleep(0.05)
    assert waiting is not None, process.communicate()
    os.kill(int(waiting), signal.SIGKILL)
    out, err = process.communicate(timeout=180)
    blocker.invalidate()
    assert "Traceback" not in err
    rows = contacts(engine)
    with engine.connect() as conn:
        status, reason, created, updated = conn.execute(
            sa.text(
                "SELECT status, reason, created_rows, updated_rows FROM import_jobs "
                "ORDER BY id DESC LIMIT 1"
            )
        ).one()
    if process.returncode == 0:
        result = json.loads(out)
        assert (result["created_rows"], result["updated_rows"]) == (100, 200)
        assert (status, created, updated) == ("completed", 100, 200)
        assert len(rows) == 300
        assert {r["first_name"] for r in rows} == {f"New{i}" for i in range(300)}
    else:
        assert status == "failed" and reason, err
        assert len(rows) == 200


def test_a_retried_validation_counts_its_rejects_once(
    env_db: str, engine: sa.Engine, tmp_path: Path
) -> None:
    """Dagster's in-process retry hands a step the same input object again: a validation
    retried after a database crash counted every reject twice (more errors than rows)."""
    from pipelines.imports import steps

    path = tmp_path / "bad.csv"
    path.write_text("Email,First Name\n" + "".join(f"bad{i},N{i}\n" for i in range(30)))
    path.write_text(path.read_text() + "ok@example.com,Ok\n")
    run = steps.ImportRun(1, "acme", "contacts", {}, str(path), "bad.csv", str(tmp_path / "w"))
    mapped = steps.map_step(steps.parse_step(run))
    first = steps.validate_step(mapped, engine)
    retried = steps.validate_step(mapped, engine)
    assert (first.error_rows, first.staged_rows) == (30, 1)
    assert (retried.error_rows, retried.staged_rows, len(retried.errors)) == (30, 1, 30)
    assert mapped.error_rows == 0


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killing_the_cli_kills_its_workers_and_their_database_sessions(
    env_db: str, engine: sa.Engine, tmp_path: Path
) -> None:
    """SIGKILL of the CLI alone while its forked workers validate: no worker survives it, and
    no session of the import is left open (a worker inherited the COPY's socket by fork)."""
    from bench.generate import generate

    path = generate(60_000, tmp_path / "big.csv", seed=3)
    process = _spawn(path)
    deadline, workers = time.monotonic() + 120, set()
    while time.monotonic() < deadline and not workers and process.poll() is None:
        workers = _children(process.pid)
        time.sleep(0.05)
    assert workers, process.communicate()
    time.sleep(1.0)
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]
    database = sa.make_url(env_db).database
    deadline, sessions = time.monotonic() + 10, -1
    while time.monotonic() < deadline and sessions:
        with engine.connect() as probe:
            sessions = probe.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
                    "AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            ).scalar_one()
        time.sleep(0.2)
    assert sessions == 0


@pytest.mark.parametrize("target", ["cli", "group"])
def test_a_killed_import_run_is_failed_and_cleaned_up(
    env_db: str, engine: sa.Engine, tmp_path: Path, target: str
) -> None:
    """SIGKILL of the CLI (alone, or with its process group) mid-validation: the Dagster run
    stayed STARTED for good and blocked the queue; the liveness check fails it and its job,
    and the cleanup then removes its staging table and work folder, twice without error."""
    from bench.generate import generate
    from pipelines.instance import get_instance
    from pipelines.maintenance.cleanup import run_cleanup
    from pipelines.maintenance.liveness import fail_dead_runs

    process = _spawn(generate(60_000, tmp_path / "big.csv", seed=5), session=True)
    deadline, workers, staged = time.monotonic() + 120, set(), False
    while time.monotonic() < deadline and not (workers and staged) and process.poll() is None:
        workers = _children(process.pid)
        with engine.connect() as probe:
            staged = probe.execute(sa.text("SELECT to_regclass('staging.import_1') IS NOT NULL"))
            staged = bool(staged.scalar_one())
        time.sleep(0.05)
    assert workers and staged, process.communicate()
    instance = get_instance()
    assert fail_dead_runs(instance, engine, grace_seconds=0) == []  # alive: left alone
    if target == "group":
        os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.communicate(timeout=30)
    deadline, dead = time.monotonic() + 30, []
    while time.monotonic() < deadline and not dead:
        dead = fail_dead_runs(instance, engine, grace_seconds=0)
        time.sleep(0.2)
    assert len(dead) == 1
    run = instance.get_run_by_id(dead[0].run.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
    with engine.connect() as conn:
        status, reason = conn.execute(
            sa.text("SELECT status, reason FROM import_jobs WHERE id = :id"),
            {"id": dead[0].import_job_id},
        ).one()
    assert status == "failed" and "died" in reason
    home = Path(os.environ["CONTACTFLOW_HOME"]) / "staging"
    assert (home / f"import-{dead[0].import_job_id}").is_dir()
    first = run_cleanup(engine, staging_root=home)
    second = run_cleanup(engine, staging_root=home)
    assert first.dropped_staging_tables == [f"staging.import_{dead[0].import_job_id}"]
    assert len(first.removed_staging_folders) == 1
    assert second.dropped_staging_tables == second.removed_staging_folders == []
    with engine.connect() as conn:
        left = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'staging'"
            )
        ).scalar_one()
    assert left == 0
