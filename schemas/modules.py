"""The one definition of each record module; tables, Pandera schemas, mapping targets and export
columns are all derived from it."""

from __future__ import annotations

from collections.abc import Iterable
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
    search: bool = False  # an export's `search` looks at it (SPEC §6)
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

    @property
    def stage_column(self) -> str:
        """The planning column of a reference in the staging rows: a single reference's
        resolved id (`_company_id`, in the rows view), a multi reference's ids (`_group_ids`)."""
        if self.multi:
            return f"_{singular(self.slug)}_ids"
        return f"_{self.column}"

    @property
    def reference_column(self) -> str:
        """The column naming a referenced record in a link table (`groups` -> `group_id`)."""
        assert self.reference, f"{self.slug} is not a reference"
        return f"{singular(self.reference)}_id"


def singular(slug: str) -> str:
    """A module slug in the singular, for link table and column names."""
    if slug.endswith("ies"):
        return f"{slug[:-3]}y"
    return slug.removesuffix("s")


@dataclass(frozen=True)
class LinkDef:
    """The table holding a multi reference: one row per (record, referenced record, org)."""

    table: str
    owner_column: str
    target_column: str


@dataclass(frozen=True)
class ModuleDef:
    """A record module: its table, fields, identity rule and default match keys."""

    slug: str
    label: str
    fields: tuple[FieldDef, ...]
    default_match: tuple[str, ...]
    display_fields: tuple[str, ...]
    # A reference to this module is a name looked up in these fields (first match wins; free
    # text case-insensitively) and, when missing, created with `name_field`.
    lookup: tuple[str, ...] = field(default=())
    name_field: str | None = None

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

    def lookup_keys(self, alias: str) -> list[str]:
        """SQL for each lookup field of record `alias`, to compare with a lower-cased name:
        free text lower-cased, other types (a normalized domain) as stored."""
        keys = []
        for slug in self.lookup:
            f = self.field(slug)
            keys.append(
                f"lower({alias}.{f.column})"
                if f.data_type is DataType.TEXT
                else f"{alias}.{f.column}"
            )
        return keys

    def references(self, mapped: Iterable[str] | None = None) -> list[FieldDef]:
        """The reference fields (of those `mapped`, when given), in definition order."""
        chosen = None if mapped is None else set(mapped)
        return [f for f in self.fields if f.reference and (chosen is None or f.slug in chosen)]

    def single_references(self, mapped: Iterable[str] | None = None) -> list[FieldDef]:
        """Reference fields stored as an id column of the record table."""
        return [f for f in self.references(mapped) if not f.multi]

    def multi_references(self, mapped: Iterable[str] | None = None) -> list[FieldDef]:
        """Reference fields stored in a link table."""
        return [f for f in self.references(mapped) if f.multi]

    @property
    def links(self) -> tuple[LinkDef, ...]:
        """The link tables of this module's multi references."""
        return tuple(self.link(f) for f in self.multi_references())

    def link(self, f: FieldDef) -> LinkDef:
        """The link table of multi reference `f` (contacts.groups -> contact_groups)."""
        owner = singular(self.slug)
        return LinkDef(f"{owner}_{f.slug}", f"{owner}_id", f.reference_column)


T = DataType

CONTACTS = ModuleDef(
    slug="contacts",
    label="Contacts",
    fields=(
        FieldDef("external_id", "External ID", match_key=True, identity=True),
        FieldDef("first_name", "First name", search=True),
        FieldDef("last_name", "Last name", search=True),
        FieldDef("display_name", "Display name", search=True),
        FieldDef("email", "Email", T.EMAIL, match_key=True, identity=True, search=True),
        FieldDef("additional_emails", "Additional emails", T.EMAIL, multi=True, search=True),
        FieldDef("phones", "Phones", T.PHONE, multi=True, identity=True, value_types=PHONE_TYPES),
        FieldDef("company", "Company", T.REFERENCE, reference="companies", search=True),
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
)

COMPANIES = ModuleDef(
    slug="companies",
    label="Companies",
    fields=(
        FieldDef("external_id", "External ID", match_key=True, identity=True),
        FieldDef("name", "Name", match_key=True, identity=True, search=True),
        FieldDef("domain", "Domain", T.DOMAIN, match_key=True, identity=True, search=True),
        FieldDef("website", "Website", T.URL),
        FieldDef("phones", "Phones", T.PHONE, multi=True, value_types=PHONE_TYPES),
        FieldDef("industry", "Industry"),
        FieldDef("address", "Address", T.ADDRESS, value_types=ADDRESS_PARTS),
        FieldDef("linkedin_url", "LinkedIn URL", T.URL, match_key=True),
        FieldDef("source_created_at", "Source created at", T.DATETIME, export_default=False),
    ),
    default_match=("external_id", "domain", "name"),
    display_fields=("name", "domain", "website", "industry"),
    lookup=("domain", "name"),
    name_field="name",
)

GROUPS = ModuleDef(
    slug="groups",
    label="Groups",
    fields=(
        FieldDef("external_id", "External ID", match_key=True, identity=True),
        FieldDef("name", "Name", match_key=True, identity=True, search=True),
        FieldDef("description", "Description"),
    ),
    default_match=("external_id", "name"),
    display_fields=("name", "description"),
    lookup=("name",),
    name_field="name",
)

MODULES: dict[str, ModuleDef] = {m.slug: m for m in (CONTACTS, COMPANIES, GROUPS)}


def target_module(f: FieldDef) -> ModuleDef:
    """The module reference field `f` points at."""
    assert f.reference, f"{f.slug} is not a reference"
    return MODULES[f.reference]


def referenced_modules() -> list[str]:
    """Every module some module's reference field points at (the keys of an import's
    `created_references`)."""
    return sorted({f.reference for m in MODULES.values() for f in m.references() if f.reference})


def get_module(slug: str) -> ModuleDef:
    """The module called `slug`, or a clear error naming the valid ones."""
    from pipelines.errors import InputRejected

    try:
        return MODULES[slug]
    except KeyError:
        raise InputRejected(f"Unknown module {slug!r}: use one of {', '.join(MODULES)}.") from None
