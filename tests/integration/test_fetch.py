"""`contactflow fetch export | rejects | upload ID`: stored files copied to a local path from a
local folder or S3 (a moto server on loopback), scoped by `--org`, with the `--output` checks
of `export --output`, and a clear sentence for an expired export or a file no longer there."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipelines.console import print_result
from pipelines.maintenance.cleanup import run_cleanup

PEOPLE = "Email,First Name\nann@example.com,Ann\nbad-email,Bob\nzoe@example.com,Zoë\n"
EXPORT = ("export", "--org", "acme", "--module", "contacts", "--format", "csv")


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(PEOPLE.encode("utf-8"))
    return path


def _import(cli: Any, path: Path, org: str = "acme") -> dict[str, Any]:
    code, result, err = cli("import", str(path), "--org", org, "--module", "contacts")
    assert code == 0, err
    return dict(result)


def _fetch(cli: Any, *args: str) -> tuple[int, Any, str]:
    return cli("fetch", *args)  # type: ignore[no-any-return]


def test_fetch_copies_rejects_upload_and_export_to_a_local_path(
    cli: Any, people: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported = _import(cli, people)
    job = str(imported["import_job_id"])
    out = tmp_path / "out"
    out.mkdir()

    code, rejects, err = _fetch(cli, "rejects", job, "--org", "acme", "--output", str(out))
    assert code == 0, err
    assert (rejects["fetched"], rejects["format"], rejects["import_job_id"]) == (
        "rejects",
        "csv",
        int(job),
    )
    assert rejects["source"] == imported["errors_file"]
    with Path(rejects["file"]).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Email"], r["_row"], r["_field"]) for r in rows] == [("bad-email", "2", "email")]
    assert rejects["size_bytes"] == Path(rejects["file"]).stat().st_size

    code, as_json, err = _fetch(cli, "rejects", job, "--format", "json", "--output", str(out))
    assert code == 0, err
    assert Path(as_json["file"]).suffix == ".json"
    assert [r["Email"] for r in json.loads(Path(as_json["file"]).read_text("utf-8"))] == [
        "bad-email"
    ]

    code, upload, err = _fetch(cli, "upload", job, "--output", str(out / "again.csv"))
    assert code == 0, err
    assert Path(upload["file"]) == (out / "again.csv").resolve()
    assert (out / "again.csv").read_bytes() == people.read_bytes()

    code, exported, _ = cli(*EXPORT)
    monkeypatch.chdir(out)  # without --output: the current folder, the stored name kept
    code, fetched, err = _fetch(cli, "export", str(exported["export_job_id"]))
    assert code == 0, err
    local = Path(fetched["file"])
    assert local.parent == out.resolve() and local.name == Path(exported["file"]).name
    assert local.read_bytes() == Path(exported["file"].removeprefix("file://")).read_bytes()
    assert "zoe@example.com" in local.read_text("utf-8")
    manifest = json.loads(Path(fetched["manifest_file"]).read_text("utf-8"))
    assert manifest["file"] == local.name and manifest["row_count"] == 2
    assert fetched["size_bytes"] == exported["size_bytes"] == local.stat().st_size


def test_fetch_refuses_other_orgs_existing_files_and_missing_folders(
    cli: Any, people: Path, tmp_path: Path
) -> None:
    job = str(_import(cli, people)["import_job_id"])
    code, _, err = _fetch(cli, "rejects", job, "--org", "beta", "--output", str(tmp_path))
    assert (code, err.strip()) == (2, f"contactflow: No import job {job} in org beta.")
    code, _, err = _fetch(cli, "upload", job, "--org", "beta", "--output", str(tmp_path))
    assert (code, err.strip()) == (2, f"contactflow: No import job {job} in org beta.")

    existing = tmp_path / "existing.csv"
    existing.write_text("keep me", encoding="utf-8")
    code, _, err = _fetch(cli, "upload", job, "--output", str(existing))
    assert code == 2 and "exists: pass --force to replace it" in err
    assert existing.read_text("utf-8") == "keep me"
    code, _, err = _fetch(cli, "upload", job, "--output", str(tmp_path))  # people.csv is there
    assert code == 2 and "people.csv exists: pass --force" in err
    code, _, err = _fetch(cli, "upload", job, "--output", str(existing), "--force")
    assert code == 0 and existing.read_bytes() == PEOPLE.encode("utf-8")
    code, _, err = _fetch(cli, "rejects", job, "--output", f"{tmp_path}/missing/")
    assert code == 2 and "--output folder" in err and "does not exist" in err
    code, _, err = _fetch(cli, "rejects", job, "--output", f"{tmp_path}/missing/r.csv")
    assert code == 2 and "does not exist" in err and not (tmp_path / "missing").exists()

    clean = tmp_path / "clean.csv"
    clean.write_text("Email\ncy@example.com\n", encoding="utf-8")
    other = str(_import(cli, clean)["import_job_id"])
    code, _, err = _fetch(cli, "rejects", other, "--output", str(tmp_path))
    assert (code, err.strip()) == (
        2,
        f"contactflow: Import job {other} has no rejects file: it rejected no rows.",
    )


def test_fetch_says_when_an_export_expired_or_a_file_is_gone(
    cli: Any, people: Path, tmp_path: Path, engine: sa.Engine
) -> None:
    imported = _import(cli, people)
    code, exported, _ = cli(*EXPORT)
    export_id = str(exported["export_job_id"])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE export_jobs SET expires_at = now() - interval '1 minute'"))
    code, _, err = _fetch(cli, "export", export_id, "--output", str(tmp_path))
    assert code == 2 and f"Export job {export_id} expired on" in err
    assert err.strip().endswith("its file is deleted; run the export again.")
    run_cleanup(engine, staging_root=tmp_path / "no-staging")  # marks it expired, deletes files
    code, _, err = _fetch(cli, "export", export_id, "--output", str(tmp_path))
    assert code == 2 and "expired on" in err and not list(tmp_path.glob("*.csv.manifest.json"))

    Path(imported["errors_file"].removeprefix("file://")).unlink()
    code, _, err = _fetch(cli, "rejects", str(imported["import_job_id"]), "--output", str(tmp_path))
    assert code == 2 and "is no longer stored at file://" in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial file


def test_fetch_downloads_from_s3(
    cli: Any,
    people: Path,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    monkeypatch.setenv("EXPORTS_URL", f"s3://{s3_bucket}/exports")
    monkeypatch.setenv("UPLOADS_URL", f"s3://{s3_bucket}/uploads")
    imported = _import(cli, people)
    job = str(imported["import_job_id"])
    assert imported["errors_file"].startswith(f"s3://{s3_bucket}/exports/")
    printed = io.StringIO()
    print_result("import", imported, printed)
    assert f"  download: contactflow fetch rejects {job}" in printed.getvalue().splitlines()
    out = tmp_path / "out"
    out.mkdir()
    code, rejects, err = _fetch(cli, "rejects", job, "--format", "json", "--output", str(out))
    assert code == 0, err
    assert rejects["source"].startswith("s3://") and rejects["source"].endswith(".json")
    assert json.loads(Path(rejects["file"]).read_text("utf-8"))[0]["_error"]
    code, upload, err = _fetch(cli, "upload", job, "--org", "acme", "--output", str(out))
    assert code == 0, err
    assert upload["source"].startswith(f"s3://{s3_bucket}/uploads/_cli/acme/contacts/")
    assert Path(upload["file"]).read_bytes() == people.read_bytes()
    code, exported, _ = cli(*EXPORT)
    code, fetched, err = _fetch(cli, "export", str(exported["export_job_id"]), "--output", str(out))
    assert code == 0, err
    assert Path(fetched["file"]).stat().st_size == exported["size_bytes"] > 0
    assert json.loads(Path(fetched["manifest_file"]).read_text("utf-8"))["row_count"] == 2

    key = upload["source"].removeprefix(f"s3://{s3_bucket}/")
    boto3.client("s3").delete_object(Bucket=s3_bucket, Key=key)
    code, _, err = _fetch(cli, "upload", job, "--output", str(out), "--force")
    assert code == 2 and f"the upload of import job {job} is no longer stored at s3://" in err
