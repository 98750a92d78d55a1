"""`contactflow erase` on real PostgreSQL, real files and the loopback S3 server: afterwards no
table (Dagster's schema included) and no stored file holds the erased email, the receipt
counts without naming anyone, and no rollback brings the person back."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa

from tests.integration.export_data import export, local_path

ERASED = "ann@example.com"
FIRST = (
    "Email,First Name,Phone,Job Title\n"
    "ANN@Example.com,Ann,+1 415 555 0100,Engineer\n"
    "bob@example.com,Bob,,Engineer\n"
    "ann@example.com,Annie,,\n"
    "carl@example.com,Carl,not a phone,\n"
)
UPDATE = "Email,Job Title\nann@example.com,CEO\nbob@example.com,CTO\n"


def _seed(imp: Any, cli: Any) -> dict[str, Any]:
    """Imports that leave the person everywhere: created, rejected as an in-file duplicate,
    updated (a before-image), planned (a validate-only plan), uploaded as JSON, exported as
    CSV and XLSX. Returns the jobs by name."""
    first = imp(FIRST)
    assert (first["created_rows"], first["skipped_rows"], first["error_rows"]) == (2, 1, 1)
    update = imp(UPDATE, "--duplicates", "update")
    assert update["updated_rows"] == 2, update
    plan = imp(UPDATE.replace("CTO", "CFO"), "--duplicates", "update", "--validate-only")
    assert plan["plan_file"]
    as_json = imp(
        json.dumps([{"Email": "Ann@example.com", "Job Title": "CEO"}]),
        "--duplicates",
        "update",
        name="people.json",
    )
    assert as_json["unchanged_rows"] == 1, as_json
    csv_export = export(cli, "--format", "csv", "--columns", "email,first_name,job_title")
    xlsx_export = export(cli, "--format", "xlsx")
    other = export(cli, "--format", "csv", org="acme", module="companies")
    return {
        "first": first,
        "update": update,
        "plan": plan,
        "json": as_json,
        "csv": csv_export,
        "xlsx": xlsx_export,
        "companies": other,
    }


def _hits_in_database(engine: sa.Engine, needle: str) -> dict[str, int]:
    """Rows of every readable table, in every schema, whose text holds `needle`."""
    hits = {}
    with engine.connect() as conn:
        tables = conn.execute(
            sa.text(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE "
                "table_type = 'BASE TABLE' AND table_schema NOT IN "
                "('pg_catalog', 'information_schema') "
                "AND has_table_privilege(format('%I.%I', table_schema, table_name), 'SELECT')"
            )
        ).all()
        assert ("dagster", "event_logs") in tables and ("public", "import_events") in tables
        for schema, table in tables:
            count = conn.execute(
                sa.text(
                    f'SELECT count(*) FROM "{schema}"."{table}" t '
                    "WHERE strpos(lower(t::text), :needle) > 0"
                ),
                {"needle": needle},
            ).scalar_one()
            if count:
                hits[f"{schema}.{table}"] = count
    return hits


def _local_files(*roots: Path) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes()
        for root in roots
        if root.exists()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _s3_files(bucket: str) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def _holding(files: dict[str, bytes], needle: str) -> list[str]:
    return sorted(name for name, data in files.items() if needle.encode() in data.lower())


def _stored(location: str, bucket: str | None) -> bytes:
    if bucket:
        key = location.removeprefix(f"s3://{bucket}/")
        return bytes(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    return local_path(location).read_bytes()


@pytest.mark.parametrize("on_s3", [False, True], ids=["local", "s3"])
def test_erase_leaves_no_trace_and_rollback_cannot_restore(
    on_s3: bool,
    imp: Any,
    cli: Any,
    engine: sa.Engine,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket = request.getfixturevalue("s3_bucket") if on_s3 else None
    if bucket:
        monkeypatch.setenv("UPLOADS_URL", f"s3://{bucket}/uploads")
        monkeypatch.setenv("EXPORTS_URL", f"s3://{bucket}/exports")
    jobs = _seed(imp, cli)

    def stored_files() -> dict[str, bytes]:
        local = _local_files(tmp_path / "uploads", tmp_path / "exports", tmp_path / "dagster")
        return {**local, **(_s3_files(bucket) if bucket else {})}

    assert _hits_in_database(engine, ERASED)
    assert len(_holding(stored_files(), ERASED)) >= 6  # rejects x2, plan, uploads, exports

    code, result, err = cli(
        "erase", "--org", "acme", "--module", "contacts", "--email", "Ann@EXAMPLE.com"
    )
    assert code == 0, err
    touched = result["touched"]
    assert result["erased_records"] == 1 and touched["contacts"] == 1
    assert touched["import_events"] == 1  # the update's before-image
    assert (touched["rejects_csv"], touched["rejects_json"], touched["plan_files"]) == (1, 1, 1)
    assert (touched["uploads_rewritten"], touched["exports_rewritten"]) == (4, 1)
    assert touched["exports_erased"] == 1 and touched["dagster_rows"] > 0

    assert _hits_in_database(engine, ERASED) == {}
    assert _holding(stored_files(), ERASED) == []

    receipt = json.loads(_stored(result["receipt_file"], bucket))
    assert receipt["erased_records"] == 1 and receipt["touched"] == touched
    assert receipt["selected"] == {"ids": 0, "emails": 1}
    text = json.dumps(receipt).lower()
    assert "ann" not in text and "example.com" not in text

    csv_job = cli("export-job", str(jobs["csv"]["export_job_id"]))[1]
    body = _stored(csv_job["file_location"], bucket)
    assert body.decode() == "Email,First name,Job title\nbob@example.com,Bob,CTO\n"
    assert (csv_job["status"], csv_job["row_count"], csv_job["size_bytes"]) == (
        "completed",
        1,
        len(body),
    )
    manifest = json.loads(_stored(csv_job["manifest_location"], bucket))
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest() and manifest["row_count"] == 1
    xlsx_id = str(jobs["xlsx"]["export_job_id"])
    assert cli("export-job", xlsx_id)[1]["status"] == "erased"
    code, _, err = cli("fetch", "export", xlsx_id, "--output", str(tmp_path))
    assert code == 2 and "erased (the file held erased people" in err
    assert cli("export-job", str(jobs["companies"]["export_job_id"]))[1]["status"] == "completed"
    first_job = cli("job", str(jobs["first"]["import_job_id"]))[1]
    assert first_job["erasures"][0]["records"] == 1

    code, rolled, err = cli("rollback", str(jobs["update"]["import_job_id"]))
    assert code == 0, err
    assert (rolled["restored_rows"], rolled["conflicts"]) == (1, [])
    code, rolled, err = cli("rollback", str(jobs["first"]["import_job_id"]))
    assert (code, rolled["deleted_rows"]) == (0, 1), err
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one() == 0
    assert _hits_in_database(engine, ERASED) == {}


def test_rollback_of_an_import_that_only_updated_the_person_still_works(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    imp("Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n")
    only_ann = imp("Email,Job Title\nann@example.com,CEO\n", "--duplicates", "update")
    code, result, err = cli("erase", "--org", "acme", "--module", "contacts", "--email", ERASED)
    assert (code, result["touched"]["import_events"]) == (0, 1), err
    code, rolled, err = cli("rollback", str(only_ann["import_job_id"]))
    assert code == 0, err
    assert (rolled["status"], rolled["restored_rows"], rolled["deleted_rows"]) == (
        "cancelled",
        0,
        0,
    )
    with engine.connect() as conn:
        emails = conn.execute(sa.text("SELECT email FROM contacts")).scalars().all()
    assert emails == ["bob@example.com"]


def test_erase_a_person_an_import_deleted_so_its_rollback_cannot_restore_them(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    imp("Email,First Name\nann@example.com,Ann\n")
    deleted = imp("Email\nann@example.com\n", "--action", "delete")
    assert deleted["deleted_rows"] == 1
    code, result, err = cli("erase", "--org", "acme", "--module", "contacts", "--email", ERASED)
    assert code == 0, err
    assert result["erased_records"] == 0 and "contacts" not in result["touched"]
    assert result["touched"]["import_events"] == 1
    code, rolled, err = cli("rollback", str(deleted["import_job_id"]))
    assert (code, rolled["restored_rows"]) == (0, 0), err
    assert _hits_in_database(engine, ERASED) == {}


def test_erase_dry_run_changes_nothing(
    imp: Any, cli: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    imp(FIRST)
    imp(UPDATE, "--duplicates", "update")
    export(cli, "--format", "csv")
    roots = (tmp_path / "uploads", tmp_path / "exports", tmp_path / "dagster")
    files_before, rows_before = _local_files(*roots), _hits_in_database(engine, ERASED)
    code, result, err = cli(
        "erase", "--org", "acme", "--module", "contacts", "--email", ERASED, "--dry-run"
    )
    assert code == 0, err
    assert result["dry_run"] is True and result["receipt_file"] is None
    assert result["erased_records"] == 1 and result["touched"]["import_events"] == 1
    assert result["touched"]["exports_rewritten"] == 1 and result["touched"]["rejects_csv"] == 1
    assert _local_files(*roots) == files_before
    assert _hits_in_database(engine, ERASED) == rows_before


def test_erase_by_id_and_file_with_human_output(
    imp: Any, cli: Any, engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.cli import main

    imp("Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\ncarl@example.com,Carl\n")
    with engine.connect() as conn:
        ids = dict(conn.execute(sa.text("SELECT email, id FROM contacts")).all())
    listing = tmp_path / "erase.txt"
    listing.write_text(f"# people who asked\nBOB@example.com\n\n{ids['carl@example.com']}\n")
    capsys.readouterr()
    code = main(
        [
            "erase",
            "--org",
            "acme",
            "--module",
            "contacts",
            "--id",
            str(ids[ERASED]),
            "--file",
            str(listing),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Erased 3 records" in out and "Receipt (no personal data)" in out
    assert main(["job", "1"]) == 0
    erasures = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("erasures")
    ]
    assert erasures and erasures[0].split()[1:3] == ["1", "(last"], erasures
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one() == 0


def test_erase_deletes_a_spreadsheet_upload_it_cannot_rewrite(
    cli: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Email", "First Name"], ["Ann@Example.com", "Ann"], ["bob@example.com", "Bob"]):
        sheet.append(row)
    book.save(tmp_path / "people.xlsx")
    code, imported, err = cli(
        "import", str(tmp_path / "people.xlsx"), "--org", "acme", "--module", "contacts"
    )
    assert code == 0, err
    job_id = str(imported["import_job_id"])
    upload = local_path(cli("job", job_id)[1]["upload_location"])
    assert upload.is_file()
    code, result, err = cli("erase", "--org", "acme", "--module", "contacts", "--email", ERASED)
    assert (code, result["touched"]["uploads_deleted"]) == (0, 1), err
    assert not upload.exists()
    job = cli("job", job_id)[1]
    assert job["upload_location"] is None
    assert job["erasures"][0]["uploads_deleted"] == 1 and job["erasures"][0]["records"] == 1
    assert "(an erasure deleted it)" in cli("fetch", "upload", job_id, "--output", str(tmp_path))[2]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT email FROM contacts")).scalars().all() == [
            "bob@example.com"
        ]


def test_erase_stays_in_its_org_and_handles_exports_by_their_columns(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    imp("Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n")
    imp("Email,First Name\nann@example.com,Other Ann\n", org="other")
    by_id = export(cli, "--format", "csv", "--columns", "id,first_name")
    names_only = export(cli, "--format", "csv", "--columns", "first_name")
    other_org = export(cli, "--format", "csv", org="other")
    code, result, err = cli("erase", "--org", "acme", "--module", "contacts", "--email", ERASED)
    assert code == 0, err
    assert (result["touched"]["exports_rewritten"], result["touched"]["exports_erased"]) == (1, 1)
    rewritten = cli("export-job", str(by_id["export_job_id"]))[1]
    assert (
        local_path(rewritten["file_location"]).read_text().splitlines()[1:]
        == [
            line for line in local_path(by_id["file"]).read_text().splitlines()[1:] if "Bob" in line
        ]
        and rewritten["row_count"] == 1
    )
    assert cli("export-job", str(names_only["export_job_id"]))[1]["status"] == "erased"
    kept = cli("export-job", str(other_org["export_job_id"]))[1]
    assert kept["status"] == "completed" and ERASED in local_path(kept["file_location"]).read_text()
    hits = _hits_in_database(engine, ERASED)
    assert hits["public.contacts"] == 1 and hits["dagster.event_logs"] > 0, hits
    with engine.connect() as conn:
        left = conn.execute(
            sa.text("SELECT org, first_name FROM contacts WHERE email = :e"), {"e": ERASED}
        ).all()
    assert [tuple(r) for r in left] == [("other", "Other Ann")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nobody", "--email", ERASED], "Unknown org 'nobody'"),
        (["--org", "acme"], "erase needs --id, --email or --file"),
        (["--org", "acme", "--file", "missing.txt"], "File not found: missing.txt."),
        (["--org", "acme", "--id", "x1"], "Not a record id: 'x1'"),
        (
            ["--org", "acme", "--module", "groups", "--email", ERASED],
            "groups records have no email",
        ),
    ],
)
def test_erase_bad_input_is_one_line(imp: Any, cli: Any, args: list[str], message: str) -> None:
    imp("Email\nann@example.com\n")
    module = [] if "--module" in args else ["--module", "contacts"]
    code, out, err = cli("erase", *args, *module)
    assert (code, out) == (2, None)
    assert err.startswith(f"contactflow: {message}") and err.count("\n") == 1, err


def test_erase_removes_the_values_an_import_dropped_from_the_persons_rows(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    """A value dropped under `invalid_values: drop_value` is kept in the job's warnings by
    row, with no email beside it: erasure finds the person's rows by `created_by_row` and
    the events' source rows."""
    people = "Email,Phone\nbob@example.com,999-BOB\nann@example.com,555-ANN-SECRET\n"
    job = imp(people, "--option", "invalid_values=drop_value")["import_job_id"]
    update = "Email,Phone,Job Title\nann@example.com,555-ANN-AGAIN,CEO\n"
    again = imp(update, "--duplicates", "update", "--option", "invalid_values=drop_value")

    def values(job_id: int) -> list[str]:
        with engine.connect() as conn:
            warnings = conn.execute(
                sa.text("SELECT warnings FROM import_jobs WHERE id = :id"), {"id": job_id}
            ).scalar_one()
        return [w["value"] for w in warnings if w.get("row")]

    assert values(job) == ["999-BOB", "555-ANN-SECRET"]
    assert values(again["import_job_id"]) == ["555-ANN-AGAIN"]
    code, result, err = cli("erase", "--org", "acme", "--module", "contacts", "--email", ERASED)
    assert code == 0, err
    assert values(job) == ["999-BOB"] and values(again["import_job_id"]) == []
    assert result["touched"]["import_job_warnings"] == 2


