"""Import cohorts: `contactflow job ID --set campaign_id=… --set source=…` updates an import's
metadata; `contactflow job ID --delete` deletes the job record (refused while it runs), its
records stay with `import_job_id` cleared, and it can no longer be rolled back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa


def _records(engine: sa.Engine, table: str = "contacts") -> dict[str, tuple[Any, ...]]:
    column = "email" if table == "contacts" else "name"
    query = sa.text(
        f"SELECT {column}, import_job_id, created_by_import_id, created_by_row FROM {table}"
    )
    with engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def test_job_set_updates_campaign_and_source(cli: Any, imp: Any, engine: sa.Engine) -> None:
    job = str(imp("Email\nann@example.com\n", "--source", "fair")["import_job_id"])
    imp("Email\nbob@example.com\n")
    code, updated, err = cli("job", job, "--org", "acme", "--set", "campaign_id=007", "--set",
                             "source=crm import")  # fmt: skip
    assert code == 0, err
    assert (updated["campaign_id"], updated["source"], updated["status"]) == (
        "007",
        "crm import",
        "completed",
    )
    assert (
        updated["options"]["campaign_id"] == "007" and updated["options"]["source"] == "crm import"
    )
    code, listed, _ = cli("jobs", "--org", "acme", "--campaign", "007")
    assert [j["id"] for j in listed["jobs"]] == [int(job)]
    code, listed, _ = cli("jobs", "--org", "acme", "--source", "crm import")
    assert [j["id"] for j in listed["jobs"]] == [int(job)]

    code, cleared, _ = cli("job", job, "--set", "campaign_id=")
    assert code == 0 and cleared["campaign_id"] is None and cleared["source"] == "crm import"
    assert "campaign_id" not in cleared["options"]
    assert cleared["total_rows"] == updated["total_rows"] == 1


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--set", "file_name=x.csv"],
            "--set file_name: an import's metadata is campaign_id or source.",
        ),
        (["--set", "campaign_id"], "--set takes FIELD=VALUE, got 'campaign_id'."),
        (["--org", "beta", "--set", "source=x"], "No import job 1 in org beta."),
        (
            ["--delete", "--set", "source=x"],
            "job --delete takes no --set: delete or update, not both.",
        ),
    ],
)
def test_job_set_refuses_unknown_fields_and_other_orgs(
    cli: Any, imp: Any, flags: list[str], message: str
) -> None:
    imp("Email\nann@example.com\n", "--source", "fair")
    code, _, err = cli("job", "1", *flags)
    assert (code, err.strip()) == (2, f"contactflow: {message}")
    code, job, _ = cli("job", "1")
    assert (job["source"], job["campaign_id"]) == ("fair", None)


def test_job_delete_keeps_records_and_ends_rollback(
    cli: Any, imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    first = imp(
        "Email,Company\nann@example.com,Initech\nbob@example.com,\n", "--create-missing-references"
    )
    second = imp(
        "Email,First Name\nann@example.com,Annie\ncy@example.com,Cy\nbad-email,X\n",
        "--duplicates",
        "update",
    )
    job = second["import_job_id"]
    job_row = cli("job", str(job))[1]
    rejects = Path(second["errors_file"].removeprefix("file://"))
    upload = Path(job_row["upload_location"].removeprefix("file://"))
    assert rejects.exists() and rejects.with_suffix(".json").exists() and upload.exists()

    code, _, err = cli("job", str(job), "--org", "beta", "--delete")
    assert (code, err.strip()) == (2, f"contactflow: No import job {job} in org beta.")
    code, deleted, err = cli("job", str(job), "--org", "acme", "--delete")
    assert code == 0, err
    assert deleted == {
        "import_job_id": job,
        "deleted": True,
        "detached_records": {"contacts": 2},
        "deleted_events": 1,
        "deleted_files": [
            second["errors_file"],
            second["errors_file"].removesuffix(".csv") + ".json",
            job_row["upload_location"],
        ],
    }
    assert not rejects.exists() and not upload.exists()
    first_id = first["import_job_id"]
    assert _records(engine) == {
        "ann@example.com": (None, first_id, 1),  # updated by the deleted job
        "bob@example.com": (first_id, first_id, 2),
        "cy@example.com": (None, None, None),  # created by the deleted job
    }
    assert _records(engine, "companies") == {"Initech": (first_id, first_id, None)}
    with engine.connect() as conn:
        events = conn.execute(sa.text("SELECT count(*) FROM import_events")).scalar()
        first_name = conn.execute(
            sa.text("SELECT first_name FROM contacts WHERE email = 'ann@example.com'")
        ).scalar()
    assert (events, first_name) == (0, "Annie")
    for command in ("job", "rollback"):
        code, _, err = cli(command, str(job))
        assert (code, err.strip()) == (2, f"contactflow: No import job {job}.")

    code, rolled_back, _ = cli("rollback", str(first_id))
    assert code == 0 and rolled_back["deleted_rows"] == 1  # bob; ann was changed since
    assert [c["record_id"] for c in rolled_back["conflicts"]] == [_id(engine, "ann@example.com")]


def _id(engine: sa.Engine, email: str) -> int:
    with engine.connect() as conn:
        query = sa.text("SELECT id FROM contacts WHERE email = :email")
        return int(conn.execute(query, {"email": email}).scalar_one())


@pytest.mark.parametrize("status", ["queued", "processing", "pending"])
def test_job_delete_is_refused_while_the_import_runs(
    cli: Any, imp: Any, engine: sa.Engine, status: str
) -> None:
    job = imp("Email\nann@example.com\n")["import_job_id"]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE import_jobs SET status = :s"), {"s": status})
    code, _, err = cli("job", str(job), "--delete")
    assert (code, err.strip()) == (
        2,
        f"contactflow: Import job {job} is {status}: it can be deleted once it has finished.",
    )
    assert _records(engine)["ann@example.com"] == (job, job, 1)
    assert cli("job", str(job))[1]["status"] == status


def test_job_delete_of_a_validate_only_import_deletes_its_plan(cli: Any, imp: Any) -> None:
    planned = imp("Email\nann@example.com\nbad-email\n", "--validate-only")
    plan = Path(planned["plan_file"].removeprefix("file://"))
    assert plan.exists()
    code, deleted, err = cli("job", str(planned["import_job_id"]), "--delete")
    assert code == 0, err
    assert planned["plan_file"] in deleted["deleted_files"] and not plan.exists()
    assert (deleted["detached_records"], deleted["deleted_events"]) == ({}, 0)
