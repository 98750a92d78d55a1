"""Erasure (`contactflow erase`): delete people's records and every copy contactflow keeps of
them, and leave a receipt without personal data (docs/erasure.md).

One transaction under the org/module write lock (no import of that module writes meanwhile):
find the records (live, or only in before-images: deleted by an import), delete their
`import_events` (before-images and history: a later rollback has nothing of them to restore)
and the records, scrub the people's emails from job options and from Dagster's storage
schema, rewrite or delete the files (rejects, plans, uploads, unexpired exports), note the
erasure on each import job it touched, commit. A failure rolls the database back; files
already rewritten no longer hold the people, so running the erasure again completes it."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipelines import erase_files
from pipelines.erase_files import Person, StoredFiles, email_pattern
from pipelines.errors import InputRejected
from pipelines.imports.write import WRITE_LOCK_SQL
from pipelines.jobrows import jsonable
from pipelines.names import check_org
from resources.postgres import DAGSTER_SCHEMA
from schemas.modules import DataType, ModuleDef, get_module
from schemas.tables import RECORD_TABLES, export_jobs, import_jobs

SCRUBBED = "[erased]"
JOB_TABLES = ("import_jobs", "export_jobs", "export_schedules")


@dataclass(frozen=True)
class Selection:
    """Who to erase: record ids and email addresses (lower-cased, as match keys compare)."""

    ids: tuple[int, ...] = ()
    emails: tuple[str, ...] = ()


def selection(ids: list[str] | None, emails: list[str] | None, file: str | None) -> Selection:
    """The selectors of `--id`, `--email` and `--file` (one id or email per line; blank lines
    and `#` comments skipped), checked."""
    values = [("id", v) for v in ids or []] + [("email", v) for v in emails or []]
    if file is not None:
        path = Path(file)
        if not path.is_file():
            raise InputRejected(f"File not found: {file}.")
        for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
            text = line.strip()
            if text and not text.startswith("#"):
                values.append(("email" if "@" in text else "id", text))
    if not values:
        raise InputRejected("erase needs --id, --email or --file naming whom to erase.")
    found_ids, found_emails = [], []
    for kind, value in values:
        text = value.strip()
        if kind == "email":
            if "@" not in text:
                raise InputRejected(f"Not an email address: {text!r}.")
            found_emails.append(text.lower())
        elif not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
            raise InputRejected(f"Not a record id: {text!r} (ids are positive whole numbers).")
        else:
            found_ids.append(int(text))
    return Selection(tuple(sorted(set(found_ids))), tuple(sorted(set(found_emails))))


@dataclass
class Erasure:
    """One erasure: whom it erases where, and what it touched (counts per table or file kind,
    and per import job)."""

    org: str
    module: ModuleDef
    person: Person
    files: StoredFiles
    touched: Counter[str] = field(default_factory=Counter)
    per_job: dict[int, Counter[str]] = field(default_factory=dict)

    def job(self, job_id: int, **counts: int) -> None:
        """Count what the erasure changed of one import job; a job it did not change gets no
        entry (rollback reads an entry as "its history was erased")."""
        changed = {k: v for k, v in counts.items() if v}
        if changed:
            self.per_job.setdefault(job_id, Counter()).update(changed)


def erase(
    engine: sa.Engine,
    org: str,
    module_slug: str,
    chosen: Selection,
    dry_run: bool = False,
    dagster_home: Path | None = None,
) -> dict[str, Any]:
    """Erase the selected people of one org and module (see the module docstring)."""
    from resources.storage import storage_for

    check_org(org)
    module = get_module(module_slug)
    if chosen.emails and not _email_columns(module):
        raise InputRejected(f"{module.slug} records have no email: select them with --id.")
    files = StoredFiles(dry_run)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            _check_org_known(conn, org)
            conn.execute(sa.text(WRITE_LOCK_SQL), {"org": org, "module": module.slug})
            person = _find(conn, org, module, chosen)
            erasure = Erasure(org, module, person, files)
            _erase_rows(conn, erasure)
            _scrub(conn, erasure)
            _erase_files(conn, erasure)
            _erase_exports(conn, erasure)
            erasure.touched["dagster_files"] = erase_files.erase_run_files(
                (dagster_home or _dagster_home()) / "storage", _run_ids(conn, org), person, dry_run
            )
            _note_on_jobs(conn, erasure)
            if dry_run:
                transaction.rollback()
    finally:
        files.close()
    result: dict[str, Any] = {
        "erased_records": erasure.touched[module.table],
        "receipt_file": None,
        "touched": {kind: count for kind, count in sorted(erasure.touched.items()) if count},
    }
    if dry_run:
        return {**result, "dry_run": True}
    receipt = _receipt(org, module.slug, chosen, result)
    result["receipt_file"] = _store_receipt(storage_for("exports"), org, receipt)
    return result


def _check_org_known(conn: sa.Connection, org: str) -> None:
    """An org contactflow has never seen is a typo, not an erasure that found nobody."""
    known = any(
        conn.execute(sa.select(sa.literal(1)).where(table.c.org == org).limit(1)).first()
        for table in (import_jobs, export_jobs, *RECORD_TABLES.values())
    )
    if not known:
        raise InputRejected(f"Unknown org {org!r}: it has no records, imports or exports.")


def _email_columns(module: ModuleDef) -> list[tuple[str, bool]]:
    """(column, multi) of each email field of the module."""
    return [(f.column, f.multi) for f in module.fields if f.data_type is DataType.EMAIL]


def _url_columns(module: ModuleDef) -> list[str]:
    return [f.column for f in module.fields if f.data_type is DataType.LINKEDIN_URL and not f.multi]


def _find(conn: sa.Connection, org: str, module: ModuleDef, chosen: Selection) -> Person:
    """The selected people: live records and records only an import's before-image still
    holds (deleted by an import), with every email they had (old ones from their images)."""
    params = {
        "org": org,
        "module": module.slug,
        "ids": list(chosen.ids),
        "emails": list(chosen.emails),
    }
    live = " OR ".join(
        ["id = ANY(:ids)"]
        + [
            f"{c} && CAST(:emails AS text[])" if multi else f"{c} = ANY(:emails)"
            for c, multi in _email_columns(module)
        ]
    )
    rows = conn.execute(
        sa.text(f"SELECT to_jsonb(t) FROM {module.table} t WHERE org = :org AND ({live})"), params
    ).scalars()
    images = [dict(r) for r in rows]
    imaged = " OR ".join(
        ["record_id = ANY(:ids)"]
        + [
            f"before->'{c}' ?| CAST(:emails AS text[])"
            if multi
            else f"lower(before->>'{c}') = ANY(:emails)"
            for c, multi in _email_columns(module)
        ]
    )
    ids = {int(r["id"]) for r in images} | {
        int(i)
        for i in conn.execute(
            sa.text(
                f"SELECT record_id FROM import_events WHERE org = :org AND module = :module "
                f"AND ({imaged})"
            ),
            params,
        ).scalars()
    }
    images += [
        dict(b)
        for b in conn.execute(
            sa.text(
                "SELECT before FROM import_events WHERE org = :org AND module = :module "
                "AND record_id = ANY(:ids) AND before IS NOT NULL"
            ),
            {**params, "ids": sorted(ids)},
        ).scalars()
    ]
    created = [datetime.fromisoformat(str(i["created_at"])) for i in images if i.get("created_at")]
    return Person(
        frozenset(ids),
        frozenset(chosen.emails) | _values(images, [c for c, _ in _email_columns(module)]),
        _values(images, _url_columns(module)),
        min(created, default=None),
    )


def _values(images: list[dict[str, Any]], columns: list[str]) -> frozenset[str]:
    found: set[str] = set()
    for image in images:
        for column in columns:
            value = image.get(column)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.strip():
                    found.add(item.strip().lower())
    return frozenset(found)


def _erase_rows(conn: sa.Connection, erasure: Erasure) -> None:
    """Delete the people's import events (their own, and any other event whose row holds one
    of their emails: every column, so history columns added later are covered) and records."""
    org, module, person = erasure.org, erasure.module, erasure.person
    params = {
        "org": org,
        "module": module.slug,
        "ids": sorted(person.record_ids),
        "emails": sorted(person.emails),
    }
    _erase_warnings(conn, erasure, params)
    events = conn.execute(
        sa.text(
            "DELETE FROM import_events e WHERE e.org = :org AND ("
            "(e.module = :module AND e.record_id = ANY(:ids)) OR "
            "(CAST(:pattern AS text) IS NOT NULL AND to_jsonb(e)::text ~* :pattern)) "
            "RETURNING e.import_job_id"
        ),
        {**params, "pattern": email_pattern(person.emails) if person.emails else None},
    ).scalars()
    per_job = Counter(int(j) for j in events)
    erasure.touched["import_events"] = sum(per_job.values())
    for job_id, count in per_job.items():
        erasure.job(job_id, import_events=count)
    table = module.table
    created = conn.execute(
        sa.text(
            f"DELETE FROM {table} WHERE org = :org AND id = ANY(:ids) "
            "RETURNING created_by_import_id"
        ),
        params,
    ).scalars()
    creators = list(created)
    erasure.touched[table] = len(creators)
    for job_id, count in Counter(j for j in creators if j is not None).items():
        erasure.job(int(job_id), records=count)


def _erase_warnings(conn: sa.Connection, erasure: Erasure, params: dict[str, Any]) -> None:
    """Drop the people's rows from their imports' `warnings` (values dropped under
    `invalid_values: drop_value`, such as a phone, which hold no email to find them by): the
    rows are those that created them (`created_by_row`) and changed them (events'
    `source_row`). Runs before the records and events go."""
    rows = conn.execute(
        sa.text(
            f"""SELECT created_by_import_id, created_by_row FROM {erasure.module.table}
            WHERE org = :org AND id = ANY(:ids) AND created_by_row IS NOT NULL
            UNION SELECT import_job_id, source_row FROM import_events
            WHERE org = :org AND module = :module AND record_id = ANY(:ids)
              AND source_row IS NOT NULL"""
        ),
        params,
    ).all()
    by_job: dict[int, set[int]] = {}
    for job_id, row in rows:
        by_job.setdefault(int(job_id), set()).add(int(row))
    if not by_job:
        return
    jobs = conn.execute(
        sa.text("SELECT id, warnings FROM import_jobs WHERE id = ANY(:jobs)"),
        {"jobs": sorted(by_job)},
    ).all()
    for job_id, warnings in jobs:
        kept = [w for w in warnings or [] if w.get("row") not in by_job[int(job_id)]]
        if len(kept) == len(warnings or []):
            continue
        conn.execute(
            sa.text("UPDATE import_jobs SET warnings = CAST(:kept AS jsonb) WHERE id = :job"),
            {"kept": json.dumps(kept), "job": job_id},
        )
        removed = len(warnings) - len(kept)
        erasure.touched["import_job_warnings"] += removed
        erasure.job(int(job_id), warnings=removed)


def _run_ids(conn: sa.Connection, org: str) -> list[str]:
    """The Dagster runs of the org's import and export jobs."""
    return list(
        conn.execute(
            sa.text(
                "SELECT run_id FROM import_jobs WHERE org = :org AND run_id IS NOT NULL UNION "
                "SELECT run_id FROM export_jobs WHERE org = :org AND run_id IS NOT NULL"
            ),
            {"org": org},
        ).scalars()
    )


