"""The `import_file` job: one dynamic partition per uploaded file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.errors import InputRejected, JobFailed, SetupError
from pipelines.imports.config import IMPORT_JOB_TAG, IMPORT_TARGET_TAG, ImportConfig
from pipelines.imports.ops import (
    map_columns,
    parse_file,
    rollback_records,
    split_shards,
    validate_rows,
    write_records,
)
from pipelines.names import check_file_name, check_org, partition_key_for, split_partition_key
from schemas.modules import get_module
from schemas.options import ImportOptions

EXECUTORS = ("in_process", "multiprocess", "celery")


def import_executor() -> dg.ExecutorDefinition:
    """The executor of `import_file`, chosen by CONTACTFLOW_EXECUTOR when the code location
    loads (docs/architecture.md "Scaling out"):
    - `in_process` (default): every step in the run's process; a shard's chunks still spread
      over the machine's cores in forked workers. One interpreter, no step start-up cost.
    - `multiprocess`: a process per step on this machine, shards in parallel.
    - `celery`: each step is a Celery task on the workers of CONTACTFLOW_CELERY_BROKER (Redis:
      `redis://host:6379/0`), so shards run on as many machines as run workers.
    """
    kind = os.environ.get("CONTACTFLOW_EXECUTOR", "in_process").strip() or "in_process"
    if kind == "in_process":
        return dg.in_process_executor
    if kind == "multiprocess":
        return dg.multiprocess_executor
    if kind == "celery":
        from pipelines.celery_app import configured_celery_executor

        return configured_celery_executor()
    raise SetupError(f"CONTACTFLOW_EXECUTOR={kind!r} is not one of {', '.join(EXECUTORS)}.")


IMPORT_PARTITIONS = dg.DynamicPartitionsDefinition(name="import_files")


def import_run_config(
    org: str, module: str, upload_key: str, file_name: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Run config of `import_file` with only the options given (the config class fills in the
    defaults). Raises ValueError when the options do not fit the typed config."""
    config = {
        "org": org,
        "module": module,
        "upload_key": upload_key,
        "file_name": file_name,
        "options": options,
    }
    ImportConfig.model_validate(config)
    return {"ops": {"parse_file": {"config": config}}}


def _partition_run_config(partition_key: str) -> dict[str, Any]:
    """A run launched from a partition alone (Launchpad, Partitions page, backfill): org,
    module and file from the key; `parse_file` finds the upload and its options."""
    org, module, file_name = split_partition_key(partition_key)
    return import_run_config(org, module, "", file_name, {})


def _partition_tags(partition_key: str) -> dict[str, str]:
    """Every run of a partition is serialised with the other imports of its org and module,
    whoever launches it."""
    org, module, _ = split_partition_key(partition_key)
    return {IMPORT_TARGET_TAG: f"{org}/{module}"}


IMPORT_PARTITIONED_CONFIG = dg.PartitionedConfig(
    partitions_def=IMPORT_PARTITIONS,
    run_config_for_partition_key_fn=_partition_run_config,
    tags_for_partition_key_fn=_partition_tags,
)


@dg.job(
    config=IMPORT_PARTITIONED_CONFIG,
    executor_def=import_executor(),
    description="Parse, map, validate (one step per shard of the file), resolve and write one "
    "uploaded file.",
)
def import_file() -> None:
    run = map_columns(parse_file())
    results = split_shards(run).map(lambda shard: validate_rows(run, shard))
    write_records(run, results.collect())


@dg.job(
    executor_def=dg.in_process_executor,
    description="Undo one import: delete what it created, restore what it changed.",
)
def rollback_import() -> None:
    rollback_records()


def import_file_with_resources() -> dg.JobDefinition:
    """`import_file` with the code location's resources, as a reconstructable target: the
    steps of a run on the multiprocess or Celery executor load the job from here."""
    from pipelines.instance import with_resources

    return with_resources(import_file)


@dataclass
class ImportRunResult:
    """What the CLI needs of a finished run, whichever executor ran it."""

    success: bool
    run_id: str
    summary: dict[str, Any] | None
    failure: str


