"""Per-column evidence: date orders from the values, phone regions from the row's country,
timestamps in the source time zone, and dropping invalid values instead of rows."""

from __future__ import annotations

import json
import random
from typing import Any

import pandas as pd
import pytest

from pipelines.errors import InputRejected
from pipelines.imports import countries, dates
from pipelines.imports import normalize as nz
from pipelines.imports.mapping import apply_mapping
from pipelines.imports.validate import drop_invalid_values, identity_fields, validate_chunk
from schemas.modules import PART_SEP, get_module
from schemas.options import ColumnMapping, ImportOptions, parse_options


def _s(*values: Any) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_date_order_is_proven_by_a_part_over_12() -> None:
    assert dates.evidence(_s("31/12/2023", "03/04/2024", None)).order == dates.DAY_FIRST
    assert dates.evidence(_s("12/31/2023", "03/04/2024 10:00")).order == dates.MONTH_FIRST
    assert dates.evidence(_s("03/04/2024", "01.02.23")).order == dates.AMBIGUOUS
    assert dates.evidence(_s("31/12/2023", "12/31/2023")).order == dates.AMBIGUOUS
    assert dates.evidence(_s("2024-03-04", "Mar 4, 2024")).order is None
    assert dates.evidence(_s("45/03/2024")).order == dates.AMBIGUOUS  # no day is over 31


def test_arrow_evidence_is_the_evidence_of_the_same_values() -> None:
    import pyarrow as pa

    values = [" 31/12/2023", "03/04/2024", None, "03/04/2024", "12/31/2023", "x", "1.2.23 9:00"]
    for cells in (values, values[1:4], [None, "2024-03-04"], [None]):
        assert dates.arrow_evidence(pa.array(cells, pa.string())) == dates.evidence(_s(*cells))
    chunked = pa.chunked_array([["25/12/1990", None], ["25/12/1990", "01/02/2020"]])
    assert dates.arrow_evidence(chunked) == dates.evidence(
        _s("25/12/1990", None, "25/12/1990", "01/02/2020")
    )


def test_column_orders_combine_the_evidence_of_every_chunk() -> None:
    first = pd.DataFrame({"Born": ["03/04/2024"], "Joined": ["01/02/2020"], "Id": ["1"]})
    second = pd.DataFrame({"Born": ["25/12/1990"], "Joined": ["02/03/2021"], "Id": ["2"]})
    orders = dates.column_orders([first, second], ["Born", "Joined", "Id"])
    assert orders == {"Born": dates.DAY_FIRST, "Joined": dates.AMBIGUOUS}


def test_country_names_codes_and_local_spellings_name_a_region() -> None:
    cells = _s(
        "United Kingdom", "UK", "gb", "Great Britain", "England", " Deutschland ", "Germany",
        "DE", "France", "España", "U.S.A.", "Narnia", None,
    )  # fmt: skip
    assert countries.regions(nz.blank_to_none(cells)).tolist() == [
        *["GB"] * 5, *["DE"] * 3, "FR", "ES", "US", None, None,
    ]  # fmt: skip


def _contacts(frame: dict[str, list[Any]], mapping: list[dict[str, Any]], **options: Any) -> Any:
    raw = pd.DataFrame(frame, index=range(1, len(next(iter(frame.values()))) + 1), dtype=object)
    entries = [ColumnMapping.model_validate(m) for m in mapping]
    return apply_mapping(raw, get_module("contacts"), entries, ImportOptions(**options))


def test_phones_without_plus_take_the_region_of_the_rows_country() -> None:
    mapping = [
        {"source_column": "Phone", "target_field": "phones", "value_type": "Work"},
        {"source_column": "Country", "target_field": "address", "address_part": "country"},
    ]
    out = _contacts(
        {
            "Phone": [
                "020 7946 0999",
                "030 901820",
                "(415) 555-0100",
                "+33 1 42 68 53 00",
                "(415) 555-0102",
            ],
            "Country": ["United Kingdom", "Deutschland", None, "UK", "Denmark"],
        },
        mapping,
    )
    assert [p.split(PART_SEP)[0] for p in out["phones"]] == [
        "+442079460999",
        "+4930901820",
        "+14155550100",
        "+33142685300",
        "+14155550102",  # not a possible Danish number: read in the default region
    ]


