"""Queue a run of a code-location job on the Dagster instance for its daemon to start
(`dagster job launch` on the repository's workspace), as `import --launch` and `export --launch`
do: the command returns at once with the run id, and the run's queue limits apply."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from pipelines.errors import JobFailed

REPO_ROOT = Path(__file__).resolve().parent.parent
LAUNCH_TIMEOUT_SECONDS = 300


def launch_run(job_name: str, run_config: dict[str, Any], tags: dict[str, str], what: str) -> str:
    """Submit a run of `job_name` to the instance's run queue; returns its run id. `what`
    names the run in the error (`the import run`). The instance is opened here first, so that
    DAGSTER_HOME and its storages exist before `dagster job launch` opens them."""
    from pipelines.instance import get_instance

    get_instance()
    run_id = str(uuid.uuid4())
    dagster = Path(sys.executable).with_name("dagster")
    try:
        result = _dagster_job_launch(dagster, job_name, run_config, tags, run_id)
    except (OSError, subprocess.SubprocessError) as exc:
        raise JobFailed(f"Could not queue {what}: {exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:]
        raise JobFailed(f"Could not queue {what}: {' '.join(detail)}")
    return run_id


def _dagster_job_launch(
    dagster: Path, job_name: str, run_config: dict[str, Any], tags: dict[str, str], run_id: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(dagster),
            "job",
            "launch",
            "-w",
            str(REPO_ROOT / "workspace.yaml"),
            "-j",
            job_name,
            "--config-json",
            json.dumps(run_config),
            "--tags",
            json.dumps(tags),
            "--run-id",
            run_id,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=LAUNCH_TIMEOUT_SECONDS,
    )
