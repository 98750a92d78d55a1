"""Export options: one model for job config, CLI flags and exports.yaml, and export columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.errors import InputRejected
from schemas.modules import ADDRESS_PARTS, DataType, FieldDef, ModuleDef
from schemas.options import options_rejected

ExportFormat = Literal["csv", "xlsx", "pdf"]
ColumnKind = Literal["text", "integer", "datetime"]

CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
SYSTEM_FIELDS: dict[str, tuple[str, ColumnKind]] = {
    "id": ("ID", "integer"),
    "created_at": ("Created at", "datetime"),
    "updated_at": ("Updated at", "datetime"),
    "import_job_id": ("Import job ID", "integer"),
}
ADDRESS_PART_LABELS: dict[str, str] = {
    "street": "Street",
    "street2": "Street 2",
    "city": "City",
    "state": "State",
    "zip": "ZIP",
    "country": "Country",
}
# strftime directives a date_format may use: each has a PostgreSQL to_char and an Excel form.
DATE_DIRECTIVES: dict[str, tuple[str, str]] = {
    "Y": ("YYYY", "yyyy"),
    "y": ("YY", "yy"),
    "m": ("MM", "mm"),
    "d": ("DD", "dd"),
    "H": ("HH24", "hh"),
    "I": ("HH12", "hh"),
    "M": ("MI", "mm"),
    "S": ("SS", "ss"),
    "p": ("AM", "AM/PM"),
    "b": ("Mon", "mmm"),
    "B": ("FMMonth", "mmmm"),
    "a": ("Dy", "ddd"),
    "A": ("FMDay", "dddd"),
}
_DIRECTIVE = re.compile(r"%(.)")


@dataclass(frozen=True)
class ExportColumn:
    """One exported column: `spec` as written (`email`, `phones:Mobile`, `address.city`,
    `attributes.plan`, `id`), the field it reads and the part of it, its default label, and
    the kind of cell it gives (dates stay dates and ids stay numbers in XLSX)."""

    spec: str
    label: str
    kind: ColumnKind = "text"
    field: FieldDef | None = None
    part: str | None = None
    attribute: str | None = None
    system: str | None = None


def parse_column(module: ModuleDef, spec: str) -> ExportColumn:
    """The column `spec` names in `module`, or a sentence saying what is accepted."""
    text = spec.strip()
    if text in SYSTEM_FIELDS:
        label, kind = SYSTEM_FIELDS[text]
        return ExportColumn(text, label, kind, system=text)
    if text.startswith("attributes."):
        key = text[len("attributes.") :]
        if not key:
            raise InputRejected("Column 'attributes.' needs a key, e.g. attributes.plan.")
        return ExportColumn(text, key, attribute=key)
    name, sep, part = text.partition(":") if ":" in text else text.partition(".")
    if not module.has_field(name):
        raise InputRejected(
            f"Column {spec!r} is not a {module.slug} field; use one of "
            f"{', '.join((*module.field_slugs, *SYSTEM_FIELDS))}, phones:<Type>, "
            "address.<part> or attributes.<key>."
        )
    f = module.field(name)
    if not sep:
        is_date = f.data_type is DataType.DATETIME
        return ExportColumn(text, f.label, "datetime" if is_date else "text", field=f)
    if sep == ":" and f.data_type is DataType.PHONE:
        for value_type in f.value_types:
            if value_type.lower() == part.strip().lower():
                return ExportColumn(
                    f"{name}:{value_type}", f"{value_type} phone", field=f, part=value_type
                )
        raise InputRejected(
            f"Column {spec!r}: phone type {part!r} is not one of {', '.join(f.value_types)}."
        )
    if sep == "." and f.data_type is DataType.ADDRESS:
        if part in ADDRESS_PARTS:
            return ExportColumn(text, ADDRESS_PART_LABELS[part], field=f, part=part)
        raise InputRejected(
            f"Column {spec!r}: address part {part!r} is not one of {', '.join(ADDRESS_PARTS)}."
        )
    raise InputRejected(
        f"Column {spec!r}: only phones take a :<Type> and only address takes a .<part>."
    )


class ExportFilters(BaseModel):
    """Which records of the org an export holds; every filter given must match (AND)."""

    model_config = ConfigDict(extra="forbid")

    group: str | None = None
    search: str | None = None
    ids: list[int] | None = None
    where: dict[str, list[str]] = Field(default_factory=dict)
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None
    updated_from: date | datetime | None = None
    updated_to: date | datetime | None = None

    @field_validator("group", mode="before")
    @classmethod
    def _group(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("ids", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("where", mode="before")
    @classmethod
    def _where(cls, value: Any) -> Any:
        """`{field: value | [values]}`, or a list of `field=value` texts (repeats are AND)."""
        if value is None:
            return {}
        pairs: list[tuple[str, Any]] = []
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str) and "=" in item:
                    pairs.append(tuple(item.split("=", 1)))  # type: ignore[arg-type]
                elif isinstance(item, dict):
                    pairs.extend(item.items())
                else:
                    raise ValueError(f"{item!r} is not field=value")
        else:
            raise ValueError("must map fields to values")
        where: dict[str, list[str]] = {}
        for key, raw in pairs:
            values = raw if isinstance(raw, list) else [raw]
            where.setdefault(str(key).strip(), []).extend(
                "" if v is None else str(v) for v in values
            )
        return where

    def active(self) -> dict[str, Any]:
        """The filters that are set, as JSON-ready values (for manifests and metadata)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


