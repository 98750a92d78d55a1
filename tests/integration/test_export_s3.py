"""Exports to S3 (a moto server on loopback): objects under `<org>/exports/`, a manifest beside
the file, a pre-signed URL that downloads it, and cleanup deleting expired objects."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa

from pipelines.maintenance.cleanup import run_cleanup
from tests.integration.export_data import export


def test_export_to_s3_gives_a_working_presigned_url(
    cli: Any,
    imp: Any,
    s3_bucket: str,
    s3_server: str,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("EXPORTS_URL", f"s3://{s3_bucket}/exports")
    imp("Email,First Name,Job Title\nann@example.com,Ann,=1+2\nbob@example.com,Bob,-5\n")
    result = export(cli, "--format", "csv", "--columns", "email,job_title")
    prefix = f"s3://{s3_bucket}/exports/acme/exports/"
    assert result["file"].startswith(prefix) and result["file"].endswith(".csv")
    assert result["manifest_file"] == result["file"] + ".manifest.json"
    url = result["download_url"]
    assert url.startswith(s3_server) and "Signature" in url
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
        assert response.headers["Content-Type"] == "text/csv"
    assert body == b"Email,Job title\nann@example.com,'=1+2\nbob@example.com,-5\n"
    assert result["size_bytes"] == len(body)
    code, job, _ = cli("export-job", str(result["export_job_id"]), "--org", "acme")
    assert code == 0 and job["file_location"] == result["file"]
    assert "Signature" in job["download_url"]  # pre-signed, not a bare s3:// path
    with urllib.request.urlopen(job["download_url"], timeout=30) as response:
        assert response.read() == body
    s3 = boto3.client("s3", endpoint_url=s3_server)
    key = result["manifest_file"].removeprefix(f"s3://{s3_bucket}/")
    manifest = json.loads(s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read())
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest() and manifest["row_count"] == 2

    copy = export(cli, "--format", "xlsx", "--output", str(tmp_path))
    assert Path(copy["file"]).parent == tmp_path and Path(copy["file"]).stat().st_size > 0
    assert json.loads(Path(copy["manifest_file"]).read_text())["file"] == Path(copy["file"]).name

    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE export_jobs SET expires_at = now() - interval '1 minute'"))
    report = run_cleanup(engine, staging_root=tmp_path / "no-staging")
    assert len(report.expired_exports) == 2 and len(report.deleted_files) == 4
    listed = s3.list_objects_v2(Bucket=s3_bucket, Prefix="exports/acme/exports/")
    assert listed.get("KeyCount", 0) == 0
    assert run_cleanup(engine, staging_root=tmp_path / "no-staging").expired_exports == []
