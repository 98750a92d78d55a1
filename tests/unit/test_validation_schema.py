"""The derived Pandera schemas flag bad normalized values and rows without identity."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from schemas.validation import ContactsSchema, GroupsSchema


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> set[tuple[int, str]]:
    with pytest.raises(pa.errors.SchemaErrors) as info:
        schema.validate(frame, lazy=True)
    cases = info.value.failure_cases
    return {(int(row.index), str(row.check)) for row in cases.itertuples()}


def test_validation_schema_flags_invalid_values_per_row() -> None:
    frame = pd.DataFrame(
        {
            "email": ["ann@example.com", "not-an-email", None],
            "phones": [None, "+14155550100\x1eMobile", "+14155550100\x1eWork\x1f12\x1eHome"],
            "source_created_at": ["2023-03-15T00:00:00+00:00", None, "15/15/2023"],
        }
    )
    failures = _failures(ContactsSchema, frame)
    assert (1, "invalid email address") in failures
    assert (2, "not a possible phone number") in failures
    assert (2, "unparseable date") in failures
    assert (1, "not a possible phone number") not in failures
    assert not any(index == 0 for index, _ in failures)


def test_validation_schema_requires_an_identity_field() -> None:
    frame = pd.DataFrame({"name": ["Friends", None], "description": ["x", "no name"]})
    failures = _failures(GroupsSchema, frame)
    assert {index for index, check in failures if "no external_id or name" in check} == {1}


def test_validation_schema_accepts_clean_frame() -> None:
    frame = pd.DataFrame(
        {
            "email": ["ann@example.com"],
            "linkedin_url": ["https://www.linkedin.com/in/ann"],
            "tags": ["vip\x1f2024"],
            "additional_emails": ["a@example.com\x1fb@example.org"],
        }
    )
    assert len(ContactsSchema.validate(frame, lazy=True)) == 1
