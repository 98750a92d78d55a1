"""The import checks' verdicts from an import's facts (no database): unresolved references
warn with their values, the error budget counts rows and ratio."""

from __future__ import annotations

from pipelines.imports import checks
from schemas.modules import MODULES


def test_references_resolved_lists_unresolved_values_per_field() -> None:
    outcome = checks.references_resolved(
        [
            {"field": "company", "unresolved_values": ["Initech", "Globex"]},
            {"field": "groups", "unresolved_values": ["VIP"]},
        ]
    )
    assert (outcome.passed, outcome.warn) == (False, True)
    assert "/x/" not in outcome.description  # the location is a link in the metadata
    assert outcome.metadata["unresolved_count"] == 3
    assert outcome.metadata["unresolved_values"]["groups"] == ["VIP"]
    assert "company: Initech, Globex; groups: VIP" in outcome.description


def test_references_resolved_passes_without_warnings() -> None:
    outcome = checks.references_resolved([])
    assert outcome.passed and outcome.warn and not outcome.metadata


def test_error_rows_within_budget_by_count_and_ratio() -> None:
    assert checks.error_rows_within_budget(5, 10, {}).passed
    assert checks.error_rows_within_budget(2, 10, {"max_error_rows": 2}).passed
    assert not checks.error_rows_within_budget(3, 10, {"max_error_rows": 2}).passed
    assert checks.error_rows_within_budget(1, 10, {"max_error_ratio": 0.1}).passed
    over = checks.error_rows_within_budget(2, 10, {"max_error_ratio": 0.1})
    assert not over.passed and not over.warn
    assert over.description == "2 of 10 rows had errors; budget: max_error_ratio 0.1"


def test_no_rejected_rows_warns_with_the_rejects_file() -> None:
    assert checks.no_rejected_rows(0, 3, None).passed
    outcome = checks.no_rejected_rows(2, 3, "/x/acme/rejects/import-7-rejects.csv")
    assert (outcome.passed, outcome.warn) == (False, True)
    assert "/x/" not in outcome.description  # the location is a link in the metadata
    assert outcome.metadata == {
        "error_rows": 2,
        "rejects_file": "/x/acme/rejects/import-7-rejects.csv",
    }


def test_match_key_fields_follow_the_module_definition() -> None:
    assert checks.match_key_fields(MODULES["groups"]) == ("external_id", "name")
    assert "linkedin_url" in checks.match_key_fields(MODULES["contacts"])
