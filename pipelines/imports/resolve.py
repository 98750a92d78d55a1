"""Resolve staged rows against the database, set-based: references (each reference field of the
module definition), matches by key, and each row's action (create, update, unchanged, skip,
delete, error) with its changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pipelines.imports.stage import (
    NO_AUTOVACUUM,
    key_condition,
    stage_decided,
    stage_matches,
    stage_references,
    stage_rows,
    stage_table,
    stage_updates,
)
from schemas.modules import DataType, FieldDef, ModuleDef, target_module
from schemas.options import ImportOptions

MAX_WARNING_VALUES = 100


@dataclass
class ReferencePlan:
    """Reference values that match no record: created on write, or reported as warnings."""

    missing: dict[str, list[str]] = field(default_factory=dict)

    def warnings(self) -> list[dict[str, Any]]:
        return [
            {"field": f, "unresolved_values": values[:MAX_WARNING_VALUES]}
            for f, values in self.missing.items()
            if values
        ]


def linked_ids(module: ModuleDef, f: FieldDef, owner_id: str) -> str:
    """SQL for the ids a record (`owner_id`) has in multi reference `f`'s link table, as a
    JSON array."""
    link = module.link(f)
    return (
        f"(SELECT coalesce(jsonb_agg({link.target_column}), '[]'::jsonb) FROM {link.table} "
        f"WHERE {link.owner_column} = {owner_id})"
    )


def image_key(f: FieldDef) -> str:
    """The key of a multi reference's ids in a before-image (`_groups`)."""
    return f"_{f.slug}"


def typed_value(f: FieldDef, alias: str = "s") -> str:
    """SQL turning a staged text cell into the record column's type (E'\\x1f' is
    schemas.modules.MULTI_SEP; phones and addresses are staged as JSON)."""
    col = f'{alias}."{f.slug}"'
    if f.data_type is DataType.REFERENCE:
        return f"{alias}.{f.stage_column}"
    if f.data_type in (DataType.PHONE, DataType.ADDRESS):  # staged as JSON (chunks.copy_text)
        return f"{col}::jsonb"
    if f.data_type is DataType.DATETIME:
        return f"{col}::timestamptz"
    if f.multi:
        return f"string_to_array({col}, E'\\x1f')"
    return col


def merged_value(f: FieldDef, mode: str, new: str, old: str) -> str:
    """SQL for a field's value after merging the import (`new`) into the record (`old`)."""
    if mode == "overwrite":
        return new
    if f.data_type is DataType.PHONE:
        keep_old = mode == "fill_empty"
        kept = (
            f"(SELECT jsonb_agg(e) FROM jsonb_array_elements({old}) e WHERE e->>'type' NOT "
            f"IN (SELECT x->>'type' FROM jsonb_array_elements({new}) x))"
        )
        added = (
            f"(SELECT jsonb_agg(x) FROM jsonb_array_elements({new}) x WHERE x->>'type' NOT "
            f"IN (SELECT e->>'type' FROM jsonb_array_elements({old}) e))"
        )
        if keep_old:
            return (
                f"CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL THEN {new} "
                f"ELSE {old} || coalesce({added}, '[]'::jsonb) END"
            )
        return (
            f"CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL THEN {new} "
            f"ELSE coalesce({kept}, '[]'::jsonb) || {new} END"
        )
    if f.data_type is DataType.ADDRESS or f.slug == "attributes":
        if mode == "fill_empty":
            return f"CASE WHEN {new} IS NULL THEN {old} ELSE {new} || coalesce({old}, '{{}}') END"
        return f"CASE WHEN {new} IS NULL THEN {old} ELSE coalesce({old}, '{{}}') || {new} END"
    if f.multi:
        union = (
            f"(SELECT array_agg(v ORDER BY o) FROM (SELECT v, min(o) AS o FROM "
            f"unnest(coalesce({old}, '{{}}') || {new}) WITH ORDINALITY u(v, o) "
            "GROUP BY v) z)"
        )
        if mode == "fill_empty":
            return f"CASE WHEN coalesce(cardinality({old}), 0) = 0 THEN {new} ELSE {old} END"
        return f"CASE WHEN {new} IS NULL THEN {old} ELSE {union} END"
    if mode == "fill_empty":
        return f"coalesce({old}, {new})"
    return f"coalesce({new}, {old})"


