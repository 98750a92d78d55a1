"""CSV exports through `contactflow export` and the export_records job on a real PostgreSQL:
columns, labels, multi-value cells, neutralisation, CSV options, manifest, job row, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.integration.export_data import (
    column,
    export,
    export_error,
    loaded,
    local_path,
    read_csv,
    read_manifest,
)

__all__ = ["loaded"]

RESULT_KEYS = {
    "export_job_id",
    "status",
    "row_count",
    "file",
    "manifest_file",
    "size_bytes",
    "content_type",
    "expires_at",
}


def test_export_csv_default_columns_job_row_and_manifest(
    cli: Any, loaded: dict[str, Any], engine: sa.Engine, tmp_path: Path
) -> None:
    result = export(cli, "--format", "csv")
    assert set(result) >= RESULT_KEYS
    assert result["status"] == "completed" and result["row_count"] == 5
    assert result["content_type"] == "text/csv"
    path = local_path(result["file"])
    assert path.is_relative_to(tmp_path / "exports" / "acme" / "exports")
    assert result["manifest_file"] == result["file"] + ".manifest.json"
    assert result["size_bytes"] == path.stat().st_size
    rows = read_csv(result["file"])
    assert rows[0] == ["Display name", "Email", "Phones", "Company", "Job title"]
    assert [r[0] for r in rows[1:]] == [
        "Ann Lee",
        "Bob Stone",
        "Cleo Park",
        "Dan Ng",
        "'=1+2 @SUM(A1)",
    ]
    manifest = read_manifest(result)
    assert manifest["file"] == path.name
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["row_count"] == 5
    assert manifest["columns"] == ["display_name", "email", "phones", "company", "job_title"]
    assert manifest["filters"] == {}
    assert manifest["created_at"].endswith("Z")
    with engine.connect() as conn:
        job = (
            conn.execute(
                sa.text("SELECT * FROM export_jobs WHERE id = :id"), {"id": result["export_job_id"]}
            )
            .mappings()
            .one()
        )
    assert job["status"] == "completed" and job["org"] == "acme" and job["format"] == "csv"
    assert job["row_count"] == 5 and job["size_bytes"] == result["size_bytes"]
    assert job["file_location"] == result["file"]
    assert job["manifest_location"] == result["manifest_file"]
    assert job["content_type"] == "text/csv" and job["run_id"]
    assert 6.9 < (job["expires_at"] - job["completed_at"]).total_seconds() / 86400 <= 7.0


def test_export_csv_columns_labels_and_multi_value_cells(cli: Any, loaded: dict[str, Any]) -> None:
    columns = (
        "external_id,email,phones,phones:Mobile,address,address.city,company,groups,tags,"
        "source_created_at"
    )
    result = export(
        cli,
        "--format",
        "csv",
        "--columns",
        columns,
        "--label",
        "email=E-mail",
        "--label",
        "phones:Mobile=Cell",
        "--label",
        "address.city=Town",
    )
    rows = read_csv(result["file"])
    assert rows[0] == [
        "External ID",
        "E-mail",
        "Phones",
        "Cell",
        "Address",
        "Town",
        "Company",
        "Groups",
        "Tags",
        "Source created at",
    ]
    ann = dict(zip(rows[0], rows[1]))
    assert ann == {
        "External ID": "C1",
        "E-mail": "ann@example.com",
        "Phones": "'+14155550100; +14155550199",
        "Cell": "+14155550100",
        "Address": "1 Main St, Springfield, IL 62701, US",
        "Town": "Springfield",
        "Company": "Acme Inc",
        "Groups": "Customers; VIP",
        "Tags": "vip; board",
        "Source created at": "2023-03-15T10:30:00Z",
    }
    bob = dict(zip(rows[0], rows[2]))
    assert bob["Phones"] == "+442079460018" and bob["Cell"] == ""
    assert bob["Address"] == "London, UK" and bob["Groups"] == "Customers"
    assert read_manifest(result)["labels"] == rows[0]


def test_export_csv_neutralises_formulas_and_keeps_numbers(
    cli: Any, loaded: dict[str, Any]
) -> None:
    rows = read_csv(export(cli, "--format", "csv", "--columns", "display_name,job_title")["file"])
    titles = column(rows, "Job title")
    assert titles == [
        "CEO",
        '\'=HYPERLINK("http://x.example","click")',
        "-5",
        "3.14",
        "'+cmd|' /C calc'!A0",
    ]
    assert column(rows, "Display name")[4] == "'=1+2 @SUM(A1)"
    raw = export(
        cli,
        "--format",
        "csv",
        "--columns",
        "display_name,job_title",
        "--option",
        "allow_formulas=true",
        "--label",
        "job_title==Title",
    )
    rows = read_csv(raw["file"])
    assert rows[0] == ["Display name", "=Title"]
    assert column(rows, "=Title")[1] == '=HYPERLINK("http://x.example","click")'
    assert column(rows, "Display name")[4] == "=1+2 @SUM(A1)"


def test_export_csv_neutralises_a_formula_label(cli: Any, loaded: dict[str, Any]) -> None:
    result = export(cli, "--format", "csv", "--columns", "email", "--label", "email=@evil")
    assert read_csv(result["file"])[0] == ["'@evil"]


def test_export_csv_delimiter_bom_and_no_header(cli: Any, loaded: dict[str, Any]) -> None:
    result = export(
        cli,
        "--format",
        "csv",
        "--columns",
        "email,address",
        "--option",
        "delimiter=;",
        "--option",
        "bom=true",
        "--option",
        "include_headers=false",
    )
    data = local_path(result["file"]).read_bytes()
    assert data.startswith(b"\xef\xbb\xbfann@example.com;")
    rows = read_csv(result["file"], delimiter=";")
    assert rows[0] == ["ann@example.com", "1 Main St, Springfield, IL 62701, US"]
    assert len(rows) == 5
    tabbed = export(cli, "--format", "csv", "--columns", "email,tags", "--option", "delimiter=tab")
    assert read_csv(tabbed["file"], delimiter="\t")[1] == ["ann@example.com", "vip; board"]


def test_export_csv_empty_result_is_header_only(cli: Any, loaded: dict[str, Any]) -> None:
    result = export(cli, "--format", "csv", "--where", "email=nobody@example.com")
    assert result["row_count"] == 0
    text = local_path(result["file"]).read_text("utf-8")
    assert text == "Display name,Email,Phones,Company,Job title\n"
    assert read_manifest(result)["row_count"] == 0


def test_export_csv_date_format(cli: Any, loaded: dict[str, Any]) -> None:
    result = export(
        cli,
        "--format",
        "csv",
        "--columns",
        "email,source_created_at",
        "--date-format",
        "%d.%m.%Y %H:%M (%b) at %%",
    )
    assert column(read_csv(result["file"]), "Source created at")[0] == "15.03.2023 10:30 (Mar) at %"


def test_export_csv_keeps_quotes_newlines_and_unicode(
    cli: Any, imp: Any, engine: sa.Engine
) -> None:
    imp('Email,Notes,First Name\nzoe@example.com,"line one\nline ""two"", end",Zoë Łukasz\n')
    result = export(cli, "--format", "csv", "--columns", "email,notes,first_name")
    rows = read_csv(result["file"])
    assert rows[1] == ["zoe@example.com", 'line one\nline "two", end', "Zoë Łukasz"]


def test_export_output_to_file_and_folder(cli: Any, loaded: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "out" / "vip.csv"
    target.parent.mkdir()
    result = export(cli, "--format", "csv", "--group", "VIP", "--output", str(target))
    assert result["file"] == str(target) and target.is_file()
    manifest = Path(result["manifest_file"])
    assert manifest == target.with_name("vip.csv.manifest.json")
    assert '"file": "vip.csv"' in manifest.read_text()
    assert target.read_text().count("\n") == 3
    folder = export(cli, "--format", "xlsx", "--output", str(tmp_path / "out"))
    assert Path(folder["file"]).parent == tmp_path / "out"
    assert Path(folder["file"]).suffix == ".xlsx" and Path(folder["manifest_file"]).is_file()
    error = export_error(cli, "--format", "csv", "--output", str(tmp_path / "nope" / "x.csv"))
    assert "does not exist" in error
    missing = export_error(cli, "--format", "csv", "--output", f"{tmp_path / 'missing'}/")
    assert "folder" in missing and "does not exist" in missing
    assert not (tmp_path / "missing").exists()
    again = export_error(cli, "--format", "csv", "--group", "VIP", "--output", str(target))
    assert "exists: pass --force" in again
    forced = export(cli, "--format", "csv", "--output", str(target), "--force")
    assert forced["file"] == str(target) and target.read_text().count("\n") > 3
    pseudo = export_error(cli, "--format", "csv", "--output", "/proc/self/comm", "--force")
    assert "not a place for files" in pseudo


def test_export_rejects_bad_options_with_a_message(
    cli: Any, loaded: dict[str, Any], engine: sa.Engine
) -> None:
    assert "'nickname' is not a contacts field" in export_error(
        cli, "--format", "csv", "--columns", "email,nickname"
    )
    assert "phone type 'Pager'" in export_error(cli, "--format", "csv", "--columns", "phones:Pager")
    assert "address part 'planet'" in export_error(
        cli, "--format", "csv", "--columns", "address.planet"
    )
    assert "column_labels names email" in export_error(
        cli, "--format", "csv", "--columns", "phones", "--label", "email=Mail"
    )
    assert "%Q is not supported" in export_error(cli, "--format", "csv", "--date-format", "%Q")
    assert "Unknown module 'people'" in export_error(cli, "--format", "csv", module="people")
    assert "--where takes FIELD=VALUE" in export_error(cli, "--format", "csv", "--where", "x")
    assert "--ids takes" in export_error(cli, "--format", "csv", "--ids", "1,two")
    assert "group filter applies to contacts" in export_error(
        cli, "--format", "csv", "--group", "VIP", module="companies"
    )
    assert "where id: 'abc' is not a number" in export_error(
        cli, "--format", "csv", "--where", "id=abc"
    )
    assert "'yesterday' is not an ISO 8601 date" in export_error(
        cli, "--format", "csv", "--where", "created_at=yesterday"
    )
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM export_jobs")).scalar_one()
    assert before == 0
    message = export_error(cli, "--format", "csv", "--group", "Nobody")
    assert "No group 'Nobody' in org 'acme'" in message
    with engine.connect() as conn:
        job = conn.execute(sa.text("SELECT status, reason FROM export_jobs")).one()
    assert job.status == "failed" and "No group 'Nobody'" in job.reason


def test_export_never_crosses_orgs(cli: Any, loaded: dict[str, Any]) -> None:
    other = export(cli, "--format", "csv", "--columns", "email,groups", org="other")
    assert read_csv(other["file"])[1:] == [["zed@other.example", "VIP"]]
    vip = export(cli, "--format", "csv", "--columns", "email", "--group", "VIP")
    assert column(read_csv(vip["file"]), "Email") == ["ann@example.com", "dan@example.net"]
    nobody = export(cli, "--format", "csv", "--columns", "email", org="empty-org")
    assert nobody["row_count"] == 0


def test_export_jobs_are_listed_newest_first_and_shown_within_their_org(
    cli: Any, loaded: dict[str, Any], engine: sa.Engine
) -> None:
    first = export(cli, "--format", "csv")
    second = export(cli, "--format", "xlsx", module="companies")
    other = export(cli, "--format", "csv", org="other")
    code, listed, _ = cli("exports", "--org", "acme")
    assert code == 0
    ids = [j["id"] for j in listed["export_jobs"]]
    assert ids == [second["export_job_id"], first["export_job_id"]]  # not other's
    code, only, _ = cli("exports", "--org", "acme", "--module", "companies", "--limit", "5")
    assert [j["format"] for j in only["export_jobs"]] == ["xlsx"]
    code, failed, _ = cli("exports", "--org", "acme", "--status", "failed")
    assert failed == {"export_jobs": []}

    code, job, _ = cli("export-job", str(first["export_job_id"]), "--org", "acme")
    assert code == 0 and job["status"] == "completed" and job["row_count"] == first["row_count"]
    assert job["file_location"] == first["file"] and job["download_url"] == first["file"]
    assert {"requested_at", "completed_at", "expires_at", "size_bytes", "content_type"} <= set(job)
    code, _, err = cli("export-job", str(other["export_job_id"]), "--org", "acme")
    assert code == 2 and "No export job" in err
    with engine.begin() as conn:  # an expired export has no download URL
        conn.execute(
            sa.text("UPDATE export_jobs SET expires_at = now() - interval '1 s' WHERE id = :i"),
            {"i": first["export_job_id"]},
        )
    code, job, _ = cli("export-job", str(first["export_job_id"]))
    assert code == 0 and job["download_url"] is None


def test_export_companies_and_groups_modules(cli: Any, loaded: dict[str, Any]) -> None:
    companies = export(cli, "--format", "csv", "--sort", "name", module="companies")
    assert read_csv(companies["file"]) == [
        ["Name", "Domain", "Website", "Industry"],
        ["Acme Inc", "", "", ""],
        ["Globex", "", "", ""],
    ]
    groups = export(
        cli, "--format", "csv", "--columns", "id,name", "--sort", "name:desc", module="groups"
    )
    assert [r[1] for r in read_csv(groups["file"])[1:]] == ["VIP", "Customers"]


def test_export_snapshot_is_repeatable_read_and_read_only(
    cli: Any, loaded: dict[str, Any], engine: sa.Engine
) -> None:
    from pipelines.exports.query import snapshot

    with snapshot(engine) as raw, raw.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        assert cursor.fetchone()[0] == "repeatable read"
        cursor.execute("SHOW transaction_read_only")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SELECT count(*) FROM contacts WHERE org = 'acme'")
        assert cursor.fetchone()[0] == 5
        with engine.begin() as other:
            other.execute(sa.text("DELETE FROM contacts WHERE org = 'acme'"))
        cursor.execute("SELECT count(*) FROM contacts WHERE org = 'acme'")
        assert cursor.fetchone()[0] == 5
    assert export(cli, "--format", "csv")["row_count"] == 0


def test_export_attribute_columns_and_filters(cli: Any, imp: Any, tmp_path: Path) -> None:
    mapping = tmp_path / "attributes.yaml"
    mapping.write_text(
        "column_mapping:\n"
        "  - {source_column: Email, target_field: email}\n"
        "  - {source_column: Plan, target_field: attributes.plan}\n"
    )
    imp("Email,Plan\nann@example.com,Gold\nbob@example.com,Silver\n", "--mapping", str(mapping))
    result = export(
        cli,
        "--format",
        "csv",
        "--columns",
        "email,attributes.plan",
        "--where",
        "attributes.plan=gold",
    )
    assert read_csv(result["file"]) == [["Email", "plan"], ["ann@example.com", "Gold"]]
