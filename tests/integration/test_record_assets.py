"""The declared record assets: what each import reports on them (materialization metadata and
the three checks), and the on-demand checks over every org."""

from __future__ import annotations

from typing import Any

import dagster as dg
import sqlalchemy as sa

from pipelines.definitions import defs
from pipelines.instance import get_instance

CONTACTS = dg.AssetKey(["records", "contacts"])
CHECKS = {
    "references_resolved",
    "error_rows_within_budget",
    "unique_match_keys",
    "no_rejected_rows",
}


def _evaluations(run_id: str) -> dict[str, dg.AssetCheckEvaluation]:
    """The check evaluations a run logged, by check name."""
    found = {}
    for record in get_instance().all_logs(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ):
        assert record.dagster_event is not None
        evaluation = record.dagster_event.asset_check_evaluation_data
        found[evaluation.check_name] = evaluation
    return found


def _last_run_id() -> str:
    return get_instance().get_runs(limit=1)[0].run_id


def test_record_checks_warn_with_the_unresolved_values(imp: Any) -> None:
    result = imp("Email,Company\nann@example.com,Initech\nbob@example.com,Globex\n")
    evaluations = _evaluations(_last_run_id())
    assert set(evaluations) == CHECKS
    references = evaluations["references_resolved"]
    assert references.asset_key == CONTACTS
    assert not references.passed and references.severity == dg.AssetCheckSeverity.WARN
    unresolved = references.metadata["unresolved_values"].value
    assert sorted(unresolved["company"]) == ["Globex", "Initech"]
    assert "Initech" in (references.description or "")
    assert references.metadata["import_job_id"].value == result["import_job_id"]
    assert references.metadata["org"].value == "acme"
    assert evaluations["error_rows_within_budget"].passed
    assert evaluations["unique_match_keys"].passed


def test_record_checks_pass_for_a_clean_import_and_materialization_counts_the_org(
    imp: Any,
) -> None:
    imp("Email\nzed@example.com\n", org="other")
    imp("Email,First Name\nann@example.com,Ann\n")
    imp("Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n")
    run_id = _last_run_id()
    evaluations = _evaluations(run_id)
    assert {name for name, e in evaluations.items() if e.passed} == CHECKS
    event = get_instance().get_latest_materialization_event(CONTACTS)
    assert event is not None and event.run_id == run_id
    assert event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    assert metadata["org_row_count"].value == 2 and metadata["created_rows"].value == 1
    assert metadata["rejects_file"].value is None
    assert metadata["run"].value == run_id


def test_rejected_rows_within_the_budget_warn_with_the_rejects_file(imp: Any) -> None:
    imp("Email\nann@example.com\nnot-an-email\n", "--option", "max_error_rows=1")
    evaluations = _evaluations(_last_run_id())
    assert evaluations["error_rows_within_budget"].passed
    rejected = evaluations["no_rejected_rows"]
    assert not rejected.passed and rejected.severity == dg.AssetCheckSeverity.WARN
    assert rejected.metadata["error_rows"].value == 1
    assert rejected.metadata["rejects_file"].value.endswith("-rejects.csv")
    assert not rejected.metadata["rejects_file"].value.startswith("file:")
    assert rejected.metadata["rejects_file_command"].value.startswith("contactflow fetch rejects")
    event = get_instance().get_latest_materialization_event(CONTACTS)
    assert event is not None and event.asset_materialization is not None
    assert event.asset_materialization.metadata["rejects_file"].value.endswith("-rejects.csv")


def test_import_over_its_error_budget_reports_the_failed_check(imp: Any) -> None:
    message = imp(
        "Email\nann@example.com\nnot-an-email\n", "--option", "max_error_rows=0", expect=2
    )
    assert "max_error_rows" in message
    evaluations = _evaluations(_last_run_id())
    budget = evaluations["error_rows_within_budget"]
    assert not budget.passed and budget.severity == dg.AssetCheckSeverity.ERROR
    assert budget.metadata["error_rows"].value == 1
    assert budget.metadata["max_error_rows"].value == 0
    assert get_instance().get_latest_materialization_event(CONTACTS) is None


