"""Normalizers turn raw cells into canonical values and leave bad ones raw for validation."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

import pandas as pd
import pandera.pandas as pa
import phonenumbers
import pyarrow as pa_arrow
import pytest

from pipelines.imports import normalize as nz
from schemas.validation import (
    DOMAIN_RE,
    E164_RE,
    EMAIL_RE,
    ISO_UTC_RE,
    LINKEDIN_RE,
    URL_RE,
    ContactsSchema,
)


def _s(*values: Any, index: list[Any] | None = None) -> pd.Series:
    return pd.Series(list(values), dtype=object, index=index)


def _matches(pattern: str, value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(pattern, value) is not None


def _numbers(phones: pd.Series) -> list[Any]:
    return [None if p is None else p["number"] for p in phones]


def test_normalize_blank_to_none_strips_and_empties_blank_cells() -> None:
    out = nz.blank_to_none(_s("  Ann  ", "", "   ", "\t\n", None, float("nan"), pd.NA, "\u00a0"))
    assert out.tolist() == ["Ann", None, None, None, None, None, None, None]


def test_normalize_blank_to_none_keeps_null_like_text() -> None:
    values = ["NULL", "N/A", "NA", "None", "NaN", "null", "-"]
    assert nz.blank_to_none(_s(*values)).tolist() == values
    assert nz.normalize_text(_s(" NA ", " Null")).tolist() == ["NA", "Null"]


def test_normalize_preserves_index_and_length() -> None:
    index = [10, 3, 7]
    raw = _s(" x ", None, "y", index=index)
    outputs = [
        nz.normalize_text(raw),
        nz.normalize_email(raw),
        nz.normalize_phone(raw),
        nz.normalize_url(raw),
        nz.normalize_linkedin_url(raw),
        nz.normalize_domain(raw, raw),
        nz.normalize_datetime(raw),
        nz.split_multi(raw),
        nz.combine_multi([nz.split_multi(raw), nz.split_multi(raw)]),
        nz.derive_display_name(raw, raw, raw, raw),
    ]
    for out in outputs:
        assert out.index.tolist() == index
        assert out.iloc[1] is None


def test_normalize_never_raises_on_odd_cells() -> None:
    odd = _s(None, "", " ", "💥", "x" * 5000, "NULL", 42, 4155550100.0, float("nan"), True, "\x00")
    odd = pd.concat([odd, _s({"k": 1}, ["a", None], pd.Timestamp("2023-03-15"))], ignore_index=True)
    for normalize in (
        nz.normalize_text,
        nz.normalize_email,
        nz.normalize_phone,
        nz.normalize_url,
        nz.normalize_linkedin_url,
        nz.normalize_domain,
        nz.normalize_datetime,
        nz.split_multi,
    ):
        assert len(normalize(odd)) == len(odd)
    assert len(nz.normalize_phone(odd, default_region="XX")) == len(odd)
    assert len(nz.normalize_datetime(odd, date_format="%Q")) == len(odd)


def test_normalize_email_trims_lowercases_and_unwraps() -> None:
    out = nz.normalize_email(
        _s(" Ann@Example.COM ", "mailto:Bob@X.org", "<c@d.io>", "<MAILTO:E@F.com>", None, "")
    )
    assert out.tolist() == ["ann@example.com", "bob@x.org", "c@d.io", "e@f.com", None, None]
    assert all(_matches(EMAIL_RE, v) for v in out.dropna())


def test_normalize_email_invalid_stays_raw_and_fails_regex() -> None:
    bad = ["not an email", "Ann@", "@example.com", "a@b", "a@@b.com", "N/A", "mailto:"]
    out = nz.normalize_email(_s(*(f"  {v} " for v in bad)))
    assert out.tolist() == bad
    assert not any(_matches(EMAIL_RE, v) for v in out)


def test_normalize_phone_formats_us_numbers() -> None:
    out = nz.normalize_phone(
        _s("(415) 555-0100", "415.555.0100", "+1 415 555 0100 ext. 12", "415-555-0100 x7")
    )
    assert _numbers(out) == ["+14155550100"] * 4
    assert all(_matches(E164_RE, n) for n in _numbers(out))


def test_normalize_phone_keeps_international_numbers() -> None:
    out = nz.normalize_phone(_s("+44 20 7946 0958", "+49 (0)30 1234567", "0049 30 1234567"), "DE")
    assert _numbers(out) == ["+442079460958", "+49301234567", "+49301234567"]


def test_normalize_phone_uses_default_region() -> None:
    assert _numbers(nz.normalize_phone(_s("030 1234567"), default_region="DE")) == ["+49301234567"]
    assert _numbers(nz.normalize_phone(_s("030 1234567"), default_region="de")) == ["+49301234567"]
    assert _numbers(nz.normalize_phone(_s("(415) 555-0100"))) == ["+14155550100"]


def test_normalize_phone_numeric_cells_lose_trailing_zero_decimals() -> None:
    out = nz.normalize_phone(_s("4155550100.0", "4155550100", "4155550100.00"))
    assert _numbers(out) == ["+14155550100"] * 3


def test_normalize_phone_impossible_values_stay_raw() -> None:
    bad = ["12", "abc", "N/A", "4.15555E+09", "555-0100-5555-0100-555"]
    out = nz.normalize_phone(_s(*(f" {v} " for v in bad)))
    assert _numbers(out) == bad
    assert not any(_matches(E164_RE, n) for n in _numbers(out))


def test_normalize_phone_type_defaults_to_other() -> None:
    assert nz.normalize_phone(_s("4155550100")).tolist() == [
        {"type": "Other", "number": "+14155550100"}
    ]
    typed = nz.normalize_phone(_s("4155550100", None, "12"), phone_type="Mobile")
    assert typed.tolist() == [
        {"type": "Mobile", "number": "+14155550100"},
        None,
        {"type": "Mobile", "number": "12"},
    ]


def test_normalize_phone_rows_get_their_own_dicts() -> None:
    out = nz.normalize_phone(_s("4155550100", "4155550100"))
    assert out.iloc[0] == out.iloc[1]
    assert out.iloc[0] is not out.iloc[1]


@pytest.mark.parametrize("region", ["US", "CA", "DE", "GB"])
def test_normalize_phone_shortcuts_agree_with_libphonenumber(region: str) -> None:
    values = [
        "+14155550100",
        "+12125550100",
        "+442079460958",
        "+4402079460958",
        "+490301234567",
        "+49301234567",
        "+33612345678",
        "+3906123456",
        "+79161234567",
        "+89161234567",
        "+1234567",
        "+2901234",
        "(212) 555-0100",
        "212-555-0100",
        "1 (212) 555-0100",
        "+1 212 555 0100",
        "2115550100",
        "12125550100",
        "020 7946 0958",
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+49 30 123-4567",
        "+33 1.23.45.67.89",
        "+1 (212) 555-0100",
        "+1 234 567",
        "+39 06 1234 5678",
        "+39 0612345678",
        "+44 7911 123456",
        "+353 1 234 5678",
        "+61 2 9876 5432",
        "+1 212 555 0100 x12",
        "+7 916 123-45-67",
        "+44 20 7946 \u0660958",  # an Arabic-Indic zero
    ]

    def reference(value: str) -> str:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return value
        if not phonenumbers.is_possible_number(number):
            return value
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    out = nz.normalize_phone(_s(*values), default_region=region)
    assert _numbers(out) == [reference(v) for v in values]


def test_normalize_phone_parses_each_distinct_value_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_parse = phonenumbers.parse

    def counting_parse(number: str, *args: Any, **kwargs: Any) -> phonenumbers.PhoneNumber:
        calls.append(number)
        return real_parse(number, *args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    distinct = [f"030 {1234500 + i}" for i in range(100)]
    values = [distinct[i % 100] for i in range(50_000)]
    out = nz.normalize_phone(_s(*values), default_region="DE")
    assert len(calls) == 100
    assert sorted(calls) == sorted(distinct)
    assert out.iloc[0] == {"type": "Other", "number": "+49301234500"}
    assert out.iloc[49_999] == {"type": "Other", "number": "+49301234599"}


def test_normalize_phone_skips_libphonenumber_for_canonical_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real_parse = phonenumbers.parse

    def counting_parse(number: str, *args: Any, **kwargs: Any) -> phonenumbers.PhoneNumber:
        calls.append(number)
        return real_parse(number, *args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    values = [f"+1415555{i:04d}" for i in range(500)] + [f"(415) 555-{i:04d}" for i in range(500)]
    out = nz.normalize_phone(_s(*values), default_region="US")
    assert calls == []
    assert _numbers(out) == [f"+1415555{i:04d}" for i in range(500)] * 2


def test_normalize_url_adds_scheme_and_lowercases_host_only() -> None:
    out = nz.normalize_url(
        _s(
            "acme.com",
            " www.Acme.COM/About?Ref=X ",
            "HTTP://Shop.Acme.com:8080/Cart",
            "https://acme.com/",
            "//cdn.acme.com/a.js",
            "münchen.de",
        )
    )
    assert out.tolist() == [
        "https://acme.com",
        "https://www.acme.com/About?Ref=X",
        "http://shop.acme.com:8080/Cart",
        "https://acme.com/",
        "https://cdn.acme.com/a.js",
        "https://münchen.de",
    ]
    assert all(_matches(URL_RE, v) for v in out)


def test_normalize_url_invalid_stays_raw_and_fails_regex() -> None:
    bad = ["not a url", "N/A", "acme", "info@acme.com", "ftp://files.acme.com", "javascript:x()"]
    out = nz.normalize_url(_s(*bad))
    assert out.tolist() == bad
    assert not any(_matches(URL_RE, v) for v in out)


def test_normalize_linkedin_url_canonicalises_profiles() -> None:
    variants = [
        "linkedin.com/in/jane-doe",
        "http://de.linkedin.com/in/jane-doe/",
        "www.linkedin.com/in/jane-doe?trk=public_profile",
        "https://www.linkedin.com/in/Jane-Doe/",
        " HTTPS://WWW.LINKEDIN.COM/in/jane-doe#about ",
        "https://mobile.linkedin.com/in/jane-doe/details/experience/",
    ]
    out = nz.normalize_linkedin_url(_s(*variants))
    assert set(out) == {"https://www.linkedin.com/in/jane-doe"}
    assert all(_matches(LINKEDIN_RE, v) for v in out)


def test_normalize_linkedin_url_canonicalises_company_pages() -> None:
    out = nz.normalize_linkedin_url(
        _s("linkedin.com/company/Acme-Inc/", "https://uk.linkedin.com/company/acme-inc/about")
    )
    assert out.tolist() == ["https://www.linkedin.com/company/acme-inc"] * 2
    assert all(_matches(LINKEDIN_RE, v) for v in out)


def test_normalize_linkedin_url_non_linkedin_stays_raw_and_fails_regex() -> None:
    bad = [
        "https://twitter.com/jane",
        "jane-doe",
        "https://www.linkedin.com/in/",
        "https://www.linkedin.com/feed/",
        "https://notlinkedin.com/in/jane",
        "linkedin.com/pub/jane-doe/12/345/678",
    ]
    out = nz.normalize_linkedin_url(_s(*bad))
    assert out.tolist() == bad
    assert not any(_matches(LINKEDIN_RE, v) for v in out)


def test_normalize_domain_lowercases_and_strips_www() -> None:
    out = nz.normalize_domain(
        _s("www.Acme.com", "ACME.io.", "https://www.foo.de/about", "sales@Acme.co.uk", "münchen.de")
    )
    assert out.tolist() == ["acme.com", "acme.io", "foo.de", "acme.co.uk", "xn--mnchen-3ya.de"]
    assert all(_matches(DOMAIN_RE, v) for v in out)


def test_normalize_domain_derives_from_website_when_empty() -> None:
    domain = _s(None, "acme.com", "", "gmail.com", None, None)
    website = _s(
        "https://www.Site.org/about", "https://other.com", "shop.io", "acme.net", None, "?"
    )
    out = nz.normalize_domain(domain, website)
    assert out.tolist() == ["site.org", "acme.com", "shop.io", "acme.net", None, None]


def test_normalize_domain_free_mail_is_none_not_error() -> None:
    out = nz.normalize_domain(
        _s("gmail.com", "www.Outlook.com", "ann@yahoo.com"), _s("hotmail.com")
    )
    assert out.tolist() == [None, None, None]
    assert {"gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de"} <= nz.FREE_MAIL_DOMAINS
    assert len(nz.FREE_MAIL_DOMAINS) >= 40


def test_normalize_domain_garbage_stays_raw_and_fails_regex() -> None:
    bad = ["not a domain", "acme", "N/A", "-acme.com"]
    out = nz.normalize_domain(_s(*bad))
    assert out.tolist() == bad
    assert not any(_matches(DOMAIN_RE, v) for v in out)


def test_normalize_datetime_iso_forms_become_utc() -> None:
    out = nz.normalize_datetime(
        _s(
            "2023-03-15",
            "2023-03-15T10:00:00+02:00",
            "2023-03-15 10:00",
            "2023-03-15T10:00:00Z",
            "2023-03-15T10:00:00-0500",
        )
    )
    assert out.tolist() == [
        "2023-03-15T00:00:00+00:00",
        "2023-03-15T08:00:00+00:00",
        "2023-03-15T10:00:00+00:00",
        "2023-03-15T10:00:00+00:00",
        "2023-03-15T15:00:00+00:00",
    ]
    assert all(_matches(ISO_UTC_RE, v) for v in out)


def test_normalize_datetime_naive_values_ignore_other_values_offsets() -> None:
    out = nz.normalize_datetime(_s("2023-03-15T10:00:00+02:00", "2023-03-16 10:00"))
    assert out.tolist() == ["2023-03-15T08:00:00+00:00", "2023-03-16T10:00:00+00:00"]


def test_normalize_datetime_fraction_only_when_present() -> None:
    out = nz.normalize_datetime(_s("2023-03-15T10:00:00.250Z", "2023-03-15T10:00:00.000"))
    assert out.tolist() == ["2023-03-15T10:00:00.250000+00:00", "2023-03-15T10:00:00+00:00"]


def test_normalize_datetime_numeric_month_first_unless_dayfirst() -> None:
    raw = _s("03/04/2023", "3/4/23", "03-04-2023 14:30", "03/04/2023 2:30 PM")
    assert nz.normalize_datetime(raw).tolist() == [
        "2023-03-04T00:00:00+00:00",
        "2023-03-04T00:00:00+00:00",
        "2023-03-04T14:30:00+00:00",
        "2023-03-04T14:30:00+00:00",
    ]
    assert nz.normalize_datetime(raw, dayfirst=True).tolist() == [
        "2023-04-03T00:00:00+00:00",
        "2023-04-03T00:00:00+00:00",
        "2023-04-03T14:30:00+00:00",
        "2023-04-03T14:30:00+00:00",
    ]


def test_normalize_datetime_year_first_and_compact_forms() -> None:
    out = nz.normalize_datetime(_s("2023/03/15", "2023.3.5", "20230315"))
    assert out.tolist() == [
        "2023-03-15T00:00:00+00:00",
        "2023-03-05T00:00:00+00:00",
        "2023-03-15T00:00:00+00:00",
    ]


def test_normalize_datetime_textual_forms() -> None:
    out = nz.normalize_datetime(
        _s(
            "15 Mar 2023",
            "March 15, 2023",
            "Mar 15 2023",
            "15-Mar-2023",
            "Wed, 15 Mar 2023 10:00:00 GMT",
            "15. März 2023",
            "15 Mar 2023 10:00 +0200",
        )
    )
    assert out.tolist()[:6] == ["2023-03-15T00:00:00+00:00"] * 4 + [
        "2023-03-15T10:00:00+00:00",
        "2023-03-15T00:00:00+00:00",
    ]
    assert out.iloc[6] == "2023-03-15T08:00:00+00:00"


def test_normalize_datetime_excel_serials() -> None:
    expected = dt.date(1899, 12, 30) + dt.timedelta(days=44995)
    assert expected == dt.date(2023, 3, 10)
    out = nz.normalize_datetime(_s("44995", "44995.5", "44995.0", 44995.25))
    assert out.tolist() == [
        "2023-03-10T00:00:00+00:00",
        "2023-03-10T12:00:00+00:00",
        "2023-03-10T00:00:00+00:00",
        "2023-03-10T06:00:00+00:00",
    ]


def test_normalize_datetime_other_plain_numbers_stay_raw() -> None:
    bad = ["2023", "15", "19999", "80001", "123456"]
    out = nz.normalize_datetime(_s(*bad))
    assert out.tolist() == bad
    assert not any(_matches(ISO_UTC_RE, v) for v in out)


def test_normalize_datetime_date_format_is_the_only_format() -> None:
    out = nz.normalize_datetime(
        _s("15.03.2023", "2023-03-15", "15 Mar 2023", "31.02.2023", "1.2.1500"),
        date_format="%d.%m.%Y",
    )
    assert out.tolist() == [
        "2023-03-15T00:00:00+00:00",
        "2023-03-15",
        "15 Mar 2023",
        "31.02.2023",
        "1500-02-01T00:00:00+00:00",
    ]


def test_normalize_datetime_impossible_dates_stay_raw_and_fail_regex() -> None:
    bad = ["2023-02-30", "13/13/2023", "13/04/2023", "2023-13-01", "31.04.2023", "00/10/2023"]
    out = nz.normalize_datetime(_s(*bad))
    assert out.tolist() == bad
    assert not any(_matches(ISO_UTC_RE, v) for v in out)
    assert nz.normalize_datetime(_s("32/01/2023"), dayfirst=True).tolist() == ["32/01/2023"]


def test_normalize_datetime_refuses_incomplete_or_ambiguous_values() -> None:
    bad = ["hello", "NULL", "N/A", "15 March", "10:30", "15 Mar 2023 10:00 EST", "may"]
    out = nz.normalize_datetime(_s(*bad))
    assert out.tolist() == bad
    assert nz.normalize_datetime(_s("Mar 2023")).tolist() == ["2023-03-01T00:00:00+00:00"]


def test_normalize_datetime_accepts_typed_date_cells() -> None:
    typed = pd.Series(pd.to_datetime(["2023-03-15 10:00", None]))
    assert nz.normalize_datetime(typed).tolist() == ["2023-03-15T10:00:00+00:00", None]
    objects = _s(dt.datetime(2023, 3, 15, 10, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    assert nz.normalize_datetime(objects).tolist() == ["2023-03-15T08:00:00+00:00"]
    assert nz.normalize_datetime(_s(pd.NaT, float("nan"), pd.NA)).tolist() == [None] * 3
    dates = _s(dt.date(2023, 3, 15))
    assert nz.normalize_datetime(dates, date_format="%d.%m.%Y").tolist() == [
        "2023-03-15T00:00:00+00:00"
    ]


def test_normalize_split_multi_splits_strips_and_dedupes() -> None:
    out = nz.split_multi(
        _s("vip; lead, vip ,, partner", " ; , ", None, " solo ", "   ", ["a ", "", "a"], 42)
    )
    assert out.tolist() == [["vip", "lead", "partner"], None, None, ["solo"], None, ["a"], ["42"]]


def test_normalize_split_multi_custom_separators() -> None:
    assert nz.split_multi(_s("a|b;c| a"), separators="|").tolist() == [["a", "b;c"]]
    assert nz.split_multi(_s("Acme, Inc."), separators=";").tolist() == [["Acme, Inc."]]
    assert nz.split_multi(_s("a;b"), separators="").tolist() == [["a;b"]]


def test_normalize_split_multi_rows_get_their_own_lists() -> None:
    out = nz.split_multi(_s("a;b", "a;b"))
    assert out.iloc[0] == out.iloc[1]
    assert out.iloc[0] is not out.iloc[1]


def test_normalize_combine_multi_merges_and_dedupes() -> None:
    mobile = nz.normalize_phone(_s("4155550100", None, None), phone_type="Mobile")
    work = nz.normalize_phone(_s("+1 415 555 0100", "+44 20 7946 0958", None), phone_type="Work")
    phones = nz.combine_multi([mobile, work])
    assert phones.tolist() == [
        [{"type": "Mobile", "number": "+14155550100"}],
        [{"type": "Work", "number": "+442079460958"}],
        None,
    ]
    tags = nz.combine_multi([_s(["a", "b"], None, None), _s(["b", "c"], "d", float("nan"))])
    assert tags.tolist() == [["a", "b", "c"], ["d"], None]


def test_normalize_combine_multi_aligns_on_the_first_index() -> None:
    first = _s(["a"], ["b"], index=[5, 6])
    second = _s(["y"], ["x"], index=[6, 5])
    assert nz.combine_multi([first, second]).tolist() == [["a", "x"], ["b", "y"]]


def test_normalize_derive_display_name() -> None:
    out = nz.derive_display_name(
        first=_s(" Ann ", None, "Cy", None, " "),
        last=_s("Lee", "Bo", None, None, None),
        email=_s("ann@x.com", None, None, "dee@x.com", None),
        existing=_s(None, "", None, None, "Ed Existing"),
    )
    assert out.tolist() == ["Ann Lee", "Bo", "Cy", None, "Ed Existing"]
    assert nz.derive_display_name(_s("Ann"), None, None, None).tolist() == ["Ann"]


def test_normalize_single_value_outputs_pass_and_fail_the_contacts_schema() -> None:
    frame = pd.DataFrame(
        {
            "email": nz.normalize_email(_s(" Ann@Example.com ", "not-an-email")),
            "linkedin_url": nz.normalize_linkedin_url(_s("linkedin.com/in/ann", "twitter.com/x")),
            "source_created_at": nz.normalize_datetime(_s("15 Mar 2023", "2023-02-30")),
        }
    )
    with pytest.raises(pa.errors.SchemaErrors) as info:
        ContactsSchema.validate(frame, lazy=True)
    failures = {(int(r.index), str(r.check)) for r in info.value.failure_cases.itertuples()}
    assert failures == {
        (1, "invalid email address"),
        (1, "invalid LinkedIn URL"),
        (1, "unparseable date"),
    }
    ContactsSchema.validate(frame.iloc[[0]])


def test_normalize_is_idempotent() -> None:
    cases: list[tuple[Any, list[Any]]] = [
        (nz.normalize_email, ["mailto:Ann@X.com", "bad address"]),
        (nz.normalize_phone, ["030 1234567", "+44 20 7946 0958", "(415) 555-0100", "12"]),
        (nz.normalize_url, ["Acme.com/x", "not a url"]),
        (nz.normalize_linkedin_url, ["linkedin.com/in/Ann/", "jane"]),
        (nz.normalize_domain, ["www.Acme.com", "gmail.com", "garbage value"]),
        (nz.normalize_datetime, ["15 Mar 2023", "2023-03-15T10:00:00.25+02:00", "44995", "x"]),
    ]
    for normalize, values in cases:
        once = normalize(_s(*values))
        if normalize is nz.normalize_phone:
            twice = normalize(_s(*_numbers(once)))
            assert _numbers(twice) == _numbers(once)
        else:
            assert normalize(once).tolist() == once.tolist()


@pytest.mark.parametrize("region", ["US", "DE"])
def test_phone_numbers_vectorised_paths_agree_with_the_per_value_path(region: str) -> None:
    rng = random.Random(11)
    values = []
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(12):
            national = "".join(rng.choice("0123456789") for _ in range(rng.randint(3, 13)))
            spaced = " ".join([national[:3], national[3:6], national[6:]]).strip()
            values += [
                f"+{code}{national}",
                f"+{code} {spaced}",
                f"+{code} ({national[:2]}) {national[2:]}",
            ]
    values += [
        f"({rng.randint(100, 999)}) {rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"
        for _ in range(300)
    ]
    values += ["4155550123.0", "+1 415 555 0123", "1-415-555-0123", "+44 20 7946\u00a00958", "x"]
    values += [
        "212555.0000",  # a numeric cell: its ".0000" is not a separator and a group
        "\u0662\u0661\u0662\u0665\u0665\u0665\u0661\u0662\u0663\u0664",  # Arabic-Indic digits
        "(\uff12\uff11\uff12) 555-1234",  # full-width digits
        "+\u0664\u0664 20 7946 0958",
        "212\u00a0555\u20031234",  # Unicode spaces between the groups
        "+44\u300020\u30007946\u30000958",
    ]
    out = nz.phone_numbers(_s(*values), default_region=region)
    nanp = region in ("US", "CA")
    assert list(out) == [nz._canonical_phone(v.strip(), region, nanp) for v in values]


def test_parse_textual_month_day_year_agrees_with_dateutil(monkeypatch: pytest.MonkeyPatch) -> None:
    values = [
        f"{month} {day}, {year}"
        for month in ("Jan", "feb", "March", "Sept", "Sep.", "MAY", "Foo", "Mär")
        for day in (0, 1, 9, 29, 30, 31, 32)
        for year in (1999, 2024)
    ] + ["Mar 15 2023", "Mar 15,2023"]
    fast = [nz._parse_textual(v, False) for v in values]
    monkeypatch.setattr(nz, "_MONTH_DAY_YEAR", re.compile(r"(?!)"))
    assert fast == [nz._parse_textual(v, False) for v in values]


def test_blank_to_none_strips_exactly_what_str_strip_strips() -> None:
    """The Arrow fast path trims the same characters as Python's `str.strip` (every code point
    with `str.isspace`, \\x1c-\\x1f and \\x85 included), and nothing else."""
    spaces = [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()]
    others = ["\u200b", "\ufeff", "\x00", "\x1b"]
    cells = [f"{c}x{c}" for c in spaces + others]
    assert nz.blank_to_none(_s(*cells)).tolist() == [c.strip() for c in cells]


_TRICKY_TEXTS = [
    "Ann@Example.COM",
    "  <Ann@Example.com>  ",
    "MAILTO:<ann@example.com>",
    "ÄNN@EXAMPLE.DE",
    "İnci@example.com",  # Python lower-cases İ to two code points, Arrow's ASCII path does not
    "\u212aate@example.com",  # Kelvin sign: lower-cases to an ASCII k
    "ann@exa\u00a0mple.com",  # a Unicode space inside
    "\u2003ann@example.com\u3000",
    "ann@@example.com",
    "",
    "   ",
    None,
    "\u0661\u0662@example.com",  # Arabic-Indic digits
]


def test_normalize_email_arrow_path_agrees_with_the_per_value_path() -> None:
    out = nz.normalize_email(_s(*_TRICKY_TEXTS))
    per_value = [
        None if v is None or not v.strip() else nz._email(v.strip()) for v in _TRICKY_TEXTS
    ]
    assert out.tolist() == per_value
    assert out.tolist()[:3] == ["ann@example.com"] * 3
    typed = nz.normalize_email(_s(*_TRICKY_TEXTS, 12.0))  # a typed cell: all per value
    assert typed.tolist() == [*per_value, "12"]


def _date_texts() -> list[Any]:
    rng = random.Random(7)
    values: list[Any] = []
    for year in ("0000", "0001", "0999", "1600", "1677", "1900", "2000", "2023", "2024", "9999"):
        for month, day in [("02", "29"), ("02", "30"), ("13", "01"), ("00", "10"), ("4", "31")]:
            values += [f"{year}-{month}-{day}", f"{year}/{month}/{day}", f"{year}.{month}.{day}"]
    for _ in range(400):
        a, b = rng.randint(0, 32), rng.randint(0, 32)
        year = rng.choice(["23", "68", "69", "99", "00", "2023", "1999", "2024"])
        sep = rng.choice("-/.")
        values.append(f"{a:0{rng.randint(1, 2)}d}{sep}{b}{sep}{year}")
    values += ["2023-03-15T10:30:00", "03/15/2023 10:30", "20230315", "15 Mar 2023", "45000"]
    values += ["\u0662\u0660\u0662\u0663-03-15", "03/15/2023\u00a0", " 2023-03-15 ", "", None]
    values += ["2023-03-15\n", "3/4/23", "12/31/1999", "2023-3-5", "44", "x"]
    return values


@pytest.mark.parametrize("dayfirst", [False, True])
@pytest.mark.parametrize("timezone", ["UTC", "Europe/Berlin"])
@pytest.mark.parametrize("date_format", [None, "%d.%m.%Y"])
def test_normalize_datetime_arrow_path_agrees_with_the_per_value_path(
    dayfirst: bool, timezone: str, date_format: str | None
) -> None:
    """Text columns take Arrow's path (plain numeric dates settled there); a typed cell
    sends the whole column through the per-value path."""
    values = _date_texts()
    fast = nz.normalize_datetime(_s(*values), date_format, dayfirst, timezone)
    typed = _s(*values, dt.date(2020, 1, 1))
    per_value = nz.normalize_datetime(typed, date_format, dayfirst, timezone)
    assert fast.tolist() == per_value.tolist()[:-1]
    assert ("2024-02-29T00:00:00+00:00" in fast.tolist()) is (date_format is None)


def test_python_texts_of_few_or_many_distinct_texts_are_the_texts() -> None:
    few = pa_arrow.array(["Zoë", None, "Zoë", "b", ""] * 5)
    many = pa_arrow.array([str(i) for i in range(10)] + [None])
    for texts in (few, many):
        like = pd.Series(range(len(texts)), index=range(3, 3 + len(texts)), name="c")
        out = nz.python_texts(texts, like)
        assert out.tolist() == texts.to_pylist()
        assert list(out.index) == list(like.index) and out.name == "c"
