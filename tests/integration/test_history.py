"""`contactflow history`: which import, file and source row created a record and changed each
field, old -> new, newest first; rollbacks included (issue 15 item 1)."""

from __future__ import annotations

from typing import Any

from pipelines.console import print_result
from tests.integration.runs import latest_run, step_metadata


def test_history_after_a_create_two_updates_and_a_rollback(imp: Any, cli: Any) -> None:
    created = imp(
        "Email,First Name,Company\nbob@example.com,Bob,\nann@example.com,Ann,Acme\n",
        "--create-missing-references",
        name="first.csv",
    )
    first = imp(
        "Email,First Name,Groups\nANN@example.com,Anna,Friends\n",
        "--duplicates",
        "update",
        "--merge",
        "overwrite",
        "--create-missing-references",
        name="second.csv",
    )
    second = imp(
        "Email,Notes,Phone\nzed@example.com,,\nann@example.com,call back,+1 415 555 0100\n",
        "--duplicates",
        "update",
        name="third.csv",
    )
    # The run shows the import's changes field by field, and how to see a record's history.
    metadata = step_metadata(latest_run("import_file").run_id, "write_records")
    assert "| call back |" in metadata["changes"].value
    assert metadata["history_command"].value.startswith("contactflow history --org acme")
    code, _, err = cli("rollback", str(second["import_job_id"]))
    assert code == 0, err

    code, history, err = cli(
        "history", "--org", "acme", "--module", "contacts", "--email", "Ann@Example.com"
    )
    assert code == 0, err
    changes = history["changes"]
    assert [c["action"] for c in changes] == ["rollback", "update", "update", "create"]
    assert [c["import_job_id"] for c in changes] == [
        second["import_job_id"],
        second["import_job_id"],
        first["import_job_id"],
        created["import_job_id"],
    ]
    assert [(c["file_name"], c["row"]) for c in changes] == [
        ("third.csv", 2),
        ("third.csv", 2),
        ("second.csv", 1),
        ("first.csv", 2),
    ]
    rollback, update2, update1, create = changes
    assert update2["fields"] == {
        "notes": {"old": None, "new": "call back"},
        "phones": {"old": None, "new": [{"type": "Work", "number": "+14155550100"}]},
    }
    assert rollback["fields"] == {
        "notes": {"old": "call back", "new": None},
        "phones": {"old": [{"type": "Work", "number": "+14155550100"}], "new": None},
    }
    assert set(update1["fields"]) == {"first_name", "groups"}
    assert update1["fields"]["first_name"] == {"old": "Ann", "new": "Anna"}
    assert update1["fields"]["groups"]["old"] == []
    assert len(update1["fields"]["groups"]["new"]) == 1
    assert create["fields"]["email"] == {"old": None, "new": "ann@example.com"}
    assert create["fields"]["first_name"] == {"old": None, "new": "Ann"}
    assert isinstance(create["fields"]["company"]["new"], int)
    assert "groups" not in create["fields"] and "notes" not in create["fields"]

    by_id = cli(
        "history", "--org", "acme", "--module", "contacts", "--id", str(history["record_id"])
    )[1]
    assert by_id == history


def test_history_is_readable_and_refuses_bad_selectors(imp: Any, cli: Any, capsys: Any) -> None:
    imp("Email,First Name\nann@example.com,Ann\n", name="people.csv")
    code, history, _ = cli(
        "history", "--org", "acme", "--module", "contacts", "--email", "ann@example.com"
    )
    assert code == 0
    print_result("history", history)
    out = capsys.readouterr().out
    assert "create  (import job" in out and "people.csv row 1" in out
    assert "first_name" in out and "Ann" in out

    code, _, err = cli(
        "history", "--org", "acme", "--module", "contacts", "--email", "nobody@example.com"
    )
    assert code == 2 and "No contacts record with email 'nobody@example.com'" in err
    code, _, err = cli("history", "--org", "acme", "--module", "companies", "--email", "x@y.z")
    assert code == 2 and "companies records have no email" in err
    code, _, err = cli("history", "--org", "acme", "--module", "contacts", "--id", "999999")
    assert code == 2 and "No contacts record 999999" in err
