"""Links to the rejects file of an import run and the file of an export run open from the UI:
a pre-signed URL on S3; in a local folder the file's path and the `contactflow fetch` command,
never a `file://` text."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.integration.export_data import export
from tests.integration.runs import latest_run, step_metadata

CSV = "Email,First Name\nann@example.com,Ann\nnot-an-email,Bob\n"


def _import_links(imp: Any) -> tuple[int, dict[str, Any]]:
    result = imp(CSV)
    return result["import_job_id"], step_metadata(latest_run("import_file").run_id, "write_records")


def _export_links(cli: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    result = export(cli, "--format", "csv")
    return result, step_metadata(latest_run("export_records").run_id, "publish_export")


def test_local_rejects_and_exports_are_paths_with_the_fetch_command(imp: Any, cli: Any) -> None:
    job_id, metadata = _import_links(imp)
    rejects = metadata["errors_file"]
    assert isinstance(rejects, dg.PathMetadataValue)
    assert "not-an-email" in Path(rejects.value).read_text()
    command = f"contactflow fetch rejects {job_id} --output import-{job_id}-rejects.csv"
    assert metadata["errors_file_command"].value == command

    result, metadata = _export_links(cli)
    download = metadata["download_url"]
    assert isinstance(download, dg.PathMetadataValue)
    assert "ann@example.com" in Path(download.value).read_text()
    name = Path(download.value).name
    assert metadata["download_url_command"].value == (
        f"contactflow fetch export {result['export_job_id']} --output {name}"
    )


def test_an_import_without_rejects_says_so(imp: Any) -> None:
    imp("Email\nann@example.com\n")
    metadata = step_metadata(latest_run("import_file").run_id, "write_records")
    assert metadata["errors_file"].value == "none: no row was rejected"
    assert "errors_file_command" not in metadata


def test_rejects_and_exports_on_s3_are_presigned_urls_that_download(
    imp: Any, cli: Any, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORTS_URL", f"s3://{s3_bucket}/exports")
    _, metadata = _import_links(imp)
    rejects = metadata["errors_file"]
    assert isinstance(rejects, dg.UrlMetadataValue) and "Signature" in rejects.value
    with urllib.request.urlopen(rejects.value, timeout=30) as response:
        assert b"not-an-email" in response.read()

    _, metadata = _export_links(cli)
    download = metadata["download_url"]
    assert isinstance(download, dg.UrlMetadataValue) and "Signature" in download.value
    with urllib.request.urlopen(download.value, timeout=30) as response:
        assert b"ann@example.com" in response.read()
