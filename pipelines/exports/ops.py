"""Dagster ops of the `export_records` job: thin wrappers that call the plain steps, keep the
export job row honest on failure, and emit metadata for the UI."""

from contextlib import AbstractContextManager
from typing import Any

import dagster as dg

from pipelines.assets import report_export
from pipelines.exports import jobstore, steps
from pipelines.exports.steps import ExportRun
from pipelines.links import file_link, link_metadata
from pipelines.ops import RETRY, step_guard
from resources.dagster_postgres import PostgresResource
from resources.dagster_storage import StorageResource
from resources.storage import storage_for_url

EXPORT_JOB_TAG = "contactflow/export_job_id"


class ExportConfig(dg.Config):
    """One export of one org's records. `name` labels recurring exports; `destination`, a
    storage URL (`s3://bucket/prefix` or a folder), replaces EXPORTS_URL for this export."""

    org: str
    module: str
    options: dict[str, Any] = {}
    name: str = ""
    destination: str = ""
    export_job_id: int = 0


def export_guard(
    context: dg.OpExecutionContext, engine: Any, job_id: int
) -> AbstractContextManager[None]:
    """The shared `step_guard` for an export step: a failure marks the export job failed and
    discards its work folder."""

    def fail(reason: str) -> None:
        jobstore.fail_job(engine, job_id, reason)
        steps.discard(job_id)

    return step_guard(context, fail)


@dg.op(retry_policy=RETRY)
def render_export(
    context: dg.OpExecutionContext, config: ExportConfig, postgres: PostgresResource
) -> ExportRun:
    engine = postgres.engine()
    export_format = str(config.options.get("format", "csv"))
    job_id = config.export_job_id or jobstore.job_for_run(
        engine,
        context.run_id,
        config.org,
        config.module,
        export_format,
        config.options,
        config.name,
    )
    with export_guard(context, engine, job_id):
        jobstore.start_job(engine, job_id, context.run_id)
        context.instance.add_run_tags(context.run_id, {EXPORT_JOB_TAG: str(job_id)})
        run = steps.render_step(
            engine,
            ExportRun(
                job_id, config.org, config.module, config.options, config.name, config.destination
            ),
        )
    context.add_output_metadata(
        {
            "export_job_id": job_id,
            "org": run.org,
            "module": run.module_slug,
            "row_count": run.row_count,
            "columns": ", ".join(run.columns),
            "snapshot_at": run.snapshot_at,
            "preview": dg.MetadataValue.md(_preview(run)),
        }
    )
    return run


@dg.op(retry_policy=RETRY)
def publish_export(
    context: dg.OpExecutionContext,
    run: ExportRun,
    postgres: PostgresResource,
    exports: StorageResource,
) -> dict[str, Any]:
    engine = postgres.engine()
    with export_guard(context, engine, run.job_id):
        storage = storage_for_url(run.destination) if run.destination else exports.storage()
        result = steps.publish_step(engine, storage, run)
    context.add_output_metadata(
        {
            "export_job_id": run.job_id,
            "row_count": run.row_count,
            "file": result["file"],
            "manifest_file": result["manifest_file"],
            "size_bytes": result["size_bytes"],
            "content_type": result["content_type"],
            "sha256": result["sha256"],
            "expires_at": result["expires_at"],
            **link_metadata(
                "download_url",
                file_link(result["file"], "export", run.job_id, url=result["download_url"]),
            ),
        }
    )
    report_export(context, run, result)
    return result


def _preview(run: ExportRun, max_cell: int = 60) -> str:
    """The first rows as the markdown table `pipelines.markdown.markdown_table` draws for a
    frame with a `row` index, built without pandas (which an export otherwise need not load).
    Rows are padded to the labels: a CSV line of one empty cell reads back as no cells."""
    if not run.preview:
        return "(no rows)"

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= max_cell else text[: max_cell - 1] + "…"

    width = len(run.labels)
    lines = ["| " + " | ".join(["row", *run.labels]) + " |", "|" + "---|" * (width + 1)]
    for number, row in enumerate(run.preview, 1):
        cells = [*row[:width], *[""] * (width - len(row))]
        lines.append("| " + " | ".join([str(number), *map(cell, cells)]) + " |")
    return "\n".join(lines)
