"""Sensors: `uploads_sensor` turns dropped files into import runs; the run-status sensors
record failures on import and export jobs and send the webhooks when those runs end."""

from __future__ import annotations

import logging
import os
import time

import dagster as dg

from pipelines.errors import InputRejected, classify
from pipelines.imports.config import OPTIONS_ERROR_TAG, SENSOR_DEFAULTS
from pipelines.imports.jobs import (
    IMPORT_PARTITIONS,
    IMPORT_TARGET_TAG,
    import_file,
    import_run_config,
)
from pipelines.imports.uploads import Scan, ScanLimits, Upload, UploadCursor, scan
from pipelines.outcomes import UPLOAD_KEY_TAG, FinishedRun, job_for, record_failure
from resources.dagster_notify import NotifierResource
from resources.dagster_postgres import PostgresResource
from resources.dagster_storage import StorageResource
from resources.notify import build_payload
from schemas.options import parse_options

RUN_KEY_TAG = "dagster/run_key"
OPTIONS_FROM_TAG = "contactflow/options_from"
MAX_LOGGED_LINES = 100
MAX_SETTLE_WAIT = 5.0  # the sensor waits this long at most for a file to become quiet
CRASH_NOTE = "Run execution process for"  # the code server's engine event when a run dies


def _seconds(variable: str, default: int = 15) -> int:
    return int(os.environ.get(variable, str(default)))


def run_request_for(upload: Upload) -> dg.RunRequest:
    """One run of `import_file` for one object; its run key is its partition key, so the
    daemon never launches a second run for the same object even if a tick is evaluated twice."""
    options = {**SENSOR_DEFAULTS, **upload.options}
    tags = {
        IMPORT_TARGET_TAG: f"{upload.org}/{upload.module}",
        UPLOAD_KEY_TAG: upload.key,
        OPTIONS_FROM_TAG: upload.options_from,
    }
    if upload.options_error:
        tags[OPTIONS_ERROR_TAG] = upload.options_error[:2000]
        options = {}  # the run fails with the error; the unusable options are not config
    try:
        parse_options(options)  # the run fails with this sentence; bad values are not config
        run_config = import_run_config(
            upload.org, upload.module, upload.key, upload.file_name, options
        )
    except (InputRejected, ValueError) as exc:
        tags[OPTIONS_ERROR_TAG] = str(exc)[:2000]
        run_config = import_run_config(upload.org, upload.module, upload.key, upload.file_name, {})
    return dg.RunRequest(
        run_key=upload.partition_key,
        partition_key=upload.partition_key,
        run_config=run_config,
        tags=tags,
    )


def _log_scan(log: logging.Logger, found: Scan, where: str) -> None:
    lines = [f"new file {u.key} -> partition {u.partition_key}" for u in found.uploads]
    lines += [f"skipped {key}: {reason}" for key, reason in found.skipped]
    for line in lines[:MAX_LOGGED_LINES]:
        log.info(line)
    if len(lines) > MAX_LOGGED_LINES:
        log.info(f"... and {len(lines) - MAX_LOGGED_LINES} more files skipped or new")
    if found.deferred:
        waiting = ", ".join(found.deferred[:5])
        log.info(f"{len(found.deferred)} files still being written, next tick: {waiting}")
    if found.stopped_by:
        log.info(f"stopped after {found.stopped_by}; the next tick continues the listing")
    log.info(
        f"{where}: listed {found.listed} objects, {len(found.uploads)} new, "
        f"{len(found.skipped)} skipped, pass {'finished' if found.pass_finished else 'continues'}"
    )


@dg.sensor(
    job=import_file,
    # The daemon evaluates sensors every 5 s at most; 3 s lets every pass tick.
    minimum_interval_seconds=_seconds("UPLOADS_SENSOR_INTERVAL_SECONDS", 3),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Imports each file dropped at <UPLOADS_URL>/<org>/<module>/<file> exactly once, with "
        "options from <file>.import.yaml|json, else <org>/<module>/_defaults.yaml."
    ),
)
def uploads_sensor(
    context: dg.SensorEvaluationContext, uploads: StorageResource
) -> dg.SensorResult:
    storage = uploads.storage()

    def previous_runs(partition_keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(partition_keys), 200):
            chunk = partition_keys[start : start + 200]
            for run in context.instance.get_runs(dg.RunsFilter(tags={RUN_KEY_TAG: chunk})):
                found[run.tags[RUN_KEY_TAG]] = run.run_id
        return found

    cursor, limits = UploadCursor.from_json(context.cursor), ScanLimits.from_env(storage)
    found = scan(storage, cursor, time.time(), previous_runs, limits)
    if found.deferred and not found.uploads and limits.settle_seconds <= MAX_SETTLE_WAIT:
        # Files that arrived just before this tick: wait for them here rather than for the
        # daemon's next sensor pass, about 5 s away (the scan is a function of the cursor).
        time.sleep(limits.settle_seconds)
        found = scan(storage, cursor, time.time(), previous_runs, limits)
    _log_scan(context.log, found, uploads.resolved_url())
    requests = [run_request_for(upload) for upload in found.uploads]
    if not requests:
        return dg.SensorResult(
            skip_reason=f"no new files ({found.listed} objects listed)",
            cursor=found.cursor.to_json(),
        )
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[
            IMPORT_PARTITIONS.build_add_request([r.partition_key or "" for r in requests])
        ],
        cursor=found.cursor.to_json(),
    )


