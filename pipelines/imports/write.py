"""Apply a resolved plan in the caller's transaction: references, deletes, updates and creates
as a handful of set-based statements. Rollback needs no row per created record: a created
record (or reference) carries `created_by_import_id` (and its source row, `created_by_row`).
Updated and deleted records get an `import_events` row with a before-image: the whole record
for a delete, only the fields the update changes (and the system columns it sets) for an
update."""

from __future__ import annotations

from typing import Any

from pipelines.imports.resolve import CREATE, ReferencePlan, Resolver, typed_value

WRITE_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(:org || '/' || :module))"


def before_image(module: str, alias: str = "t") -> str:
    """The record as JSON for rollback; a contact also keeps its group ids."""
    image = f"to_jsonb({alias})"
    if module == "contacts":
        image += (
            f" || jsonb_build_object('_groups', (SELECT coalesce(jsonb_agg(group_id), "
            f"'[]'::jsonb) FROM contact_groups WHERE contact_id = {alias}.id))"
        )
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
        return sorted(
            {f.reference for f in self.module.fields if f.reference and f.slug in self.r.fields}
        )

    def create_references(self, plan: ReferencePlan) -> dict[str, int]:
        created = {"companies": 0, "groups": 0}
        for field, target in (("company", "companies"), ("groups", "groups")):
            names = plan.missing.get(field) or []
            if not names:
                continue
            self.run(
                f"""INSERT INTO {target} (org, name, import_job_id, created_by_import_id)
                    SELECT :org, n, :job, :job FROM unnest(CAST(:names AS text[])) n""",
                names=names,
            )
            created[target] = len(names)
        if created["companies"] or created["groups"]:
            self.r.resolve_references()
        return created

    def apply_updates(self) -> None:
        if not self.r.planned_updates:
            return
        columns = self.r.merged_columns()
        group_sql = self.r.group_merge()
        # The merged values and before-images were computed when planning
        # (Resolver.plan_updates).
        self.run(
            f"""INSERT INTO import_events (import_job_id, org, module, record_id, action, before)
                SELECT :job, :org, :module, u._target, 'updated', u._before
                FROM {self.r.updates} u WHERE cardinality(u._changed) > 0"""
        )
        assignments = "".join(f'{column} = u."{column}", ' for column, _, _ in columns)
        self.run(
            f"""UPDATE {self.module.table} t SET {assignments}updated_at = now(),
                  import_job_id = :job
                FROM {self.r.updates} u
                WHERE u._target = t.id AND cardinality(u._changed) > 0"""
        )
        if group_sql:
            self._replace_groups(self.r.merge_mode("groups"))

    def _replace_groups(self, mode: str) -> None:
        """Membership of updated contacts after the merge mode is applied."""
        if mode == "overwrite":
            self.run(f"""DELETE FROM contact_groups cg USING {self.table} s
                         WHERE cg.contact_id = s._target AND s._action = 'update'
                           AND 'groups' = ANY(s._changed)""")
        condition = (
            ("AND NOT EXISTS (SELECT 1 FROM contact_groups e WHERE e.contact_id = s._target)")
            if mode == "fill_empty"
            else ""
        )
        self.run(f"""INSERT INTO contact_groups (contact_id, group_id, org)
                     SELECT s._target, g, :org FROM {self.table} s, unnest(s._group_ids) g
                     WHERE s._action = 'update' AND 'groups' = ANY(s._changed) {condition}
                     ON CONFLICT DO NOTHING""")

    def apply_creates(self) -> None:
        """One statement: number the new records in source-row order and insert them with the
        import and source row that created them and (for contacts) their group links."""
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
            f"FROM {self.r.rows} s WHERE {CREATE} ORDER BY s._row"
        )
        if self.module.slug == "contacts" and "groups" in self.r.fields:
            insert = (
                f"WITH created AS ({insert} RETURNING id, created_by_row) "
                "INSERT INTO contact_groups (contact_id, group_id, org) "
                f"SELECT c.id, g, :org FROM created c JOIN {self.table} s "
                "ON s._row = c.created_by_row, unnest(s._group_ids) g ON CONFLICT DO NOTHING"
            )
        self.run(insert)

    def apply_deletes(self, overwrite: bool) -> int:
        """`delete`: the matched records; `overwrite`: every other record of the org."""
        table = self.module.table
        if overwrite:
            where = (
                f"t.org = :org AND t.import_job_id IS DISTINCT FROM :job AND NOT EXISTS "
                f"(SELECT 1 FROM {self.table} s WHERE s._target = t.id)"
            )
        else:
            where = (
                f"t.id IN (SELECT _target FROM {self.table} WHERE _action = 'delete') "
                "AND t.org = :org"
            )
        self.run(
            f"""INSERT INTO import_events (import_job_id, org, module, record_id, action, before)
                SELECT :job, :org, :module, t.id, 'deleted', {before_image(self.module.slug)}
                FROM {table} t WHERE {where}"""
        )
        result = self.run(f"DELETE FROM {table} t WHERE {where}")
        return int(result.rowcount or 0)
