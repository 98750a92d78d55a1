"""Copy stored files to a local path: an export's file and manifest (`export --output`,
`contactflow fetch export`), an import's rejects file (`fetch rejects`) and its original upload
(`fetch upload`), from a local folder or S3 alike. `--output` is checked before anything runs:
an existing folder to write into (the stored name is kept) or a file in an existing folder;
never a kernel pseudo-file, never an existing file without `--force`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipelines.errors import InputRejected, JobFailed
from pipelines.imports.jobstore import ACTIVE

PSEUDO_FILESYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))


def output_path(output: str, force: bool) -> Path:
    """`--output` as a checked local folder or file (see the module docstring)."""
    path = Path(output)
    if output.endswith(("/", os.sep)) and not path.is_dir():
        raise InputRejected(f"--output folder {output} does not exist.")
    if any(path.resolve().is_relative_to(root) for root in PSEUDO_FILESYSTEMS):
        raise InputRejected(f"--output {output} is not a place for files: give a folder or file.")
    if path.is_dir():
        return path
    if not path.parent.is_dir():
        raise InputRejected(f"--output folder {path.parent} does not exist.")
    refuse_existing(path, force)
    return path


def refuse_existing(path: Path, force: bool, stored: str = "") -> None:
    if path.exists() and not force:
        tail = f"; {stored}" if stored else ""
        raise InputRejected(f"--output {path} exists: pass --force to replace it{tail}.")


def download(location: str, path: Path, what: str) -> int:
    """Copy the stored `location` to the local `path` (through a partial file, so an
    interrupted copy leaves nothing half-written); returns its size in bytes."""
    from pipelines.exports.jobstore import stored_file

    storage, key = stored_file(location)
    partial = path.with_name(f".{path.name}.part")
    try:
        storage.get_file(key, partial)
        os.replace(partial, path)
    except Exception as exc:
        if missing_object(exc):
            raise JobFailed(f"{what} is no longer stored at {location}.") from None
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise JobFailed(f"Could not write {path}: {reason}; {what} is at {location}.") from None
        raise
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def missing_object(exc: Exception) -> bool:
    """A stored object that is not there: a missing local file, or S3's 404 / NoSuchKey."""
    if isinstance(exc, FileNotFoundError):
        return not Path(exc.filename or "").name.endswith(".part")
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in ("404", "NoSuchKey", "NotFound")


def copy_export(location: str, target: Path, force: bool) -> dict[str, Any]:
    """Copy an export's file and its manifest to `target` (a folder or file name); the
    manifest's `file` then names the local copy."""
    from pipelines.exports.jobstore import stored_file

    _, name = stored_file(location)
    path = target / name if target.is_dir() else target
    manifest_path = path.with_name(f"{path.name}.manifest.json")
    stored = f"the export is stored at {location}"
    for existing in (path, manifest_path):
        refuse_existing(existing, force, stored)
    size_bytes = download(location, path, "the export file")
    download(f"{location}.manifest.json", manifest_path, "the export's manifest")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["file"] = path.name
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
    return {
        "file": str(path.resolve()),
        "manifest_file": str(manifest_path.resolve()),
        "size_bytes": size_bytes,
    }


def fetch_export(
    engine: sa.Engine, job_id: int, org: str | None, output: str, force: bool
) -> dict[str, Any]:
    """`contactflow fetch export ID`: a completed, unexpired export's file and manifest."""
    from pipelines.exports import jobstore

    job = jobstore.get_job(engine, job_id, org)
    _check_export(job)
    copied = copy_export(job["file_location"], output_path(output, force), force)
    return {
        "fetched": "export",
        "export_job_id": job_id,
        **copied,
        "source": job["file_location"],
    }


def _check_export(job: dict[str, Any]) -> None:
    job_id, status = job["id"], job["status"]
    expires = job.get("expires_at")
    if status == "expired" or (expires and datetime.fromisoformat(expires) <= datetime.now(UTC)):
        raise JobFailed(
            f"Export job {job_id} expired on {str(expires)[:10]}: its file is deleted; "
            "run the export again."
        )
    if status in ACTIVE:
        raise JobFailed(
            f"Export job {job_id} is still {status}: fetch it once it is completed "
            f"(contactflow export-job {job_id})."
        )
    if status != "completed" or not job.get("file_location"):
        reason = f" ({job['reason']})" if job.get("reason") else ""
        raise JobFailed(f"Export job {job_id} {status}{reason}: it has no file to fetch.")


def fetch_rejects(
    engine: sa.Engine,
    job_id: int,
    org: str | None,
    file_format: str,
    output: str,
    force: bool,
) -> dict[str, Any]:
    """`contactflow fetch rejects ID`: the rejects file as CSV or its JSON twin."""
    job = _import_job(engine, job_id, org)
    location = job.get("errors_file")
    if not location:
        raise JobFailed(f"Import job {job_id} has no rejects file: it rejected no rows.")
    if file_format == "json":
        location = f"{location.removesuffix('.csv')}.json"
    result = _fetch_file(location, output, force, f"the rejects file of import job {job_id}")
    return {"fetched": "rejects", "import_job_id": job_id, "format": file_format, **result}


def fetch_upload(
    engine: sa.Engine, job_id: int, org: str | None, output: str, force: bool
) -> dict[str, Any]:
    """`contactflow fetch upload ID`: the file the import read, as it was uploaded."""
    job = _import_job(engine, job_id, org)
    location = job.get("upload_location")
    if not location:
        erased = " (an erasure deleted it)" if job.get("erasures") else ""
        raise JobFailed(f"Import job {job_id} has no stored upload{erased}.")
    result = _fetch_file(location, output, force, f"the upload of import job {job_id}")
    return {"fetched": "upload", "import_job_id": job_id, **result}


def _import_job(engine: sa.Engine, job_id: int, org: str | None) -> dict[str, Any]:
    from pipelines.imports import jobstore

    job = jobstore.get_job(engine, job_id, org)
    if job["status"] in ACTIVE:
        raise JobFailed(
            f"Import job {job_id} is still {job['status']}: fetch its files once it has "
            f"finished (contactflow job {job_id})."
        )
    return job


def _fetch_file(location: str, output: str, force: bool, what: str) -> dict[str, Any]:
    from pipelines.exports.jobstore import stored_file

    target = output_path(output, force)
    path = target / stored_file(location)[1] if target.is_dir() else target
    refuse_existing(path, force)
    size_bytes = download(location, path, what)
    return {"file": str(path.resolve()), "size_bytes": size_bytes, "source": location}
