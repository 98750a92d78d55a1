"""The import_file run as the Dagster UI shows it: op metadata, run tags, the partition, and the
asset materialization of the record table; plus `contactflow preview --json`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.instance import get_instance

DATA = Path(__file__).resolve().parents[1] / "data"
PREVIEW_KEYS = {
    "file_name",
    "file_type",
    "encoding",
    "delimiter",
    "header_row",
    "source_columns",
    "total_rows",
    "sample_rows",
    "suggestions",
    "target_fields",
    "date_orders",
}


def test_import_run_metadata_and_materialization(imp: Any) -> None:
    result = imp("Email,First Name\nann@example.com,Ann\nnot-an-email,Bob\n", name="people.csv")
    instance = get_instance()
    run = instance.get_runs(limit=1)[0]
    assert run.job_name == "import_file" and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["contactflow/import_job_id"] == str(result["import_job_id"])
    assert run.tags["dagster/partition"].startswith("acme/contacts/people.csv@")
    outputs = {
        event.step_key: event.dagster_event.step_output_data.metadata
        for event in instance.all_logs(run.run_id)
        if event.dagster_event and event.dagster_event.is_successful_output
    }
    assert outputs["parse_file"]["file_type"].value == "csv"
    assert outputs["parse_file"]["rows"].value == 2
    assert "ann@example.com" in outputs["parse_file"]["preview"].value
    assert "first_name" in outputs["map_columns"]["mapping"].value
    assert "invalid email address" in outputs["validate_rows[shard_1]"]["error_sample"].value
    assert outputs["write_records"]["created_rows"].value == 1
    materialization = instance.get_latest_materialization_event(
        dg.AssetKey(["records", "contacts"])
    )
    assert materialization is not None and materialization.run_id == run.run_id


def test_a_run_that_lost_values_warns_on_its_page_and_in_the_runs_list(imp: Any) -> None:
    text = "Email,Company\nann@example.com,Initech\nbob@example.com,Globex\nnot-an-email,Initech\n"
    imp(text, name="lossy.csv")
    instance = get_instance()
    run = instance.get_runs(limit=1)[0]
    assert run.status == dg.DagsterRunStatus.SUCCESS
    attention = run.tags["contactflow/attention"]
    assert attention == "1 row rejected; company left empty for unknown values: Globex, Initech"
    warnings = [
        e.user_message
        for e in instance.all_logs(run.run_id)
        if e.level == logging.WARNING and "left empty" in e.user_message
    ]
    assert len(warnings) == 1 and "rejects file: " in warnings[0]
    assert "file://" not in warnings[0] and "contactflow fetch rejects" in warnings[0]

    imp("Email\ncid@example.com\n", name="clean.csv")
    assert "contactflow/attention" not in instance.get_runs(limit=1)[0].tags


def test_preview_json_has_every_field(cli: Any) -> None:
    code, preview, err = cli(
        "preview", str(DATA / "linkedin_connections.csv"), "--module", "contacts"
    )
    assert code == 0, err
    assert set(preview) == PREVIEW_KEYS
    assert (preview["file_type"], preview["header_row"], preview["delimiter"]) == ("csv", 4, ",")
    assert 0 < len(preview["sample_rows"]) <= 50
    targets = {s["source_column"]: s["target_field"] for s in preview["suggestions"]}
    assert targets["URL"] == "linkedin_url" and targets["Email Address"] == "email"
    assert all(0 <= s["confidence"] <= 1 for s in preview["suggestions"])
    assert {f["field"] for f in preview["target_fields"]} >= {"email", "phones", "address"}


def test_preview_rejects_a_png_with_one_sentence(cli: Any) -> None:
    code, out, err = cli("preview", str(DATA / "png_renamed.csv"))
    assert (code, out) == (2, None)
    assert "PNG" in err and err.count("\n") == 1
