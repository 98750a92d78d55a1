"""Rollback: undo exactly what one import did, in one transaction.

Created records (and references) are found by `created_by_import_id` and deleted; updated and
deleted records get their before-images back from `import_events` (an update's image holds
only the fields it changed, so only those are restored). A record that a later import changed
(its `import_job_id` is no longer this job) is left alone and reported as a conflict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from pipelines.errors import JobFailed
from pipelines.imports import jobstore
from pipelines.imports.write import WRITE_LOCK_SQL, before_image, image_key
from schemas.modules import MODULES, target_module
from schemas.tables import RECORD_TABLES


def rollback_import(engine: sa.Engine, job_id: int, dry_run: bool = False) -> dict[str, Any]:
    """Undo import `job_id`; with `dry_run`, do all of it in a transaction that is rolled back,
    so the counts and conflicts are exactly those a real rollback would give now."""
    job = jobstore.get_job(engine, job_id)
    _check_rollback_possible(job)
    org, module = job["org"], job["module"]
    params = {"job": job_id, "org": org, "module": module}
    conflicts: list[dict[str, Any]] = []
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(sa.text(WRITE_LOCK_SQL), params)
        if not conn.execute(
            sa.text("SELECT 1 FROM import_events WHERE import_job_id = :job LIMIT 1"), params
        ).first() and _did_write(job):
            raise JobFailed(
                f"Rollback of import {job_id} is no longer possible: its history "
                "was purged after rollback_retention_days."
            )
        restored = _restore_deleted(conn, module, params, conflicts)
        restored += _restore_updated(conn, module, params, conflicts)
        deleted = _delete_created(conn, module, params, conflicts)
        for reference in _referenced(module):
            _delete_created(conn, reference, params, conflicts)
        if dry_run:
            transaction.rollback()
        else:
            _mark_cancelled(conn, params, len(conflicts))
    return {
        "import_job_id": job_id,
        "status": job["status"] if dry_run else "cancelled",
        "deleted_rows": deleted,
        "restored_rows": restored,
        "conflicts": conflicts,
        **({"dry_run": True} if dry_run else {}),
    }


def _referenced(module: str) -> list[str]:
    """The modules whose records an import of `module` may create as references."""
    return sorted({str(f.reference) for f in MODULES[module].references()} - {module})


def _mark_cancelled(conn: sa.Connection, params: dict[str, Any], conflicts: int) -> None:
    conn.execute(
        sa.text(
            "UPDATE import_jobs SET status = 'cancelled', reason = :reason, "
            "completed_at = :now WHERE id = :job"
        ),
        {**params, "now": datetime.now(UTC), "reason": f"rolled back ({conflicts} conflicts)"},
    )


def _did_write(job: dict[str, Any]) -> bool:
    """Whether the import left before-images (creates need none) that only a purge can have
    removed: an erasure may have deleted all of them (docs/erasure.md), which is no purge."""
    erased = bool(job.get("erasures"))
    return not erased and any(job.get(k) for k in ("updated_rows", "deleted_rows"))


def _check_rollback_possible(job: dict[str, Any]) -> None:
    if job["validate_only"]:
        raise JobFailed(f"Import {job['id']} was validate_only: it wrote nothing to roll back.")
    if job["status"] != "completed":
        raise JobFailed(
            f"Import {job['id']} is {job['status']}; only a completed import can be rolled back."
        )
    expires = job.get("expires_at")
    if expires and datetime.fromisoformat(expires) < datetime.now(UTC):
        raise JobFailed(
            f"Rollback of import {job['id']} is no longer possible: it expired on "
            f"{expires} (rollback_retention_days)."
        )


def _columns(module: str) -> list[str]:
    return [c for c in RECORD_TABLES[module].c.keys() if c != "id"]  # noqa: SIM118


def _record_conflicts(
    conn: sa.Connection, sql: str, params: dict[str, Any], conflicts: list[dict[str, Any]]
) -> None:
    for record_id, reason in conn.execute(sa.text(sql), params):
        conflicts.append({"record_id": int(record_id), "reason": reason})


def _restore_links(
    conn: sa.Connection, module: str, action: str, params: dict[str, Any], extra: str = ""
) -> None:
    """The links of each multi reference (a contact's groups) from the events' images."""
    definition = MODULES[module]
    for f in definition.multi_references():
        link, key, target = definition.link(f), image_key(f), target_module(f).table
        conn.execute(
            sa.text(
                f"""INSERT INTO {link.table} ({link.owner_column}, {link.target_column}, org)
                SELECT e.record_id, g::bigint, e.org FROM import_events e,
                       jsonb_array_elements_text(coalesce(e.before->'{key}', '[]')) g
                WHERE e.import_job_id = :job AND e.module = :module AND e.action = '{action}'
                  AND e.before ? '{key}'
                  {extra} AND EXISTS (SELECT 1 FROM {target} WHERE id = g::bigint)
                ON CONFLICT DO NOTHING"""
            ),
            params,
        )


def _restore_deleted(
    conn: sa.Connection, module: str, params: dict[str, Any], conflicts: list[dict[str, Any]]
) -> int:
    table = RECORD_TABLES[module].name
    _record_conflicts(
        conn,
        f"""SELECT e.record_id, 'a record with this id exists again'
        FROM import_events e JOIN {table} t ON t.id = e.record_id
        WHERE e.import_job_id = :job AND e.module = :module AND e.action = 'deleted'""",
        params,
        conflicts,
    )
    # Provenance: the records this rollback brings back.
    conn.execute(
        sa.text(
            f"""INSERT INTO import_events (import_job_id, org, module, record_id, action,
                  after, source_row)
            SELECT e.import_job_id, e.org, e.module, e.record_id, 'rolled_back', e.before,
                   e.source_row
            FROM import_events e WHERE e.import_job_id = :job AND e.module = :module
              AND e.action = 'deleted'
              AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = e.record_id)"""
        ),
        params,
    )
    result = conn.execute(
        sa.text(
            f"""INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, e.before)).*
            FROM import_events e WHERE e.import_job_id = :job AND e.module = :module
              AND e.action = 'deleted'
              AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = e.record_id)"""
        ),
        params,
    )
    _restore_links(conn, module, "deleted", params)
    return int(result.rowcount or 0)


def _restore_updated(
    conn: sa.Connection, module: str, params: dict[str, Any], conflicts: list[dict[str, Any]]
) -> int:
    table = RECORD_TABLES[module].name
    _record_conflicts(
        conn,
        f"""SELECT e.record_id, CASE WHEN t.id IS NULL
            THEN 'deleted after this import'
            ELSE 'changed by import ' || coalesce(t.import_job_id::text, '?')
                 || ' after this import' END
        FROM import_events e LEFT JOIN {table} t ON t.id = e.record_id
        WHERE e.import_job_id = :job AND e.module = :module AND e.action = 'updated'
          AND t.import_job_id IS DISTINCT FROM :job""",
        params,
        conflicts,
    )
    columns = _columns(module)
    targets = ", ".join(columns)
    # Only what the image holds: an update's image has the fields it changed.
    sources = ", ".join(f"CASE WHEN r._image ? '{c}' THEN r.{c} ELSE t.{c} END" for c in columns)
    mine = (
        f"e.import_job_id = :job AND e.module = :module AND e.action = 'updated' AND "
        f"EXISTS (SELECT 1 FROM {table} t2 WHERE t2.id = e.record_id "
        "AND t2.import_job_id = :job)"
    )
    definition = MODULES[module]
    for f in definition.multi_references():
        link = definition.link(f)
        conn.execute(
            sa.text(f"""DELETE FROM {link.table} cg USING import_events e
                                 WHERE cg.{link.owner_column} = e.record_id AND {mine}
                                   AND e.before ? '{image_key(f)}'"""),
            params,
        )
    _restore_links(
        conn,
        module,
        "updated",
        params,
        extra=f"AND EXISTS (SELECT 1 FROM {table} t2 WHERE t2.id = e.record_id "
        "AND t2.import_job_id = :job)",
    )
    # Provenance: each restored field's value now (`before`) and the value it gets back.
    conn.execute(
        sa.text(
            f"""INSERT INTO import_events (import_job_id, org, module, record_id, action,
                  before, after, source_row)
            SELECT e.import_job_id, e.org, e.module, e.record_id, 'rolled_back',
                   (SELECT jsonb_object_agg(k, x.image->k) FROM jsonb_object_keys(e.before) k),
                   e.before, e.source_row
            FROM import_events e
            JOIN LATERAL (SELECT {before_image(definition)} AS image FROM {table} t
                          WHERE t.id = e.record_id) x ON true
            WHERE {mine}"""
        ),
        params,
    )
    result = conn.execute(
        sa.text(
            f"""UPDATE {table} t SET ({targets}) = ({sources})
            FROM (SELECT e.before AS _image, (jsonb_populate_record(NULL::{table}, e.before)).*
                  FROM import_events e WHERE {mine}) r
            WHERE t.id = r.id AND t.import_job_id = :job"""
        ),
        params,
    )
    return int(result.rowcount or 0)


def _delete_created(
    conn: sa.Connection, module: str, params: dict[str, Any], conflicts: list[dict[str, Any]]
) -> int:
    """Records of `module` the import created; `created` events are what imports before
    `created_by_import_id` left (kept for their rollback retention)."""
    table = RECORD_TABLES[module].name
    created = (
        "t.org = :org AND (t.created_by_import_id = :job OR t.id IN (SELECT e.record_id "
        f"FROM import_events e WHERE e.import_job_id = :job AND e.module = '{module}' "
        "AND e.action = 'created'))"
    )
    _record_conflicts(
        conn,
        f"""SELECT t.id, 'changed by import ' ||
            coalesce(t.import_job_id::text, '?') || ' after this import'
        FROM {table} t WHERE {created} AND t.import_job_id IS DISTINCT FROM :job""",
        params,
        conflicts,
    )
    result = conn.execute(
        sa.text(f"DELETE FROM {table} t WHERE {created} AND t.import_job_id = :job"), params
    )
    return int(result.rowcount or 0)
