"""Runs a job of the code location in the CLI's process as a run the UI can re-execute.

`execute_in_process` records a run without a code-location origin, and the UI's "Re-execute"
then fails (`CheckError: Expected non-None value`, dagster-io/dagster#19458). Here the run is
created with the origin the webserver and daemon load from `workspace.yaml` (location
`contactflow`, the Definitions' single repository), then executed synchronously in this
process with a reconstructable job, on the job's own executor. Dagster has no public API for
either half, so this module is the one adapter over those internals (pinned dagster 1.13.27).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = REPO_ROOT / "workspace.yaml"
LOCATION = "contactflow"


@functools.cache
def job_origin(job_name: str) -> Any:
    """The `RemoteJobOrigin` of `job_name` in the workspace's `contactflow` location, read from
    workspace.yaml without loading the code location."""
    from dagster._core.definitions.repository_definition.valid_definitions import (
        SINGLETON_REPOSITORY_NAME,
    )
    from dagster._core.remote_origin import RemoteRepositoryOrigin
    from dagster._core.workspace.load import location_origins_from_yaml_paths

    origins = {o.location_name: o for o in location_origins_from_yaml_paths([str(WORKSPACE)])}
    repository = RemoteRepositoryOrigin(origins[LOCATION], SINGLETON_REPOSITORY_NAME)
    return repository.get_job_origin(job_name)


def execute_job_run(
    load_job: Callable[[], dg.JobDefinition],
    instance: dg.DagsterInstance,
    run_config: Mapping[str, Any],
    tags: Mapping[str, str],
) -> Any:
    """Create the run of `load_job()` (a module-level function returning the job with its
    resources) with its workspace origin and execute it here. Returns Dagster's
    `JobExecutionResult` (`success`, `run_id`, `all_events`); open it with `with` to read
    outputs (`output_for_node`), as with `dg.execute_job`."""
    from dagster._core.execution.api import execute_run

    recon = dg.reconstructable(load_job)
    job = recon.get_definition()
    run = instance.create_run_for_job(
        job_def=job,
        run_config=run_config,
        tags=tags,
        remote_job_origin=job_origin(job.name),
        job_code_origin=recon.get_python_origin(),
    )
    return execute_run(recon, run, instance, raise_on_error=False)
