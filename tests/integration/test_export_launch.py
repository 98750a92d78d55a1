"""`contactflow export --launch` queues the export on the instance and returns at once with a
queued export job; the daemon (`dagster-daemon run` from test_e2e_daemon) runs it, and the job
is then listed, polled and fetched from the CLI."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from pipelines.instance import get_instance
from tests.integration.test_e2e_daemon import DEADLINE_SECONDS, dagster_dev, wait_for

EXPORT = ("export", "--org", "acme", "--module", "contacts", "--format", "csv")


def test_export_launch_queues_a_run_and_its_job(cli: Any, imp: Any, engine: sa.Engine) -> None:
    imp("Email\nann@example.com\n")
    code, result, err = cli(*EXPORT, "--launch")
    assert code == 0, err
    assert result["status"] == "queued" and set(result) == {"export_job_id", "run_id", "status"}
    run = get_instance().get_run_by_id(result["run_id"])
    assert run is not None and run.status == dg.DagsterRunStatus.QUEUED
    assert run.job_name == "export_records"
    assert run.tags["contactflow/export_job_id"] == str(result["export_job_id"])
    config = run.run_config["ops"]["render_export"]["config"]  # type: ignore[index]
    assert (config["org"], config["export_job_id"]) == ("acme", result["export_job_id"])
    code, job, _ = cli("export-job", str(result["export_job_id"]), "--org", "acme")
    assert (job["status"], job["run_id"], job["download_url"]) == ("queued", run.run_id, None)
    code, listed, _ = cli("exports", "--org", "acme", "--status", "queued")
    assert [j["id"] for j in listed["export_jobs"]] == [result["export_job_id"]]
    code, _, err = cli("fetch", "export", str(result["export_job_id"]))
    assert code == 2 and "is still queued" in err


def test_export_launch_refuses_bad_input_before_queueing(
    cli: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    code, _, err = cli(*EXPORT, "--launch", "--output", str(tmp_path))
    assert code == 2 and "fetch it later with `contactflow fetch export ID`" in err
    code, _, err = cli(*EXPORT, "--launch", "--columns", "email,nope")
    assert code == 2 and "nope" in err
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM export_jobs")).scalar() == 0
    assert not get_instance().get_runs()


def test_export_launch_runs_on_the_daemon_then_lists_polls_and_fetches(
    db_url: str, cli: Any, imp: Any, tmp_path: Path
) -> None:
    with dagster_dev(db_url, tmp_path, str(tmp_path / "uploads"), "", ui=False) as (server, _):
        imp("Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n")
        launched = time.monotonic()
        code, queued, err = cli(*EXPORT, "--launch", "--columns", "email,first_name")
        assert code == 0, err
        job_id = str(queued["export_job_id"])

        def finished() -> dict[str, Any] | None:
            _, job, _ = cli("export-job", job_id, "--org", "acme")
            return job if job["status"] in ("completed", "failed") else None

        job = wait_for("the launched export", finished, DEADLINE_SECONDS, server.log)
        print(f"export --launch to completed: {time.monotonic() - launched:.1f}s")
    assert job["status"] == "completed", job["reason"]
    assert (job["run_id"], job["row_count"]) == (queued["run_id"], 2)
    assert job["download_url"].startswith("file://")
    code, listed, _ = cli("exports", "--org", "acme")
    assert [(j["id"], j["status"]) for j in listed["export_jobs"]] == [(int(job_id), "completed")]
    code, fetched, err = cli("fetch", "export", job_id, "--org", "acme", "--output", str(tmp_path))
    assert code == 0, err
    text = Path(fetched["file"]).read_text("utf-8")
    assert text == "Email,First name\nann@example.com,Ann\nbob@example.com,Bob\n"
