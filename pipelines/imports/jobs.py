"""The `import_file` job: one dynamic partition per uploaded file."""

from __future__ import annotations

from typing import Any

import dagster as dg

from pipelines.imports.ops import (
    map_columns,
    parse_file,
    rollback_records,
    validate_rows,
    write_records,
)

IMPORT_PARTITIONS = dg.DynamicPartitionsDefinition(name="import_files")
IMPORT_TARGET_TAG = "contactflow/import-target"


@dg.job(
    partitions_def=IMPORT_PARTITIONS,
    description="Parse, map, validate, resolve and write one uploaded file.",
)
def import_file() -> None:
    write_records(validate_rows(map_columns(parse_file())))


@dg.job(description="Undo one import: delete what it created, restore what it changed.")
def rollback_import() -> None:
    rollback_records()


def partition_key_for(org: str, module: str, file_name: str, digest: str) -> str:
    """`<org>/<module>/<file>@<first 12 hex of the content hash or ETag>`."""
    return f"{org}/{module}/{file_name}@{digest[:12]}"


def import_run_config(
    org: str,
    module: str,
    upload_key: str,
    file_name: str,
    options: dict[str, Any],
    import_job_id: int,
) -> dict[str, Any]:
    config = {
        "org": org,
        "module": module,
        "upload_key": upload_key,
        "file_name": file_name,
        "options": options,
        "import_job_id": import_job_id,
    }
    return {"ops": {"parse_file": {"config": config}}}


def execute_import(
    instance: dg.DagsterInstance,
    partition_key: str,
    run_config: dict[str, Any],
    org: str,
    module: str,
) -> dg.ExecuteInProcessResult:
    """Run `import_file` in this process on `instance`, so the run shows in the UI."""
    from pipelines.definitions import defs

    instance.add_dynamic_partitions(IMPORT_PARTITIONS.name or "", [partition_key])
    return defs.get_job_def("import_file").execute_in_process(
        run_config=run_config,
        instance=instance,
        partition_key=partition_key,
        tags={IMPORT_TARGET_TAG: f"{org}/{module}"},
        raise_on_error=False,
    )


def execute_rollback(instance: dg.DagsterInstance, import_job_id: int) -> dg.ExecuteInProcessResult:
    from pipelines.definitions import defs

    return defs.get_job_def("rollback_import").execute_in_process(
        run_config={
            "ops": {"rollback_records": {"config": {"import_job_id": import_job_id}}},
            "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        },
        instance=instance,
        raise_on_error=False,
    )
