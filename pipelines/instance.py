"""The Dagster instance the CLI and `./dev ui` share: DAGSTER_HOME, default
``<CONTACTFLOW_HOME>/dagster``, holding a link to the repository's dagster.yaml, with its
storage in the `dagster` schema of the records database (DAGSTER_PG_URL); and the
resources the code location binds to every job (`pipelines.definitions` uses the same ones, so
the CLI can run one job without importing the whole code location)."""

from __future__ import annotations

import contextlib
import os
import shlex
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from resources.dagster_notify import NotifierResource
from resources.dagster_postgres import PostgresResource
from resources.dagster_storage import StorageResource
from resources.embedded_postgres import contactflow_home
from resources.postgres import dagster_storage_url

REPO_ROOT = Path(__file__).resolve().parent.parent
STORAGE_URL_VARIABLE = "DAGSTER_PG_URL"

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


def ensure_dagster_home() -> Path:
    """Set DAGSTER_HOME when unset and make sure it holds the project's dagster.yaml; point
    DAGSTER_PG_URL (which that file reads) at the `dagster` schema of the records database."""
    home = Path(os.environ.get("DAGSTER_HOME") or contactflow_home() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.is_symlink() and not config.exists():
        # Another command started at the same time may make it first.
        with contextlib.suppress(FileExistsError):
            config.symlink_to(REPO_ROOT / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ[STORAGE_URL_VARIABLE] = dagster_storage_url()
    return home


def get_instance(pooled: bool = False) -> dg.DagsterInstance:
    """The instance on DAGSTER_HOME (dagster-postgres creates its tables on first use).

    `pooled`, for a command that runs a job in this process: dagster-postgres opens a new
    connection for every event it stores (103 for a 100-row import, 12 pooled); Dagster's
    public `optimize_for_webserver` keeps one per storage open instead, as the webserver
    does, for as long as this instance lives. Each checkout pings its connection first, so
    that after a database restart a stale one is replaced inside dagster-postgres's connect
    retries instead of failing the event write (tests: the database crash during a write)."""
    ensure_dagster_home()
    instance = dg.DagsterInstance.get()
    if pooled:
        instance.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=5)
        storages = (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
        for storage in storages:
            engine = getattr(storage, "_engine", None)  # dagster-postgres's, pinned 1.13.27
            if engine is not None:
                sa.event.listen(engine.pool, "checkout", _ping)
    return instance


def _ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """SQLAlchemy's pessimistic disconnect check: a connection that cannot answer is
    replaced (the pool retries the checkout with a new one)."""
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        raise sa.exc.DisconnectionError(str(exc)) from exc


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


if __name__ == "__main__":
    # `./dev ui`: the environment `dagster dev` needs, as shell exports.
    ensure_dagster_home()
    for name in ("DAGSTER_HOME", STORAGE_URL_VARIABLE):
        print(f"export {name}={shlex.quote(os.environ[name])}")
