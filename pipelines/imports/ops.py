"""Dagster ops of the `import_file` job: thin wrappers that call the plain steps, keep the
import job row honest on failure, and emit metadata for the UI."""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import dagster as dg
import pandas as pd

from pipelines.assets import budget_exceeded, report_import
from pipelines.errors import ErrorBudgetExceeded, InputRejected
from pipelines.imports import jobstore, steps
from pipelines.imports.config import (
    DRY_RUN_TAG,
    IMPORT_JOB_TAG,
    IMPORT_TARGET_TAG,
    ROLLBACK_OF_JOB_TAG,
    ROLLBACK_OF_RUN_TAG,
    ROLLED_BACK_BY_TAG,
    ImportConfig,
    ImportTarget,
    RollbackConfig,
)
from pipelines.imports.mapping import launchpad_yaml
from pipelines.imports.steps import ImportRun, Shard, ShardResult, SharedWork
from pipelines.links import file_link, link_metadata
from pipelines.markdown import markdown_table
from pipelines.ops import RETRY, step_guard
from resources.dagster_postgres import PostgresResource
from resources.dagster_storage import StorageResource
from schemas.modules import get_module
from schemas.options import parse_options

ATTENTION_TAG = "contactflow/attention"


def job_guard(
    context: dg.OpExecutionContext, engine: Any, job_id: int
) -> AbstractContextManager[None]:
    """The shared `step_guard` for an import step: a failure marks the import job failed, and
    the step holds the job's liveness lock while it runs, so a killed process is noticed
    (`pipelines.maintenance.liveness`)."""
    return step_guard(
        context,
        lambda reason: jobstore.fail_job(engine, job_id, reason),
        hold=jobstore.step_alive(engine, job_id),
    )


@dg.op(retry_policy=RETRY)
def parse_file(
    context: dg.OpExecutionContext,
    config: ImportConfig,
    postgres: PostgresResource,
    uploads: StorageResource,
) -> ImportRun:
    engine = postgres.engine()
    target = ImportTarget.of(config, context)
    job_id = (
        target.import_job_id
        or jobstore.job_id_for_run(engine, context.run_id)
        or jobstore.create_job(
            engine,
            target.org,
            target.module,
            config.option_values(),
            file_name=target.file_name,
            run_id=context.run_id,
        )
    )
    with job_guard(context, engine, job_id):
        storage = uploads.storage()
        if target.resolve(storage):
            jobstore.set_options(engine, job_id, target.options)
        name = target.file_name
        jobstore.start_job(
            engine,
            job_id,
            run_id=context.run_id,
            file_name=name,
            partition_key=target.partition_key,
            upload_location=storage.location(target.upload_key),
        )
        context.instance.add_run_tags(context.run_id, {IMPORT_JOB_TAG: str(job_id)})
        if IMPORT_TARGET_TAG not in context.run.tags:
            context.log.warning(_unqueued(target.org, target.module))
        if target.options_error:
            raise InputRejected(target.options_error)
        options = parse_options(target.options).model_dump(exclude_none=True)
        get_module(target.module)
        work = steps.work_dir_for(job_id)
        local = storage.local_copy(target.upload_key, work / "upload")
        run = steps.parse_step(
            ImportRun(job_id, target.org, target.module, options, str(local), name, work_dir="")
        )
        shared = SharedWork(run, storage)
        shared.share([*shared.chunks("raw"), *shared.chunks("bad"), run.work / "parse_errors.json"])
        jobstore.update_job(
            engine, job_id, file_type=run.file_info["file_type"], total_rows=run.total_rows
        )
    info = run.file_info
    context.add_output_metadata(
        {
            "import_job_id": job_id,
            "file_type": info["file_type"],
            "encoding": str(info["encoding"]),
            "delimiter": repr(info["delimiter"]),
            "header_row": info["header_row"],
            "rows": run.total_rows,
            "parse_error_rows": run.error_rows,
            "preview": dg.MetadataValue.md(_preview(run)),
        }
    )
    return run


def _unqueued(org: str, module: str) -> str:
    """The warning of an import run launched without an upload partition (the Launchpad's
    "Open in Launchpad" copies the config only): nothing kept it from running beside other
    imports into the same org and module."""
    return (
        f"This run has no {IMPORT_TARGET_TAG} tag, so the run queue did not hold it back "
        f"while another import into {org}/{module} ran: launch imports from their upload "
        "partition (the Launchpad's Partition field), not with Open in Launchpad "
        "(docs/operations.md, In the UI, step by step)."
    )


