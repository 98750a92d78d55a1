"""The per-import staging table: validated rows are COPYed into it chunk by chunk, then in-file
duplicates, matches and actions are computed on it with a few set-based statements."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from schemas.modules import MODULES, DataType, ModuleDef

STAGE_SCHEMA = "staging"
# A staging table lives for one import, which ANALYZEs it when its statistics matter; an
# autovacuum worker started by the bulk COPY would only compete with the write for the CPU.
NO_AUTOVACUUM = "WITH (autovacuum_enabled = false)"
# Settings for the planning and write statements of one import (SET LOCAL: this transaction
# only). The sorts and hashes over the staging table spill to disk at the default 4 MB, and JIT
# compiling these one-off statements costs more than it saves.
PLANNING_SETTINGS = ("SET LOCAL work_mem = '256MB'", "SET LOCAL jit = off")


def stage_table(job_id: int) -> str:
    return f"{STAGE_SCHEMA}.import_{int(job_id)}"


def stage_references(job_id: int, module: str) -> str:
    """One row per distinct name (lower case) that the import's single references to `module`
    give, and the id it resolves to (`import_N_companies`)."""
    return f"{STAGE_SCHEMA}.import_{int(job_id)}_{module}"


def looked_up_modules() -> list[str]:
    """The modules some single reference points at: each has a lookup table per import."""
    return sorted(
        {f.reference for m in MODULES.values() for f in m.single_references() if f.reference}
    )


def stage_rows(job_id: int) -> str:
    """The staged rows with each single reference's id looked up by name (`_company_id`):
    statements that need a row's company read this view, so resolving references never
    rewrites the staging table."""
    return f"{STAGE_SCHEMA}.import_{int(job_id)}_rows"


def stage_matches(job_id: int) -> str:
    """One row per staged row that matched records (with `delete`, also each row that matched
    none): its action, record id, error, first row and, for an update, the changed fields (see
    `Resolver.match` and `Resolver.plan_actions`)."""
    return f"{STAGE_SCHEMA}.import_{int(job_id)}_matches"


def stage_decided(job_id: int) -> str:
    """A view of every row with a decided action (`Resolver.plan_actions`): in-file duplicates
    from the staging table, the rest from the matches table. A staged row it does not list is
    created."""
    return f"{STAGE_SCHEMA}.import_{int(job_id)}_decided"


def stage_updates(job_id: int) -> str:
    """One row per matched row under `update`: the record's id, every mapped column's merged
    value (computed once, when planning) and the fields that change (`_changed`)."""
    return f"{STAGE_SCHEMA}.import_{int(job_id)}_updates"


def create_stage(conn: sa.Connection, job_id: int, module: ModuleDef, fields: list[str]) -> str:
    """An UNLOGGED table with `_row`, one text column per mapped field, and planning columns
    (each multi reference's ids; an in-file duplicate's first row and action, the only
    decision written into the staged rows); a lookup table per referenced module and the rows
    view (see `stage_rows`)."""
    table = stage_table(job_id)
    columns = ", ".join(f'"{f}" text' for f in fields)
    link_ids = "".join(f"{f.stage_column} bigint[], " for f in module.multi_references())
    # IF NOT EXISTS does not hold between two sessions creating it at once (the first two
    # imports into a database raced to a unique violation): one at a time, as for Dagster's.
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('contactflow.staging'))"))
    conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {STAGE_SCHEMA}"))
    drop_stage(conn, job_id)
    conn.execute(
        sa.text(
            f"CREATE UNLOGGED TABLE {table} (_row bigint PRIMARY KEY{', ' if fields else ''}"
            f"{columns}, {link_ids}_dup_of bigint, _action text) {NO_AUTOVACUUM}"
        )
    )
    references = module.single_references()
    for target in sorted({f.reference for f in references if f.reference}):
        conn.execute(
            sa.text(
                f"CREATE UNLOGGED TABLE {stage_references(job_id, target)} "
                f"(key text PRIMARY KEY, id bigint) {NO_AUTOVACUUM}"
            )
        )
    ids, joins = [], []
    for i, f in enumerate(references):
        if f.slug in fields:
            alias = f"k{i}"
            ids.append(f"{alias}.id AS {f.stage_column}")
            joins.append(
                f" LEFT JOIN {stage_references(job_id, str(f.reference))} {alias} "
                f'ON {alias}.key = lower(st."{f.slug}")'
            )
        else:
            ids.append(f"NULL::bigint AS {f.stage_column}")
    conn.execute(
        sa.text(
            f"CREATE VIEW {stage_rows(job_id)} AS SELECT st.*"
            f"{''.join(f', {i}' for i in ids)} FROM {table} st{''.join(joins)}"
        )
    )
    return table


def planning_settings(conn: sa.Connection) -> None:
    for statement in PLANNING_SETTINGS:
        conn.execute(sa.text(statement))


def drop_stage(conn: sa.Connection, job_id: int) -> None:
    conn.execute(sa.text(f"DROP VIEW IF EXISTS {stage_rows(job_id)}"))
    conn.execute(sa.text(f"DROP VIEW IF EXISTS {stage_decided(job_id)}"))
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {stage_table(job_id)}"))
    for module in looked_up_modules():
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {stage_references(job_id, module)}"))
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {stage_updates(job_id)}"))
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {stage_matches(job_id)}"))
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {stage_matches(job_id)}_planned"))


def copy_text(conn: sa.Connection, job_id: int, text: str, fields: list[str]) -> int:
    """COPY rows rendered by `chunks.copy_text` (row number, then the fields) into the stage;
    returns how many rows it wrote."""
    if not text:
        return 0
    columns = ", ".join(["_row", *(f'"{f}"' for f in fields)])
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {stage_table(job_id)} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(text)
        return int(cursor.rowcount)


def staged_count(conn: sa.Connection, job_id: int) -> int | None:
    """Rows in the staging table; None when the table is gone."""
    exists = conn.execute(
        sa.text("SELECT to_regclass(:table) IS NOT NULL"), {"table": stage_table(job_id)}
    ).scalar_one()
    if not exists:
        return None
    return int(conn.execute(sa.text(f"SELECT count(*) FROM {stage_table(job_id)}")).scalar_one())


def key_expr(module: ModuleDef, field: str, alias: str, stage: bool, by_id: bool = True) -> str:
    """How one match-key field compares: case-insensitive text; a reference by its resolved id
    (`by_id`) or, within the file, by its lower-cased name."""
    f = module.field(field)
    if f.data_type is DataType.REFERENCE:
        if stage and not by_id:
            return f'lower({alias}."{f.slug}")'
        return f"{alias}.{f.stage_column if stage else f.column}"
    column = f'"{f.slug}"' if stage else f.column
    if f.data_type is DataType.TEXT:
        return f"lower({alias}.{column})"
    return f"{alias}.{column}"


def usable_keys(module: ModuleDef, keys: list[list[str]], fields: list[str]) -> list[list[str]]:
    """Keys whose every field is in the file (a key with an unmapped part can never match)."""
    present = set(fields)
    return [k for k in keys if all(p in present for p in k)]


def key_condition(
    module: ModuleDef, key: list[str], left: str, right: str | None, by_id: bool = True
) -> str:
    """`left` (stage) equals `right` (record table) on every part of `key`, no part empty;
    with `right` None, only that no part is empty."""
    parts = []
    for field in key:
        lhs = key_expr(module, field, left, stage=True, by_id=by_id)
        parts.append(f"{lhs} IS NOT NULL")
        if right is not None:
            parts.append(f"{lhs} = {key_expr(module, field, right, stage=False)}")
            f = module.field(field)
            if f.data_type is not DataType.REFERENCE:  # lets the partial key indexes serve
                parts.append(f"{right}.{f.column} IS NOT NULL")
    return " AND ".join(parts)


def mark_in_file_duplicates(
    conn: sa.Connection, job_id: int, module: ModuleDef, keys: list[list[str]]
) -> int:
    """Rows sharing a match key with an earlier row get `_dup_of` = the first such row. The
    staging table is analyzed first: every later statement plans better with its statistics."""
    table = stage_table(job_id)
    planning_settings(conn)
    conn.execute(sa.text(f"ANALYZE {table}"))
    if not keys:
        return 0
    # Per key, only the groups with more than one row (a hash aggregate, no sort of the whole
    # table), joined back to their later rows; a row duplicated under several keys gets the
    # earliest first row.
    later = []
    for key in keys:
        exprs = [key_expr(module, f, "s", stage=True, by_id=False) for f in key]
        valid = key_condition(module, key, "s", None, by_id=False)
        parts = ", ".join(f"{e} AS k{i}" for i, e in enumerate(exprs))
        same = " AND ".join(f"{e} = g.k{i}" for i, e in enumerate(exprs))
        later.append(
            f"SELECT s._row, g.first_row FROM {table} s JOIN (SELECT {parts}, "
            f"min(s._row) AS first_row FROM {table} s WHERE {valid} "
            f"GROUP BY {', '.join(exprs)} HAVING count(*) > 1) g ON {same} "
            f"WHERE s._row > g.first_row"
        )
    result = conn.execute(
        sa.text(
            f"UPDATE {table} t SET _dup_of = d.first_row, _action = 'skip' "
            f"FROM (SELECT _row, min(first_row) AS first_row FROM ({' UNION ALL '.join(later)}) u "
            "GROUP BY _row) d WHERE t._row = d._row"
        )
    )
    return int(result.rowcount or 0)
