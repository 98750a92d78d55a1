"""References are derived from the module definitions: reference fields, link tables, lookup
fields and the names the import and export code use (issue 14, structure)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipelines.exports.query import build_query
from pipelines.imports.stage import looked_up_modules
from schemas import modules
from schemas.export_options import parse_export_options
from schemas.modules import (
    MODULES,
    DataType,
    FieldDef,
    LinkDef,
    ModuleDef,
    referenced_modules,
    singular,
    target_module,
)
from schemas.tables import LINK_TABLES, RECORD_TABLES


def test_references_are_the_reference_fields_in_definition_order() -> None:
    contacts = MODULES["contacts"]
    assert [f.slug for f in contacts.references()] == ["company", "groups"]
    assert [f.slug for f in contacts.single_references()] == ["company"]
    assert [f.slug for f in contacts.multi_references()] == ["groups"]
    assert [f.slug for f in contacts.references(["email", "groups"])] == ["groups"]
    assert MODULES["companies"].references() == MODULES["groups"].references() == []
    assert referenced_modules() == ["companies", "groups"]
    assert looked_up_modules() == ["companies"]


def test_links_and_planning_columns_follow_the_names_in_use() -> None:
    contacts = MODULES["contacts"]
    groups, company = contacts.field("groups"), contacts.field("company")
    assert contacts.links == (LinkDef("contact_groups", "contact_id", "group_id"),)
    assert (company.stage_column, groups.stage_column) == ("_company_id", "_group_ids")
    assert [singular(s) for s in ("contacts", "companies", "groups")] == [
        "contact",
        "company",
        "group",
    ]


@pytest.mark.parametrize("slug", sorted(MODULES))
def test_tables_hold_what_each_reference_declares(slug: str) -> None:
    module = MODULES[slug]
    table = RECORD_TABLES[slug]
    for f in module.single_references():
        (fk,) = table.c[f.column].foreign_keys
        assert fk.target_fullname == f"{target_module(f).table}.id"
    for f in module.multi_references():
        link = module.link(f)
        fks = {
            c.name: next(iter(c.foreign_keys)).target_fullname
            for c in LINK_TABLES[link.table].c
            if c.foreign_keys
        }
        assert fks == {
            link.owner_column: f"{module.table}.id",
            link.target_column: f"{f.reference}.id",
        }
        assert f.column not in table.c


@pytest.mark.parametrize("slug", referenced_modules())
def test_referenced_modules_say_how_a_name_finds_and_creates_a_record(slug: str) -> None:
    target = MODULES[slug]
    assert target.lookup and target.name_field in target.lookup
    for name in target.lookup:
        assert target.field(name).data_type is not DataType.REFERENCE
        assert target.field(name).match_key


def test_lookup_keys_compare_free_text_case_insensitively() -> None:
    assert MODULES["companies"].lookup_keys("c") == ["c.domain", "lower(c.name)"]
    assert MODULES["groups"].lookup_keys("g") == ["lower(g.name)"]


PROJECTS = ModuleDef(
    slug="projects",
    label="Projects",
    fields=(FieldDef("name", "Name", match_key=True, identity=True),),
    default_match=("name",),
    display_fields=("name",),
    lookup=("name",),
    name_field="name",
)
PROJECT = FieldDef("project", "Project", DataType.REFERENCE, reference="projects", search=True)
TEAMS = FieldDef("teams", "Teams", DataType.REFERENCE, multi=True, reference="projects")


def test_a_new_reference_field_is_picked_up_without_code_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contacts = replace(MODULES["contacts"], fields=(*MODULES["contacts"].fields, PROJECT, TEAMS))
    monkeypatch.setitem(modules.MODULES, "projects", PROJECTS)
    monkeypatch.setitem(modules.MODULES, "contacts", contacts)
    assert referenced_modules() == ["companies", "groups", "projects"]
    assert looked_up_modules() == ["companies", "projects"]
    assert contacts.link(TEAMS) == LinkDef("contact_teams", "contact_id", "project_id")
    options = parse_export_options(
        {"columns": ["project", "teams"], "search": "apollo", "where": {"teams": ["x"]}}
    )
    sql = build_query(contacts, "acme", options, "text").select
    assert "LEFT JOIN projects ref_project ON ref_project.id = t.project_id" in sql
    assert "FROM contact_teams cg JOIN projects g ON g.id = cg.project_id" in sql
    assert "lower(g.name) = lower(" in sql
    assert "ref_project.name) ILIKE" in sql