@dg.op(retry_policy=RETRY)
def map_columns(
    context: dg.OpExecutionContext,
    run: ImportRun,
    postgres: PostgresResource,
    uploads: StorageResource,
) -> ImportRun:
    with job_guard(context, postgres.engine(), run.job_id):
        # The first raw chunk (the mapping's sample): the parse gathered the day/month
        # evidence of the date columns from all of them.
        shared = SharedWork(run, uploads.storage())
        shared.fetch(shared.chunks("raw", steps.map_reads(run)))
        run = steps.map_step(run)
    config = launchpad_yaml(run.org, run.module_slug, run.file_name, run.options, run.mapping)
    context.add_output_metadata(
        {
            "mapping": dg.MetadataValue.md(markdown_table(pd.DataFrame(run.mapping))),
            "mapping_run_config": dg.MetadataValue.md(f"```yaml\n{config}```"),
            "fields": ", ".join(run.fields),
        }
    )
    return run


@dg.op(retry_policy=RETRY, out=dg.DynamicOut(Shard))
def split_shards(
    context: dg.OpExecutionContext,
    run: ImportRun,
    postgres: PostgresResource,
    uploads: StorageResource,
) -> Iterator[dg.DynamicOutput[Shard]]:
    """A fresh staging table, then one output per shard (`validate_rows` runs once for each,
    on whatever executor the job uses)."""
    with job_guard(context, postgres.engine(), run.job_id):
        shared = SharedWork(run, uploads.storage())
        shared.fetch([*shared.chunks("bad"), run.work / "parse_errors.json"])
        steps.begin_validation(run, postgres.engine())
        shared.share([run.rejects_part("parse")])
        shards = steps.plan_shards(run)
    context.log.info(f"{run.total_rows} rows in {run.chunks} chunks -> {len(shards)} shards")
    for shard in shards:
        yield dg.DynamicOutput(shard, mapping_key=shard.key)


@dg.op(retry_policy=RETRY)
def validate_rows(
    context: dg.OpExecutionContext,
    run: ImportRun,
    shard: Shard,
    postgres: PostgresResource,
    uploads: StorageResource,
) -> ShardResult:
    """Map, normalize and validate one shard's chunks and COPY them to the staging table."""
    with job_guard(context, postgres.engine(), run.job_id):
        shared = SharedWork(run, uploads.storage())
        shared.fetch(shared.chunks("raw", shard.chunk_numbers))
        result = steps.validate_shard(run, shard, postgres.engine())
        shared.share([run.rejects_part(result.rejects_kind)])
    context.add_output_metadata(
        {
            "chunks": len(shard.chunk_numbers),
            "staged_rows": result.staged_rows,
            "error_rows": result.error_rows,
            "worker_processes": result.workers,
            "error_sample": dg.MetadataValue.md(markdown_table(pd.DataFrame(result.errors[:20]))),
            "warning_rows": result.warning_rows,
            "warning_sample": dg.MetadataValue.md(markdown_table(pd.DataFrame(result.warnings))),
        }
    )
    return result


@dg.op(retry_policy=RETRY, out=dg.Out(dict))
def write_records(
    context: dg.OpExecutionContext,
    run: ImportRun,
    shards: list[ShardResult],
    postgres: PostgresResource,
    uploads: StorageResource,
    exports: StorageResource,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output[dict[str, Any]]]:
    """A generator: an import over its error budget yields the failed check before it fails."""
    engine = postgres.engine()
    with job_guard(context, engine, run.job_id):
        run = steps.collect_shards(run, shards, engine)
        shared = SharedWork(run, uploads.storage())
        shared.fetch([*shared.chunks("raw"), *shared.rejects_parts()])
        run = steps.ensure_staged(run, engine)
        try:
            summary = steps.write_step(run, engine, exports.storage())
        except ErrorBudgetExceeded as exc:
            yield budget_exceeded(context, run, exc.error_rows, exc.total_rows)
            raise
        steps.finish(run)
        shared.remove()
    summary.update(
        import_job_id=run.job_id,
        errors=run.errors,
        mapping_used=run.mapping,
        action=run.opts.action,
    )
    counts = {k: v for k, v in summary.items() if k.endswith("_rows")}
    context.add_output_metadata(
        {
            **counts,
            "import_job_id": run.job_id,
            "shards": run.shards,
            **_rejects_metadata(run.job_id, summary["errors_file"]),
            "validate_only": run.opts.validate_only,
            "write_phases_seconds": summary["phases"],
            **_changes_metadata(engine, run, summary),
        }
    )
    if lost := steps.losses(summary):
        # On the run's page (a warning event) and in the runs list (a tag), not only in the job.
        context.log.warning(f"import job {run.job_id}: {lost}{_rejects_note(run.job_id, summary)}")
        context.instance.add_run_tags(context.run_id, {ATTENTION_TAG: lost[:200]})
    if not run.opts.validate_only:
        report_import(context, engine, run, summary, counts)
    yield dg.Output(summary)


