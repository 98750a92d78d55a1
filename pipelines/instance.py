"""The Dagster instance the CLI and `./dev ui` share: DAGSTER_HOME, default
``<CONTACTFLOW_HOME>/dagster``, holding a link to the repository's dagster.yaml; and the
resources the code location binds to every job (`pipelines.definitions` uses the same ones, so
the CLI can run one job without importing the whole code location)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

import dagster as dg

from resources.dagster_postgres import PostgresResource
from resources.embedded_postgres import contactflow_home
from resources.notify import NotifierResource
from resources.storage import StorageResource

REPO_ROOT = Path(__file__).resolve().parent.parent

RESOURCES: dict[str, Any] = {
    "postgres": PostgresResource(),
    "uploads": StorageResource(kind="uploads"),
    "exports": StorageResource(kind="exports"),
    "notifier": NotifierResource(),
}


def with_resources(job: dg.JobDefinition) -> dg.JobDefinition:
    """`job` bound to the code location's resources, as the CLI runs it (`pipelines.runner`)."""
    return dg.Definitions(jobs=[job], resources=RESOURCES).get_job_def(job.name)


# Runs the CLI executes in-process log to the console only what matters (their events are stored
# and shown in the UI either way).
QUIET_LOGGERS = {"console": {"config": {"log_level": "CRITICAL"}}}

# The SQLite files of the default storage (run, event-log index, schedule storage), relative to
# DAGSTER_HOME: once they all exist, another process has created every schema already.
SQLITE_STORAGE_FILES = ("history/runs.db", "history/runs/index.db", "schedules/schedules.db")


def ensure_dagster_home() -> Path:
    """Set DAGSTER_HOME when unset and make sure it holds the project's dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or contactflow_home() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and not config.is_symlink():
        config.symlink_to(REPO_ROOT / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance() -> dg.DagsterInstance:
    """The instance, its storages created under a file lock: two CLI processes starting at
    once on a fresh DAGSTER_HOME would otherwise race creating the SQLite schemas. Storages
    that Dagster opens lazily are touched inside the lock, unless their files show that they
    exist already (other storage configurations are always touched)."""
    home = ensure_dagster_home()
    with open(home / ".contactflow.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        created = all((home / name).exists() for name in SQLITE_STORAGE_FILES)
        instance = dg.DagsterInstance.get()
        if not created:
            instance.get_runs(limit=1)
            instance.get_dynamic_partitions("import_files")
            instance.all_instigator_state()
    return instance


def failure_reason(result: dg.ExecuteInProcessResult | dg.JobExecutionResult) -> str:
    """The first step failure's message as a person should read it (no exception class)."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                return data.user_failure_data.description
            if data.error:
                return data.error.message.strip().splitlines()[-1]
    return f"run {result.run_id} failed; see the Dagster UI"
