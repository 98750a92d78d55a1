"""Celery for the `import_file` job's steps (CONTACTFLOW_EXECUTOR=celery): the executor the job
uses, and the Celery app its workers run:

    CONTACTFLOW_CELERY_BROKER=redis://host:6379/0 CONTACTFLOW_WORKERS=1 \\
        celery -A pipelines.celery_app worker -Q dagster --prefetch-multiplier=1 --concurrency=2

Workers need the same code, DATABASE_URL, UPLOADS_URL/EXPORTS_URL and DAGSTER_HOME as the process
that launches the run; the run storage they share is the `dagster` schema of that database
(DAGSTER_PG_URL, set here from DATABASE_URL when a worker starts without it). Each shard is
one task, so one worker process per core (`--concurrency`, and CONTACTFLOW_WORKERS=1 so a task
does not fork more) uses a machine fully; add machines by starting workers there.
"""

from __future__ import annotations

import os

import dagster as dg
from dagster_celery import celery_executor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from pipelines.instance import STORAGE_URL_VARIABLE, ensure_dagster_home

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
if not os.environ.get(STORAGE_URL_VARIABLE):
    ensure_dagster_home()


def broker_url() -> str:
    return os.environ.get("CONTACTFLOW_CELERY_BROKER") or DEFAULT_BROKER


def configured_celery_executor() -> dg.ExecutorDefinition:
    """dagster-celery's executor on CONTACTFLOW_CELERY_BROKER (also the result backend)."""
    url = broker_url()
    return celery_executor.configured({"broker": url, "backend": url}, name="celery")


app = make_app({"broker": broker_url(), "backend": broker_url()})
execute_plan = create_task(app)