def test_an_import_checks_only_the_match_key_values_it_wrote(imp: Any, engine: sa.Engine) -> None:
    imp("Email\nann@example.com\nzed@example.com\n")
    with engine.begin() as conn:  # a duplicate no later import wrote
        conn.execute(
            sa.text("INSERT INTO contacts (org, email) VALUES ('acme', 'zed@example.com')")
        )
    imp("Email\nbob@example.com\n")
    assert _evaluations(_last_run_id())["unique_match_keys"].passed
    second = imp("Email\nANN@example.com\n", "--duplicates", "create")
    unique = _evaluations(_last_run_id())["unique_match_keys"]
    assert not unique.passed
    (duplicate,) = unique.metadata["duplicates"].value
    assert (duplicate["key"], duplicate["value"]) == ("email", "ann@example.com")
    assert f"import job {second['import_job_id']}" in (unique.description or "")


def test_probing_and_scanning_find_the_same_duplicates_of_an_import(
    imp: Any, engine: sa.Engine
) -> None:
    from pipelines.imports.checks import duplicate_match_keys, probe_written_keys
    from schemas.modules import get_module

    rows = "".join(f"person{i}@example.com\n" for i in range(20))
    imp(f"Email\nzed@example.com\n{rows}")
    late = imp("Email\nANN@example.com\nbob@example.com\n")
    with engine.begin() as conn:  # one duplicate of a value the import wrote, one of another
        conn.execute(
            sa.text(
                "INSERT INTO contacts (org, email) VALUES ('acme', 'ann@example.com'), "
                "('acme', 'zed@example.com')"
            )
        )
    assert probe_written_keys(2, 25) and not probe_written_keys(5, 25)
    contacts, job = get_module("contacts"), late["import_job_id"]
    with engine.connect() as conn:
        probed = duplicate_match_keys(conn, contacts, "acme", job, probe=True)
        scanned = duplicate_match_keys(conn, contacts, "acme", job, probe=False)
        everything = duplicate_match_keys(conn, contacts, "acme")
    assert probed == scanned
    assert [d["value"] for d in probed] == ["ann@example.com"]
    assert [d["value"] for d in everything] == ["ann@example.com", "zed@example.com"]


def test_on_demand_checks_find_a_planted_duplicate_and_unresolved_references(
    imp: Any, engine: sa.Engine
) -> None:
    imp("Email,External ID\nann@example.com,A-1\nbob@example.com,B-2\n")
    other = imp("Email,External ID,Company\nann@example.com,A-1,Initech\n", org="other")
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO contacts (org, email) VALUES ('acme', 'ann@example.com')")
        )
    check_keys = {dg.AssetCheckKey(CONTACTS, name) for name in CHECKS}
    job = defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=set(), asset_check_selection=check_keys
    )
    result = job.execute_in_process(instance=get_instance())
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {e.asset_key for e in result.get_asset_check_evaluations()} == {CONTACTS}
    assert set(evaluations) == CHECKS
    unique = evaluations["unique_match_keys"]
    assert not unique.passed and unique.severity == dg.AssetCheckSeverity.ERROR
    (duplicate,) = unique.metadata["duplicates"].value
    assert (duplicate["org"], duplicate["key"], duplicate["value"]) == (
        "acme",
        "email",
        "ann@example.com",
    )
    assert len(duplicate["record_ids"]) == 2
    references = evaluations["references_resolved"]
    assert not references.passed and references.severity == dg.AssetCheckSeverity.WARN
    assert list(references.metadata["failed"].value) == [
        f"other (import job {other['import_job_id']})"
    ]
    assert "Initech" in (references.description or "")
    assert evaluations["error_rows_within_budget"].passed


def test_export_materializes_the_module_export_asset(imp: Any, cli: Any) -> None:
    imp("Email\nann@example.com\nbob@example.com\n")
    code, out, err = cli("export", "--org", "acme", "--module", "contacts", "--format", "csv")
    assert code == 0, err
    event = get_instance().get_latest_materialization_event(dg.AssetKey(["exports", "contacts"]))
    assert event is not None and event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    assert metadata["row_count"].value == 2 and metadata["org"].value == "acme"
    assert metadata["export_job_id"].value == out["export_job_id"]