def _scrub(conn: sa.Connection, erasure: Erasure) -> None:
    """Replace the people's emails in the org's job options and in every text column of
    Dagster's storage (run configs, event logs with their metadata samples, asset and run
    tags): in a table with a `run_id`, only in the rows of the org's runs (another org may
    have a person with the same email)."""
    if not erasure.person.emails:
        return
    pattern = email_pattern(erasure.person.emails)
    runs = _run_ids(conn, erasure.org)
    columns = conn.execute(
        sa.text(
            "SELECT table_schema, table_name, column_name, data_type, EXISTS (SELECT 1 FROM "
            "information_schema.columns r WHERE (r.table_schema, r.table_name, r.column_name) "
            "= (c.table_schema, c.table_name, 'run_id')) "
            "FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_schema, table_name) WHERE t.table_type = 'BASE TABLE' "
            "AND data_type IN ('text', 'character varying', 'jsonb') AND "
            "(table_schema = :dagster OR (table_schema = current_schema() "
            "AND table_name = ANY(:jobs)))"
        ),
        {"dagster": DAGSTER_SCHEMA, "jobs": list(JOB_TABLES)},
    ).all()
    for schema, table, column, data_type, by_run in columns:
        target = f'"{schema}"."{table}"'
        value = f'"{column}"::text'
        new = f"regexp_replace({value}, :pattern, :mark, 'gi')"
        if data_type == "jsonb":
            new = f"({new})::jsonb"
        scope = (
            "org = :org"
            if schema != DAGSTER_SCHEMA
            else "run_id = ANY(:runs)"
            if by_run
            else "true"
        )
        changed = conn.execute(
            sa.text(
                f'UPDATE {target} SET "{column}" = {new} WHERE {value} ~* :pattern AND {scope}'
            ),
            {"pattern": pattern, "mark": SCRUBBED, "org": erasure.org, "runs": runs},
        ).rowcount
        kind = "dagster_rows" if schema == DAGSTER_SCHEMA else "job_options"
        erasure.touched[kind] += int(changed or 0)


