"""Re-executing a run the CLI started, as the UI's "Re-execute" does it (GraphQL on the
workspace's code location, the queued run dequeued as the daemon would) and through
`ReexecutionOptions`: the run succeeds, keeps its partition and tags, and records an import
job of its own."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa
from dagster._core.workspace.load import load_workspace_process_context_from_yaml_paths
from dagster_graphql.client.query import LAUNCH_PIPELINE_REEXECUTION_MUTATION
from dagster_graphql.test.utils import execute_dagster_graphql

from pipelines.imports.jobs import IMPORT_TARGET_TAG, import_file_with_resources
from pipelines.instance import get_instance
from pipelines.runner import WORKSPACE
from tests.integration.processes import child_processes, stop_processes
from tests.integration.runs import latest_run

CSV = "Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n"
KEPT_TAGS = ("dagster/partition", "dagster/partition_set", IMPORT_TARGET_TAG)


def _cli_import(cli: Any, tmp_path: Path) -> dg.DagsterRun:
    path = tmp_path / "people.csv"
    path.write_text(CSV)
    code, _, err = cli(
        "import", str(path), "--org", "acme", "--module", "contacts", "--source", "crm"
    )
    assert code == 0, err
    parent = get_instance().get_runs(limit=1)[0]
    assert parent.remote_job_origin is not None
    assert parent.remote_job_origin.location_name == "contactflow"
    return parent


def _jobs(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT id, run_id, status, created_rows, skipped_rows, source, partition_key "
                "FROM import_jobs ORDER BY id"
            )
        ).all()


def _assert_rerun(parent: dg.DagsterRun, child: dg.DagsterRun, engine: sa.Engine) -> None:
    assert child.status == dg.DagsterRunStatus.SUCCESS
    assert child.parent_run_id == parent.run_id
    assert {t: child.tags.get(t) for t in KEPT_TAGS} == {t: parent.tags[t] for t in KEPT_TAGS}
    first, again = _jobs(engine)
    assert (first.run_id, first.created_rows) == (parent.run_id, 2)
    assert (again.run_id, again.status, again.skipped_rows) == (child.run_id, "completed", 2)
    assert again.source == "crm" and again.partition_key == parent.tags["dagster/partition"]
    assert child.tags["contactflow/import_job_id"] == str(again.id)


def _wait_finished(
    instance: dg.DagsterInstance, run_id: str, timeout: float = 240
) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.is_finished:
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def test_a_cli_import_re_executes_from_the_ui(cli: Any, engine: sa.Engine, tmp_path: Path) -> None:
    parent = _cli_import(cli, tmp_path)
    instance = get_instance()
    with load_workspace_process_context_from_yaml_paths(instance, [str(WORKSPACE)]) as process:
        context = process.create_request_context()
        response = execute_dagster_graphql(
            context,
            LAUNCH_PIPELINE_REEXECUTION_MUTATION,
            {"reexecutionParams": {"parentRunId": parent.run_id, "strategy": "ALL_STEPS"}},
        )
        launched = response.data["launchPipelineReexecution"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        instance.launch_run(run_id, context)  # what the daemon does with a queued run
        child = _wait_finished(instance, run_id)
        servers = child_processes("dagster api grpc")
    # The code server the workspace started outlives it once a run was launched on it (still
    # there 45 minutes later, past its 45 s heartbeat timeout): stop it.
    stop_processes(servers)
    _assert_rerun(parent, child, engine)


def test_a_cli_import_re_executes_with_reexecution_options(
    cli: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    parent = _cli_import(cli, tmp_path)
    instance = get_instance()
    options = dg.ReexecutionOptions(parent_run_id=parent.run_id, step_selection=["parse_file*"])
    with dg.execute_job(
        dg.reconstructable(import_file_with_resources),
        instance=instance,
        tags=parent.tags,
        reexecution_options=options,
    ) as result:
        assert result.success
    child = instance.get_run_by_id(result.run_id)
    assert child is not None
    _assert_rerun(parent, child, engine)


def test_every_run_the_cli_starts_has_the_workspace_origin(cli: Any, imp: Any) -> None:
    """What the UI's Re-execute and Open in Launchpad need: the code location, repository and
    job, and the Python origin the run workers load the job from."""
    created = imp(CSV)
    assert cli("rollback", str(created["import_job_id"]), "--dry-run")[0] == 0
    assert cli("export", "--org", "acme", "--module", "contacts", "--format", "csv")[0] == 0
    for name in ("import_file", "rollback_import", "export_records"):
        run = latest_run(name)
        origin = run.remote_job_origin
        assert origin is not None and origin.job_name == name
        assert origin.location_name == "contactflow"
        assert origin.repository_origin.repository_name == "__repository__"
        assert run.job_code_origin is not None
