"""The derived Pandera schemas flag bad normalized values and rows without identity."""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pytest

from schemas.validation import (
    DOMAIN_RE,
    E164_RE,
    EMAIL_RE,
    ISO_UTC_RE,
    LINKEDIN_RE,
    URL_RE,
    ContactsSchema,
    GroupsSchema,
    _multi_check,
    _multi_check_per_value,
    full_matches,
    re2_pattern,
)


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


def test_re2_space_class_is_pythons_whitespace_over_every_code_point() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    space = re2_pattern(r"[\s]")
    assert space is not None
    in_class = pc.match_substring_regex(pa_arrow.array(chars), f"^{space}$")
    python = [c.isspace() for c in chars]
    assert in_class.to_pylist() == python


@pytest.mark.parametrize("pattern", [EMAIL_RE, URL_RE, LINKEDIN_RE, E164_RE, ISO_UTC_RE, DOMAIN_RE])
def test_full_matches_in_arrow_agrees_with_pythons_re(pattern: str) -> None:
    values = pd.Series(
        [
            "ann@example.com",
            "ann\u00a0b@example.com",  # a no-break space: Python's \s, not RE2's
            "ann@exa\u3000mple.com",
            "https://example.com/a",
            "https://ex\u2028ample.com",
            "https://www.linkedin.com/in/ann-lee/",
            "+14155550100",
            "2024-01-02T03:04:05+00:00",
            "example.com",
            "ünï@ëxample.com",
            None,
        ],
        dtype=object,
    )
    python = [True if v is None else re.match(pattern, v) is not None for v in values]
    assert full_matches(values, pattern).tolist() == python


def test_dates_and_phones_need_ascii_digits() -> None:
    # Full-width digits passed Python's \d and then failed PostgreSQL's cast, failing the
    # whole import instead of one row.
    frame = pd.DataFrame(
        {
            "email": ["a@example.com", "b@example.com"],
            "phones": [
                "+1\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff10\uff10\x1eWork",
                None,
            ],
            "source_created_at": [None, "\uff12\uff10\uff12\uff14-01-02T03:04:05+00:00"],
        }
    )
    failures = _failures(ContactsSchema, frame)
    assert failures == {(0, "not a possible phone number"), (1, "unparseable date")}


@pytest.mark.parametrize(("pattern", "phone"), [(E164_RE, True), (EMAIL_RE, False)])
def test_multi_value_check_in_arrow_agrees_with_the_per_value_path(
    pattern: str, phone: bool
) -> None:
    cells = pd.Series(
        [
            "+14155550100\x1eWork",
            "+14155550100\x1eWork\x1f+442079460958\x1eHome",
            "+14155550100\x1eWork\x1f12\x1eHome",
            "+14155550100\x1f",
            "a@example.com\x1fb@example.com",
            "a@example.com\x1fnot an email",
            "\x1e",
            "",
            None,
        ],
        index=[3, 5, 8, 13, 21, 34, 55, 89, 144],
        dtype=object,
    )
    arrow = _multi_check(pattern, "m", phone=phone)._check_fn(cells)
    per_value = _multi_check_per_value(cells, pattern, phone)
    assert arrow.tolist() == per_value.tolist()
    assert list(arrow.index) == list(cells.index)
    assert arrow.tolist() != [True] * len(cells)


def test_length_and_identity_checks_pass_missing_values_and_empty_rows() -> None:
    """The checks pass missing values themselves (Pandera does not drop them first): a row
    with no value at all passes, as with Pandera's `ignore_na`; a blank name is no identity."""
    long = "é" * 32_768
    frame = pd.DataFrame(
        {
            "name": ["Friends", None, long, "", None, "\ud800" * 2],
            "description": ["x", "no name", None, "y", None, None],
        }
    )
    failures = _failures(GroupsSchema, frame)
    assert failures == {
        (1, "row has no external_id or name"),
        (3, "row has no external_id or name"),
        (2, "value longer than 32,767 characters"),
    }
    typed = pd.DataFrame({"name": ["ok", 12.5, long], "description": [None, "x", "x"]})
    assert {row for row, _ in _failures(GroupsSchema, typed)} == {1, 2}
