"""The `export_records` job, and running it in this process for `contactflow export`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.errors import InputRejected, JobFailed
from pipelines.exports.ops import publish_export, render_export

EXPORT_NAME_TAG = "contactflow/export-name"
RESULT_KEYS = (
    "export_job_id",
    "status",
    "row_count",
    "file",
    "manifest_file",
    "size_bytes",
    "content_type",
    "expires_at",
    "download_url",
)


@dg.job(description="Query one org's records in one snapshot and write CSV, XLSX or PDF.")
def export_records() -> None:
    publish_export(render_export())


def export_run_config(
    org: str,
    module: str,
    options: dict[str, Any],
    name: str = "",
    destination: str = "",
    export_job_id: int = 0,
) -> dict[str, Any]:
    config = {
        "org": org,
        "module": module,
        "options": options,
        "name": name,
        "destination": destination,
        "export_job_id": export_job_id,
    }
    return {"ops": {"render_export": {"config": config}}}


def export_now(
    org: str,
    module: str,
    options: dict[str, Any],
    output: str | Path | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """What `contactflow export` does: check the options, record the job, run
    `export_records` in this process on the configured instance, copy the file to `output`
    when given, and return SPEC §8's result."""
    from pipelines.exports import jobstore, steps
    from pipelines.instance import QUIET_LOGGERS, failure_reason, get_instance
    from resources.postgres import migrated_engine

    opts = steps.prepare(org, module, options)
    target = _output_path(str(output), force) if output else None
    values = opts.model_dump(mode="json", exclude_defaults=True)
    engine = migrated_engine()
    job_id = jobstore.create_job(engine, org, module, opts.format, values, status="queued")
    run_config = export_run_config(org, module, values, export_job_id=job_id)
    run_config["loggers"] = QUIET_LOGGERS
    with execute_export(get_instance(), run_config) as result:
        job = jobstore.get_job(engine, job_id)
        if job["status"] != "completed":
            raise JobFailed(job["reason"] or failure_reason(result))
        summary = result.output_for_node("publish_export")
    if target is not None:
        summary = {**summary, **_copy_out(summary, target, force)}
    return {key: summary.get(key) for key in RESULT_KEYS}


def execute_export(
    instance: dg.DagsterInstance, run_config: dict[str, Any], tags: dict[str, str] | None = None
) -> Any:
    """Run `export_records` in this process on `instance`, so the run shows in the UI and can
    be re-executed there (`pipelines.runner`; open the result with `with`)."""
    from pipelines.runner import execute_job_run

    return execute_job_run(export_records_with_resources, instance, run_config, tags or {})


def export_records_with_resources() -> dg.JobDefinition:
    """`export_records` with the code location's resources, as a reconstructable target
    (without importing the rest of the code location)."""
    from pipelines.instance import RESOURCES

    return dg.Definitions(jobs=[export_records], resources=RESOURCES).get_job_def("export_records")


PSEUDO_FILESYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))


def _output_path(output: str, force: bool) -> Path:
    """`--output`: an existing folder to write into (the stored name is kept), or a file in an
    existing folder; never a kernel pseudo-file, never an existing file without `--force`."""
    path = Path(output)
    if output.endswith(("/", os.sep)) and not path.is_dir():
        raise InputRejected(f"--output folder {output} does not exist.")
    if any(path.resolve().is_relative_to(root) for root in PSEUDO_FILESYSTEMS):
        raise InputRejected(f"--output {output} is not a place for files: give a folder or file.")
    if path.is_dir():
        return path
    if not path.parent.is_dir():
        raise InputRejected(f"--output folder {path.parent} does not exist.")
    _refuse_existing(path, force)
    return path


def _refuse_existing(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise InputRejected(f"--output {path} exists: pass --force to replace it.")


def _copy_out(summary: dict[str, Any], target: Path, force: bool) -> dict[str, Any]:
    """Copy the stored file and its manifest to the local `target`; the result then names
    the local copies."""
    from pipelines.exports.jobstore import stored_file

    location = str(summary["file"])
    storage, name = stored_file(location)
    path = target / name if target.is_dir() else target
    manifest_path = path.with_name(f"{path.name}.manifest.json")
    stored = f"the export is stored at {location}"
    for existing in (path, manifest_path):
        if existing.exists() and not force:
            raise JobFailed(f"--output {existing} exists: pass --force to replace it; {stored}.")
    try:
        storage.get_file(name, path)
        storage.get_file(f"{name}.manifest.json", manifest_path)
    except OSError as exc:
        raise JobFailed(
            f"Could not write --output {path}: {exc.strerror or exc}; {stored}."
        ) from None
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["file"] = path.name
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
    return {"file": str(path.resolve()), "manifest_file": str(manifest_path.resolve())}