def _step_failure(context: dg.RunFailureSensorContext) -> str:
    """The first failed step's message as a person should read it, else how the run's
    process died (the code server's note: "... was terminated by signal 9 (SIGKILL)."), else
    the run's failure message."""
    for event in context.get_step_failure_events():
        data = event.step_failure_data
        if data.user_failure_data and data.user_failure_data.description:
            return data.user_failure_data.description
        if error := data.error:
            while error.cause:
                error = error.cause
            return error.message.strip().splitlines()[-1]
    run_id = context.dagster_run.run_id
    for entry in context.instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        if CRASH_NOTE in entry.message:  # "[DagsterApiServer] Run execution process for ..."
            return entry.message[entry.message.index(CRASH_NOTE) :]
    return context.failure_event.message or ""


def _finished_run(
    context: dg.RunStatusSensorContext, status: dg.DagsterRunStatus, reason: str = ""
) -> FinishedRun:
    run = context.dagster_run
    return FinishedRun(
        run_id=run.run_id,
        job_name=run.job_name,
        status=status.value,
        tags=dict(run.tags),
        run_config=dict(run.run_config),
        reason=reason,
    )


def _conclude(
    context: dg.RunStatusSensorContext,
    run: FinishedRun,
    postgres: PostgresResource,
    uploads: StorageResource,
    notifier: NotifierResource,
) -> None:
    """Record a failure the ops could not, then notify; neither may fail the tick or the run."""
    if run.kind is None:
        return
    job = None
    try:
        engine = postgres.engine()
        if run.status == "SUCCESS":
            job = job_for(engine, run)
        else:
            key = run.tags.get(UPLOAD_KEY_TAG)
            location = uploads.storage().location(key) if key else None
            job = record_failure(engine, run, location)
    except Exception as exc:
        reason = classify(exc).message
        context.log.warning(f"could not read or update the job of run {run.run_id}: {reason}")
    try:
        deliveries = notifier.send(build_payload(run.kind, run.summary(), job))
    except Exception as exc:
        context.log.warning(f"webhooks for run {run.run_id} not sent: {classify(exc).message}")
        return
    for delivery in deliveries:
        outcome = "delivered" if delivery.ok else f"given up ({delivery.error})"
        context.log.info(f"webhook {delivery.url}: {outcome} after {delivery.attempts} attempts")


@dg.run_failure_sensor(
    name="run_failure_sensor",
    monitor_all_code_locations=True,
    minimum_interval_seconds=_seconds("NOTIFY_SENSOR_INTERVAL_SECONDS"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks the import or export job of a failed run failed and sends webhooks.",
)
def run_failure_sensor(
    context: dg.RunFailureSensorContext,
    postgres: PostgresResource,
    uploads: StorageResource,
    notifier: NotifierResource,
) -> None:
    run = _finished_run(context, dg.DagsterRunStatus.FAILURE, _step_failure(context))
    _conclude(context, run, postgres, uploads, notifier)


@dg.run_status_sensor(
    name="run_success_sensor",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitor_all_code_locations=True,
    minimum_interval_seconds=_seconds("NOTIFY_SENSOR_INTERVAL_SECONDS"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends webhooks with the summary of each finished import and export.",
)
def run_success_sensor(
    context: dg.RunStatusSensorContext,
    postgres: PostgresResource,
    uploads: StorageResource,
    notifier: NotifierResource,
) -> None:
    _conclude(
        context, _finished_run(context, dg.DagsterRunStatus.SUCCESS), postgres, uploads, notifier
    )


@dg.run_status_sensor(
    name="run_canceled_sensor",
    run_status=dg.DagsterRunStatus.CANCELED,
    monitor_all_code_locations=True,
    minimum_interval_seconds=_seconds("NOTIFY_SENSOR_INTERVAL_SECONDS"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks the job of a canceled import or export run failed and sends webhooks.",
)
def run_canceled_sensor(
    context: dg.RunStatusSensorContext,
    postgres: PostgresResource,
    uploads: StorageResource,
    notifier: NotifierResource,
) -> None:
    message = context.dagster_event.message or "canceled"
    run = _finished_run(context, dg.DagsterRunStatus.CANCELED, message)
    _conclude(context, run, postgres, uploads, notifier)


SENSORS = [uploads_sensor, run_failure_sensor, run_success_sensor, run_canceled_sensor]