def _erase_files(conn: sa.Connection, erasure: Erasure) -> None:
    """Every import job's rejects, plan and upload of the org and module."""
    org, module, person, files = erasure.org, erasure.module, erasure.person, erasure.files
    if not (person.emails or person.urls or person.record_ids):
        return
    jobs = conn.execute(
        sa.select(import_jobs).where(import_jobs.c.org == org, import_jobs.c.module == module.slug)
    ).mappings()
    for row in jobs:
        job = jsonable(row)
        changed = erase_files.erase_rejects(files, job, person)
        changed.update(erase_files.erase_plan(files, job, person))
        upload = erase_files.erase_upload(files, job, person)
        if upload:
            changed[f"uploads_{upload}"] = 1
            if upload == "deleted" and not files.dry_run:
                conn.execute(
                    import_jobs.update()
                    .where(import_jobs.c.id == job["id"])
                    .values(upload_location=None)
                )
        erasure.touched.update(changed)
        erasure.job(int(job["id"]), **changed)


def _erase_exports(conn: sa.Connection, erasure: Erasure) -> None:
    """Every unexpired export of the org and module: rewritten, or deleted and marked erased.
    Exports come from records: an erasure that found no record (a mistyped id, an email only
    rejects hold) has no export to touch, and must not delete those it cannot search."""
    if not erasure.person.record_ids:
        return
    org, module = erasure.org, erasure.module
    unexpired = conn.execute(
        sa.select(export_jobs).where(
            export_jobs.c.org == org,
            export_jobs.c.module == module.slug,
            export_jobs.c.status == "completed",
            sa.or_(export_jobs.c.expires_at.is_(None), export_jobs.c.expires_at > sa.func.now()),
        )
    ).mappings()
    for row in unexpired:
        job = jsonable(row)
        outcome = erase_files.erase_export(erasure.files, job, erasure.module, erasure.person)
        if outcome is None:
            continue
        erasure.touched[f"exports_{outcome}"] += 1
        if outcome == "erased":
            values: dict[str, Any] = {
                "status": "erased",
                "reason": "the file held erased people and could not be rewritten",
            }
        else:
            values = {"row_count": job["row_count"], "size_bytes": job["size_bytes"]}
        conn.execute(export_jobs.update().where(export_jobs.c.id == job["id"]).values(**values))


