"""The export query: one SELECT built from a module definition and the export options, always
scoped to one org, read inside one REPEATABLE READ, READ ONLY snapshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from pipelines.errors import InputRejected
from pipelines.exports.cells import FORMULA_START, NUMBER_PATTERN
from resources.postgres import terminate_on_interrupt
from schemas.export_options import ExportColumn, ExportOptions, parse_column, to_pg_format
from schemas.modules import (
    ADDRESS_PARTS,
    GROUPS,
    DataType,
    FieldDef,
    LinkDef,
    ModuleDef,
    target_module,
)

ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
Mode = Literal["text", "typed"]

# Code points of the characters that make a cell a formula (cells.FORMULA_START): the signs,
# with which a number may start, and the others, with which none does.
_SIGNS = ", ".join(str(ord(c)) for c in FORMULA_START if c in "+-")
_NEVER_NUMBER = ", ".join(str(ord(c)) for c in FORMULA_START if c not in "+-")
_ABOVE_FORMULA = max(ord(c) for c in FORMULA_START)
# Phone arrays up to this long are rendered element by element (`->`, no sub-select per row).
INLINE_PHONES = 4
_NORMALIZERS = {
    DataType.EMAIL: "normalize_email",
    DataType.URL: "normalize_url",
    DataType.LINKEDIN_URL: "normalize_linkedin_url",
}


@dataclass(frozen=True)
class ExportQuery:
    """SQL with psycopg `%(name)s` placeholders, its parameters and the columns it returns."""

    select: str
    count: str
    params: dict[str, Any]
    columns: list[ExportColumn]


@contextmanager
def snapshot(engine: sa.Engine) -> Iterator[Any]:
    """A psycopg connection inside one REPEATABLE READ, READ ONLY transaction: the count, the
    group lookup and the rows all see the same data. Interrupting ends the server session.
    JIT is off: compiling these scans costs more than it saves."""
    with (
        engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        ) as conn,
        conn.begin(),
        terminate_on_interrupt(conn),
    ):
        conn.exec_driver_sql("SET LOCAL jit = off")
        yield conn.connection.driver_connection


def snapshot_time(raw: Any) -> datetime:
    """When the snapshot was taken (the transaction's start), in UTC."""
    with raw.cursor() as cursor:
        cursor.execute("SELECT transaction_timestamp()")
        return cursor.fetchone()[0].astimezone(UTC)


def resolve_group(raw: Any, org: str, group: str) -> list[int]:
    """The ids of the org's groups called `group` (case-insensitive) or with that id."""
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM groups WHERE org = %(org)s AND "
            "(lower(name) = lower(%(group)s) OR id::text = %(group)s) ORDER BY id",
            {"org": org, "group": group.strip()},
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        raise InputRejected(f"No group {group!r} in org {org!r}.")
    return ids


def build_query(
    module: ModuleDef,
    org: str,
    options: ExportOptions,
    mode: Mode,
    neutralise: bool = False,
    group_ids: list[int] | None = None,
) -> ExportQuery:
    """The export's SELECT. `text` mode renders every cell as text in SQL (dates with
    `date_format`, `neutralise` applies the formula rule); `typed` mode keeps dates as UTC
    timestamps and ids as integers for the XLSX writer."""
    return _Builder(module, org, options, group_ids).build(mode, neutralise)


@dataclass
class _Builder:
    module: ModuleDef
    org: str
    options: ExportOptions
    group_ids: list[int] | None
    params: dict[str, Any] = field(default_factory=dict)
    joined: set[str] = field(default_factory=set)  # reference fields whose join is needed

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def build(self, mode: Mode, neutralise: bool) -> ExportQuery:
        self.params["org"] = self.org
        columns = self.options.export_columns(self.module)
        selected = [self.column_sql(c, mode) for c in columns]
        where = " AND ".join(["t.org = %(org)s", *self.filters()])
        order = self.order_by()
        limit = "" if self.options.limit is None else f" LIMIT {int(self.options.limit)}"
        joins = self.joins()
        aliases = [f"c{i}" for i in range(len(columns))]
        inner = (
            f"SELECT {', '.join(f'{sql} AS {a}' for sql, a in zip(selected, aliases))} "
            f"FROM {self.module.table} t{joins} WHERE {where} ORDER BY {order}{limit}"
        )
        outer = [
            self.neutralised(a) if neutralise and c.kind == "text" else a
            for c, a in zip(columns, aliases)
        ]
        select = f"SELECT {', '.join(outer)} FROM ({inner}) x"
        count = f"SELECT count(*) FROM (SELECT 1 FROM {self.module.table} t{joins} WHERE {where}"
        return ExportQuery(select, f"{count}{limit}) n", self.params, columns)

    def joins(self) -> str:
        """Each needed reference: a single one by id (the company); a multi one's names
        aggregated once per record for the whole org (group names per contact: one hash join
        instead of a sub-select per row)."""
        joins = ""
        for f in self.module.references():
            if f.slug not in self.joined:
                continue
            target, alias = target_module(f), _alias(f)
            if not f.multi:
                joins += (
                    f" LEFT JOIN {target.table} {alias} ON {alias}.id = t.{f.column} "
                    f"AND {alias}.org = t.org"
                )
                continue
            link, name = self.module.link(f), target.name_field
            joins += (
                f" LEFT JOIN (SELECT cg.{link.owner_column}, string_agg(g.{name}, '; ' ORDER BY "
                f"lower(g.{name}), g.id) AS names FROM {link.table} cg JOIN {target.table} g ON "
                f"g.id = cg.{link.target_column} WHERE g.org = %(org)s "
                f"GROUP BY cg.{link.owner_column}) {alias} ON {alias}.{link.owner_column} = t.id"
            )
        return joins

    def reference_name(self, f: FieldDef) -> str:
        """A reference's name(s) from its join (which this makes needed)."""
        self.joined.add(f.slug)
        if f.multi:
            return f"{_alias(f)}.names"
        return f"{_alias(f)}.{target_module(f).name_field}"

    def neutralised(self, alias: str) -> str:
        """`cells.neutralise` in SQL, cheapest test first. `ascii()` is the code of the first
        character (0 for ''): above `@` (letters, any non-ASCII) no formula starts; `=`, `@`,
        tab and CR never start a number; only a cell starting with a sign needs the number
        pattern, which none with a space matches (two phones), sparing most regex runs."""
        number = self.param(NUMBER_PATTERN)
        return (
            f"CASE WHEN ascii({alias}) > {_ABOVE_FORMULA} THEN {alias} "
            f"WHEN ascii({alias}) IN ({_NEVER_NUMBER}) THEN '''' || {alias} "
            f"WHEN ascii({alias}) IN ({_SIGNS}) AND (strpos({alias}, ' ') > 0 "
            f"OR {alias} !~ {number}) THEN '''' || {alias} ELSE {alias} END"
        )

    def column_sql(self, column: ExportColumn, mode: Mode) -> str:
        if column.field is not None and column.field.data_type is DataType.PHONE:
            return f"nullif({self.phone_numbers(column, inline=True)}, '')"
        raw = self.raw_sql(column)
        if column.kind == "datetime":
            utc = f"({raw} AT TIME ZONE 'UTC')"
            if mode == "typed":
                return utc
            fmt = self.options.date_format
            return f"to_char({utc}, {self.param(to_pg_format(fmt) if fmt else ISO_UTC)})"
        if column.kind == "integer":
            return raw if mode == "typed" else f"{raw}::text"
        return f"nullif({raw}, '')"

    def raw_sql(self, column: ExportColumn) -> str:
        """The column's value: text for text columns, the stored value otherwise."""
        if column.system:
            return f"t.{column.system}"
        if column.attribute is not None:
            return f"t.attributes ->> {self.param(column.attribute)}"
        f = column.field
        assert f is not None
        if f.data_type is DataType.PHONE:
            return self.phone_numbers(column, inline=False)
        if f.data_type is DataType.ADDRESS:
            if column.part:
                return f"t.{f.column} ->> {self.param(column.part)}"
            part = {p: f"nullif(t.{f.column} ->> '{p}', '')" for p in ADDRESS_PARTS}
            region = f"nullif(concat_ws(' ', {part['state']}, {part['zip']}), '')"
            return (
                f"concat_ws(', ', {part['street']}, {part['street2']}, {part['city']}, "
                f"{region}, {part['country']})"
            )
        if f.reference:
            return self.reference_name(f)
        if f.multi:
            return f"array_to_string(t.{f.column}, '; ')"
        return f"t.{f.column}"

    def phone_numbers(self, column: ExportColumn, inline: bool) -> str:
        """The numbers (of the column's phone type) joined by `; ` in stored order, from a
        sub-select per row; NULL when the value is not an array. `inline` reads arrays of up
        to INLINE_PHONES elements with `->` instead, several times cheaper: the same text,
        except '' instead of NULL when no number shows, which `nullif` in the cell evens out
        (sorting keeps the sub-select, where '' and NULL differ)."""
        f = column.field
        assert f is not None
        phones = f"t.{f.column}"
        kind = self.param(column.part) if column.part else None
        only = f" WHERE p.e ->> 'type' = {kind}" if kind else ""
        numbers = (
            f"(SELECT string_agg(p.e ->> 'number', '; ' ORDER BY p.n) FROM "
            f"jsonb_array_elements({phones}) WITH ORDINALITY AS p(e, n){only})"
        )
        if inline:
            items = [f"{phones} -> {i} ->> 'number'" for i in range(INLINE_PHONES)]
            if kind:
                items = [
                    f"CASE WHEN {phones} -> {i} ->> 'type' = {kind} THEN {item} END"
                    for i, item in enumerate(items)
                ]
            numbers = (
                f"CASE WHEN jsonb_array_length({phones}) <= {INLINE_PHONES} THEN "
                f"concat_ws('; ', {', '.join(items)}) ELSE {numbers} END"
            )
        return f"CASE WHEN jsonb_typeof({phones}) = 'array' THEN {numbers} END"

    def order_by(self) -> str:
        if not self.options.sort_field:
            return "t.id"
        column = parse_column(self.module, self.options.sort_field)
        raw = self.raw_sql(column)
        key = f"lower({raw})" if column.kind == "text" else raw
        direction = "DESC" if self.options.sort_direction == "desc" else "ASC"
        return f"{key} {direction} NULLS LAST, t.id"

    def filters(self) -> list[str]:
        filters = self.options.filters
        clauses: list[str] = []
        if self.group_ids is not None:
            link = self.group_link()
            clauses.append(
                f"EXISTS (SELECT 1 FROM {link.table} cg WHERE cg.{link.owner_column} = t.id "
                f"AND cg.{link.target_column} = ANY({self.param(self.group_ids)}))"
            )
        if filters.search:
            clauses += self.search_clauses(filters.search)
        if filters.ids is not None:
            clauses.append(f"t.id = ANY({self.param(filters.ids)})")
        for key, values in filters.where.items():
            column = parse_column(self.module, key)
            clauses += [self.where_clause(column, value) for value in values]
        for name in ("created", "updated"):
            start, end = getattr(filters, f"{name}_from"), getattr(filters, f"{name}_to")
            if start is not None:
                clauses.append(f"t.{name}_at >= {self.param(_instant(start))}")
            if end is not None and isinstance(end, datetime):
                clauses.append(f"t.{name}_at <= {self.param(_instant(end))}")
            elif end is not None:
                clauses.append(f"t.{name}_at < {self.param(_instant(end + timedelta(days=1)))}")
        return clauses

    def group_link(self) -> LinkDef:
        """The link table the `group` filter reads (export options allow it on contacts)."""
        f = next(f for f in self.module.multi_references() if f.reference == GROUPS.slug)
        return self.module.link(f)

    def search_columns(self) -> list[str]:
        """The searched fields of the module (names, emails and the company, SPEC §6)."""
        columns = []
        for f in self.module.fields:
            if not f.search:
                continue
            if f.reference:
                columns.append(self.reference_name(f))
            elif f.multi:
                columns.append(f"array_to_string(t.{f.column}, ' ')")
            else:
                columns.append(f"t.{f.column}")
        return columns

    def search_clauses(self, text: str) -> list[str]:
        """Each word of the search text must appear in one of the searched columns."""
        columns = self.search_columns()
        haystack = f"concat_ws(' ', {', '.join(columns)})"
        clauses = []
        for word in text.split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(f"{haystack} ILIKE {self.param(f'%{escaped}%')}")
        return clauses

    def where_clause(self, column: ExportColumn, value: str) -> str:
        """Field equality: case-insensitive for text, a value among the values of a
        multi-value field, names (or ids) for company and groups; an empty value matches
        records where the field is empty."""
        if column.system or (column.field and column.field.data_type is DataType.DATETIME):
            return self.where_stored(column, value)
        if column.attribute is not None:
            raw = self.raw_sql(column)
            if not value:
                return f"coalesce({raw}, '') = ''"
            return f"lower({raw}) = lower({self.param(value)})"
        f = column.field
        assert f is not None
        if f.data_type is DataType.PHONE:
            return self.where_phone(column, value)
        if f.reference:
            return self.where_reference(f, value)
        value = _normalized(f.data_type, value)
        if f.multi:
            if not value:
                return f"coalesce(cardinality(t.{f.column}), 0) = 0"
            return (
                f"EXISTS (SELECT 1 FROM unnest(t.{f.column}) v WHERE lower(v) = "
                f"lower({self.param(value)}))"
            )
        raw = self.raw_sql(column)
        if not value:
            return f"coalesce({raw}, '') = ''"
        return f"lower({raw}) = lower({self.param(value)})"

    def where_reference(self, f: FieldDef, value: str) -> str:
        """A reference names a record by a lookup field (a company's domain or name, a
        group's name) or by its id; an empty value: no referenced record."""
        target = target_module(f)
        p = self.param(value.strip()) if value else None
        if f.multi:
            link = self.module.link(f)
            found = (
                f"SELECT 1 FROM {link.table} cg JOIN {target.table} g ON g.id = "
                f"cg.{link.target_column} AND g.org = t.org WHERE cg.{link.owner_column} = t.id"
            )
            if p is None:
                return f"NOT EXISTS ({found})"
            return f"EXISTS ({found} AND ({_names(target, 'g', p)}))"
        if p is None:
            return f"t.{f.column} IS NULL"
        return (
            f"t.{f.column} IN (SELECT c.id FROM {target.table} c WHERE c.org = t.org AND "
            f"({_names(target, 'c', p)}))"
        )

    def where_stored(self, column: ExportColumn, value: str) -> str:
        raw = self.raw_sql(column)
        if not value.strip():
            return f"{raw} IS NULL"
        if column.kind == "integer":
            try:
                return f"{raw} = {self.param(int(value))}"
            except ValueError:
                raise InputRejected(f"where {column.spec}: {value!r} is not a number.") from None
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputRejected(
                f"where {column.spec}: {value!r} is not an ISO 8601 date or timestamp."
            ) from None
        if len(value.strip()) == 10:
            return f"({raw} AT TIME ZONE 'UTC')::date = {self.param(stamp.date())}"
        return f"{raw} = {self.param(_instant(stamp))}"

    def where_phone(self, column: ExportColumn, value: str) -> str:
        f = column.field
        assert f is not None
        raw = f"coalesce(t.{f.column}, '[]'::jsonb)"
        typed = {"type": column.part} if column.part else {}
        if not value:
            if not column.part:
                return f"{raw} = '[]'::jsonb"
            return f"NOT {raw} @> {self.param(json.dumps([typed]))}::jsonb"
        import pandas as pd

        from pipelines.imports.normalize import normalize_phone

        number = normalize_phone(pd.Series([value]))[0]["number"]
        return f"{raw} @> {self.param(json.dumps([{**typed, 'number': number}]))}::jsonb"


def _normalized(data_type: DataType, value: str) -> str:
    """A where value normalized as an import would store it (emails lower-cased, ...)."""
    value = value.strip()
    if not value or data_type not in _NORMALIZERS:
        return value
    import pandas as pd

    from pipelines.imports import normalize

    return str(getattr(normalize, _NORMALIZERS[data_type])(pd.Series([value]))[0])


def _instant(value: date | datetime) -> datetime:
    """A date as the start of that day in UTC; a naive timestamp read as UTC."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _alias(f: FieldDef) -> str:
    """The alias of reference field `f`'s join in the export query."""
    return f"ref_{f.slug}"


def _names(target: ModuleDef, alias: str, value: str) -> str:
    """SQL: record `alias` of `target` is the one `value` names (a lookup field or its id)."""
    keys = [f"{key} = lower({value})" for key in target.lookup_keys(alias)]
    return " OR ".join([*keys, f"{alias}.id::text = {value}"])