def to_create(matches: str) -> str:
    """After planning, the staged rows (as `s`) to create: rows no step decided before
    matching that have no match, or whose match says `create` (duplicate_strategy `create`).
    An anti-join, which the planner estimates well."""
    return (
        f"s._action IS NULL AND NOT EXISTS (SELECT 1 FROM {matches} m "
        "WHERE m._row = s._row AND m._action <> 'create')"
    )


class Resolver:
    """Plans one import on its staging table, inside the caller's transaction."""

    def __init__(
        self,
        conn: sa.Connection,
        job_id: int,
        org: str,
        module: ModuleDef,
        fields: list[str],
        options: ImportOptions,
    ) -> None:
        self.conn = conn
        self.job_id = job_id
        self.org = org
        self.module = module
        self.fields = fields
        self.options = options
        self.table = stage_table(job_id)
        self.rows = stage_rows(job_id)  # the table plus each row's _company_id
        self.updates = stage_updates(job_id)
        self.matches = stage_matches(job_id)
        self.decided = stage_decided(job_id)
        self.matched = False  # match filled the matches table
        self.keyed: set[str] = set()  # single reference fields whose names are in their lookup
        self.planned_updates = False  # plan_updates filled the updates table

    def run(self, sql: str, **params: Any) -> sa.CursorResult[Any]:
        return self.conn.execute(sa.text(sql), {"org": self.org, "job": self.job_id, **params})

    # -- references ----------------------------------------------------------------------

    def resolve_references(self) -> ReferencePlan:
        """Each mapped reference field's values resolved to ids, and the ones matching none."""
        plan = ReferencePlan()
        for f in self.module.references(self.fields):
            if f.multi:
                plan.missing[f.slug] = self._resolve_multi(f)
            else:
                plan.missing[f.slug] = self._resolve_single(f)
        return plan

    def _resolve_single(self, f: FieldDef) -> list[str]:
        """Fill the lookup table of `f`'s module (one row per distinct name, looked up by the
        module's `lookup` fields, first match wins); returns the names matching no record.
        Idempotent: after missing records are created, a second call resolves them."""
        target = target_module(f)
        keys, column = stage_references(self.job_id, target.slug), f'"{f.slug}"'
        if f.slug not in self.keyed:  # the second call only looks up what is still missing
            self.run(
                f"""INSERT INTO {keys} (key)
                    SELECT DISTINCT lower({column}) FROM {self.table} WHERE {column} IS NOT NULL
                    ON CONFLICT DO NOTHING"""
            )
            self.keyed.add(f.slug)
        lookups = ", ".join(
            f"(SELECT c.id FROM {target.table} c WHERE c.org = :org AND {key} = k.key "
            "ORDER BY c.id LIMIT 1)"
            for key in target.lookup_keys("c")
        )
        self.run(f"UPDATE {keys} k SET id = coalesce({lookups}) WHERE k.id IS NULL")
        return self._missing(
            # A name spelt several ways is created as the file first spells it: the first
            # row of each missing name, then its spelling (aggregating every row's spelling
            # in row order took 1.3 s per million rows, this 0.2 s).
            f"SELECT s.{column} FROM {self.table} s JOIN (SELECT min(s._row) AS first "
            f"FROM {self.table} s JOIN {keys} k ON k.key = lower(s.{column}) "
            "WHERE k.id IS NULL AND s._action IS NULL GROUP BY k.key) f ON s._row = f.first "
            "ORDER BY 1"
        )

    def _resolve_multi(self, f: FieldDef) -> list[str]:
        """Each row's ids of the records its names match (`_group_ids`); returns the names
        matching no record."""
        target = target_module(f)
        keys = target.lookup_keys("gr")
        found = " OR ".join(f"{key} = lower(n.name)" for key in keys)
        found = f"({found})" if len(keys) > 1 else found
        self.run(
            f"""UPDATE {self.table} s SET {f.stage_column} = g.ids FROM (
                SELECT s2._row, array_agg(DISTINCT gr.id) AS ids FROM {self.table} s2
                CROSS JOIN LATERAL unnest(string_to_array(s2."{f.slug}", E'\\x1f')) AS n(name)
                JOIN {target.table} gr ON gr.org = :org AND {found}
                GROUP BY s2._row) g
            WHERE s._row = g._row"""
        )
        return self._missing(
            f"""SELECT (array_agg(n.name ORDER BY s._row, n.ord))[1] FROM {self.table} s
                CROSS JOIN LATERAL unnest(string_to_array(s."{f.slug}", E'\\x1f'))
                  WITH ORDINALITY AS n(name, ord)
                WHERE s._action IS NULL AND NOT EXISTS (SELECT 1 FROM {target.table} gr
                  WHERE gr.org = :org AND {found})
                GROUP BY lower(n.name) ORDER BY 1"""
        )

    def _missing(self, sql: str) -> list[str]:
        return [row[0] for row in self.run(sql)]

    # -- matching and actions --------------------------------------------------------------

    def matched_action(self) -> str:
        """The action of a row that matches one record (`match` = decide in plan_updates)."""
        if self.options.action == "delete":
            return "delete"
        return {"skip": "skip", "create": "create", "update": "match"}[
            self.options.duplicate_strategy
        ]

    def match(self, keys: list[list[str]]) -> None:
        """In one pass over the rows no earlier step decided, into the matches table: the
        record and the matched action for a row matching exactly one record, `error`
        (ambiguous) for a row matching several, and `skip` (duplicate of the first) for a
        later row matching the same record as an earlier one. The decisions stay in this narrow
        table (`plan_actions` completes them): writing them into the wide staging rows cost
        ~3 s per 500,000 matched rows, and left the table 1.6 times its size for every later
        scan (bench/README.md)."""
        target = self.module.table
        if not keys:
            return
        selects = [
            f"SELECT s._row, t.id FROM {self.rows} s JOIN {target} t ON t.org = :org AND "
            f"{key_condition(self.module, key, 's', 't')} WHERE s._action IS NULL"
            for key in keys
        ]
        self.run(
            f"""CREATE UNLOGGED TABLE {self.matches} {NO_AUTOVACUUM} AS
                SELECT m._row,
                  CASE WHEN m.n = 1 THEN m.ids[1] END AS _target,
                  CASE WHEN m.n > 1 THEN 'error' WHEN m.first_row < m._row
                       THEN 'skip' ELSE CAST(:matched AS text) END AS _action,
                  CASE WHEN m.n > 1 THEN 'ambiguous match: matches records '
                       || array_to_string(m.ids, ', ') END AS _error,
                  CASE WHEN m.n = 1 AND m.first_row < m._row THEN m.first_row END AS _dup_of,
                  NULL::text[] AS _changed
                FROM (SELECT g.*, min(g._row) OVER (
                               PARTITION BY CASE WHEN g.n = 1 THEN g.ids[1] END) AS first_row
                      FROM (SELECT _row, array_agg(DISTINCT id ORDER BY id) AS ids,
                                   count(DISTINCT id) AS n
                            FROM ({" UNION ".join(selects)}) u GROUP BY _row) g) m""",
            matched=self.matched_action(),
        )
        self.matched = True

    def plan_actions(self) -> None:
        """Decide every row's action in the matches table: for `update`, a matched row becomes
        `update` with the changed fields or `unchanged`; with `delete`, a row matching nothing
        becomes "not found". The staging table is not rewritten: rows no step decided and
        the matches table does not list are created (`to_create`). Then the decided view
        lists every decided row, from the staging table (in-file duplicates) and the matches."""
        if not self.matched:
            self.run(
                f"""CREATE UNLOGGED TABLE {self.matches} (_row bigint, _target bigint,
                      _action text, _error text, _dup_of bigint, _changed text[])
                    {NO_AUTOVACUUM}"""
            )
        elif self.options.action != "delete" and self.options.duplicate_strategy == "update":
            # Fresh statistics of the matches: without them the planner expects one row and
            # picks nested loops for 100,000s.
            self.run(f"ANALYZE {self.matches}")
            self.plan_updates()
            self._complete_updates()
        if self.options.action == "delete":
            self.run(
                f"""INSERT INTO {self.matches} (_row, _action, _error)
                    SELECT s._row, 'error', 'not found' FROM {self.table} s
                    WHERE {to_create(self.matches)}"""
            )
        self.run(f"ANALYZE {self.matches}")
        self.run(
            f"""CREATE VIEW {self.decided} AS
                SELECT _row, _action, NULL::bigint AS _target, NULL::text AS _error, _dup_of,
                       NULL::text[] AS _changed
                FROM {self.table} WHERE _action IS NOT NULL
                UNION ALL SELECT _row, _action, _target, _error, _dup_of, _changed
                FROM {self.matches}"""
        )

    def _complete_updates(self) -> None:
        """The matches table again, with each `match` row's action and changed fields from
        the update plan (a new narrow table is cheaper than updating half its rows)."""
        completed = f"{self.matches}_planned"
        self.run(
            f"""CREATE UNLOGGED TABLE {completed} {NO_AUTOVACUUM} AS
                SELECT m._row, m._target,
                  CASE WHEN m._action <> 'match' THEN m._action
                       WHEN cardinality(u._changed) > 0 THEN 'update'
                       ELSE 'unchanged' END AS _action,
                  m._error, m._dup_of, u._changed
                FROM {self.matches} m LEFT JOIN {self.updates} u ON u._row = m._row"""
        )
        self.run(f"DROP TABLE {self.matches}")
        self.run(f"ALTER TABLE {completed} RENAME TO {self.matches.split('.')[-1]}")

    def merge_mode(self, field: str) -> str:
        for entry in self.options.column_mapping or []:
            if entry.target_field == field and entry.merge_mode:
                return entry.merge_mode
        return self.options.merge_mode

    def record_fields(self) -> list[FieldDef]:
        """Mapped fields stored as record columns (multi references live in link tables)."""
        return [
            self.module.field(f)
            for f in self.fields
            if f != "attributes" and self.module.field(f).stored_in_table
        ]

    def merge_fields(self) -> list[tuple[FieldDef, str, str]]:
        """(field, record column, SQL of the imported value in the column's type over the
        staged rows as s) for each mapped column."""
        fields = [(f, f.column, typed_value(f)) for f in self.record_fields()]
        if "attributes" in self.fields:
            attributes = FieldDef("attributes", "Attributes")
            fields.append((attributes, "attributes", 's."attributes"::jsonb'))
        return fields

    def merged_columns(self, pretyped: bool = False) -> list[tuple[str, str, str]]:
        """(column, merged SQL, field slug) for each mapped column, for rows joined as s/t.
        `pretyped`: s holds each imported value already typed, as `_new_<column>`."""
        return [
            (
                column,
                merged_value(
                    f,
                    self.merge_mode(f.slug),
                    f's."_new_{column}"' if pretyped else new,
                    f"t.{column}",
                ),
                f.slug,
            )
            for f, column, new in self.merge_fields()
        ]

    def link_changes(self) -> list[tuple[FieldDef, str]]:
        """Each mapped multi reference with the SQL for whether a matched record's links
        change (its ids after the merge, `s._group_ids`, vs its current links)."""
        return [(f, self.link_change(f)) for f in self.module.multi_references(self.fields)]

    def link_change(self, f: FieldDef) -> str:
        link = self.module.link(f)
        old = (
            f"(SELECT array_agg({link.target_column} ORDER BY {link.target_column}) "
            f"FROM {link.table} WHERE {link.owner_column} = t.id)"
        )
        new = f"s.{f.stage_column}"
        mode = self.merge_mode(f.slug)
        if mode == "overwrite":
            merged = new
        elif mode == "fill_empty":
            merged = f"CASE WHEN {old} IS NULL THEN {new} ELSE {old} END"
        else:
            merged = f"CASE WHEN {new} IS NULL THEN {old} ELSE {old} || {new} END"
        return (
            f"(SELECT array_agg(DISTINCT g ORDER BY g) FROM unnest({merged}) g)"
            f" IS DISTINCT FROM {old}"
        )

    def plan_updates(self) -> None:
        """Matched rows under `update`: their merged values, changed fields and before-image.
        Each merged value is computed once, into the updates table that `Writer` applies:
        phones and tags merges run sub-plans per row, and evaluating them again in the
        UPDATE cost ~3.6 s per 100,000 matched rows (bench/README.md). The before-image is
        built here from the old values read for the comparison, so writing the events does
        not join the staged rows to the record table again."""
        columns = self.merged_columns(pretyped=True)
        merged = "".join(f', {sql} AS "{column}"' for column, sql, _ in columns)
        old = "".join(f', t.{column} AS "_old_{column}"' for column, _, _ in columns)
        checks = [
            f'CASE WHEN m."{column}" IS DISTINCT FROM m."_old_{column}" THEN \'{slug}\' END'
            for column, _, slug in columns
        ]
        for f, change in self.link_changes():
            checks.append(f"CASE WHEN m._{f.slug}_change THEN '{f.slug}' END")
            merged += f", {change} AS _{f.slug}_change"
        changed = (
            f"array_remove(ARRAY[{', '.join(checks)}]::text[], NULL)"
            if checks
            else ("'{}'::text[]")
        )
        kept = "".join(f', m."{column}"' for column, _, _ in columns)
        typed = "".join(f', {sql} AS "_new_{column}"' for _, column, sql in self.merge_fields())
        links = self.module.multi_references(self.fields)
        typed += "".join(f", s.{f.stage_column}" for f in links)
        # Each OFFSET 0 keeps its query a sub-plan. Flattened, the staged text would be cast
        # once per use in the merge (a phone merge uses it four times: 1 to 2 s more per
        # 400,000 rows), and each merged expression evaluated again in the comparison.
        # Nested loops through the primary keys: the planner's hash joins built hash tables
        # of the whole staged rows and records (~600 MB at 1M) and took 8.6-10 s for 500,000
        # matches where the lookups, their casts shared with parallel workers, take 6.6 s.
        self.run("SET LOCAL enable_hashjoin = off")
        self.run("SET LOCAL enable_mergejoin = off")
        self.run(
            f"""CREATE UNLOGGED TABLE {self.updates} {NO_AUTOVACUUM} AS
                SELECT m._row, m._target{kept}, {changed} AS _changed,
                       {self.before_image(columns, links)} AS _before
                FROM (SELECT s._row, s._target{merged}{old},
                             t.updated_at AS _old_updated_at,
                             t.import_job_id AS _old_import_job_id
                      FROM (SELECT mt._row, mt._target{typed}
                            FROM {self.matches} mt JOIN {self.rows} s ON s._row = mt._row
                            WHERE mt._action = 'match' OFFSET 0) s
                      JOIN {self.module.table} t ON t.id = s._target
                      OFFSET 0) m"""
        )
        self.run("RESET enable_hashjoin")
        self.run("RESET enable_mergejoin")
        # Neither sorted by record nor ANALYZEd: the UPDATE and the events INSERT read the
        # whole table either way (a hash join with the records, planned from the table's
        # size), and the sort (it spilled 250 MB to disk) and ANALYZE cost ~0.6 s per
        # 400,000 updates (bench/README.md, sixth pass).
        self.planned_updates = True

    def before_image(self, columns: list[tuple[str, str, str]], links: list[FieldDef]) -> str:
        """What an update changes, before it does (over the rows `m` of `plan_updates`): the
        changed fields' old values, the system columns every update sets, and a multi
        reference's ids (a contact's group ids) when they change."""
        parts = [
            "jsonb_build_object('id', m._target, 'updated_at', m._old_updated_at, "
            "'import_job_id', m._old_import_job_id)"
        ]
        parts += [
            f'CASE WHEN m."{column}" IS DISTINCT FROM m."_old_{column}" THEN '
            f"jsonb_build_object('{column}', m.\"_old_{column}\") ELSE '{{}}'::jsonb END"
            for column, _, _ in columns
        ]
        parts += [
            f"CASE WHEN m._{f.slug}_change THEN jsonb_build_object('{image_key(f)}', "
            f"{linked_ids(self.module, f, 'm._target')}) ELSE '{{}}'::jsonb END"
            for f in links
        ]
        return " || ".join(parts)

    def counts(self, staged_rows: int) -> dict[str, int]:
        """Rows per action; the staged rows no decision lists are created."""
        rows = self.run(f"SELECT _action, count(*) FROM {self.decided} GROUP BY 1")
        counts = {str(action): int(n) for action, n in rows}
        counts["create"] = staged_rows - sum(n for a, n in counts.items() if a != "create")
        return counts
