"""The `export_records` job, and running it in this process for `contactflow export`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.errors import InputRejected, JobFailed
from pipelines.exports.ops import EXPORT_JOB_TAG, publish_export, render_export

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


# In process: two short steps; a process per step (Dagster's default executor, which the CLI's
# runs through pipelines.runner would use) re-imports the code location for each.
@dg.job(
    executor_def=dg.in_process_executor,
    description="Query one org's records in one snapshot and write CSV, XLSX or PDF.",
)
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
    launch: bool = False,
    name: str = "",
    destination: str = "",
) -> dict[str, Any]:
    """What `contactflow export` does: check the options, record the job, run
    `export_records` in this process on the configured instance, copy the file to `output`
    when given, and return SPEC §8's result; with `launch`, queue the run for the daemon and
    return at once. `name` and `destination` are a saved export's (`export --saved`)."""
    from pipelines.exports import jobstore, steps
    from pipelines.fetch import copy_export, output_path
    from pipelines.instance import QUIET_LOGGERS, failure_reason, get_instance
    from resources.postgres import migrated_engine

    if launch and output:
        raise InputRejected(
            "--output needs the finished file and --launch returns before it exists: "
            "fetch it later with `contactflow fetch export ID`."
        )
    opts = steps.prepare(org, module, options)
    target = output_path(str(output), force) if output else None
    values = opts.model_dump(mode="json", exclude_defaults=True)
    engine = migrated_engine()
    job_id = jobstore.create_job(engine, org, module, opts.format, values, name, "queued")
    run_config = export_run_config(org, module, values, name, destination, job_id)
    if launch:
        run_id = submit_export(engine, job_id, run_config)
        return {"export_job_id": job_id, "run_id": run_id, "status": "queued"}
    run_config["loggers"] = QUIET_LOGGERS
    with execute_export(
        get_instance(pooled=True), run_config, {EXPORT_NAME_TAG: name} if name else None
    ) as result:
        job = jobstore.get_job(engine, job_id)
        if job["status"] != "completed":
            raise JobFailed(job["reason"] or failure_reason(result))
        summary = result.output_for_node("publish_export")
    if target is not None:
        copied = copy_export(str(summary["file"]), target, force)
        summary = {**summary, "file": copied["file"], "manifest_file": copied["manifest_file"]}
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


def submit_export(engine: Any, job_id: int, run_config: dict[str, Any]) -> str:
    """Queue an `export_records` run for the daemon and note its run id on the export job
    (status stays `queued` until the run starts); a run that cannot be queued fails the job."""
    from pipelines.exports import jobstore
    from pipelines.launch import launch_run

    try:
        run_id = launch_run(
            "export_records", run_config, {EXPORT_JOB_TAG: str(job_id)}, "the export run"
        )
    except JobFailed as exc:
        jobstore.fail_job(engine, job_id, str(exc))
        raise
    jobstore.update_job(engine, job_id, run_id=run_id)
    return run_id
