"""A partial `column_mapping` overrides the suggestions only for the columns it names
(`suggest_unmapped`), and the applied mapping in the run's metadata is config that launches the
same partition again with one column changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from pipelines.definitions import defs
from pipelines.instance import RESOURCES, get_instance
from tests.integration.runs import latest_run, step_metadata
from tests.integration.test_import_write import contacts

CSV = "Email,First Name,Last Name,Job Title\nann@example.com,Ann,Lee,CEO\n"


def _mapping_file(tmp_path: Path, **options: Any) -> str:
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(options))
    return str(path)


def test_a_partial_mapping_keeps_the_suggestions_for_other_columns(
    imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    swapped = [{"source_column": "Last Name", "target_field": "first_name"}]
    result = imp(CSV, "--mapping", _mapping_file(tmp_path, column_mapping=swapped))
    used = {e["source_column"]: e.get("target_field") for e in result["mapping_used"]}
    # First Name's suggestion (first_name) is taken by the named column, so it is left out.
    assert used == {"Last Name": "first_name", "Email": "email", "Job Title": "job_title"}
    record = contacts(engine)[0]
    assert (record["email"], record["first_name"], record["last_name"]) == (
        "ann@example.com",
        "Lee",
        None,
    )
    assert record["job_title"] == "CEO"


def test_suggest_unmapped_false_applies_only_the_named_columns(
    imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    only = [{"source_column": "Email", "target_field": "email"}]
    mapping = _mapping_file(tmp_path, column_mapping=only, suggest_unmapped=False)
    result = imp(CSV, "--mapping", mapping)
    assert [e["source_column"] for e in result["mapping_used"]] == ["Email"]
    record = contacts(engine)[0]
    assert (record["first_name"], record["last_name"], record["job_title"]) == (None, None, None)


def _mapping_config(run_id: str) -> dict[str, Any]:
    text = step_metadata(run_id, "map_columns")["mapping_run_config"].value
    return yaml.safe_load(text.removeprefix("```yaml\n").removesuffix("```"))


def test_the_applied_mapping_is_config_that_relaunches_with_one_column_changed(
    imp: Any, engine: sa.Engine
) -> None:
    first = imp(CSV, "--source", "crm", name="people.csv")
    run = latest_run("import_file")
    config = _mapping_config(run.run_id)
    options = config["ops"]["parse_file"]["config"]["options"]
    assert options["source"] == "crm" and "duplicate_strategy" not in options  # defaults left out
    assert options["column_mapping"] == [
        {"source_column": e["source_column"], "target_field": e["target_field"]}
        for e in first["mapping_used"]
    ]
    for entry in options["column_mapping"]:
        if entry["source_column"] == "Job Title":
            entry["target_field"] = "attributes.role"
    options["duplicate_strategy"] = "update"
    result = defs.get_job_def("import_file").execute_in_process(
        run_config=config,
        instance=get_instance(),
        partition_key=run.tags["dagster/partition"],
        resources=RESOURCES,
        raise_on_error=False,
    )
    assert result.success
    with engine.connect() as conn:
        record = conn.execute(sa.text("SELECT first_name, job_title, attributes FROM contacts"))
        job = conn.execute(sa.text("SELECT * FROM import_jobs ORDER BY id DESC")).mappings().first()
    assert record.one() == ("Ann", "CEO", {"role": "CEO"})
    assert job is not None and job["source"] == "crm" and job["updated_rows"] == 1
