"""Import options: one model for job config, CLI flags and sidecar files (same names everywhere)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.errors import InputRejected
from schemas.modules import ADDRESS_PARTS, DataType, ModuleDef

MergeMode = Literal["fill_empty", "overwrite", "prefer_import"]
DuplicateStrategy = Literal["skip", "update", "create"]
Action = Literal["merge", "overwrite", "delete"]
InvalidValues = Literal["reject_row", "drop_value"]


class ColumnMapping(BaseModel):
    """One source column and where it goes (`target_field` None or `ignored`: nowhere)."""

    model_config = ConfigDict(extra="forbid")

    source_column: str = Field(description="The column's header in the file.")
    target_field: str | None = Field(
        default=None, description="The field it fills, or attributes.<key>; empty: not imported."
    )
    ignored: bool = Field(default=False, description="Do not import this column.")
    value_type: str | None = Field(
        default=None, description="Phone type: mobile, work, home, other."
    )
    address_part: str | None = Field(
        default=None, description="For address: street, city, state, postal_code or country."
    )
    merge_mode: MergeMode | None = Field(default=None, description="This column's own merge mode.")

    @property
    def active(self) -> bool:
        return bool(self.target_field) and not self.ignored


class ImportOptions(BaseModel):
    """Everything that steers one import (SPEC §3)."""

    model_config = ConfigDict(extra="forbid")

    column_mapping: list[ColumnMapping] | None = Field(
        default=None,
        description="Where each source column goes. Columns it does not name get the "
        "suggested mapping (>= min_confidence) unless suggest_unmapped is false; "
        "`target_field: null` or `ignored: true` skips a column.",
    )
    suggest_unmapped: bool | None = Field(
        default=None,
        description="With a partial column_mapping, suggestions fill the columns it does not "
        "name (a field it maps is not suggested again). Default: true when the mapping names "
        "fewer columns than the file has.",
    )
    min_confidence: float = Field(
        default=0.6, ge=0, le=1, description="Lowest confidence of a suggestion that is applied."
    )
    duplicate_strategy: DuplicateStrategy = Field(
        default="skip",
        description="A row that matches a record: skip it, update the record, or create "
        "another record.",
    )
    match: list[str] | None = Field(
        default=None,
        description="Match keys, tried in order; `a+b` is a compound key. Default: the "
        "module's (contacts: email, then phone).",
    )
    merge_mode: MergeMode = Field(
        default="prefer_import",
        description="On update: prefer_import (a non-empty imported value wins), "
        "fill_empty (only empty fields change), overwrite (empty imported values clear).",
    )
    action: Action = Field(
        default="merge",
        description="merge (create and update), overwrite (also delete the org's records "
        "the file does not have), delete (delete the matched records).",
    )
    create_missing_references: bool = Field(
        default=False, description="Create companies and groups the file names that do not exist."
    )
    static_values: dict[str, Any] = Field(
        default_factory=dict, description="Field values set on every imported row."
    )
    validate_only: bool = Field(
        default=False,
        description="Do everything but write: counts and a plan file, then roll back.",
    )
    max_error_rows: int | None = Field(
        default=None,
        ge=0,
        description="Fail the import, writing nothing, above this many error rows.",
    )
    max_error_ratio: float | None = Field(
        default=None, ge=0, le=1, description="Fail the import above this share of error rows."
    )
    source: str | None = Field(default=None, description="Cohort: where the records came from.")
    campaign_id: str | None = Field(
        default=None, description="Cohort: the campaign of the records."
    )
    file_name: str | None = Field(default=None, description="The file's name as shown in the job.")
    default_region: str = Field(
        default="US", description="Region for phone numbers written without +country code."
    )
    date_format: str | None = Field(
        default=None, description="strftime format of the dates, e.g. %d.%m.%Y (default: detected)."
    )
    dayfirst: bool | None = Field(
        default=None,
        description="Read numeric dates such as 03/04/2024 day first (true) or month first "
        "(false). Default: each date column's order is decided from its values (31/12/2023 "
        "proves day first); a column without proof is read month first.",
    )
    source_timezone: str = Field(
        default="UTC",
        description="IANA time zone (e.g. Europe/Berlin) of timestamps written without an "
        "offset; dates without a time of day are not shifted.",
    )
    invalid_values: InvalidValues = Field(
        default="reject_row",
        description="An invalid value: reject_row (the row is not written) or drop_value (the "
        "row is written without it, a warning; invalid match keys and required fields still "
        "reject the row).",
    )
    multi_value_separator: str = Field(
        default=";,",
        description="Characters that separate values in multi-value cells (tags, groups).",
    )
    header_row: int | None = Field(
        default=None, ge=1, description="1-based row of the header (default: detected)."
    )
    sheet: str | None = Field(
        default=None, description="Spreadsheet sheet to read (default: the first)."
    )
    encoding: str | None = Field(default=None, description="Text encoding (default: detected).")
    delimiter: str | None = Field(default=None, description="Field delimiter (default: detected).")
    max_file_mb: float = Field(default=100, gt=0, description="Refuse files larger than this.")
    shards: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Validate in this many shards, one Dagster step each (default: by size).",
    )

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        import phonenumbers

        region = value.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a two-letter region code such as US or DE")
        return region

    @field_validator("source_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone name such as UTC or Europe/Berlin"
            ) from None
        return value

    @field_validator("file_name")
    @classmethod
    def _file_name(cls, value: str | None) -> str | None:
        from pipelines.names import file_name_problem

        if value is not None and (problem := file_name_problem(value)):
            raise ValueError(problem)
        return value

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