def execute_import(
    instance: dg.DagsterInstance,
    partition_key: str,
    run_config: dict[str, Any],
    org: str,
    module: str,
    import_job_id: int,
) -> ImportRunResult:
    """Run `import_file` from this process on `instance`, so the run shows in the UI and can be
    re-executed there (`pipelines.runner`). With the default in-process executor every step
    runs here with the code location's resources (without importing the rest of the code
    location); with another executor (CONTACTFLOW_EXECUTOR) this process coordinates and the
    steps run in their own processes or Celery workers."""
    from pipelines.instance import failure_reason
    from pipelines.runner import execute_job_run

    instance.add_dynamic_partitions(IMPORT_PARTITIONS.name or "", [partition_key])
    tags = {
        **import_file.get_tags_for_partition_key(partition_key, None),
        IMPORT_TARGET_TAG: f"{org}/{module}",
        IMPORT_JOB_TAG: str(import_job_id),
    }
    with execute_job_run(import_file_with_resources, instance, run_config, tags) as result:
        summary = result.output_for_node("write_records") if result.success else None
    return ImportRunResult(
        result.success, result.run_id, summary, "" if result.success else failure_reason(result)
    )


def rollback_import_with_resources() -> dg.JobDefinition:
    """`rollback_import` with the code location's resources, as a reconstructable target."""
    from pipelines.instance import with_resources

    return with_resources(rollback_import)


def execute_rollback(
    instance: dg.DagsterInstance, import_job_id: int, dry_run: bool = False
) -> Any:
    """Run `rollback_import` here (`pipelines.runner`); open the result with `with`."""
    from pipelines.imports.config import RollbackConfig
    from pipelines.instance import QUIET_LOGGERS
    from pipelines.runner import execute_job_run

    config = RollbackConfig(import_job_id=import_job_id, dry_run=dry_run)
    run_config = dg.RunConfig(ops={"rollback_records": config}, loggers=QUIET_LOGGERS)
    return execute_job_run(
        rollback_import_with_resources, instance, run_config.to_config_dict(), {}
    )


def import_now(
    path: Path, org: str, module_slug: str, options: ImportOptions, launch: bool = False
) -> dict[str, Any]:
    """What `contactflow import` does: record the job, keep a copy of the upload, then run
    `import_file` in this process on the configured instance and return SPEC §8's result, or
    with `launch` queue the run for the daemon and return at once."""
    from pipelines.imports import jobstore, service
    from pipelines.instance import QUIET_LOGGERS, get_instance
    from resources.postgres import migrated_engine
    from resources.storage import storage_for

    if not path.is_file():
        raise InputRejected(f"File not found: {path}.")
    check_org(org)
    module = get_module(module_slug)
    options.check_against(module)
    file_name = check_file_name(options.file_name or path.name)
    engine = migrated_engine()
    option_values = options.model_dump(exclude_none=True)
    job_id = jobstore.create_job(
        engine, org, module.slug, option_values, status="queued", file_name=file_name
    )
    key = f"_cli/{org}/{module.slug}/{job_id}/{file_name}"
    storage_for("uploads").put_file(path, key)
    run_config = import_run_config(org, module.slug, key, file_name, option_values)
    partition = partition_key_for(org, module.slug, file_name, service.file_digest(path))
    instance = get_instance(pooled=not launch)
    if launch:
        run_id = submit_import(instance, partition, run_config, org, module.slug, job_id)
        jobstore.update_job(engine, job_id, run_id=run_id, partition_key=partition)
        return {"import_job_id": job_id, "run_id": run_id, "status": "queued"}
    run_config["loggers"] = QUIET_LOGGERS
    result = execute_import(instance, partition, run_config, org, module.slug, job_id)
    job = jobstore.get_job(engine, job_id)
    if job["status"] != "completed" or result.summary is None:
        raise JobFailed(job["reason"] or result.failure)
    return service.import_result(job, result.summary)


def submit_import(
    instance: dg.DagsterInstance,
    partition_key: str,
    run_config: dict[str, Any],
    org: str,
    module: str,
    import_job_id: int,
) -> str:
    """Queue an `import_file` run on the instance (the daemon starts it, under the queue's
    per org/module limit); returns the run id."""
    from pipelines.launch import launch_run

    instance.add_dynamic_partitions(IMPORT_PARTITIONS.name or "", [partition_key])
    tags = {
        IMPORT_TARGET_TAG: f"{org}/{module}",
        IMPORT_JOB_TAG: str(import_job_id),
        "dagster/partition": partition_key,
    }
    return launch_run("import_file", run_config, tags, "the import run")
