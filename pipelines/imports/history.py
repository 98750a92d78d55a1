"""Field-level provenance of one record (`contactflow history`): which import, file and source
row created it, and each later change by an import or a rollback, newest first.

Nothing is stored for history alone. A record carries `created_by_import_id` and
`created_by_row`; an update's event holds the changed fields' old values (`before`, the image
rollback restores), their new values (`after`) and the source row; a delete's event holds the
whole record; a rollback writes the images it swaps. The values a record was created with are
its current values with each later change undone, newest first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pipelines.errors import InputRejected
from pipelines.imports.write import before_image, image_key
from schemas.modules import ModuleDef, get_module

ACTIONS = {
    "created": "create",
    "updated": "update",
    "deleted": "delete",
    "rolled_back": "rollback",
}
# Columns every record has that are bookkeeping, not fields.
SYSTEM_COLUMNS = frozenset(
    {
        "id",
        "org",
        "import_job_id",
        "created_by_import_id",
        "created_by_row",
        "created_at",
        "updated_at",
    }
)


def record_history(
    engine: sa.Engine,
    org: str,
    module_slug: str,
    record_id: int | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    """`{record_id, changes: [{import_job_id, file_name, row, action, fields: {field: {old,
    new}}, at}]}`, newest first, for the record given by id or by email."""
    module = get_module(module_slug)
    with engine.connect() as conn:
        if record_id is None:
            record_id = _record_by_email(conn, org, module, email or "")
        current = conn.execute(
            sa.text(
                f"SELECT {before_image(module)} FROM {module.table} t "
                "WHERE t.id = :id AND t.org = :org"
            ),
            {"id": record_id, "org": org},
        ).scalar()
        events = _events(conn, org, module, record_id)
        if current is None and not events:
            raise InputRejected(f"No {module.slug} record {record_id} in org {org!r}.")
        creators = {e["before"].get("created_by_import_id") for e in events if e["before"]}
        creators.add((current or {}).get("created_by_import_id"))
        job_ids = {e["import_job_id"] for e in events} | {int(j) for j in creators if j}
        jobs = _file_names(conn, job_ids)
    changes = _walk(current, events, jobs, _field_names(module))
    return {"record_id": record_id, "changes": changes}


def _record_by_email(conn: sa.Connection, org: str, module: ModuleDef, email: str) -> int:
    if "email" not in {f.slug for f in module.fields}:
        raise InputRejected(f"{module.slug} records have no email: give --id.")
    if not email.strip():
        raise InputRejected("--email is empty: give an email address or --id.")
    # Current records, then records only events still know (deleted, or rolled back).
    ids = conn.execute(
        sa.text(
            f"""SELECT id FROM {module.table} WHERE org = :org AND lower(email) = lower(:email)
            UNION SELECT record_id FROM import_events WHERE org = :org AND module = :module
              AND (lower(before->>'email') = lower(:email)
                   OR lower(after->>'email') = lower(:email))
            ORDER BY 1"""
        ),
        {"org": org, "module": module.slug, "email": email.strip()},
    ).scalars()
    found = [int(i) for i in ids]
    if not found:
        raise InputRejected(f"No {module.slug} record with email {email!r} in org {org!r}.")
    if len(found) > 1:
        listed = ", ".join(str(i) for i in found)
        raise InputRejected(f"Email {email!r} matches records {listed}: give one with --id.")
    return found[0]


def _events(
    conn: sa.Connection, org: str, module: ModuleDef, record_id: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.text(
            """SELECT import_job_id, action, before, after, source_row, created_at
            FROM import_events WHERE record_id = :id AND org = :org AND module = :module
            ORDER BY id DESC"""
        ),
        {"id": record_id, "org": org, "module": module.slug},
    )
    return [dict(r._mapping) for r in rows]


def _file_names(conn: sa.Connection, job_ids: set[int]) -> dict[int, str | None]:
    if not job_ids:
        return {}
    rows = conn.execute(
        sa.text("SELECT id, file_name FROM import_jobs WHERE id = ANY(:ids)"),
        {"ids": sorted(job_ids)},
    )
    return {int(job_id): name for job_id, name in rows}


def _field_names(module: ModuleDef) -> dict[str, str]:
    """Image key -> field slug: `company_id` -> `company`, `_groups` -> `groups`."""
    names = {f.column: f.slug for f in module.fields if f.stored_in_table}
    names.update({image_key(f): f.slug for f in module.multi_references()})
    return names


def _fields(
    before: dict[str, Any] | None, after: dict[str, Any] | None, names: dict[str, str]
) -> dict[str, dict[str, Any]]:
    before, after = before or {}, after or {}
    keys = [k for k in {**before, **after} if k not in SYSTEM_COLUMNS]
    return {
        names.get(k, k): {"old": before.get(k), "new": after.get(k)}
        for k in keys
        if before.get(k) != after.get(k)
    }


def _walk(
    current: dict[str, Any] | None,
    events: list[dict[str, Any]],
    jobs: dict[int, str | None],
    names: dict[str, str],
) -> list[dict[str, Any]]:
    """The changes, newest first, walking back from the record as it is now. An update's new
    values are not stored: a field's value after an update is its value before the next
    change to it, or today's. What is left after undoing every change is the record as
    its import created it (the last entry)."""
    state = dict(current or {})
    changes = []
    for event in events:
        before, after = event["before"] or {}, event["after"] or {}
        if event["action"] == "updated":
            after = {k: state.get(k) for k in before}
        entry = _entry(event["import_job_id"], event["source_row"], event["action"], jobs)
        entry.update(fields=_fields(before, after, names), at=event["created_at"].isoformat())
        changes.append(entry)
        if event["action"] == "rolled_back" and event["before"] is None:
            state = {}  # the rollback brought back a deleted record: before it, none
        else:
            state.update(before)
    creator = state.get("created_by_import_id")
    if creator is not None:
        created = _entry(int(creator), state.get("created_by_row"), "created", jobs)
        values = {k: v for k, v in state.items() if v not in (None, [], {})}
        created.update(fields=_fields({}, values, names), at=state.get("created_at"))
        changes.append(created)
    return changes


def _only(image: dict[str, Any] | None, keys: dict[str, Any] | None) -> dict[str, Any] | None:
    """The image's values of `keys` (an update's changed fields)."""
    return None if image is None else {k: image.get(k) for k in keys or {}}


def _entry(job: int, row: int | None, action: str, jobs: dict[int, str | None]) -> dict[str, Any]:
    return {
        "import_job_id": job,
        "file_name": jobs.get(job),
        "row": row,
        "action": ACTIONS[action],
    }


def import_changes(
    engine: sa.Engine, module: ModuleDef, job_id: int, limit: int = 20
) -> list[dict[str, Any]]:
    """The first `limit` records an import updated or deleted (in record order), each with
    its fields old -> new (new: the record now, so call it right after the import; the run's
    metadata shows them, `contactflow history` has the rest)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"""SELECT e.record_id, e.action, e.before, e.source_row, x.image
                FROM (SELECT * FROM import_events WHERE import_job_id = :job
                        AND action IN ('updated', 'deleted') ORDER BY id LIMIT :limit) e
                LEFT JOIN LATERAL (SELECT {before_image(module)} AS image FROM {module.table} t
                                   WHERE t.id = e.record_id) x ON e.action = 'updated'
                ORDER BY e.id"""
            ),
            {"job": job_id, "limit": limit},
        )
        events = [dict(r._mapping) for r in rows]
    names = _field_names(module)
    return [
        {
            "record_id": e["record_id"],
            "row": e["source_row"],
            "action": ACTIONS[e["action"]],
            "fields": _fields(e["before"], _only(e["image"], e["before"]), names),
        }
        for e in events
    ]
