"""The record tables' quality checks as plain SQL and outcomes: references resolved, error rows
within the budget, no two records of one org sharing a match key (Dagster wiring: assets.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pipelines.imports.stage import key_expr, planning_settings
from schemas.modules import ModuleDef

REFERENCES_RESOLVED = "references_resolved"
ERROR_ROWS_WITHIN_BUDGET = "error_rows_within_budget"
UNIQUE_MATCH_KEYS = "unique_match_keys"
NO_REJECTED_ROWS = "no_rejected_rows"
IMPORT_CHECKS = (REFERENCES_RESOLVED, ERROR_ROWS_WITHIN_BUDGET, NO_REJECTED_ROWS)
WARN_CHECKS = (REFERENCES_RESOLVED, NO_REJECTED_ROWS)
MAX_LISTED_DUPLICATES = 20


@dataclass(frozen=True)
class CheckOutcome:
    """One check's verdict on one module's records; `warn` marks a check that only warns."""

    name: str
    passed: bool
    description: str
    warn: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


def match_key_fields(module: ModuleDef) -> tuple[str, ...]:
    """The fields a match key can name alone: each has an (org, key) index."""
    return tuple(f.slug for f in module.fields if f.match_key)


def references_resolved(warnings: list[dict[str, Any]]) -> CheckOutcome:
    """Failed (a warning) when reference values named no record and were not created."""
    unresolved = {w["field"]: list(w["unresolved_values"]) for w in warnings}
    count = sum(len(values) for values in unresolved.values())
    if not count:
        return CheckOutcome(REFERENCES_RESOLVED, True, "every reference value resolved", True)
    listed = "; ".join(f"{f}: {', '.join(map(str, v))}" for f, v in unresolved.items())
    return CheckOutcome(
        REFERENCES_RESOLVED,
        False,
        f"{count} reference values matched no record and were left empty ({listed}); "
        "import with create_missing_references: true to create them",
        True,
        {"unresolved_values": unresolved, "unresolved_count": count},
    )


def error_rows_within_budget(
    error_rows: int, total_rows: int, options: dict[str, Any]
) -> CheckOutcome:
    """Error rows against `max_error_rows` / `max_error_ratio` (no budget: any count passes)."""
    most, ratio = options.get("max_error_rows"), options.get("max_error_ratio")
    share = error_rows / max(total_rows, 1)
    passed = (most is None or error_rows <= most) and (ratio is None or share <= ratio)
    budget = ", ".join(
        f"{name} {value}"
        for name, value in (("max_error_rows", most), ("max_error_ratio", ratio))
        if value is not None
    )
    return CheckOutcome(
        ERROR_ROWS_WITHIN_BUDGET,
        passed,
        f"{error_rows} of {total_rows} rows had errors; budget: {budget or 'none'}",
        metadata={
            "error_rows": error_rows,
            "total_rows": total_rows,
            "max_error_rows": most,
            "max_error_ratio": ratio,
        },
    )


def no_rejected_rows(error_rows: int, total_rows: int, errors_file: str | None) -> CheckOutcome:
    """Failed (a warning) when the import rejected rows, even within its budget: they are
    in the rejects file, not in the table."""
    if not error_rows:
        return CheckOutcome(NO_REJECTED_ROWS, True, f"all {total_rows} rows accepted", True)
    return CheckOutcome(
        NO_REJECTED_ROWS,
        False,
        f"{error_rows} of {total_rows} rows were rejected and not written; "
        "the rejects file (rejects_file) lists each with its reason",
        True,
        {"error_rows": error_rows, "rejects_file": errors_file},
    )


def duplicate_match_keys(
    conn: sa.Connection,
    module: ModuleDef,
    org: str | None = None,
    job_id: int | None = None,
    probe: bool = True,
) -> list[dict[str, Any]]:
    """Values of a match key held by two records or more of one org (of `org`, or of every
    org): one grouped query per key field. With `job_id`, only values that a record the
    import wrote holds, found one of two ways (`probe_written_keys` picks):
    - `probe`: the import's values looked up through the (org, key) index. Grouping a whole
      org of 1.4M contacts took 2.7 s, which every small import would pay (0.3 s this way);
    - else one grouped scan of the org, keeping the groups with a record of the import: for
      an import that wrote much of the org, probing cost more (860k values: 9 s, the
      scan 2 s, in psql on the bench database).
    With the import's memory for planning: under the default `work_mem` the planner grouped an
    org of 932k contacts by walking the key index with a heap fetch per record (3.7 s; hashed
    in memory, 1.8 s)."""
    planning_settings(conn)
    found: list[dict[str, Any]] = []
    for slug in match_key_fields(module):
        value = key_expr(module, slug, "t", stage=False)
        column = module.field(slug).column
        source, where = f"{module.table} t", f"t.{column} IS NOT NULL"
        having = "count(*) > 1"
        if org is not None:
            where += " AND t.org = :org"
        if job_id is not None and probe:
            written = key_expr(module, slug, "w", stage=False)
            source = (
                f"(SELECT DISTINCT {written} AS value FROM {module.table} w "
                f"WHERE w.import_job_id = :job AND w.{column} IS NOT NULL) x "
                f"JOIN {module.table} t ON {value} = x.value"
            )
        elif job_id is not None:
            having += " AND bool_or(t.import_job_id = :job)"
        # The shared values first, hashed without their ids, then the ids of the first few
        # through the index: with the ids aggregated and a LIMIT in one query, the planner
        # walked the whole key index in order with a heap fetch per record (6 s at 1.4M
        # contacts; this way 1.7-2.1 s).
        rows = conn.execute(
            sa.text(
                f"WITH d AS MATERIALIZED (SELECT t.org, {value} AS value FROM {source} "
                f"WHERE {where} GROUP BY t.org, {value} HAVING {having}) "
                f"SELECT t.org, {value} AS value, array_agg(t.id ORDER BY t.id) AS ids "
                "FROM (SELECT org, value FROM d ORDER BY org, value LIMIT :n) d "
                f"JOIN {module.table} t ON t.org = d.org AND {value} = d.value "
                f"GROUP BY t.org, {value} ORDER BY t.org, value"
            ),
            {"org": org, "job": job_id, "n": MAX_LISTED_DUPLICATES},
        )
        found += [
            {"key": slug, "org": o, "value": v, "record_ids": list(ids)} for o, v, ids in rows
        ]
    return found


def unique_match_keys(
    conn: sa.Connection,
    module: ModuleDef,
    org: str | None,
    job_id: int | None = None,
    probe: bool = True,
) -> CheckOutcome:
    """Failed when two records of one org share a value of one of the module's match keys
    (with `job_id`: a value that import wrote)."""
    duplicates = duplicate_match_keys(conn, module, org, job_id, probe)
    scope = f"org {org}" if org is not None else "every org"
    if job_id is not None:
        scope += f" (the values import job {job_id} wrote)"
    keys = ", ".join(match_key_fields(module))
    if not duplicates:
        return CheckOutcome(UNIQUE_MATCH_KEYS, True, f"no shared {keys} in {scope}")
    return CheckOutcome(
        UNIQUE_MATCH_KEYS,
        False,
        f"records of {scope} share match keys: "
        + "; ".join(f"{d['org']} {d['key']}={d['value']!r}: {d['record_ids']}" for d in duplicates),
        metadata={"duplicates": duplicates},
    )


def probe_written_keys(written_rows: int, org_rows: int) -> bool:
    """Whether an import's unique_match_keys check probes the key index with the values it
    wrote (cheaper while it wrote under a fifth of the org) or groups the org in one scan."""
    return written_rows * 5 < org_rows


def org_row_count(conn: sa.Connection, module: ModuleDef, org: str) -> int:
    """The org's records of the module now."""
    query = sa.text(f"SELECT count(*) FROM {module.table} WHERE org = :org")
    return int(conn.execute(query, {"org": org}).scalar_one())


