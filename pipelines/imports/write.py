"""Apply a resolved plan in the caller's transaction: references, deletes, updates and creates
as a handful of set-based statements. Rollback needs no row per created record: a created
record (or reference) carries `created_by_import_id` (and its source row, `created_by_row`).
Updated and deleted records get an `import_events` row with a before-image: the whole record
for a delete, only the fields the update changes (and the system columns it sets) for an
update."""

from __future__ import annotations

from typing import Any

from pipelines.imports.resolve import (
    ReferencePlan,
    Resolver,
    image_key,
    linked_ids,
    to_create,
    typed_value,
)
from schemas.modules import FieldDef, ModuleDef, referenced_modules, target_module

WRITE_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(:org || '/' || :module))"


def before_image(module: ModuleDef, alias: str = "t") -> str:
    """The record as JSON for rollback, with the ids of each multi reference (a contact's
    group ids)."""
    image = f"to_jsonb({alias})"
    for f in module.multi_references():
        image += f" || jsonb_build_object('{image_key(f)}', {linked_ids(module, f, f'{alias}.id')})"
    return image


class Writer:
    """Writes what a Resolver planned; counts what it did."""

    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver
        self.module = resolver.module
        self.table = resolver.table

    def run(self, sql: str, **params: Any) -> Any:
        return self.r.run(sql, module=self.module.slug, **params)

    def lock(self) -> None:
        """Serialise writers of one org and module for the rest of the transaction. An import
        that may create references also takes their modules' locks, so that it and an import
        into those modules never both create the same company or group. Locks are taken in
        one order (the module, then its references): an import of companies or groups takes
        no other lock, so no two imports wait on each other."""
        self.run(WRITE_LOCK_SQL)
        if self.r.options.create_missing_references:
            for module in self.reference_modules():
                self.r.run(WRITE_LOCK_SQL, module=module)

    def reference_modules(self) -> list[str]:
        """The modules this import's mapped reference fields point at."""
        return sorted({str(f.reference) for f in self.module.references(self.r.fields)})

    def create_references(self, plan: ReferencePlan) -> dict[str, int]:
        """The missing records of each referenced module, created with its `name_field`;
        then resolve again. Returns how many of each module it created."""
        created = dict.fromkeys(referenced_modules(), 0)
        for target, names in self.missing_by_module(plan).items():
            self.run(
                f"""INSERT INTO {target.table} (org, {target.name_field}, import_job_id,
                      created_by_import_id)
                    SELECT :org, n, :job, :job FROM unnest(CAST(:names AS text[])) n""",
                names=names,
            )
            created[target.slug] += len(names)
        if any(created.values()):
            self.r.resolve_references()
        return created

    def missing_by_module(self, plan: ReferencePlan) -> dict[ModuleDef, list[str]]:
        """The missing names per referenced module; a name that an earlier field of the same
        module already lists (case-insensitively) is created once."""
        by_module: dict[ModuleDef, list[str]] = {}
        for f in self.module.references():
            names = plan.missing.get(f.slug) or []
            if not names:
                continue
            listed = by_module.setdefault(target_module(f), [])
            earlier = {n.lower() for n in listed}
            listed += [n for n in names if n.lower() not in earlier]
        return by_module

    def apply_updates(self) -> None:
        if not self.r.planned_updates:
            return
        columns = self.r.merged_columns()
        # The merged values and before-images were computed when planning
        # (Resolver.plan_updates).
        assignments = "".join(f'{column} = u."{column}", ' for column, _, _ in columns)
        self.run(
            f"""UPDATE {self.module.table} t SET {assignments}updated_at = now(),
                  import_job_id = :job
                FROM {self.r.updates} u
                WHERE u._target = t.id AND cardinality(u._changed) > 0"""
        )
        for f in self.module.multi_references(self.r.fields):
            self._replace_links(f, self.r.merge_mode(f.slug))
        # The new values are not stored: they are the record's values until a later event
        # (pipelines.imports.history), so provenance costs an update only its source row.
        self.run(
            f"""INSERT INTO import_events (import_job_id, org, module, record_id, action, before,
                  source_row)
                SELECT :job, :org, :module, u._target, 'updated', u._before, u._row
                FROM {self.r.updates} u WHERE cardinality(u._changed) > 0"""
        )

    def _replace_links(self, f: FieldDef, mode: str) -> None:
        """Links of updated records (a contact's groups) after the merge mode is applied."""
        link = self.module.link(f)
        changed = f"m._action = 'update' AND '{f.slug}' = ANY(m._changed)"
        if mode == "overwrite":
            self.run(f"""DELETE FROM {link.table} cg USING {self.r.matches} m
                         WHERE cg.{link.owner_column} = m._target AND {changed}""")
        condition = (
            (
                f"AND NOT EXISTS (SELECT 1 FROM {link.table} e "
                f"WHERE e.{link.owner_column} = m._target)"
            )
            if mode == "fill_empty"
            else ""
        )
        self.run(f"""INSERT INTO {link.table} ({link.owner_column}, {link.target_column}, org)
                     SELECT m._target, g, :org FROM {self.r.matches} m
                     JOIN {self.table} s ON s._row = m._row, unnest(s.{f.stage_column}) g
                     WHERE {changed} {condition}
                     ON CONFLICT DO NOTHING""")

    def apply_creates(self) -> None:
        """One statement: number the new records in source-row order and insert them with the
        import and source row that created them and their links (a contact's groups)."""
        fields = self.r.record_fields()
        table = self.module.table
        # The sequence by name once: `nextval(pg_get_serial_sequence(...))` looked it up per row.
        sequence = self.run(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar_one()
        columns = [
            "id",
            "org",
            "import_job_id",
            "created_by_import_id",
            "created_by_row",
            *(f.column for f in fields),
        ]
        values = [
            f"nextval('{sequence}'::regclass)",
            ":org",
            ":job",
            ":job",
            "s._row",
            *(typed_value(f) for f in fields),
        ]
        if "attributes" in self.r.fields:
            columns.append("attributes")
            values.append("""coalesce(s."attributes"::jsonb, '{}'::jsonb)""")
        if self.module.slug == "contacts" and "display_name" not in self.r.fields:
            first = 's."first_name"' if "first_name" in self.r.fields else "NULL"
            last = 's."last_name"' if "last_name" in self.r.fields else "NULL"
            columns.append("display_name")
            values.append(f"nullif(concat_ws(' ', {first}, {last}), '')")
        # A volatile function in the select list runs after ORDER BY, so ids follow the rows
        # (the planner reads the staging table through its `_row` key or sorts, whichever is
        # cheaper; no materialized copy of the rows, which cost ~2 s per million).
        insert = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {self.r.rows} s WHERE {to_create(self.r.matches)} ORDER BY s._row"
        )
        self.run(self.with_links(insert))

    def with_links(self, insert: str) -> str:
        """The records' INSERT, followed in the same statement by the links of each mapped
        multi reference (a contact's groups) of the records it created."""
        links = []
        for f in self.module.multi_references(self.r.fields):
            link = self.module.link(f)
            links.append(
                f"INSERT INTO {link.table} ({link.owner_column}, {link.target_column}, org) "
                f"SELECT c.id, g, :org FROM created c JOIN {self.table} s "
                f"ON s._row = c.created_by_row, unnest(s.{f.stage_column}) g ON CONFLICT DO NOTHING"
            )
        if not links:
            return insert
        ctes = [f"created AS ({insert} RETURNING id, created_by_row)"]
        ctes += [f"link{i} AS ({sql})" for i, sql in enumerate(links[:-1])]
        return f"WITH {', '.join(ctes)} {links[-1]}"

    def apply_deletes(self, overwrite: bool) -> int:
        """`delete`: the matched records; `overwrite`: every other record of the org."""
        table, matches = self.module.table, self.r.matches
        if overwrite:
            where = (
                f"t.org = :org AND t.import_job_id IS DISTINCT FROM :job AND NOT EXISTS "
                f"(SELECT 1 FROM {matches} m WHERE m._target = t.id)"
            )
        else:
            where = (
                f"t.id IN (SELECT _target FROM {matches} WHERE _action = 'delete') AND t.org = :org"
            )
        source_row = (
            "NULL"
            if overwrite
            else f"(SELECT min(m._row) FROM {matches} m WHERE m._target = t.id "
            "AND m._action = 'delete')"
        )
        self.run(
            f"""INSERT INTO import_events (import_job_id, org, module, record_id, action, before,
                  source_row)
                SELECT :job, :org, :module, t.id, 'deleted', {before_image(self.module)},
                       {source_row}
                FROM {table} t WHERE {where}"""
        )
        result = self.run(f"DELETE FROM {table} t WHERE {where}")
        return int(result.rowcount or 0)
