"""What a Dagster run recorded, read back from the instance as the UI shows it."""

from __future__ import annotations

from typing import Any

import dagster as dg

from pipelines.instance import get_instance


def latest_run(job_name: str) -> dg.DagsterRun:
    return get_instance().get_runs(dg.RunsFilter(job_name=job_name), limit=1)[0]


def step_metadata(run_id: str, step_key: str) -> dict[str, Any]:
    """The metadata of a step's output (`MetadataValue`s by name)."""
    for event in get_instance().all_logs(run_id):
        found = event.dagster_event
        if found and found.is_successful_output and event.step_key == step_key:
            return dict(found.step_output_data.metadata)
    raise AssertionError(f"step {step_key} of run {run_id} reported no output")
