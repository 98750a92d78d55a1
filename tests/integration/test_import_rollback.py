"""Rollback undoes exactly what one import did, and reports records a later import changed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.integration.test_import_write import contacts


def test_rollback_after_create_deletes_created_records(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    keep = imp("Email\nkeep@example.com\n")
    created = imp(
        "Email,Company\nann@example.com,Acme\nbob@example.com,\n", "--create-missing-references"
    )
    code, result, _ = cli("rollback", str(created["import_job_id"]))
    assert code == 0
    assert result == {
        "import_job_id": created["import_job_id"],
        "status": "cancelled",
        "deleted_rows": 2,
        "restored_rows": 0,
        "conflicts": [],
    }
    assert [r["email"] for r in contacts(engine)] == ["keep@example.com"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM companies")).scalar_one() == 0
    code, job, _ = cli("job", str(created["import_job_id"]))
    assert job["status"] == "cancelled"
    assert keep["created_rows"] == 1


def test_rollback_after_update_restores_previous_values(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    imp(
        "Email,First Name,Tags,Groups\nann@example.com,Ann,vip,Friends\n",
        "--create-missing-references",
    )
    before = contacts(engine)
    updated = imp(
        "Email,First Name,Tags,Groups\nann@example.com,Anna,new,Work\n",
        "--duplicates",
        "update",
        "--merge",
        "overwrite",
        "--create-missing-references",
    )
    assert updated["updated_rows"] == 1
    code, result, _ = cli("rollback", str(updated["import_job_id"]))
    assert (code, result["restored_rows"], result["conflicts"]) == (0, 1, [])
    assert contacts(engine) == before
    with engine.connect() as conn:
        names = conn.execute(
            sa.text("SELECT g.name FROM contact_groups cg JOIN groups g ON g.id = cg.group_id")
        ).all()
    assert [n for (n,) in names] == ["Friends"]


def test_rollback_after_overwrite_restores_deleted_records(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    imp("Email,First Name\na@example.com,A\nb@example.com,B\nc@example.com,C\n")
    before = contacts(engine)
    overwrite = imp("Email\na@example.com\n", "--action", "overwrite")
    assert overwrite["deleted_rows"] == 2
    code, result, _ = cli("rollback", str(overwrite["import_job_id"]))
    assert (code, result["restored_rows"]) == (0, 2)
    assert contacts(engine) == before


def test_rollback_reports_conflicts_and_keeps_later_changes(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    first = imp("Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n")
    later = imp("Email,First Name\nann@example.com,Annie\n", "--duplicates", "update")
    code, result, _ = cli("rollback", str(first["import_job_id"]))
    assert code == 0
    ann = next(r for r in contacts(engine) if r["email"] == "ann@example.com")
    assert result["conflicts"] == [
        {
            "record_id": ann["id"],
            "reason": f"changed by import {later['import_job_id']} after this import",
        }
    ]
    assert result["deleted_rows"] == 1
    assert [(r["email"], r["first_name"]) for r in contacts(engine)] == [
        ("ann@example.com", "Annie")
    ]
    assert result["status"] == "cancelled"


def test_rollback_twice_is_refused_with_a_clear_message(imp: Any, cli: Any) -> None:
    created = imp("Email\nann@example.com\n")
    assert cli("rollback", str(created["import_job_id"]))[0] == 0
    code, out, err = cli("rollback", str(created["import_job_id"]))
    assert (code, out) == (2, None)
    assert "is cancelled; only a completed import can be rolled back" in err
    assert err.count("\n") == 1
