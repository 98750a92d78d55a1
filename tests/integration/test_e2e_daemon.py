"""End to end: `dagster dev` (webserver, daemon, code server) on loopback with the repo's
dagster.yaml; files dropped into the uploads folder or bucket become records in PostgreSQL,
imports into one org and module run one at a time, and signed webhooks arrive."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.instance.ref import InstanceRef
from dagster._core.scheduler.instigation import InstigatorType
from dagster_postgres import PostgresRunStorage

from pipelines.imports.jobs import IMPORT_TARGET_TAG
from pipelines.instance import STORAGE_URL_VARIABLE
from resources.notify import SIGNATURE_HEADER, verify
from resources.postgres import dagster_storage_url
from resources.storage import storage_for
from tests.integration.processes import import_argv, spawn_import
from tests.integration.test_notify import Receiver, serve_receiver

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret"
DEADLINE_SECONDS = 300
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, log: Path) -> T:
    """Poll `probe` until it returns something truthy, or fail with the server's log tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-6000:] if log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n--- dagster dev ---\n{tail}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_queue_limits_imports_to_one_per_org_and_module(env_db: str, tmp_path: Path) -> None:
    (tmp_path / "dagster.yaml").symlink_to(REPO_ROOT / "dagster.yaml")
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path))) as instance:
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, dg.QueuedRunCoordinator)
        assert (coordinator.dequeue_interval_seconds, coordinator.dequeue_use_threads) == (1, True)
        queue = instance.get_concurrency_config().run_queue_config
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_start_timeout_seconds <= 60
    assert queue is not None
    limits = queue.tag_concurrency_limits
    assert {
        "key": IMPORT_TARGET_TAG,
        "value": {"applyLimitPerUniqueValue": True},
        "limit": 1,
    } in limits
    assert not any(limit.get("key") != IMPORT_TARGET_TAG for limit in limits)


