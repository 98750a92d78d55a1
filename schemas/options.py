"""Import options: one model for job config, CLI flags and sidecar files (same names everywhere)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.errors import InputRejected
from schemas.modules import ADDRESS_PARTS, DataType, ModuleDef

MergeMode = Literal["fill_empty", "overwrite", "prefer_import"]
DuplicateStrategy = Literal["skip", "update", "create"]
Action = Literal["merge", "overwrite", "delete"]


class ColumnMapping(BaseModel):
    """One source column and where it goes (`target_field` None or `ignored`: nowhere)."""

    model_config = ConfigDict(extra="forbid")

    source_column: str
    target_field: str | None = None
    ignored: bool = False
    value_type: str | None = None
    address_part: str | None = None
    merge_mode: MergeMode | None = None

    @property
    def active(self) -> bool:
        return bool(self.target_field) and not self.ignored


class ImportOptions(BaseModel):
    """Everything that steers one import (SPEC §3)."""

    model_config = ConfigDict(extra="forbid")

    column_mapping: list[ColumnMapping] | None = None
    min_confidence: float = Field(0.6, ge=0, le=1)
    duplicate_strategy: DuplicateStrategy = "skip"
    match: list[str] | None = None
    merge_mode: MergeMode = "prefer_import"
    action: Action = "merge"
    create_missing_references: bool = False
    static_values: dict[str, Any] = Field(default_factory=dict)
    validate_only: bool = False
    max_error_rows: int | None = Field(None, ge=0)
    max_error_ratio: float | None = Field(None, ge=0, le=1)
    source: str | None = None
    campaign_id: str | None = None
    file_name: str | None = None
    default_region: str = "US"
    date_format: str | None = None
    dayfirst: bool = False
    multi_value_separator: str = ";,"
    header_row: int | None = Field(None, ge=1)
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    max_file_mb: float = Field(100, gt=0)
    shards: int | None = Field(None, ge=1, le=1000)

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        import phonenumbers

        region = value.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a two-letter region code such as US or DE")
        return region

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value in ("\\t", "tab", "TAB"):
            return "\t"
        if value is not None and len(value) != 1:
            raise ValueError("must be one character such as , ; | or \\t")
        return value

    def match_keys(self, module: ModuleDef) -> list[list[str]]:
        """The match keys as lists of field slugs (`a+b` is one compound key)."""
        keys = self.match or list(module.default_match)
        return [[part.strip() for part in key.split("+")] for key in keys]

    def check_against(self, module: ModuleDef) -> None:
        """Reject options that name fields the module does not have, with a useful sentence."""
        for key in self.match_keys(module):
            for part in key:
                if not module.has_field(part):
                    raise InputRejected(
                        f"Match key {'+'.join(key)!r} names {part!r}, which is not a "
                        f"{module.slug} field; fields: {', '.join(module.field_slugs)}."
                    )
        for name in self.static_values:
            if not module.has_field(name) and not name.startswith("attributes."):
                raise InputRejected(
                    f"static_values names {name!r}, which is not a {module.slug} field."
                )
        for entry in self.column_mapping or []:
            if entry.active:
                check_mapping_entry(entry, module)


def check_mapping_entry(entry: ColumnMapping, module: ModuleDef) -> None:
    target = entry.target_field or ""
    if target.startswith("attributes."):
        if not target[len("attributes.") :]:
            raise InputRejected(f"Column {entry.source_column!r}: 'attributes.' needs a key.")
        return
    if not module.has_field(target):
        raise InputRejected(
            f"Column {entry.source_column!r} maps to {target!r}, which is not a {module.slug} "
            f"field; fields: {', '.join(module.field_slugs)} or attributes.<key>."
        )
    f = module.field(target)
    if f.data_type is DataType.ADDRESS and entry.address_part not in ADDRESS_PARTS:
        raise InputRejected(
            f"Column {entry.source_column!r} maps to address: give address_part, one of "
            f"{', '.join(ADDRESS_PARTS)}."
        )
    phone = f.data_type is DataType.PHONE
    if phone and entry.value_type and entry.value_type not in f.value_types:
        raise InputRejected(
            f"Column {entry.source_column!r}: value_type {entry.value_type!r} is not one "
            f"of {', '.join(f.value_types)}."
        )


def parse_options(raw: dict[str, Any]) -> ImportOptions:
    """Options from a dict (config, sidecar, CLI), with pydantic errors as one sentence."""
    try:
        return ImportOptions.model_validate(raw)
    except ValidationError as exc:
        raise options_rejected(exc, "import") from None


def options_rejected(exc: ValidationError, what: str) -> InputRejected:
    """Pydantic's errors as one sentence naming each bad option."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "options"
        problems.append(f"{where}: {error['msg']}")
    return InputRejected(f"Invalid {what} options: " + "; ".join(problems) + ".")
