"""Webhooks and run-status sensors: signed JSON summaries reach a receiver on loopback, failing
endpoints are retried then given up without failing anything, and runs that end outside the
ops leave their import job failed with the reason."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from pipelines.definitions import defs
from pipelines.imports import jobstore
from pipelines.imports.jobs import IMPORT_PARTITIONS, IMPORT_TARGET_TAG, import_run_config
from pipelines.imports.sensors import run_canceled_sensor, run_failure_sensor, run_success_sensor
from resources.dagster_notify import NotifierResource
from resources.dagster_postgres import PostgresResource
from resources.dagster_storage import StorageResource
from resources.notify import SIGNATURE_HEADER, build_payload, sign, verify

SECRET = "s3cret"


@dataclass
class Receiver:
    """An HTTP server on loopback: `/ok` answers 200, `/fail` 500, `/flaky` 503 once then 200."""

    base: str
    calls: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def bodies(self, path: str = "/ok") -> list[dict[str, Any]]:
        return [json.loads(body) for p, _, body in self.calls if p == path]

    def count(self, path: str) -> int:
        return sum(1 for p, _, _ in self.calls if p == path)


@contextmanager
def serve_receiver() -> Iterator[Receiver]:
    calls: list[tuple[str, dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append((self.path, dict(self.headers), body))
            flaky_first = self.path == "/flaky" and sum(p == "/flaky" for p, _, _ in calls) == 1
            code = 500 if self.path == "/fail" else 503 if flaky_first else 200
            self.send_response(code)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", calls)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as serving:
        yield serving


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/gone"


def test_notifier_signs_posts_retries_and_gives_up_without_raising(receiver: Receiver) -> None:
    refused = closed_port_url()
    notifier = NotifierResource(
        urls=f"{receiver.base}/ok, {receiver.base}/fail,{receiver.base}/flaky,{refused}",
        secret=SECRET,
        backoff_seconds=0.05,
    )
    payload = build_payload("import", {"run_id": "r1", "status": "SUCCESS"}, {"id": 7})
    started = time.monotonic()
    deliveries = {d.url.rsplit("/", 1)[-1]: d for d in notifier.send(payload)}
    assert time.monotonic() - started < 5
    assert (deliveries["ok"].ok, deliveries["ok"].attempts) == (True, 1)
    assert (deliveries["flaky"].ok, deliveries["flaky"].attempts) == (True, 2)
    assert (deliveries["fail"].ok, deliveries["fail"].attempts) == (False, 3)
    assert deliveries["fail"].error == "HTTP 500"
    assert (deliveries["gone"].ok, deliveries["gone"].attempts) == (False, 3)
    assert receiver.count("/fail") == 3
    [(_, headers, body)] = [c for c in receiver.calls if c[0] == "/ok"]
    assert verify(body, SECRET, headers[SIGNATURE_HEADER])
    assert headers[SIGNATURE_HEADER] == sign(body, SECRET)
    assert not verify(body + b" ", SECRET, headers[SIGNATURE_HEADER])
    assert headers["X-Contactflow-Event"] == "import.completed"
    assert json.loads(body)["job_id"] == 7


def test_notifier_reads_env_and_leaves_unsigned_without_secret(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert NotifierResource().send({"event": "x"}) == []
    monkeypatch.setenv("WEBHOOK_URLS", f"{receiver.base}/ok")
    [delivery] = NotifierResource().send({"event": "x"})
    assert delivery.ok
    assert SIGNATURE_HEADER not in receiver.calls[0][1]


class Runs:
    """Runs on the test's Dagster instance, and the run-status sensors evaluated on them."""

    def __init__(self, tmp_path: Path) -> None:
        self.instance = dg.DagsterInstance.ephemeral()
        self.tmp = tmp_path
        self.resources = {
            "postgres": PostgresResource(),
            "uploads": StorageResource(kind="uploads"),
            "notifier": NotifierResource(backoff_seconds=0.05),
        }

    def import_run(self, key: str, text: str, options: dict[str, Any]) -> str:
        """Execute import_file on a file in the uploads storage; returns the run id."""
        source = self.tmp / "src.csv"
        source.write_text(text)
        StorageResource(kind="uploads").storage().put_file(source, key)
        org, module, name = key.split("/")
        partition = f"{key}@{abs(hash(text)):012x}"[:200]
        self.instance.add_dynamic_partitions(IMPORT_PARTITIONS.name or "", [partition])
        result = defs.get_job_def("import_file").execute_in_process(
            run_config=import_run_config(org, module, key, name, options),
            instance=self.instance,
            partition_key=partition,
            tags={IMPORT_TARGET_TAG: f"{org}/{module}", "contactflow/upload_key": key},
            raise_on_error=False,
        )
        return result.run_id

    def evaluate(self, sensor: Any, run_id: str, event_type: dg.DagsterEventType) -> None:
        run = self.instance.get_run_by_id(run_id)
        assert run is not None
        [record] = self.instance.all_logs(run_id, of_type=event_type)
        assert record.dagster_event is not None
        context = dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_event=record.dagster_event,
            dagster_instance=self.instance,
            dagster_run=run,
            resources=self.resources,
        )
        if event_type == dg.DagsterEventType.RUN_FAILURE:
            sensor(context.for_run_failure())
        else:
            sensor(context)


