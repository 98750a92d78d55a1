"""Each module's definition, Pandera schema and table agree, and derived properties hold."""

from __future__ import annotations

import pytest

from pipelines.errors import InputRejected
from schemas.modules import MODULES, SYSTEM_COLUMNS, get_module
from schemas.tables import LINK_TABLES, RECORD_TABLES
from schemas.validation import SCHEMAS


@pytest.mark.parametrize("slug", sorted(MODULES))
def test_modules_schema_table_and_fields_agree(slug: str) -> None:
    module = MODULES[slug]
    table = RECORD_TABLES[slug]
    stored = {f.column for f in module.fields if f.stored_in_table}
    assert set(table.c.keys()) == stored | set(SYSTEM_COLUMNS) | {"attributes"}
    assert list(SCHEMAS[slug].columns) == list(module.field_slugs)


@pytest.mark.parametrize("slug", sorted(MODULES))
def test_modules_match_keys_and_identity_are_fields(slug: str) -> None:
    module = MODULES[slug]
    for key in module.default_match:
        assert module.field(key).match_key
    assert module.identity_fields
    for name in module.display_fields:
        assert module.has_field(name)


def test_modules_multi_references_live_in_link_table() -> None:
    groups = MODULES["contacts"].field("groups")
    assert not groups.stored_in_table
    assert {c.name for c in LINK_TABLES["contact_groups"].c} == {"contact_id", "group_id", "org"}
    assert MODULES["contacts"].field("company").column == "company_id"


def test_modules_match_keys_have_org_indexes() -> None:
    for slug, module in MODULES.items():
        indexed = {ix.name for ix in RECORD_TABLES[slug].indexes}
        for f in module.fields:
            if f.match_key:
                assert f"ix_{slug}_org_{f.slug}" in indexed
        assert not any(ix.unique for ix in RECORD_TABLES[slug].indexes)


def test_modules_unknown_module_is_a_clear_rejection() -> None:
    with pytest.raises(InputRejected, match="contacts, companies, groups"):
        get_module("people")