def latest_imports(conn: sa.Connection, module: ModuleDef) -> list[dict[str, Any]]:
    """Each org's last completed import (not validate-only) of the module: what the import
    checks are re-evaluated from on demand."""
    rows = conn.execute(
        sa.text(
            "SELECT DISTINCT ON (org) id, org, options, error_rows, total_rows, "
            "reference_warnings, errors_file FROM import_jobs WHERE module = :module "
            "AND status = 'completed' AND NOT validate_only "
            "ORDER BY org, completed_at DESC, id DESC"
        ),
        {"module": module.slug},
    )
    return [dict(row._mapping) for row in rows]


def import_outcomes(job: dict[str, Any]) -> list[CheckOutcome]:
    """The checks every import reports from its own facts (an `import_jobs` row's fields:
    reference_warnings, error_rows, total_rows, options, errors_file), in IMPORT_CHECKS order."""
    errors, total = job["error_rows"], job["total_rows"]
    return [
        references_resolved(job["reference_warnings"]),
        error_rows_within_budget(errors, total, job["options"]),
        no_rejected_rows(errors, total, job["errors_file"]),
    ]


def latest_import_outcomes(conn: sa.Connection, module: ModuleDef) -> list[CheckOutcome]:
    """The import checks over every org, each from the org's last import: one outcome per
    check, failed when it failed for any org (those orgs and their import jobs listed)."""
    per_org = {
        (job["org"], job["id"]): import_outcomes(job) for job in latest_imports(conn, module)
    }
    combined = []
    for position, name in enumerate(IMPORT_CHECKS):
        failed = {
            f"{org} (import job {job_id})": outcomes[position].description
            for (org, job_id), outcomes in per_org.items()
            if not outcomes[position].passed
        }
        summary = "; ".join(f"{who}: {why}" for who, why in failed.items())
        combined.append(
            CheckOutcome(
                name,
                not failed,
                summary or f"passed for the last import of each of {len(per_org)} orgs",
                warn=name in WARN_CHECKS,
                metadata={"orgs_checked": len(per_org), "failed": failed},
            )
        )
    return combined
