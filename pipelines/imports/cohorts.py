"""Import jobs as cohorts: update an import's metadata (`campaign_id`, `source`) and delete an
import job record while its records stay (`contactflow job ID --set … | --delete`).

Deleting a job, in one transaction with the job row locked (so a run cannot start writing
meanwhile): its records lose `import_job_id` and `created_by_import_id`/`created_by_row` (in
every module of its org: an import also stamps the companies and groups it created as
references); its `import_events` (the before-images rollback restores and provenance reads)
are deleted with it, so the import can no longer be rolled back and its changes leave the
records' history. After the commit the files contactflow made for it are deleted: the rejects
CSV and JSON, the validate-only plan, and the copy of a CLI upload; a file dropped into the
uploads bucket belongs to whoever dropped it and stays."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from pipelines.errors import InputRejected, JobFailed
from pipelines.imports import jobstore
from pipelines.jobrows import jsonable
from schemas.tables import RECORD_TABLES, import_events, import_jobs

COHORT_FIELDS = ("campaign_id", "source")
CLI_UPLOADS = "/_cli/"


def metadata_updates(flags: list[str]) -> dict[str, str | None]:
    """`--set KEY=VALUE` flags as column values, kept as text (`campaign_id=007` stays "007"):
    only cohort fields; an empty value clears the field."""
    values: dict[str, str | None] = {}
    for text in flags:
        key, equals, value = text.partition("=")
        if not equals:
            raise InputRejected(f"--set takes FIELD=VALUE, got {text!r}.")
        if key.strip() not in COHORT_FIELDS:
            raise InputRejected(
                f"--set {key.strip()}: an import's metadata is {' or '.join(COHORT_FIELDS)}."
            )
        values[key.strip()] = value.strip() or None
    return values


def update_metadata(
    engine: sa.Engine, job_id: int, org: str | None, values: dict[str, str | None]
) -> dict[str, Any]:
    """Set cohort fields on the job (and the same keys of its stored options, so the row
    agrees with itself); returns the updated job."""
    jobstore.get_job(engine, job_id, org)
    options: Any = import_jobs.c.options
    for key, value in values.items():
        key_text = sa.literal(key, sa.Text)
        if value is None:
            options = options.op("-", return_type=JSONB)(key_text)
        else:
            pair = sa.func.jsonb_build_object(key_text, sa.literal(value, sa.Text))
            options = options.op("||", return_type=JSONB)(pair)
    with engine.begin() as conn:
        conn.execute(
            import_jobs.update().where(import_jobs.c.id == job_id).values(**values, options=options)
        )
    return jobstore.get_job(engine, job_id, org)


def delete_job(engine: sa.Engine, job_id: int, org: str | None) -> dict[str, Any]:
    """Delete an import job record that is not running (see the module docstring)."""
    with engine.begin() as conn:
        job = _locked_job(conn, job_id, org)
        detached = {
            slug: _detach(conn, table, job_id, job["org"]) for slug, table in RECORD_TABLES.items()
        }
        events = conn.execute(
            import_events.delete().where(import_events.c.import_job_id == job_id)
        ).rowcount
        conn.execute(import_jobs.delete().where(import_jobs.c.id == job_id))
    return {
        "import_job_id": job_id,
        "deleted": True,
        "detached_records": {slug: count for slug, count in detached.items() if count},
        "deleted_events": events,
        "deleted_files": _delete_files(job),
    }


def _locked_job(conn: sa.Connection, job_id: int, org: str | None) -> dict[str, Any]:
    query = sa.select(import_jobs).where(import_jobs.c.id == job_id).with_for_update()
    if org is not None:
        query = query.where(import_jobs.c.org == org)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise JobFailed(f"No import job {job_id}" + (f" in org {org}." if org else "."))
    if row["status"] in jobstore.ACTIVE:
        raise JobFailed(
            f"Import job {job_id} is {row['status']}: it can be deleted once it has finished."
        )
    return jsonable(row)


def _detach(conn: sa.Connection, table: sa.Table, job_id: int, org: str) -> int:
    """Clear the job from its org's records; returns how many records it had written."""
    written = conn.execute(
        table.update()
        .where(table.c.org == org, table.c.import_job_id == job_id)
        .values(import_job_id=None)
    ).rowcount
    conn.execute(
        table.update()
        .where(table.c.org == org, table.c.created_by_import_id == job_id)
        .values(created_by_import_id=None, created_by_row=None)
    )
    return int(written)


def _delete_files(job: dict[str, Any]) -> list[str]:
    """Delete the stored files contactflow made for the job; returns the locations deleted."""
    from pipelines.exports.jobstore import stored_file

    locations = []
    if rejects := job.get("errors_file"):
        locations += [rejects, f"{rejects.removesuffix('.csv')}.json"]
    if job.get("plan_file"):
        locations.append(job["plan_file"])
    upload = job.get("upload_location")
    if upload and CLI_UPLOADS in upload:
        locations.append(upload)
    deleted = []
    for location in locations:
        storage, key = stored_file(location)
        if storage.delete(key):
            deleted.append(location)
    return deleted
