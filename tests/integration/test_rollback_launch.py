"""Rollback from the UI: a typed `rollback_import` launch with a dry run that counts and changes
nothing, and links both ways between the import's run and its rollback run."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from pipelines.definitions import defs
from pipelines.imports.config import RollbackConfig
from pipelines.instance import RESOURCES, get_instance
from tests.integration.runs import latest_run, step_metadata
from tests.integration.test_import_write import contacts


def _launch(import_job_id: int, **config: Any) -> dg.ExecuteInProcessResult:
    """As the Launchpad does it: the job of the code location, typed config only."""
    run_config = dg.RunConfig(
        ops={"rollback_records": RollbackConfig(import_job_id=import_job_id, **config)}
    )
    return defs.get_job_def("rollback_import").execute_in_process(
        run_config=run_config, instance=get_instance(), resources=RESOURCES, raise_on_error=False
    )


def test_a_dry_run_counts_what_the_rollback_then_does(imp: Any, engine: sa.Engine) -> None:
    imp("Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n")
    before = contacts(engine)
    update = imp(
        "Email,First Name\nann@example.com,Anna\ncid@example.com,Cid\n", "--duplicates", "update"
    )
    job_id = update["import_job_id"]
    import_run = latest_run("import_file")

    preview = _launch(job_id, dry_run=True)
    assert preview.success
    counted = preview.output_for_node("rollback_records")
    assert (counted["deleted_rows"], counted["restored_rows"], counted["conflicts"]) == (1, 1, [])
    assert counted["dry_run"] is True and counted["status"] == "completed"
    assert len(contacts(engine)) == 3
    tags = preview.dagster_run.tags
    assert tags["contactflow/rollback_of_import_job"] == str(job_id)
    assert tags["contactflow/rollback_of_run"] == import_run.run_id
    assert tags["contactflow/dry_run"] == "true"
    assert "contactflow/rolled_back_by_run" not in latest_run("import_file").tags

    rollback = _launch(job_id)
    assert rollback.success
    done = rollback.output_for_node("rollback_records")
    assert (done["deleted_rows"], done["restored_rows"], done["status"]) == (1, 1, "cancelled")
    assert contacts(engine) == before
    assert "contactflow/dry_run" not in rollback.dagster_run.tags
    assert rollback.dagster_run.tags["contactflow/rollback_of_run"] == import_run.run_id
    metadata = step_metadata(rollback.run_id, "rollback_records")
    assert metadata["import_run"] == dg.MetadataValue.dagster_run(import_run.run_id)
    assert metadata["deleted_rows"].value == 1 and metadata["dry_run"].value is False
    assert latest_run("import_file").tags["contactflow/rolled_back_by_run"] == rollback.run_id
    logged = [e.message for e in get_instance().all_logs(import_run.run_id)]
    assert (
        f"Rolled back by run {rollback.run_id}: 1 deleted rows, 1 restored rows, 0 conflicts."
        in (logged)
    )


def test_the_cli_dry_run_prints_the_counts_and_changes_nothing(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    created = imp("Email\nann@example.com\n")
    code, result, err = cli("rollback", str(created["import_job_id"]), "--dry-run")
    assert code == 0, err
    assert result["dry_run"] is True and result["deleted_rows"] == 1
    code, job, _ = cli("job", str(created["import_job_id"]))
    assert job["status"] == "completed" and len(contacts(engine)) == 1
    assert latest_run("rollback_import").tags["contactflow/dry_run"] == "true"


def test_a_typo_in_the_rollback_config_is_refused_before_it_runs() -> None:
    with pytest.raises(dg.DagsterInvalidConfigError, match="dry_rnu"):
        defs.get_job_def("rollback_import").execute_in_process(
            run_config={
                "ops": {"rollback_records": {"config": {"import_job_id": 1, "dry_rnu": 1}}}
            },
            instance=dg.DagsterInstance.ephemeral(),
            resources=RESOURCES,
        )