def _note_on_jobs(conn: sa.Connection, erasure: Erasure) -> None:
    """Each import job the erasure touched keeps what it lost (counts, no personal data), so
    its rollback knows its missing history was erased, not purged."""
    at = datetime.now(UTC).isoformat()
    for job_id, counts in erasure.per_job.items():
        entry = json.dumps([{"at": at, **counts}])
        conn.execute(
            sa.text(
                "UPDATE import_jobs SET erasures = erasures || CAST(:entry AS jsonb) WHERE id = :id"
            ),
            {"entry": entry, "id": job_id},
        )
    erasure.touched["import_jobs"] = len(erasure.per_job)


def _dagster_home() -> Path:
    from resources.embedded_postgres import contactflow_home

    return Path(os.environ.get("DAGSTER_HOME") or contactflow_home() / "dagster")


def _receipt(org: str, module: str, chosen: Selection, result: dict[str, Any]) -> dict[str, Any]:
    """What the erasure did, without whom it erased: counts only."""
    return {
        "kind": "contactflow erasure receipt",
        "org": org,
        "module": module,
        "erased_at": datetime.now(UTC).isoformat(),
        "selected": {"ids": len(chosen.ids), "emails": len(chosen.emails)},
        "erased_records": result["erased_records"],
        "touched": result["touched"],
    }


def _store_receipt(storage: Any, org: str, receipt: dict[str, Any]) -> str:
    import tempfile

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    key = f"{org}/erasures/erasure-{stamp}-{uuid.uuid4().hex[:8]}.json"
    with tempfile.TemporaryDirectory(prefix="contactflow-receipt-") as folder:
        path = Path(folder) / "receipt.json"
        path.write_text(json.dumps(receipt, indent=2), encoding="utf-8")
        return str(storage.put_file(path, key, "application/json"))
