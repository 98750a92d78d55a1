"""Import writes on a real PostgreSQL through the CLI and the import_file job: strategies, merge
modes, re-imports, actions across orgs, references and counting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

BASE = "Email,First Name,Last Name,Job Title,Tags\nann@example.com,Ann,,CEO,vip\n"
INCOMING = "Email,First Name,Last Name,Job Title,Tags\nann@example.com,Anna,Lee,,new\n"
ROW_COUNTS = ("created_rows", "updated_rows", "unchanged_rows", "skipped_rows", "error_rows")


def contacts(engine: sa.Engine, org: str = "acme") -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, email, first_name, last_name, job_title, tags, phones, display_name, "
                "company_id, import_job_id FROM contacts WHERE org = :org ORDER BY id"
            ),
            {"org": org},
        )
        return [dict(r) for r in rows.mappings()]


def counts(result: dict[str, Any]) -> dict[str, int]:
    return {k: result[k] for k in ROW_COUNTS}


def test_import_creates_records_and_reimport_changes_nothing(imp: Any, engine: sa.Engine) -> None:
    text = (
        "Email,First Name,Last Name,Phone\nann@example.com,Ann,Lee,(415) 555-0100\n"
        "BOB@Example.com ,Bob,,\n"
    )
    first = imp(text)
    assert counts(first) == {
        "created_rows": 2,
        "updated_rows": 0,
        "unchanged_rows": 0,
        "skipped_rows": 0,
        "error_rows": 0,
    }
    assert first["total_rows"] == 2 and first["status"] == "completed"
    rows = contacts(engine)
    assert [r["email"] for r in rows] == ["ann@example.com", "bob@example.com"]
    assert (
        rows[0]["phones"] == [{"number": "+14155550100", "type": "Other"}]
        or rows[0]["phones"][0]["number"] == "+14155550100"
    )
    assert rows[0]["display_name"] == "Ann Lee"
    for _ in range(3):
        again = imp(text)
        assert again["created_rows"] == 0 and again["skipped_rows"] == 2
    for _ in range(3):
        again = imp(text, "--duplicates", "update")
        assert again["created_rows"] == 0 and again["updated_rows"] == 0
        assert again["unchanged_rows"] == 2
    assert len(contacts(engine)) == 2


@pytest.mark.parametrize(
    ("strategy", "merge", "expected"),
    [
        (
            "skip",
            "prefer_import",
            {"first_name": "Ann", "last_name": None, "job_title": "CEO", "tags": ["vip"]},
        ),
        (
            "update",
            "fill_empty",
            {"first_name": "Ann", "last_name": "Lee", "job_title": "CEO", "tags": ["vip"]},
        ),
        (
            "update",
            "prefer_import",
            {"first_name": "Anna", "last_name": "Lee", "job_title": "CEO", "tags": ["vip", "new"]},
        ),
        (
            "update",
            "overwrite",
            {"first_name": "Anna", "last_name": "Lee", "job_title": None, "tags": ["new"]},
        ),
    ],
)
def test_import_strategy_and_merge_mode(
    imp: Any, engine: sa.Engine, strategy: str, merge: str, expected: dict[str, Any]
) -> None:
    imp(BASE)
    result = imp(INCOMING, "--duplicates", strategy, "--merge", merge)
    record = contacts(engine)
    assert len(record) == 1
    assert {k: record[0][k] for k in expected} == expected
    if strategy == "skip":
        assert (result["skipped_rows"], result["updated_rows"]) == (1, 0)
    else:
        assert (result["updated_rows"], result["unchanged_rows"]) == (1, 0)


def test_import_create_strategy_makes_a_second_record(imp: Any, engine: sa.Engine) -> None:
    imp(BASE)
    result = imp(INCOMING, "--duplicates", "create")
    assert result["created_rows"] == 1
    assert [r["email"] for r in contacts(engine)] == ["ann@example.com"] * 2


def test_import_per_column_merge_mode_overrides(
    imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    imp(BASE)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "column_mapping": [
                    {"source_column": "Email", "target_field": "email"},
                    {"source_column": "First Name", "target_field": "first_name"},
                    {
                        "source_column": "Job Title",
                        "target_field": "job_title",
                        "merge_mode": "overwrite",
                    },
                ],
                "duplicate_strategy": "update",
                "merge_mode": "fill_empty",
                "suggest_unmapped": False,
            }
        )
    )
    result = imp(INCOMING, "--mapping", str(mapping))
    record = contacts(engine)[0]
    assert (record["first_name"], record["job_title"], record["last_name"]) == ("Ann", None, None)
    assert result["updated_rows"] == 1


def test_import_phones_merge_by_type(imp: Any, engine: sa.Engine) -> None:
    imp("Email,Mobile Phone\nann@example.com,415 555 0100\n")
    imp(
        "Email,Business Phone,Mobile Phone\nann@example.com,415 555 0199,415 555 0111\n",
        "--duplicates",
        "update",
    )
    phones = {p["type"]: p["number"] for p in contacts(engine)[0]["phones"]}
    assert phones == {"Mobile": "+14155550111", "Work": "+14155550199"}


def test_import_in_file_duplicates_skip_with_reason(imp: Any, engine: sa.Engine) -> None:
    text = "Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n ANN@example.com,Annie\n"
    result = imp(text)
    assert (result["created_rows"], result["skipped_rows"], result["total_rows"]) == (2, 1, 3)
    rejects = Path(result["errors_file"].removeprefix("file://")).read_text()
    assert "duplicate of row 1" in rejects
    assert contacts(engine)[0]["first_name"] == "Ann"


def test_import_overwrite_and_delete_stay_inside_the_org(imp: Any, engine: sa.Engine) -> None:
    two = "Email\na@example.com\nb@example.com\n"
    imp(two, org="acme")
    imp(two, org="globex")
    result = imp("Email\na@example.com\n", "--action", "overwrite", org="acme")
    assert (result["deleted_rows"], result["unchanged_rows"] + result["skipped_rows"]) == (1, 1)
    assert [r["email"] for r in contacts(engine, "acme")] == ["a@example.com"]
    assert len(contacts(engine, "globex")) == 2

    deleted = imp("Email\nb@example.com\nnobody@example.com\n", "--action", "delete", org="globex")
    assert (deleted["deleted_rows"], deleted["error_rows"]) == (1, 1)
    assert deleted["errors"][0]["error"] == "not found"
    assert [r["email"] for r in contacts(engine, "globex")] == ["a@example.com"]
    assert [r["email"] for r in contacts(engine, "acme")] == ["a@example.com"]


def test_import_references_created_or_warned(imp: Any, engine: sa.Engine) -> None:
    text = "Email,Company,Groups\nann@example.com,Acme Inc,Friends;VIP\nbob@example.com,acme inc,\n"
    warned = imp(text, "--validate-only")
    assert warned["reference_warnings"] == [
        {"field": "company", "unresolved_values": ["Acme Inc"]},
        {"field": "groups", "unresolved_values": ["Friends", "VIP"]},
    ]
    created = imp(text, "--create-missing-references")
    assert created["created_references"] == {"companies": 1, "groups": 2}
    assert created["reference_warnings"] == []
    rows = contacts(engine)
    assert rows[0]["company_id"] == rows[1]["company_id"] is not None
    with engine.connect() as conn:
        links = conn.execute(sa.text("SELECT count(*) FROM contact_groups")).scalar_one()
    assert links == 2


def test_import_validate_only_writes_nothing_and_plans(imp: Any, engine: sa.Engine) -> None:
    imp(BASE)
    result = imp(INCOMING + "bad-email,X,,,\n", "--validate-only", "--duplicates", "update")
    assert (result["updated_rows"], result["error_rows"]) == (1, 1)
    plan = Path(result["plan_file"].removeprefix("file://")).read_text()
    assert "first_name: Ann -> Anna" in plan
    assert "invalid email address" in plan
    assert contacts(engine)[0]["first_name"] == "Ann"


def test_import_error_budget_fails_with_nothing_written(imp: Any, engine: sa.Engine) -> None:
    text = "Email\nann@example.com\nnot-an-email\nalso bad\n"
    message = imp(text, "--option", "max_error_rows=1", expect=2)
    assert "max_error_rows" in message and "nothing was written" in message
    assert contacts(engine) == []


def test_import_mapping_without_identity_is_rejected(imp: Any, engine: sa.Engine) -> None:
    message = imp("First Name,Last Name\nAnn,Lee\n", expect=2)
    assert "email" in message and "map at least one" in message
    assert message.count("\n") == 1


def test_import_update_links_references_created_by_the_same_import(
    imp: Any, engine: sa.Engine
) -> None:
    imp("Email,First Name\nann@example.com,Ann\n")
    text = "Email,Company,Groups\nann@example.com,Initech,VIP\n"
    flags = ("--duplicates", "update", "--create-missing-references")
    planned = imp(text, *flags, "--validate-only")
    result = imp(text, *flags)
    assert (planned["updated_rows"], result["updated_rows"]) == (1, 1)
    assert (
        planned["created_references"]
        == result["created_references"]
        == {"companies": 1, "groups": 1}
    )
    with engine.connect() as conn:
        company, group = conn.execute(
            sa.text(
                "SELECT co.name, g.name FROM contacts c JOIN companies co ON co.id = c.company_id "
                "JOIN contact_groups cg ON cg.contact_id = c.id JOIN groups g ON g.id = cg.group_id"
            )
        ).one()
    assert (company, group) == ("Initech", "VIP")


def test_import_ambiguous_and_same_record_matches(imp: Any, engine: sa.Engine) -> None:
    imp(
        "Email,LinkedIn\na@example.com,linkedin.com/in/ann\nb@example.com,linkedin.com/in/bob\n"
        "c@example.com,linkedin.com/in/cat\n"
    )
    ids = {r["email"]: r["id"] for r in contacts(engine)}
    result = imp(
        "Email,LinkedIn,Job Title\n"
        "a@example.com,linkedin.com/in/bob,CEO\n"  # row 1: email -> a, LinkedIn -> b
        "c@example.com,,CTO\n"  # row 2: c by email
        "new@example.com,linkedin.com/in/cat,CFO\n",  # row 3: c again, by LinkedIn
        "--duplicates",
        "update",
    )
    assert counts(result) == {
        "created_rows": 0,
        "updated_rows": 1,
        "unchanged_rows": 0,
        "skipped_rows": 1,
        "error_rows": 1,
    }
    assert result["errors"] == [
        {
            "row": 1,
            "field": None,
            "value": None,
            "error": f"ambiguous match: matches records {ids['a@example.com']}, "
            f"{ids['b@example.com']}",
        }
    ]
    rejects = Path(result["errors_file"].removeprefix("file://")).read_text()
    assert "duplicate of row 2" in rejects
    titles = {r["email"]: r["job_title"] for r in contacts(engine)}
    assert titles == {"a@example.com": None, "b@example.com": None, "c@example.com": "CTO"}


def test_in_file_duplicates_under_several_and_compound_keys(imp: Any, engine: sa.Engine) -> None:
    text = (
        "Email,LinkedIn,First Name,Last Name\n"
        "a@example.com,linkedin.com/in/a,Ann,Lee\n"  # 1
        "b@example.com,linkedin.com/in/b,Bob,Ray\n"  # 2
        " A@Example.com ,,Ann,Other\n"  # 3: email of 1
        "c@example.com,linkedin.com/in/b,Cy,Lee\n"  # 4: LinkedIn of 2
        "c@example.com,,Dee,Ray\n"  # 5: email of 4
        "d@example.com,,Bob,Ray\n"  # 6: new by email/LinkedIn
    )
    result = imp(text)
    assert (result["created_rows"], result["skipped_rows"]) == (3, 3)
    rejects = Path(result["errors_file"].removeprefix("file://")).read_text().splitlines()
    reasons = {line.split(",")[-3]: line.split(",")[-1] for line in rejects[1:]}
    assert reasons == {
        "3": "duplicate of row 1",
        "4": "duplicate of row 2",
        "5": "duplicate of row 4",
    }
    compound = imp(
        text.replace("@example.com", "@example.org"),
        "--match",
        "first_name+last_name",
        org="other",
    )
    assert (compound["created_rows"], compound["skipped_rows"]) == (5, 1)  # row 6 = Bob Ray
    assert len(contacts(engine, "other")) == 5


def test_a_large_import_analyzes_the_record_table(
    imp: Any, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def analyzed(table: str) -> bool:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    sa.text(
                        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                        "WHERE relname = :table"
                    ),
                    {"table": table},
                ).scalar_one()
            )

    monkeypatch.setattr("pipelines.imports.steps.ANALYZE_AFTER", 3)
    monkeypatch.setattr("pipelines.imports.steps.ANALYZE_AFTER_REFERENCES", 2)
    imp("Email,Company\na@example.com,Acme\nb@example.com,\n", "--create-missing-references")
    assert not analyzed("contacts") and not analyzed("companies")
    imp(
        "Email,Company\nc@example.com,Initech\nd@example.com,Globex\ne@example.com,\n",
        "--create-missing-references",
    )
    assert analyzed("contacts") and analyzed("companies")


def test_rows_with_too_many_fields_reach_the_rejects_file_from_any_chunk(
    imp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row with more fields than the header is a parse error; its line in the rejects file
    carries its cells, whichever chunk it is in (chunks without such a row are skipped)."""
    from pipelines.imports import parse

    monkeypatch.setattr(parse, "CHUNK_ROWS", 1_000)
    rows = [f"p{i}@example.com,P{i}" for i in range(2_500)]
    rows[10] = "bad1@example.com,Bad,extra"  # row 11, chunk 1
    rows[2_200] = "bad2@example.com,Bad,extra,more"  # row 2201, chunk 3
    result = imp("Email,First Name\n" + "\n".join(rows) + "\n")
    assert (result["created_rows"], result["error_rows"]) == (2_498, 2)
    rejects = Path(result["errors_file"].removeprefix("file://")).read_text().splitlines()
    assert rejects[1:] == [
        'bad1@example.com,Bad,11,,"row has 3 fields, the header has 2"',
        'bad2@example.com,Bad,2201,,"row has 4 fields, the header has 2"',
    ]
