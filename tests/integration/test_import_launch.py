"""`contactflow import --launch` queues the run on the instance and returns at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.instance import get_instance


def test_import_launch_queues_a_partitioned_run(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email\nann@example.com\n")
    code, result, err = cli(
        "import", str(path), "--org", "acme", "--module", "contacts", "--launch"
    )
    assert code == 0, err
    assert result["status"] == "queued" and set(result) == {"import_job_id", "run_id", "status"}
    run = get_instance().get_run_by_id(result["run_id"])
    assert run is not None and run.status == dg.DagsterRunStatus.QUEUED
    assert run.tags["contactflow/import-target"] == "acme/contacts"
    assert run.tags["dagster/partition"].startswith("acme/contacts/people.csv@")
    code, job, _ = cli("job", str(result["import_job_id"]))
    assert (job["status"], job["run_id"]) == ("queued", result["run_id"])
