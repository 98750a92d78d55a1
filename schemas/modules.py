"""The one definition of each record module; tables, Pandera schemas, mapping targets and export
columns are all derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DataType(StrEnum):
    """How a field is normalized, validated, stored and exported."""

    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    LINKEDIN_URL = "linkedin_url"
    DOMAIN = "domain"
    DATETIME = "datetime"
    ADDRESS = "address"
    REFERENCE = "reference"


ADDRESS_PARTS: tuple[str, ...] = ("street", "street2", "city", "state", "zip", "country")
PHONE_TYPES: tuple[str, ...] = ("Mobile", "Work", "Home", "Fax", "Other")
SYSTEM_COLUMNS: tuple[str, ...] = (
    "id",
    "org",
    "created_at",
    "updated_at",
    "import_job_id",
    "created_by_import_id",
    "created_by_row",
)

# In a normalized frame every cell is text: a multi-value cell joins its values with MULTI_SEP,
# and a phone is "<E.164 number>PART_SEP<type>" (staged as JSON, see imports/chunks.py).
MULTI_SEP = "\x1f"
PART_SEP = "\x1e"


@dataclass(frozen=True)
class FieldDef:
    """One field of a module: what a mapping can target and an export can show."""

    slug: str
    label: str
    data_type: DataType = DataType.TEXT
    required: bool = False
    multi: bool = False
    reference: str | None = None
    match_key: bool = False
    identity: bool = False
    export_default: bool = True
    value_types: tuple[str, ...] = ()
    max_length: int = 32767

    @property
    def column(self) -> str:
        """The table column that stores this field (multi references live in a link table)."""
        if self.reference and not self.multi:
            return f"{self.slug}_id"
        return self.slug

    @property
    def stored_in_table(self) -> bool:
        return not (self.reference and self.multi)


@dataclass(frozen=True)
class ModuleDef:
    """A record module: its table, fields, identity rule and default match keys."""

    slug: str
    label: str
    fields: tuple[FieldDef, ...]
    default_match: tuple[str, ...]
    display_fields: tuple[str, ...]
    links: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        return self.slug

    @property
    def identity_fields(self) -> tuple[str, ...]:
        return tuple(f.slug for f in self.fields if f.identity)

    @property
    def field_slugs(self) -> tuple[str, ...]:
        return tuple(f.slug for f in self.fields)

    def field(self, slug: str) -> FieldDef:
        for candidate in self.fields:
            if candidate.slug == slug:
                return candidate
        raise KeyError(f"module {self.slug} has no field {slug!r}")

    def has_field(self, slug: str) -> bool:
        return any(f.slug == slug for f in self.fields)


T = DataType

CONTACTS = ModuleDef(
    slug="contacts",
    label="Contacts",
    fields=(
        FieldDef("external_id", "External ID", match_key=True, identity=True),
        FieldDef("first_name", "First name"),
        FieldDef("last_name", "Last name"),
        FieldDef("display_name", "Display name"),
        FieldDef("email", "Email", T.EMAIL, match_key=True, identity=True),
        FieldDef("additional_emails", "Additional emails", T.EMAIL, multi=True),
        FieldDef("phones", "Phones", T.PHONE, multi=True, identity=True, value_types=PHONE_TYPES),
        FieldDef("company", "Company", T.REFERENCE, reference="companies"),
        FieldDef("job_title", "Job title"),
        FieldDef("address", "Address", T.ADDRESS, value_types=ADDRESS_PARTS),
        FieldDef("linkedin_url", "LinkedIn URL", T.LINKEDIN_URL, match_key=True, identity=True),
        FieldDef("tags", "Tags", multi=True),
        FieldDef("groups", "Groups", T.REFERENCE, multi=True, reference="groups"),
        FieldDef("notes", "Notes", export_default=False),
        FieldDef("source", "Source", export_default=False),
        FieldDef("source_created_at", "Source created at", T.DATETIME, export_default=False),
    ),
    default_match=("external_id", "email", "linkedin_url"),
    display_fields=("display_name", "email", "phones", "company", "job_title"),
    links=("contact_groups",),
)

COMPANIES = ModuleDef(
    slug="companies",
    label="Companies",
    fields=(
        FieldDef("external_id", "External ID", match_key=True, identity=True),
        FieldDef("name", "Name", match_key=True, identity=True),
        FieldDef("domain", "Domain", T.DOMAIN, match_key=True, identity=True),
        FieldDef("website", "Website", T.URL),
        FieldDef("phones", "Phones", T.PHONE, multi=True, value_types=PHONE_TYPES),
        FieldDef("industry", "Industry"),
        FieldDef("address", "Address", T.ADDRESS, value_types=ADDRESS_PARTS),
        FieldDef("linkedin_url", "LinkedIn URL", T.URL, match_key=True),
        FieldDef("source_created_at", "Source created at", T.DATETIME, export_default=False),
    ),
    default_match=("external_id", "domain", "name"),
    display_fields=("name", "domain", "website", "industry"),
)

GROUPS = ModuleDef(
    slug="groups",
    label="Groups",
    fields=(
        FieldDef("external_id", "External ID", match_key=True, identity=True),
        FieldDef("name", "Name", match_key=True, identity=True),
        FieldDef("description", "Description"),
    ),
    default_match=("external_id", "name"),
    display_fields=("name", "description"),
)

MODULES: dict[str, ModuleDef] = {m.slug: m for m in (CONTACTS, COMPANIES, GROUPS)}


def get_module(slug: str) -> ModuleDef:
    """The module called `slug`, or a clear error naming the valid ones."""
    from pipelines.errors import InputRejected

    try:
        return MODULES[slug]
    except KeyError:
        raise InputRejected(f"Unknown module {slug!r}: use one of {', '.join(MODULES)}.") from None