class ExportOptions(BaseModel):
    """Everything that steers one export (SPEC §6)."""

    model_config = ConfigDict(extra="forbid")

    format: ExportFormat = "csv"
    columns: list[str] | None = None
    column_labels: dict[str, str] = Field(default_factory=dict)
    sort_field: str | None = None
    sort_direction: Literal["asc", "desc"] = "asc"
    limit: int | None = Field(None, ge=0)
    date_format: str | None = None
    filters: ExportFilters = Field(default_factory=ExportFilters)
    include_headers: bool = True
    delimiter: str = ","
    bom: bool = False
    allow_formulas: bool = False
    title: str | None = None
    description: str | None = None
    orientation: Literal["auto", "portrait", "landscape"] = "auto"
    page_size: Literal["A4", "letter"] = "A4"
    export_retention_days: float = Field(7, gt=0)

    @field_validator("columns", mode="before")
    @classmethod
    def _columns(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str) -> str:
        if value in ("\\t", "tab", "TAB"):
            return "\t"
        if len(value) != 1 or value in '"\r\n' or not value.isascii():
            raise ValueError("must be one ASCII character such as , ; | or \\t")
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        if value is not None:
            for directive in _DIRECTIVE.findall(value):
                if directive != "%" and directive not in DATE_DIRECTIVES:
                    supported = " ".join(f"%{d}" for d in DATE_DIRECTIVES)
                    raise ValueError(f"%{directive} is not supported; use {supported} or %%")
        return value

    def export_columns(self, module: ModuleDef) -> list[ExportColumn]:
        """The columns in order with their header labels (`column_labels` win)."""
        specs = self.columns or list(module.display_fields)
        columns = [parse_column(module, spec) for spec in specs]
        labels = {parse_column(module, k).spec: v for k, v in self.column_labels.items()}
        unknown = set(labels) - {c.spec for c in columns}
        if unknown:
            raise InputRejected(
                f"column_labels names {', '.join(sorted(unknown))}, which is not an exported "
                f"column; columns: {', '.join(c.spec for c in columns)}."
            )
        return [replace(c, label=labels.get(c.spec, c.label)) for c in columns]

    def check_against(self, module: ModuleDef) -> None:
        """Reject columns, labels, sort and filters the module does not have."""
        self.export_columns(module)
        if self.sort_field:
            parse_column(module, self.sort_field)
        filters = self.filters
        if filters.group is not None and module.slug != "contacts":
            raise InputRejected("The group filter applies to contacts only.")
        for key in filters.where:
            column = parse_column(module, key)
            if column.field and column.field.data_type is DataType.ADDRESS and not column.part:
                raise InputRejected(f"where {key}: compare one part, e.g. address.city.")
        for name in ("created", "updated"):
            start, end = getattr(filters, f"{name}_from"), getattr(filters, f"{name}_to")
            if start is not None and end is not None and _as_date(start) > _as_date(end):
                raise InputRejected(f"{name}_from is after {name}_to.")


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


FILTER_KEYS = frozenset(ExportFilters.model_fields)


def parse_export_options(raw: dict[str, Any]) -> ExportOptions:
    """Options from a dict (config, exports.yaml, CLI); filter keys given at the top level
    (`group`, `where`, `created_from`, ...) move into `filters`."""
    values = dict(raw)
    filters = dict(values.pop("filters", None) or {})
    for key in FILTER_KEYS & set(values):
        filters[key] = values.pop(key)
    values["filters"] = filters
    try:
        return ExportOptions.model_validate(values)
    except ValidationError as exc:
        raise options_rejected(exc, "export") from None


def to_pg_format(date_format: str) -> str:
    """A strftime format as a PostgreSQL to_char pattern (literal text double-quoted)."""
    return _translate(date_format, 0, lambda text: '"' + text.replace('"', '\\"') + '"')


def to_excel_format(date_format: str) -> str:
    """A strftime format as an Excel number format (literal text double-quoted)."""
    return _translate(date_format, 1, lambda text: '"' + text.replace('"', "") + '"')


def _translate(date_format: str, index: int, literal: Any) -> str:
    out: list[str] = []
    text = ""
    for piece in re.split(r"(%.)", date_format):
        if len(piece) == 2 and piece[0] == "%" and piece != "%%":
            if text:
                out.append(literal(text))
                text = ""
            out.append(DATE_DIRECTIVES[piece[1]][index])
        else:
            text += "%" if piece == "%%" else piece
    if text:
        out.append(literal(text))
    return "".join(out)