@pytest.fixture
def runs(env_db: str, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Runs:
    monkeypatch.setenv("WEBHOOK_URLS", f"{receiver.base}/ok,{receiver.base}/fail")
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    return Runs(tmp_path)


def test_run_success_sensor_posts_signed_import_summary(
    runs: Runs, receiver: Receiver, engine: sa.Engine
) -> None:
    run_id = runs.import_run("acme/contacts/list.csv", "Email\nann@example.com\n", {})
    runs.evaluate(run_success_sensor, run_id, dg.DagsterEventType.RUN_SUCCESS)
    [(_, headers, body)] = [c for c in receiver.calls if c[0] == "/ok"]
    assert verify(body, SECRET, headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["event"] == "import.completed" and payload["kind"] == "import"
    assert (payload["org"], payload["module"], payload["status"]) == (
        "acme",
        "contacts",
        "completed",
    )
    assert payload["job"]["created_rows"] == 1 and payload["job"]["file_name"] == "list.csv"
    assert payload["run"]["run_id"] == run_id
    assert payload["run"]["tags"]["contactflow/upload_key"] == "acme/contacts/list.csv"
    assert receiver.count("/fail") == 3
    assert jobstore.get_job(engine, payload["job_id"])["status"] == "completed"


def test_run_failure_sensor_keeps_the_reason_the_ops_recorded(
    runs: Runs, receiver: Receiver
) -> None:
    run_id = runs.import_run("acme/contacts/x.csv", "Email\na@b.co\n", {"default_region": "XX"})
    runs.evaluate(run_failure_sensor, run_id, dg.DagsterEventType.RUN_FAILURE)
    [payload] = receiver.bodies()
    assert payload["event"] == "import.failed" and payload["status"] == "failed"
    assert payload["reason"].startswith("Invalid import options: default_region")
    assert payload["run"]["reason"].startswith("Invalid import options: default_region")


def test_run_failure_sensor_fails_the_job_of_a_run_that_died_outside_the_ops(
    runs: Runs, receiver: Receiver, engine: sa.Engine
) -> None:
    job_def = defs.get_job_def("import_file")
    config = import_run_config("acme", "groups", "acme/groups/g.csv", "g.csv", {})
    started = runs.instance.create_run_for_job(
        job_def, run_config=config, status=dg.DagsterRunStatus.STARTED
    )
    job_id = jobstore.create_job(engine, "acme", "groups", {}, file_name="g.csv")
    jobstore.start_job(engine, job_id, run_id=started.run_id)
    runs.instance.report_run_failed(started, "Run worker process exited unexpectedly.")
    runs.evaluate(run_failure_sensor, started.run_id, dg.DagsterEventType.RUN_FAILURE)
    job = jobstore.get_job(engine, job_id)
    assert job["status"] == "failed"
    assert "Run worker process exited unexpectedly." in job["reason"]
    assert started.run_id in job["reason"]

    never = runs.instance.create_run_for_job(
        job_def,
        run_config=config,
        tags={"contactflow/upload_key": "acme/groups/g.csv", "dagster/partition": "p@1"},
        status=dg.DagsterRunStatus.NOT_STARTED,
    )
    runs.instance.report_run_canceled(never, "Canceled from the UI.")
    runs.evaluate(run_canceled_sensor, never.run_id, dg.DagsterEventType.RUN_CANCELED)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT * FROM import_jobs WHERE run_id = :r"), {"r": never.run_id}
        ).mappings()
        [created] = list(row)
    assert (created["status"], created["org"], created["module"]) == ("failed", "acme", "groups")
    assert "was canceled" in created["reason"] and "Canceled from the UI." in created["reason"]
    assert created["partition_key"] == "p@1"
    assert created["upload_location"].endswith("acme/groups/g.csv")
    events = [p["event"] for p in receiver.bodies()]
    assert events == ["import.failed", "import.canceled"]


def test_run_success_sensor_reports_exports_by_job_name(
    runs: Runs, receiver: Receiver, engine: sa.Engine
) -> None:
    @dg.op
    def render() -> None:
        pass

    @dg.job(name="export_records")
    def export_records() -> None:
        render()

    result = export_records.execute_in_process(instance=runs.instance)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO export_jobs (org, module, format, status, row_count, run_id) "
                "VALUES ('acme', 'contacts', 'csv', 'completed', 12, :run)"
            ),
            {"run": result.run_id},
        )
    runs.evaluate(run_success_sensor, result.run_id, dg.DagsterEventType.RUN_SUCCESS)
    [payload] = receiver.bodies()
    assert payload["event"] == "export.completed" and payload["kind"] == "export"
    assert payload["job"]["row_count"] == 12 and payload["org"] == "acme"


def test_run_success_sensor_ignores_other_jobs(runs: Runs, receiver: Receiver) -> None:
    @dg.op
    def noop() -> None:
        pass

    @dg.job(name="rollback_import")
    def rollback() -> None:
        noop()

    result = rollback.execute_in_process(instance=runs.instance)
    runs.evaluate(run_success_sensor, result.run_id, dg.DagsterEventType.RUN_SUCCESS)
    assert receiver.calls == []


def test_run_failure_sensor_fails_an_export_job_left_processing(
    runs: Runs, receiver: Receiver, engine: sa.Engine
) -> None:
    @dg.op
    def render() -> None:
        raise RuntimeError("renderer crashed")

    @dg.job(name="export_records")
    def export_records() -> None:
        render()

    result = export_records.execute_in_process(instance=runs.instance, raise_on_error=False)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO export_jobs (org, module, format, status, run_id) "
                "VALUES ('acme', 'contacts', 'pdf', 'processing', :run)"
            ),
            {"run": result.run_id},
        )
    runs.evaluate(run_failure_sensor, result.run_id, dg.DagsterEventType.RUN_FAILURE)
    [payload] = receiver.bodies()
    assert payload["event"] == "export.failed" and payload["job"]["status"] == "failed"
    assert "renderer crashed" in payload["job"]["reason"]