def test_erase_matches_whole_addresses_and_leaves_what_it_did_not_touch(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    """Erasing ann@example.com leaves joann@example.com and ann@example.com.au alone (their
    rows, events and export lines); a selection that finds nobody deletes no export; jobs the
    erasure did not change get no erasure entry (rollback reads one as "history erased")."""
    imp("Email,First Name\nann@example.com,Ann\njoann@example.com,Jo\nann@example.com.au,Au\n")
    neighbours = imp(
        "Email,Job Title\njoann@example.com,CEO\nann@example.com.au,CTO\nbad,x\n",
        "--duplicates",
        "update",
    )
    names_only = export(cli, "--format", "csv", "--columns", "first_name")
    code, result, err = cli("erase", "--org", "acme", "--module", "contacts", "--id", "999")
    assert code == 0 and result["erased_records"] == 0, err
    assert cli("export-job", str(names_only["export_job_id"]))[1]["status"] == "completed"

    code, result, err = cli("erase", "--org", "acme", "--module", "contacts", "--email", ERASED)
    assert code == 0 and result["erased_records"] == 1, err
    with engine.connect() as conn:
        emails = conn.execute(sa.text("SELECT email FROM contacts ORDER BY email")).scalars()
        events = conn.execute(
            sa.text("SELECT count(*) FROM import_events WHERE import_job_id = :j"),
            {"j": neighbours["import_job_id"]},
        ).scalar_one()
        erasures = conn.execute(
            sa.text("SELECT erasures FROM import_jobs WHERE id = :j"),
            {"j": neighbours["import_job_id"]},
        ).scalar_one()
    assert list(emails) == ["ann@example.com.au", "joann@example.com"]
    assert events == 2 and erasures == []
    rejects = local_path(cli("job", str(neighbours["import_job_id"]))[1]["errors_file"])
    assert "bad" in rejects.read_text()
