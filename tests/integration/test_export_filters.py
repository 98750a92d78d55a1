"""Export filters on a real PostgreSQL: group, search, ids, field equality, created/updated
ranges, sort and limit, each combined with the org scope."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.integration.export_data import (
    column,
    export,
    ids_by_external_id,
    loaded,
    read_csv,
    read_manifest,
)

__all__ = ["loaded"]


def external_ids(cli: Any, *args: str) -> list[str]:
    result = export(cli, "--format", "csv", "--columns", "external_id", *args)
    return column(read_csv(result["file"]), "External ID")


def test_export_filter_group_by_name_or_id(
    cli: Any, loaded: dict[str, Any], engine: sa.Engine
) -> None:
    assert external_ids(cli, "--group", "vip") == ["C1", "C4"]
    assert external_ids(cli, "--group", "Customers") == ["C1", "C2"]
    with engine.connect() as conn:
        group_id = conn.execute(
            sa.text("SELECT id FROM groups WHERE org = 'acme' AND name = 'Customers'")
        ).scalar_one()
    assert external_ids(cli, "--group", str(group_id)) == ["C1", "C2"]
    result = export(cli, "--format", "csv", "--group", "VIP")
    assert read_manifest(result)["filters"] == {"group": "VIP"}


SEARCHES = [
    ("acme", ["C1", "C4"]),
    ("ann lee", ["C1"]),
    ("LEE ann", ["C1"]),
    ("example.org", ["C3"]),
    ("GLOBEX", ["C2"]),
    ("100%", []),
    ("zed", []),
]


def test_export_filter_search_names_emails_company(cli: Any, loaded: dict[str, Any]) -> None:
    found = {text: external_ids(cli, "--search", text) for text, _ in SEARCHES}
    assert found == dict(SEARCHES)


def test_export_filter_ids_stay_in_org(cli: Any, loaded: dict[str, Any], engine: sa.Engine) -> None:
    acme = ids_by_external_id(engine)
    other = ids_by_external_id(engine, "other")
    wanted = f"{acme['C2']},{acme['C5']},{next(iter(other.values()))}"
    assert external_ids(cli, "--ids", wanted) == ["C2", "C5"]


WHERES = [
    (["job_title=ceo"], ["C1"]),
    (["email=ANN@Example.com"], ["C1"]),
    (["tags=VIP"], ["C1", "C4"]),
    (["tags=vip", "tags=board"], ["C1"]),
    (["tags=vip", "company=acme inc"], ["C1", "C4"]),
    (["tags=vip", "address.city=berlin"], ["C4"]),
    (["company="], ["C3", "C5"]),
    (["groups=customers"], ["C1", "C2"]),
    (["groups="], ["C3", "C5"]),
    (["phones=(415) 555-0100"], ["C1"]),
    (["phones:Work=+14155550199"], ["C1"]),
    (["phones:Mobile=+14155550199"], []),
    (["phones:Mobile="], ["C2", "C3", "C5"]),
    (["phones="], ["C3", "C5"]),
    (["address.country=uk"], ["C2"]),
    (["job_title=-5"], ["C3"]),
    (["source_created_at=2023-03-15"], ["C1"]),
    (["source_created_at="], ["C2", "C3", "C4", "C5"]),
    (["external_id=C4"], ["C4"]),
]


def test_export_filter_where_field_equality(cli: Any, loaded: dict[str, Any]) -> None:
    found = {}
    for where, _ in WHERES:
        flags = [part for clause in where for part in ("--where", clause)]
        found[" AND ".join(where)] = external_ids(cli, *flags)
    assert found == {" AND ".join(where): expected for where, expected in WHERES}


def test_export_filter_where_by_company_id_and_record_id(
    cli: Any, loaded: dict[str, Any], engine: sa.Engine
) -> None:
    with engine.connect() as conn:
        company = conn.execute(sa.text("SELECT id FROM companies WHERE name = 'Globex'")).scalar()
    assert external_ids(cli, "--where", f"company={company}") == ["C2"]
    record = ids_by_external_id(engine)["C3"]
    assert external_ids(cli, "--where", f"id={record}") == ["C3"]


def test_export_filter_created_and_updated_ranges(
    cli: Any, loaded: dict[str, Any], engine: sa.Engine
) -> None:
    with engine.begin() as conn:
        for external_id, created, updated in (
            ("C1", "2024-01-01 00:00:00+00", "2024-06-01 12:00:00+00"),
            ("C2", "2024-01-31 23:59:59+00", "2024-06-02 12:00:00+00"),
            ("C3", "2024-02-01 00:00:00+00", "2024-06-03 12:00:00+00"),
        ):
            conn.execute(
                sa.text(
                    "UPDATE contacts SET created_at = :c, updated_at = :u "
                    "WHERE org = 'acme' AND external_id = :e"
                ),
                {"c": created, "u": updated, "e": external_id},
            )
    january = ["--option", "created_from=2024-01-01", "--option", "created_to=2024-01-31"]
    assert external_ids(cli, *january) == ["C1", "C2"]
    assert external_ids(
        cli,
        "--option",
        "updated_from=2024-06-02T12:00:00Z",
        "--option",
        "updated_to=2024-06-03T11:00:00Z",
    ) == ["C2"]
    assert external_ids(cli, "--option", "created_to=2023-12-31") == []
    result = export(cli, "--format", "csv", *january)
    assert read_manifest(result)["filters"] == {
        "created_from": "2024-01-01",
        "created_to": "2024-01-31",
    }


def test_export_sort_and_limit(cli: Any, loaded: dict[str, Any]) -> None:
    assert external_ids(cli, "--sort", "email:desc") == ["C5", "C4", "C3", "C2", "C1"]
    assert external_ids(cli, "--sort", "display_name") == ["C5", "C1", "C2", "C3", "C4"]
    assert external_ids(cli, "--sort", "first_name") == ["C5", "C1", "C2", "C3", "C4"]
    assert external_ids(cli, "--sort", "company:asc") == ["C1", "C4", "C2", "C3", "C5"]
    assert external_ids(cli, "--sort", "company:desc") == ["C2", "C1", "C4", "C3", "C5"]
    assert external_ids(cli, "--sort", "email:desc", "--limit", "2") == ["C5", "C4"]
    assert external_ids(cli, "--limit", "0") == []
    result = export(cli, "--format", "csv", "--limit", "3")
    assert result["row_count"] == 3 and read_manifest(result)["limit"] == 3