def _changes_metadata(engine: Any, run: ImportRun, summary: dict[str, Any]) -> dict[str, Any]:
    """The first records the import changed, field by field (provenance, issue 15 item 1)."""
    if run.opts.validate_only or not (summary["updated_rows"] or summary["deleted_rows"]):
        return {}
    from pipelines.imports.history import import_changes

    rows = [
        {
            "record": c["record_id"],
            "row": c["row"],
            "action": c["action"],
            "field": name,
            "old": value["old"],
            "new": value["new"],
        }
        for c in import_changes(engine, run.module, run.job_id)
        for name, value in c["fields"].items()
    ]
    command = f"contactflow history --org {run.org} --module {run.module_slug} --id RECORD"
    return {
        "changes": dg.MetadataValue.md(markdown_table(pd.DataFrame(rows))),
        "history_command": dg.MetadataValue.text(command),
    }


def _rejects_note(job_id: int, summary: dict[str, Any]) -> str:
    """Where the rejected rows are, for a log line (text, so a path and the command, never a
    `file://` URL a browser refuses)."""
    if not summary["errors_file"]:
        return ""
    link = file_link(summary["errors_file"], "rejects", job_id)
    return f" (rejects file: {link.url or link.path}; {link.command})"


def _rejects_metadata(job_id: int, location: str | None) -> dict[str, Any]:
    """The rejects file as a link that opens (`pipelines.links`), or a note that there is none."""
    if not location:
        return {"errors_file": dg.MetadataValue.text("none: no row was rejected")}
    return link_metadata("errors_file", file_link(location, "rejects", job_id))


def _preview(run: ImportRun) -> str:
    if not run.chunks:
        return "(no rows)"
    return markdown_table(pd.read_parquet(run.chunk_path("raw", 1)).head(10))


@dg.op(retry_policy=RETRY)
def rollback_records(
    context: dg.OpExecutionContext, config: RollbackConfig, postgres: PostgresResource
) -> dict[str, Any]:
    """Undo one import in one transaction (or, with `dry_run`, count what undoing it would
    do), linking this run and the import's run both ways. Safe to retry; a failed rollback
    leaves the import job as it was: its reason is the run's failure, not the job's."""
    from pipelines.imports.rollback import rollback_import

    engine = postgres.engine()
    with step_guard(context, fail=lambda reason: None):
        import_run_id = jobstore.get_job(engine, config.import_job_id)["run_id"]
        _tag_rollback_run(context, config, import_run_id)
        result = rollback_import(engine, config.import_job_id, dry_run=config.dry_run)
    counts = {k: result[k] for k in ("deleted_rows", "restored_rows")}
    counts["conflicts"] = len(result["conflicts"])
    if import_run_id and not config.dry_run and context.instance.has_run(import_run_id):
        _tag_import_run(context, import_run_id, counts)
    link = {"import_run": dg.MetadataValue.dagster_run(import_run_id)} if import_run_id else {}
    context.add_output_metadata(
        {"import_job_id": config.import_job_id, "dry_run": config.dry_run, **counts, **link}
    )
    return result


def _tag_rollback_run(
    context: dg.OpExecutionContext, config: RollbackConfig, import_run_id: str | None
) -> None:
    tags = {ROLLBACK_OF_JOB_TAG: str(config.import_job_id)}
    if import_run_id:
        tags[ROLLBACK_OF_RUN_TAG] = import_run_id
    if config.dry_run:
        tags[DRY_RUN_TAG] = "true"
    context.instance.add_run_tags(context.run_id, tags)


def _tag_import_run(
    context: dg.OpExecutionContext, import_run_id: str, counts: dict[str, int]
) -> None:
    """The import's run points at the rollback run: a tag, and a line in its event log."""
    context.instance.add_run_tags(import_run_id, {ROLLED_BACK_BY_TAG: context.run_id})
    summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
    context.instance.report_engine_event(
        f"Rolled back by run {context.run_id}: {summary}.",
        context.instance.get_run_by_id(import_run_id),
    )