def test_source_timezone_applies_to_times_without_an_offset_only() -> None:
    cells = _s(
        "2024-07-01 10:00", "2024-01-15T10:00:00", "2024-07-01", "2024-07-01T10:00:00+02:00",
        "07/01/2024 10:00", "2024-03-31 02:30",
    )  # fmt: skip
    assert nz.normalize_datetime(cells, timezone="Europe/Berlin").tolist() == [
        "2024-07-01T08:00:00+00:00",  # CEST
        "2024-01-15T09:00:00+00:00",  # CET
        "2024-07-01T00:00:00+00:00",  # a date is not shifted
        "2024-07-01T08:00:00+00:00",  # its own offset wins
        "2024-07-01T08:00:00+00:00",
        "2024-03-31T01:00:00+00:00",  # 02:30 does not exist that night: 03:00 CEST
    ]
    assert nz.normalize_datetime(cells).tolist()[0] == "2024-07-01T10:00:00+00:00"


def test_source_timezone_must_be_an_iana_name() -> None:
    assert parse_options({"source_timezone": "America/New_York"}).source_timezone == (
        "America/New_York"
    )
    with pytest.raises(InputRejected, match=r"source_timezone: .*'Mars/Base' is not an IANA"):
        parse_options({"source_timezone": "Mars/Base"})
    with pytest.raises(InputRejected, match="invalid_values"):
        parse_options({"invalid_values": "ignore"})


def test_drop_value_keeps_the_row_without_its_invalid_values_but_not_bad_identities() -> None:
    module = get_module("contacts")
    options = ImportOptions(invalid_values="drop_value")
    mapped = _contacts(
        {
            "Email": ["ann@example.com", "not-an-email", "cy@example.com"],
            "Phone": ["12", "(415) 555-0100", "(415) 555-0101"],
            "Created": ["2024-01-02", "2024-01-03", "someday"],
        },
        [
            {"source_column": "Email", "target_field": "email"},
            {"source_column": "Phone", "target_field": "phones"},
            {"source_column": "Created", "target_field": "source_created_at"},
        ],
    )
    valid, errors = validate_chunk(mapped, module)
    identity = identity_fields(module, options.match_keys(module))
    kept, rejected, dropped = drop_invalid_values(mapped, valid, errors, module, identity)
    assert list(kept.index) == [1, 3]
    assert kept.loc[1, "phones"] is None and kept.loc[1, "email"] == "ann@example.com"
    assert kept.loc[3, "source_created_at"] is None and kept.loc[3, "phones"] is not None
    assert [(e.row, e.field) for e in rejected] == [(2, "email")]
    assert [(e.row, e.field, e.value) for e in dropped] == [
        (1, "phones", "12"),
        (3, "source_created_at", "someday"),
    ]
    assert all(e.error.startswith("value dropped: ") for e in dropped)


@pytest.mark.parametrize(
    "region",
    ["DK", "CH", "NO", "IS", "DE", "GB", "BR", "MX", "RU", "KZ", "IT", "TR", "SE", "AR", "CO"],
)
def test_national_numbers_agree_with_libphonenumber(region: str) -> None:
    """Every number settled without parsing is what libphonenumber makes of it."""
    rng = random.Random(region)
    values = []
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(3, 16)))
        cut = rng.randint(1, len(digits) - 1)
        shape = rng.choice(["{}{}", "({}) {}", "{}-{}", "{}.{}", "{} {}"])
        values.append(shape.format(digits[:cut], digits[cut:]))
    numbers, settled = nz.national_numbers(pd.Series(values, dtype=object), region)
    assert settled.sum() > 100 and any(n is not None for n in numbers)
    for value, number, done in zip(values, numbers, settled, strict=True):
        if done:
            expected = nz._parse_phone(value, value, region)
            assert (number or value) == expected, (value, region)


def test_the_shipped_country_names_are_libphonenumbers() -> None:
    """country_names.json is what `python -m pipelines.imports.countries` builds from the
    pinned phonenumbers: regenerate it when phonenumbers is upgraded."""
    shipped = json.loads(countries.NAMES_FILE.read_text(encoding="utf-8"))
    assert shipped == countries.build_country_names()
    assert countries.region_of("Deutschland") == "DE" and countries.region_of("U.K.") == "GB"


def test_a_cell_arrow_cannot_hold_does_not_hide_the_others_evidence() -> None:
    """A lone surrogate (possible in JSON) failed preview with a UnicodeEncodeError."""
    found = dates.evidence(pd.Series(["x\ud800", "31/12/2023", "01/02/2024"]))
    assert (found.numeric, found.day_first, found.order) == (2, 1, dates.DAY_FIRST)