class DagsterDev:
    """`dagster dev` (webserver, daemon, code server) or, with `ui=False`, only
    `dagster-daemon run`, on the repo's workspace.yaml, in its own process group and torn
    down with SIGINT (then SIGKILL)."""

    def __init__(self, env: dict[str, str], log: Path, ui: bool = True) -> None:
        self.env = env
        self.log = log
        self.port = free_port()
        bin_dir = Path(sys.executable).parent
        if ui:
            command = [str(bin_dir / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(self.port)]
        else:
            command = [str(bin_dir / "dagster-daemon"), "run"]
        self.process = subprocess.Popen(
            [*command, "-w", "workspace.yaml"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def serving(self) -> bool:
        url = f"http://127.0.0.1:{self.port}/server_info"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as serving:
        yield serving


@contextlib.contextmanager
def dagster_dev(
    db_url: str, tmp_path: Path, uploads_url: str, webhook_url: str, ui: bool = True
) -> Iterator[tuple[DagsterDev, dg.DagsterInstance]]:
    """A running `dagster dev` on a fresh DAGSTER_HOME (linking the repo's dagster.yaml), the
    test database and `uploads_url`; yields it once its sensors tick, with its instance."""
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").symlink_to(REPO_ROOT / "dagster.yaml")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DAGSTER_HOME": str(home),
        STORAGE_URL_VARIABLE: dagster_storage_url(db_url),
        "CONTACTFLOW_HOME": str(tmp_path / "home"),
        "UPLOADS_URL": uploads_url,
        "EXPORTS_URL": str(tmp_path / "exports"),
        "NOTIFY_SENSOR_INTERVAL_SECONDS": "1",
        "WEBHOOK_URLS": webhook_url,
        "WEBHOOK_SECRET": SECRET,
        "DAGSTER_TELEMETRY_DISABLED": "1",
    }
    server = DagsterDev(env, tmp_path / "dagster-dev.log", ui)
    booting = time.monotonic()
    try:
        with (
            mock.patch.dict(os.environ, {STORAGE_URL_VARIABLE: env[STORAGE_URL_VARIABLE]}),
            dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance,
        ):
            assert isinstance(instance.run_storage, PostgresRunStorage)
            wait_for("the sensors' first ticks", lambda: sensors_ticked(instance), 90, server.log)
            if ui:
                wait_for("the UI", server.serving, 60, server.log)
            print(f"\ndaemon up, sensors ticking after {time.monotonic() - booting:.1f}s")
            yield server, instance
    finally:
        server.stop()


def drop(uploads_url: str, files: dict[str, str], tmp_path: Path) -> None:
    """Write `files` into the uploads storage, sidecars first (as uploaders should)."""
    storage = storage_for("uploads", uploads_url)
    for n, (key, text) in enumerate(sorted(files.items(), key=lambda kv: "import." not in kv[0])):
        path = tmp_path / f"source-{n}"
        path.write_text(text)
        storage.put_file(path, key)


def wait_for_records(
    engine: sa.Engine, expected: set[str], started: float, server: DagsterDev, where: str
) -> None:
    wait_for(
        f"records {sorted(expected)}",
        lambda: expected <= emails(engine, "acme"),
        DEADLINE_SECONDS,
        server.log,
    )
    drop_to_records = time.monotonic() - started
    print(f"drop-to-records ({where}): {drop_to_records:.1f}s")
    assert drop_to_records < DEADLINE_SECONDS


RUN_EVENTS = (
    ("queue", dg.DagsterEventType.RUN_STARTING),
    ("run start", dg.DagsterEventType.RUN_START),
    ("import", dg.DagsterEventType.RUN_SUCCESS),
)


def latency(instance: dg.DagsterInstance, record: dg.RunRecord, dropped_at: float) -> str:
    """Drop to completed, split: the sensor tick (drop to the run's creation), the queue (to
    the daemon launching it), the run worker's start (to RUN_START), the import itself."""
    parts = [("sensor tick", record.create_timestamp.timestamp())]
    for label, event_type in RUN_EVENTS:
        [entry] = instance.all_logs(record.dagster_run.run_id, of_type=event_type)
        parts.append((label, entry.timestamp))
    steps = [
        f"{label} {at - before:.1f}s"
        for (label, at), (_, before) in zip(parts, [("drop", dropped_at), *parts[:-1]], strict=True)
    ]
    return f"drop-to-completed {parts[-1][1] - dropped_at:.1f}s ({', '.join(steps)})"


def sensors_ticked(instance: dg.DagsterInstance) -> bool:
    states = instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
    ticked = {
        s.instigator_name
        for s in states
        if instance.get_ticks(s.instigator_origin_id, s.selector_id, limit=1)
    }
    return ticked >= {"uploads_sensor", "run_failure_sensor", "run_success_sensor"}


def emails(engine: sa.Engine, org: str, table: str = "contacts") -> set[str]:
    column = "email" if table == "contacts" else "name"
    with engine.connect() as conn:
        query = sa.text(f"SELECT {column} FROM {table} WHERE org = :org")
        return set(conn.execute(query, {"org": org}).scalars())


def test_e2e_daemon_imports_dropped_files_queues_per_target_and_notifies(
    db_url: str, engine: sa.Engine, receiver: Receiver, tmp_path: Path
) -> None:
    uploads_url = str(tmp_path / "uploads")
    with dagster_dev(db_url, tmp_path, uploads_url, f"{receiver.base}/ok") as (server, instance):
        dropped, dropped_at = time.monotonic(), time.time()
        drop(
            uploads_url,
            {
                "acme/contacts/first.csv": (
                    "Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n"
                ),
                "acme/contacts/first.csv.import.yaml": "source: e2e\n",
                "acme/contacts/second.csv": "Email,First Name\ncy@example.com,Cy\n",
                "acme/companies/firms.csv": "Name,Domain\nInitech,initech.com\n",
            },
            tmp_path,
        )
        wait_for_records(
            engine, {"ann@example.com", "bob@example.com"}, dropped, server, "local folder"
        )

        def all_succeeded() -> list[dg.RunRecord] | None:
            records = list(instance.get_run_records(dg.RunsFilter(job_name="import_file")))
            statuses = [r.dagster_run.status for r in records]
            assert dg.DagsterRunStatus.FAILURE not in statuses, server.log.read_text()[-4000:]
            done = statuses.count(dg.DagsterRunStatus.SUCCESS) == 3 == len(records)
            return records if done else None

        records = wait_for("three successful runs", all_succeeded, DEADLINE_SECONDS, server.log)
        for r in sorted(records, key=lambda r: r.create_timestamp.timestamp()):
            key = r.dagster_run.tags["contactflow/upload_key"]
            print(f"  {key}: {latency(instance, r, dropped_at)}")

        def notified() -> list[dict[str, Any]] | None:
            bodies = receiver.bodies()
            return bodies if len(bodies) >= 3 else None

        payloads = wait_for("three webhooks", notified, 60, server.log)
        print(f"webhooks received {time.monotonic() - dropped:.1f}s after the drop")

    assert emails(engine, "acme") == {"ann@example.com", "bob@example.com", "cy@example.com"}
    assert emails(engine, "acme", "companies") == {"Initech"}
    with engine.connect() as conn:
        jobs = conn.execute(sa.text("SELECT file_name, status, source FROM import_jobs"))
        by_file = {j["file_name"]: dict(j) for j in jobs.mappings()}
    assert {f: j["status"] for f, j in by_file.items()} == dict.fromkeys(
        ("first.csv", "second.csv", "firms.csv"), "completed"
    )
    assert by_file["first.csv"]["source"] == "e2e"

    contacts_runs = sorted(
        (r for r in records if r.dagster_run.tags[IMPORT_TARGET_TAG] == "acme/contacts"),
        key=lambda r: r.start_time or 0,
    )
    assert len(contacts_runs) == 2
    earlier, later = contacts_runs
    assert earlier.end_time and later.start_time and earlier.end_time <= later.start_time

    assert sorted(p["job"]["file_name"] for p in payloads) == sorted(by_file)
    assert all(p["event"] == "import.completed" for p in payloads)
    assert all(
        verify(body, SECRET, headers[SIGNATURE_HEADER]) for _, headers, body in receiver.calls
    )


def test_e2e_daemon_imports_a_file_dropped_into_s3(
    db_url: str, engine: sa.Engine, s3_bucket: str, tmp_path: Path
) -> None:
    uploads_url = f"s3://{s3_bucket}/drop"
    with dagster_dev(db_url, tmp_path, uploads_url, "", ui=False) as (server, instance):
        dropped = time.monotonic()
        drop(uploads_url, {"acme/contacts/list.csv": "Email\ndee@example.com\n"}, tmp_path)
        wait_for_records(engine, {"dee@example.com"}, dropped, server, "s3")
        [run] = instance.get_runs(dg.RunsFilter(job_name="import_file"))
    assert run.tags["contactflow/upload_key"] == "acme/contacts/list.csv"
    with engine.connect() as conn:
        location = conn.execute(sa.text("SELECT upload_location FROM import_jobs")).scalar_one()
    assert location == f"s3://{s3_bucket}/drop/acme/contacts/list.csv"


def launch(path: Path, env: dict[str, str]) -> dict[str, Any]:
    """`contactflow import PATH --launch` into acme/contacts, as a script would run it."""
    done = subprocess.run(
        import_argv(path, "acme", "contacts", "--launch"),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def validating(instance: dg.DagsterInstance, run_id: str) -> bool:
    steps = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    return any((e.step_key or "").startswith("validate_rows") for e in steps)


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The run worker's pid, from its "Started process for run" event."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = entry.dagster_event
        data = event.engine_event_data if event else None
        if data and "pid" in data.metadata:
            return int(str(data.metadata["pid"].value))
    return None


def started_run_validating(instance: dg.DagsterInstance) -> str | None:
    started = dg.RunsFilter(job_name="import_file", statuses=[dg.DagsterRunStatus.STARTED])
    runs = [r.run_id for r in instance.get_runs(started) if validating(instance, r.run_id)]
    return runs[0] if runs else None


def run_status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status


def wait_until_failed(instance: dg.DagsterInstance, run_id: str, what: str, log: Path) -> None:
    killed_at = time.monotonic()
    wait_for(
        f"the run of the killed {what} to be failed",
        lambda: run_status(instance, run_id) == dg.DagsterRunStatus.FAILURE,
        60,
        log,
    )
    print(f"killed {what}: run failed {time.monotonic() - killed_at:.1f}s after SIGKILL")


def test_e2e_daemon_fails_killed_imports_and_runs_the_next_launch(
    db_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    """SIGKILL of the process running a `--launch`ed import, then of a CLI import's process
    group (issue 14 item 2): each run is FAILED within a minute (the code server notices its
    worker died; `dead_import_runs_sensor` catches the CLI), the next launch into the same org
    and module completes, and the cleanup job succeeds twice, the first time removing the
    killed imports' staging."""
    from bench.generate import generate
    from pipelines.definitions import defs

    big = generate(60_000, tmp_path / "big.csv", seed=5)
    uploads_url = str(tmp_path / "uploads")
    with dagster_dev(db_url, tmp_path, uploads_url, "", ui=False) as (server, instance):
        launched = launch(big, server.env)["run_id"]
        pid = wait_for(
            "the run worker validating",
            lambda: validating(instance, launched) and worker_pid(instance, launched),
            DEADLINE_SECONDS,
            server.log,
        )
        os.kill(pid, signal.SIGKILL)
        wait_until_failed(instance, launched, "run worker", server.log)

        cli = spawn_import(big, env=server.env, session=True)
        by_cli = wait_for(
            "the CLI import validating",
            lambda: started_run_validating(instance),
            DEADLINE_SECONDS,
            server.log,
        )
        os.killpg(cli.pid, signal.SIGKILL)
        cli.communicate(timeout=30)
        wait_until_failed(instance, by_cli, "CLI and its process group", server.log)

        small = tmp_path / "next.csv"
        small.write_text("Email\nnext@example.com\n")
        after = launch(small, server.env)["run_id"]
        wait_for(
            "the next launch to succeed",
            lambda: run_status(instance, after) == dg.DagsterRunStatus.SUCCESS,
            DEADLINE_SECONDS,
            server.log,
        )
        settings = {k: server.env[k] for k in ("DATABASE_URL", "CONTACTFLOW_HOME")}
        with mock.patch.dict(os.environ, settings):
            cleanup = defs.get_job_def("cleanup")
            first = cleanup.execute_in_process(instance=instance)
            second = cleanup.execute_in_process(instance=instance)
    assert first.success and second.success
    with engine.connect() as conn:
        query = sa.text("SELECT run_id, id, status, reason FROM import_jobs")
        jobs = {row.run_id: row for row in conn.execute(query)}
    assert {run: job.status for run, job in jobs.items()} == {
        launched: "failed",
        by_cli: "failed",
        after: "completed",
    }
    assert "terminated by signal 9 (SIGKILL)" in jobs[launched].reason
    assert "died" in jobs[by_cli].reason
    assert first.output_for_node("clean_up")["dropped_staging_tables"] == sorted(
        f"staging.import_{jobs[run].id}" for run in (launched, by_cli)
    )
    assert all(v in ([], 0) for v in second.output_for_node("clean_up").values())
    assert emails(engine, "acme") == {"next@example.com"}
