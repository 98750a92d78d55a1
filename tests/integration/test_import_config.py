"""The import's typed config and launches from a partition alone, as the Launchpad, the
Partitions page and backfills do them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from pipelines.definitions import defs
from pipelines.imports.jobs import IMPORT_PARTITIONS, IMPORT_TARGET_TAG, partition_key_for
from pipelines.instance import RESOURCES, get_instance

CSV = "Email,First Name,Company\nann@example.com,Ann,Initech\nbob@example.com,Bob,Initech\n"


def _job() -> dg.JobDefinition:
    return defs.get_job_def("import_file")


def test_a_misspelt_option_is_refused_before_any_op_runs(env_db: str, engine: sa.Engine) -> None:
    config = {"org": "acme", "module": "contacts", "upload_key": "acme/contacts/x.csv"}
    config["options"] = {"duplicate_stratgy": "update"}
    with pytest.raises(dg.DagsterInvalidConfigError, match="duplicate_stratgy"):
        _job().execute_in_process(
            run_config={"ops": {"parse_file": {"config": config}}},
            instance=get_instance(),
            resources=RESOURCES,
        )
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM import_jobs")).scalar_one() == 0


def test_the_launchpad_offers_choices_and_descriptions() -> None:
    from pipelines.imports.ops import parse_file as parse

    assert parse.config_schema is not None
    options = parse.config_schema.config_type.fields["options"].config_type.fields  # type: ignore[attr-defined]
    strategy = options["duplicate_strategy"]
    choices = strategy.config_type.inner_type.enum_values
    assert [v.config_value for v in choices] == ["skip", "update", "create"]
    assert all(field.description for field in options.values())
    assert "import_job_id" not in parse.config_schema.config_type.fields  # type: ignore[attr-defined]


def _launch_partition(key: str) -> Any:
    instance = get_instance()
    instance.add_dynamic_partitions(IMPORT_PARTITIONS.name or "", [key])
    return _job().execute_in_process(
        instance=instance, partition_key=key, resources=RESOURCES, raise_on_error=False
    )


def test_a_partition_alone_imports_its_file_with_the_sensor_options(
    env_db: str, engine: sa.Engine, tmp_path: Path
) -> None:
    uploads = Path(tmp_path / "uploads")
    (uploads / "acme" / "contacts").mkdir(parents=True)
    (uploads / "acme" / "contacts" / "people.csv").write_text(CSV)
    (uploads / "acme" / "contacts" / "people.csv.import.yaml").write_text("source: crm\n")
    result = _launch_partition(partition_key_for("acme", "contacts", "people.csv", "a" * 40))
    assert result.success
    assert result.dagster_run.tags[IMPORT_TARGET_TAG] == "acme/contacts"
    with engine.connect() as conn:
        job = conn.execute(sa.text("SELECT status, created_rows, options FROM import_jobs")).one()
        companies = conn.execute(sa.text("SELECT name FROM companies")).scalars().all()
    assert job.status == "completed" and job.created_rows == 2
    assert job.options["source"] == "crm" and job.options["create_missing_references"] is True
    assert companies == ["Initech"]  # the sensor's default: missing references are created


def test_a_partition_of_a_cli_import_runs_again_from_its_kept_upload(
    cli: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV)
    code, first, err = cli("import", str(path), "--org", "acme", "--module", "contacts")
    assert code == 0, err
    with engine.connect() as conn:
        key = conn.execute(sa.text("SELECT partition_key FROM import_jobs")).scalar_one()
    result = _launch_partition(key)
    assert result.success
    with engine.connect() as conn:
        again = conn.execute(
            sa.text("SELECT status, skipped_rows, upload_location FROM import_jobs ORDER BY id")
        ).all()[-1]
    assert again.status == "completed" and again.skipped_rows == 2
    assert f"_cli/acme/contacts/{first['import_job_id']}/people.csv" in again.upload_location


def test_a_run_without_a_partition_warns_that_it_was_not_queued(
    env_db: str, tmp_path: Path
) -> None:
    uploads = Path(tmp_path / "uploads")
    (uploads / "acme" / "contacts").mkdir(parents=True)
    (uploads / "acme" / "contacts" / "people.csv").write_text(CSV)
    config = {"org": "acme", "module": "contacts", "upload_key": "acme/contacts/people.csv"}
    instance = get_instance()
    result = _job().execute_in_process(
        run_config={"ops": {"parse_file": {"config": config}}},
        instance=instance,
        resources=RESOURCES,
    )
    assert result.success and IMPORT_TARGET_TAG not in result.dagster_run.tags
    warnings = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level == logging.WARNING and IMPORT_TARGET_TAG in entry.user_message
    ]
    assert len(warnings) == 1 and "acme/contacts" in warnings[0]
    partitioned = _launch_partition(partition_key_for("acme", "contacts", "people.csv", "b" * 40))
    assert not any(
        IMPORT_TARGET_TAG in entry.user_message
        for entry in instance.all_logs(partitioned.run_id)
        if entry.level == logging.WARNING
    )
