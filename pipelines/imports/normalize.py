"""Turn raw cell values into canonical ones, one pandas Series (a column of a chunk) at a time."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Hashable, Iterable
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from dateutil import parser as date_parser  # type: ignore[import-untyped, unused-ignore]

from schemas.validation import (
    DOMAIN_RE,
    E164_RE,
    EMAIL_RE,
    LINKEDIN_RE,
    URL_RE,
    arrow_texts,
    re2_pattern,
)

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "126.com",
        "163.com",
        "aim.com",
        "aol.com",
        "arcor.de",
        "att.net",
        "bellsouth.net",
        "bigpond.com",
        "bk.ru",
        "bol.com.br",
        "btinternet.com",
        "charter.net",
        "comcast.net",
        "cox.net",
        "daum.net",
        "earthlink.net",
        "email.com",
        "fastmail.com",
        "free.fr",
        "freenet.de",
        "gmail.com",
        "gmx.at",
        "gmx.ch",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.co.uk",
        "hotmail.com",
        "hotmail.de",
        "hotmail.fr",
        "hushmail.com",
        "icloud.com",
        "inbox.ru",
        "interia.pl",
        "laposte.net",
        "libero.it",
        "list.ru",
        "live.com",
        "live.de",
        "mac.com",
        "mail.com",
        "mail.ru",
        "mailbox.org",
        "me.com",
        "msn.com",
        "naver.com",
        "o2.pl",
        "onet.pl",
        "orange.fr",
        "outlook.com",
        "outlook.de",
        "pm.me",
        "posteo.de",
        "proton.me",
        "protonmail.ch",
        "protonmail.com",
        "qq.com",
        "rambler.ru",
        "rediffmail.com",
        "rocketmail.com",
        "rogers.com",
        "sbcglobal.net",
        "seznam.cz",
        "sfr.fr",
        "shaw.ca",
        "sina.com",
        "sky.com",
        "sympatico.ca",
        "t-online.de",
        "terra.com.br",
        "tuta.io",
        "tutanota.com",
        "uol.com.br",
        "verizon.net",
        "virgilio.it",
        "virginmedia.com",
        "wanadoo.fr",
        "web.de",
        "wp.pl",
        "yahoo.co.uk",
        "yahoo.com",
        "yahoo.de",
        "yahoo.fr",
        "yandex.com",
        "yandex.ru",
        "ymail.com",
        "zoho.com",
        "zohomail.com",
    }
)

_EMAIL = re.compile(EMAIL_RE)
_E164 = re.compile(E164_RE)
_URL = re.compile(URL_RE)
_DOMAIN = re.compile(DOMAIN_RE)
_LINKEDIN_CANONICAL = re.compile(LINKEDIN_RE)
_RE2_EMAIL = str(re2_pattern(EMAIL_RE))

_NUMERIC_CELL = re.compile(r"^(\d+)\.0+$")
# ASCII digits: libphonenumber reads other digits (Arabic-Indic, full-width) and writes ASCII.
_NANP = re.compile(
    r"^(?:\+?1[\s.-]?)?\(?(?P<area>[2-9][0-9]{2})\)?[\s.-]?(?P<exchange>[0-9]{3})[\s.-]?"
    r"(?P<line>[0-9]{4})$"
)
_NANP_REGIONS = frozenset({"US", "CA"})
# What may separate the digits of an international number: "+44 20 7946-0123", "+1 (415) ...".
_PHONE_SEPARATORS = re.compile(r"[\s().\-]+")
_ALWAYS = re.compile("")
_NEVER = re.compile(r"(?!)")
_COUNTRY_CODES = frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)

_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_HOST = re.compile(
    r"^(?:(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)"
    r"|localhost|\d{1,3}(?:\.\d{1,3}){3})$"
)
_AUTHORITY_END = re.compile(r"[/?#]")
_LINKEDIN = re.compile(
    r"^(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/(in|pub|company|school)/"
    r"([^/?#\s]+)(/[^?#\s]*)?(?:[?#]\S*)?$",
    re.IGNORECASE,
)
_LINKEDIN_MEMBER_ID = re.compile(r"^ACo[A-Za-z0-9_-]{20,}$")
_URL_FORBIDDEN_IN_SEGMENT = re.compile(r"[\s/?#]")

_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})((?:[T\s].*)?)$")
_DAY_OR_MONTH_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})((?:[T\s].*)?)$")
_COMPACT_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
_PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_TIME_OF_DAY = re.compile(r"\d:\d\d")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_SERIAL_RANGE: tuple[float, float] = (20_000, 80_000)
_UTC_NAMES = frozenset({"UTC", "GMT", "UT", "Z"})
_FORMAT_TIME = re.compile(r"%[HIMSXcTf]")
_FORMAT_OFFSET = re.compile(r"%[zZ]")
_DEFAULT_A = dt.datetime(2000, 1, 1)
_DEFAULT_B = dt.datetime(2001, 2, 2)

_GERMAN_MONTHS: tuple[tuple[str, ...], ...] = (
    ("Januar", "Jän"),
    ("Februar",),
    ("März", "Mär", "Maerz"),
    ("April",),
    ("Mai",),
    ("Juni",),
    ("Juli",),
    ("August",),
    ("September", "Sept"),
    ("Oktober", "Okt"),
    ("November",),
    ("Dezember", "Dez"),
)


class _MonthNames(date_parser.parserinfo):
    """dateutil's English month names plus the German ones."""

    MONTHS = [
        (*english, *german)
        for english, german in zip(date_parser.parserinfo.MONTHS, _GERMAN_MONTHS, strict=True)
    ]


_PARSER_INFO = _MonthNames()


def _is_missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _strip_cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    if _is_missing(value):
        return None
    return value


def _cell_text(value: Any) -> Any:
    """A stripped string, or None; numbers from typed cells keep their digits (no `.0`)."""
    if isinstance(value, str):
        return value.strip() or None
    if _is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value).strip() or None


def _series(values: Iterable[Any], like: pd.Series) -> pd.Series:
    """`values` on `like`'s index; an object array is taken as it is (no list copy)."""
    data = values if isinstance(values, np.ndarray) and values.dtype == object else list(values)
    return pd.Series(data, index=like.index, dtype=object, name=like.name)


def _stripped_texts(s: pd.Series) -> pd.Series | None:
    """`str.strip` of a column whose cells are all text or missing, blanks as None, in one
    vectorised pass; None for any other column (typed cells take the per-value path)."""
    stripped = stripped_array(s)
    return None if stripped is None else python_texts(stripped, s)


def python_texts(texts: pa.Array, like: pd.Series) -> pd.Series:
    """Arrow texts as a column of Python strings (null as None) on `like`'s index; a column
    of few distinct texts (names, countries, tags) makes each string once."""
    encoded = texts.dictionary_encode()
    if 2 * len(encoded.dictionary) > len(texts):
        return _series(texts.to_numpy(zero_copy_only=False), like)
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    return spread_distinct(encoded, distinct, like)


def stripped_array(s: pd.Series) -> pa.Array | None:
    """`_stripped_texts` as an Arrow string array (blanks null), or None."""
    values = s.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    texts = arrow_texts(values)
    if texts is None:
        return None
    # Arrow trims exactly the characters `str.strip` does (`str.isspace`, checked over every
    # code point), in C rather than one Python call per cell.
    return blank_as_null(pc.utf8_trim_whitespace(texts))


def blank_as_null(texts: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)


def _text(s: pd.Series) -> pd.Series:
    fast = _stripped_texts(s)
    if fast is not None:
        return fast
    return _series((_cell_text(v) for v in s.to_numpy(dtype=object)), s)


def _apply_lookup(s: pd.Series, lookup: dict[Hashable, Any]) -> pd.Series:
    """`s` with each value replaced by its entry in `lookup`; missing or unmapped values -> None."""
    if not lookup:
        return _series([None] * len(s), s)
    out = s.map(lookup).astype(object)
    return out.where(out.notna(), None)


def _map_distinct(s: pd.Series, convert: Callable[[Any], Any]) -> pd.Series:
    """Apply `convert` once per distinct non-null value of `s` and spread the results."""
    return _apply_lookup(s, {value: convert(value) for value in s.dropna().unique()})


def aligned(column: pd.Series, index: pd.Index) -> pd.Series:
    return column if column.index.equals(index) else column.reindex(index)


def _present(column: pd.Series) -> np.ndarray:
    """The column's values with every kind of missing value (NaN, NA, NaT) as None."""
    values: np.ndarray = column.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def blank_to_none(s: pd.Series) -> pd.Series:
    """Strip surrounding white space; empty or all-blank cells become None.

    Texts such as "NULL", "N/A", "NA", "None" or "NaN" are kept: they can be real values.
    """
    fast = _stripped_texts(s)
    if fast is not None:
        return fast
    return _series((_strip_cell(v) for v in s.to_numpy(dtype=object)), s)


def normalize_text(s: pd.Series) -> pd.Series:
    """Free text: only surrounding white space is removed (see `blank_to_none`)."""
    return blank_to_none(s)


def _canonical_email(value: str) -> str:
    address = value
    if address[0] == "<" and address[-1] == ">":
        address = address[1:-1].strip()
    if address[:7].lower() == "mailto:":
        address = address[7:].strip()
        if address[:1] == "<" and address[-1:] == ">":
            address = address[1:-1].strip()
    address = address.lower()
    return address if _EMAIL.fullmatch(address) else value


def _email(value: str) -> str:
    """`normalize_email` of one stripped value (its per-value path)."""
    lower = value.lower()
    if value[0] == "<" or lower.startswith("mailto:"):
        return _canonical_email(value)
    return lower if _EMAIL.fullmatch(lower) else value


def normalize_email(s: pd.Series) -> pd.Series:
    """Lower-cased address without a `mailto:` prefix or surrounding `<>`.

    A value that is still not an address afterwards is returned as the stripped original.
    ASCII values without `<>` or `mailto:` are settled in Arrow (its ASCII lower case is
    Python's there); the others take the per-value path, once per distinct value.
    """
    texts = stripped_array(s)
    if texts is None:
        return _map_distinct(_text(s), _email)
    lower = pc.ascii_lower(texts)
    settled = pc.if_else(pc.match_substring_regex(lower, _RE2_EMAIL), lower, texts)
    out = settled.to_numpy(zero_copy_only=False)
    plain = pc.and_(
        pc.string_is_ascii(texts),
        pc.invert(pc.or_(pc.starts_with(texts, "<"), pc.starts_with(lower, "mailto:"))),
    )
    odd = np.asarray(pc.fill_null(pc.invert(plain), False), dtype=bool)
    if odd.any():
        values = texts.filter(pa.array(odd)).to_numpy(zero_copy_only=False)
        out[odd] = _map_distinct(pd.Series(values, dtype=object), _email).to_numpy()
    return _series(out, s)


@functools.lru_cache(maxsize=512)
def _national_prefix(country_code: int) -> re.Pattern[str]:
    """The pattern libphonenumber strips from the front of a national number while parsing."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return _ALWAYS
    prefix = metadata.national_prefix_for_parsing
    return re.compile(prefix) if prefix else _NEVER


def _is_canonical_e164(value: str) -> bool:
    """Whether `phonenumbers` would parse `value` (ASCII "+<digits>") to itself and call it a
    possible number; False also when only the full parse can tell.

    Parsing can only change such a number by stripping a national prefix after the country
    code, so values where that prefix could apply (and unknown country codes) take the full
    parse. The number is built the way `phonenumbers.parse` builds it (leading zeros of the
    national number kept as Italian leading zeros) and checked against the possible lengths."""
    digits = value[1:]
    for size in (1, 2, 3):
        code = digits[:size]
        if code in _COUNTRY_CODES:
            national = digits[size:]
            if not national or _national_prefix(int(code)).match(national) is not None:
                return False
            number = phonenumbers.PhoneNumber(country_code=int(code), national_number=int(national))
            if len(national) > 1 and national[0] == "0":
                number.italian_leading_zero = True
                zeros = len(national) - len(national.lstrip("0"))
                number.number_of_leading_zeros = min(zeros, len(national) - 1)
            if not phonenumbers.is_possible_number(number):
                return False
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164 == value
    return False


def _parse_phone(value: str, original: str, region: str) -> str:
    try:
        number = phonenumbers.parse(value, region)
    except (phonenumbers.NumberParseException, ValueError, IndexError):
        return original
    if not phonenumbers.is_possible_number(number):
        return original
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _canonical_phone(value: str, region: str, nanp: bool) -> str:
    """E.164 text of `value`, or `value` itself when it is not a possible number.

    International numbers that are canonical E.164 once spaces, dots, dashes and parentheses
    are removed, and (for US/CA) plain NANP numbers skip libphonenumber: for them it would
    return exactly what the shortcut does (tests compare the two on many formats).
    """
    digits = value
    if "." in value and (numeric := _NUMERIC_CELL.fullmatch(value)):
        digits = numeric.group(1)
    if digits[0] == "+":
        compact = _PHONE_SEPARATORS.sub("", digits)
        if compact.isascii() and _E164.fullmatch(compact) and _is_canonical_e164(compact):
            return compact
    if nanp and (match := _NANP.fullmatch(digits)):
        return f"+1{match['area']}{match['exchange']}{match['line']}"
    return _parse_phone(digits, value, region)


@functools.lru_cache(maxsize=512)
def _possible_lengths(country_code: int) -> frozenset[int]:
    """The national-number lengths `phonenumbers.is_possible_number` accepts for a country
    code (its general description's possible lengths, local-only ones included)."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None or metadata.general_desc is None:
        return frozenset()
    desc = metadata.general_desc
    lengths = tuple(desc.possible_length or ())
    if not lengths or lengths[0] == -1:
        return frozenset()
    return frozenset(lengths) | frozenset(desc.possible_length_local_only or ())


_ASCII_E164 = r"^\+[1-9][0-9]{6,14}$"
# The same patterns for Arrow's RE2 (Python's meaning of \s).
_COMMON_SEPARATORS = (" ", "-", ".", "(", ")")
_RE2_NANP = str(re2_pattern(_NANP.pattern))
_RE2_NUMERIC_CELL = r"^[0-9]+\.0+$"
_COUNTRY_CODE_ARRAY = pa.array(sorted(_COUNTRY_CODES))


def _compact(texts: pa.Array) -> pa.Array:
    """The texts without their spaces, dashes, dots and parentheses (`_PHONE_SEPARATORS`
    but the rarer ones), removed as literals, which is faster than a pattern. A text with a
    tab or a Unicode space is then not all digits, so it takes the per-value path, which
    removes those too."""
    for separator in _COMMON_SEPARATORS:
        texts = pc.replace_substring(texts, separator, "")
    return texts


def _canonical_e164_column(values: pa.Array) -> np.ndarray:
    """Vectorised `_is_canonical_e164` shortcut of `_canonical_phone` for values starting with
    "+": the compact number where it is canonical E.164, None where the per-value path must
    decide. Country codes are tried by length 1, 2, 3 as there; per code, the national prefix
    pattern and the possible lengths are checked on the whole group at once."""
    result = np.full(len(values), None, dtype=object)
    compact = _compact(values)
    candidates = np.flatnonzero(_matches(compact, _ASCII_E164))
    if not len(candidates):
        return result
    compact = compact.take(pa.array(candidates))
    undecided = np.ones(len(candidates), dtype=bool)
    for size in (1, 2, 3):
        codes = pc.utf8_slice_codeunits(compact, 1, 1 + size)
        known = undecided & np.asarray(pc.is_in(codes, value_set=_COUNTRY_CODE_ARRAY))
        undecided &= ~known
        rows = np.flatnonzero(known)
        encoded = codes.take(pa.array(rows)).dictionary_encode()
        which = np.asarray(encoded.indices)
        for number, code in enumerate(encoded.dictionary.to_pylist()):
            lengths = _possible_lengths(int(code))
            prefix = _national_prefix(int(code))
            if prefix is _ALWAYS or not lengths:
                continue
            members = rows[which == number]
            national = pc.utf8_slice_codeunits(compact.take(pa.array(members)), 1 + size)
            ok = np.isin(np.asarray(pc.utf8_length(national)), list(lengths))
            if prefix is not _NEVER:
                ok &= ~_matches(national, f"^(?:{prefix.pattern})", partial=True)
            chosen = members[ok]
            result[candidates[chosen]] = compact.take(pa.array(chosen)).to_numpy(
                zero_copy_only=False
            )
    return result


def _matches(texts: pa.Array, pattern: str, partial: bool = False) -> np.ndarray:
    """Whether each text matches `pattern` (RE2), as a numpy bool array (null -> False).
    `partial`: a pattern RE2 cannot compile counts as matching everywhere (the caller then
    leaves those values to the per-value path)."""
    try:
        found = pc.match_substring_regex(texts, pattern)
    except pa.ArrowInvalid:
        if not partial:
            raise
        return np.ones(len(texts), dtype=bool)
    return np.asarray(pc.fill_null(found, False), dtype=bool)


@functools.lru_cache(maxsize=512)
def _parse_rules(region: str) -> tuple[frozenset[int], str, str, str] | None:
    """What decides whether a number without `+` can be possible in `region`: the possible
    national lengths (of its country code's main region, which `is_possible_number` uses),
    the international and national prefixes it strips, its country code."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    lengths = _possible_lengths(metadata.country_code)
    if not lengths:
        return None
    prefixes = (metadata.international_prefix or "", metadata.national_prefix_for_parsing or "")
    return lengths, *prefixes, str(metadata.country_code)


def national_numbers(s: pd.Series, region: str) -> tuple[np.ndarray, np.ndarray]:
    """`national_numbers_by_region` of a column whose values are all read in `region`."""
    return national_numbers_by_region(s.to_numpy(dtype=object), np.full(len(s), region))


def national_numbers_by_region(
    values: np.ndarray, regions: np.ndarray, texts: pa.Array | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Numbers without `+` that libphonenumber would read in their row's region (`regions`)
    with nothing to strip, settled without parsing: (E.164 text or None where not possible,
    settled mask). A text is settled when it holds only digits and separators and no
    international or national prefix and no country code in front (all of which parsing may
    strip); it is then `+<country code><digits>` when the region has numbers of that many
    digits, else not possible. Unsure values (and prefix patterns RE2 cannot compile) are
    left to the parse. Every region's rules are checked in the same few Arrow passes: the
    prefixes once per distinct pattern, the country code once per code length. `texts`: the
    values in Arrow when the caller has them."""
    numbers = np.full(len(values), None, dtype=object)
    settled = np.zeros(len(values), dtype=bool)
    texts = arrow_texts(values) if texts is None else texts
    if texts is None or not len(values):
        return numbers, settled
    which, names = pd.factorize(regions)
    rules = [_parse_rules(str(name)) for name in names]
    codes = np.array([r[3] if r else "" for r in rules], dtype=object)[which]
    compact = _compact(texts)
    settled = np.array([r is not None for r in rules], dtype=bool)[which]
    settled &= _matches(compact, r"^[0-9]{2,17}$") & ~_matches(texts, _RE2_NUMERIC_CELL)
    for size in {len(r[3]) for r in rules if r}:
        rows = _rows_of(settled, which, [i for i, r in enumerate(rules) if r and len(r[3]) == size])
        heads = pc.utf8_slice_codeunits(compact.take(pa.array(rows)), 0, size)
        settled[rows] = heads.to_numpy(zero_copy_only=False) != codes[rows]
    for position in (1, 2):  # the international, then the national prefix
        patterns = [str(r[position]) if r else "" for r in rules]
        for prefix in set(patterns) - {""}:
            ids = [i for i, pattern in enumerate(patterns) if pattern == prefix]
            rows = _rows_of(settled, which, ids)
            heads = compact.take(pa.array(rows))
            if position == 1:
                found = _matches(heads, f"^(?:{prefix})", partial=True)
            else:
                found = _strips_something(heads, prefix)
            settled[rows] = ~found
    masks = np.array([sum(1 << n for n in r[0]) if r else 0 for r in rules], dtype=np.int64)
    lengths = np.minimum(np.asarray(pc.utf8_length(compact).fill_null(0)), 62)
    possible = settled & (((masks[which] >> lengths) & 1) == 1)
    if possible.any():
        rows = pa.array(np.flatnonzero(possible))
        numbers[possible] = pc.binary_join_element_wise(
            "+", pa.array(codes[possible], pa.string()), compact.take(rows), ""
        ).to_numpy(zero_copy_only=False)
    return numbers, settled


def _strips_something(texts: pa.Array, prefix: str) -> np.ndarray:
    """Whether the national `prefix` pattern matches a non-empty start of each text (of
    ASCII digits); True where RE2 cannot compile it. A pattern such as Argentina's, all of
    it optional, matches every number, but parsing strips nothing where it matches nothing.
    RE2 picks the same match as Python's `re` (leftmost first)."""
    try:
        rest = pc.replace_substring_regex(texts, f"^(?:{prefix})", "", max_replacements=1)
    except pa.ArrowInvalid:
        return np.ones(len(texts), dtype=bool)
    return np.asarray(pc.less(pc.utf8_length(rest), pc.utf8_length(texts)), dtype=bool)


def _rows_of(mask: np.ndarray, which: np.ndarray, ids: list[int]) -> np.ndarray:
    """The positions where `mask` holds and `which` is one of `ids`."""
    return np.flatnonzero(mask & np.isin(which, ids))


def phone_numbers(s: pd.Series, default_region: str = "US") -> pd.Series:
    """Each value as E.164 text, or its stripped original when it is not a possible number
    (see `normalize_phone`). Canonical E.164 and (for US/CA) NANP numbers are settled in
    Arrow (RE2, C++); libphonenumber runs once per distinct remaining value."""
    out, filled, texts = _texts_of(s)
    if filled.any():
        out[filled] = stripped_phone_numbers(out[filled], texts, default_region)
    return _series(out, s)


def stripped_phone_numbers(
    present: np.ndarray, texts: pa.Array | None, default_region: str
) -> np.ndarray:
    """`phone_numbers` of stripped, non-empty texts; `texts` holds the same in Arrow (None
    when Arrow cannot hold them: then every value takes the per-value path)."""
    region = default_region.strip().upper()
    nanp = region in _NANP_REGIONS
    result = np.full(len(present), None, dtype=object)
    if texts is not None:
        usable = ~_matches(texts, _RE2_NUMERIC_CELL)  # numeric cells take the per-value path
        plus = np.flatnonzero(usable & _matches(texts, r"^\+"))
        if len(plus):
            result[plus] = _canonical_e164_column(texts.take(pa.array(plus)))
        if nanp:
            open_ = np.flatnonzero(usable & pd.isna(result))
            parts = pc.extract_regex(texts.take(pa.array(open_)), _RE2_NANP)
            found = np.asarray(pc.is_valid(parts), dtype=bool)
            if found.any():
                numbers = pc.binary_join_element_wise(
                    "+1", *(parts.field(name) for name in ("area", "exchange", "line")), ""
                )
                result[open_[found]] = numbers.filter(pa.array(found)).to_numpy(
                    zero_copy_only=False
                )
    rest = pd.isna(result)
    if rest.any():
        result[rest] = _map_distinct(
            pd.Series(present[rest], dtype=object), lambda v: _canonical_phone(v, region, nanp)
        ).to_numpy(dtype=object)
    return result


def _texts_of(s: pd.Series) -> tuple[np.ndarray, np.ndarray, pa.Array | None]:
    """`_text` of a column as values (blanks None), the mask of filled ones, and those as
    Arrow texts (None when Arrow cannot hold them)."""
    stripped = stripped_array(s)
    if stripped is None:
        out = _text(s).to_numpy(dtype=object, copy=True)
        filled = pd.notna(out)
        return out, filled, arrow_texts(out[filled])
    filled = np.asarray(stripped.is_valid(), dtype=bool)
    return stripped.to_numpy(zero_copy_only=False), filled, stripped.filter(pa.array(filled))


def normalize_phone(
    s: pd.Series, default_region: str = "US", phone_type: str | None = None
) -> pd.Series:
    """Each value as `{"type": ..., "number": "+E164"}`.

    Numbers without a country code are read in `default_region`; extensions are dropped. A value
    that cannot be parsed or is not a possible number keeps its stripped original text as
    "number". libphonenumber runs once per distinct value, and not at all for values that are
    already canonical E.164 or (for US/CA) plain 10-digit NANP numbers.
    """
    numbers = phone_numbers(s, default_region)
    kind = phone_type or "Other"
    return _series(
        ({"type": kind, "number": n} if n is not None else None for n in numbers.to_numpy()),
        s,
    )


def _canonical_url(value: str) -> str | None:
    scheme_match = _URL_SCHEME.match(value)
    if scheme_match:
        scheme = scheme_match.group(1).lower()
        rest = value[scheme_match.end() :]
        if scheme not in ("http", "https"):
            return None
    else:
        scheme, rest = "https", value.removeprefix("//")
    end = _AUTHORITY_END.search(rest)
    authority, path = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    if "@" in authority:
        return None
    host, _, port = authority.partition(":")
    host = host.lower().rstrip(".")
    if not _HOST.match(host) or (port and not port.isdigit()):
        return None
    url = f"{scheme}://{host}{':' + port if port else ''}{path}"
    return url if _URL.match(url) else None


def normalize_url(s: pd.Series) -> pd.Series:
    """An http(s) URL with a lower-case scheme and host; `https://` is added when missing.

    Anything that is not a web address (no host, other schemes, e-mail addresses, spaces) stays
    as its stripped original.
    """
    text = _text(s)
    return _map_distinct(text, lambda value: _canonical_url(value) or value)


def _canonical_linkedin(value: str) -> str | None:
    match = _LINKEDIN.match(value)
    if match is None:
        return None
    kind, handle, extra = match.group(1).lower(), match.group(2), match.group(3) or ""
    if kind == "pub" and extra.strip("/"):
        return None
    if not _LINKEDIN_MEMBER_ID.match(handle):
        decoded = unquote(handle)
        handle = (handle if _URL_FORBIDDEN_IN_SEGMENT.search(decoded) else decoded).lower()
    url = f"https://www.linkedin.com/{kind}/{handle}"
    return url if _LINKEDIN_CANONICAL.match(url) else None


def normalize_linkedin_url(s: pd.Series) -> pd.Series:
    """`https://www.linkedin.com/in/<handle>` (or `/company/`, `/school/`, `/pub/<handle>`).

    Any subdomain, scheme, query, fragment, trailing slash or sub-page is dropped and the handle
    lower-cased (LinkedIn handles are case-insensitive; opaque member ids like `ACoAA...` keep
    their case). A value that is not a LinkedIn profile or page stays as its stripped original.
    """
    text = _text(s)
    return _map_distinct(text, lambda value: _canonical_linkedin(value) or value)


def _host_of(value: str) -> str | None:
    """The lower-case host without `www.` of a domain, URL or e-mail address, if it is valid."""
    host = value.strip().lower()
    scheme_match = _URL_SCHEME.match(host)
    if scheme_match:
        host = host[scheme_match.end() :]
    elif "@" in host:
        host = host.rpartition("@")[2]
    host = _AUTHORITY_END.split(host, maxsplit=1)[0]
    host = host.rpartition("@")[2].partition(":")[0].rstrip(".").removeprefix("www.")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host if _DOMAIN.match(host) else None


def _company_domain(value: str) -> str | None:
    host = _host_of(value)
    if host is None:
        return value
    return None if host in FREE_MAIL_DOMAINS else host


def _website_domain(value: str) -> str | None:
    host = _host_of(value)
    return None if host is None or host in FREE_MAIL_DOMAINS else host


def normalize_domain(domain: pd.Series, website: pd.Series | None = None) -> pd.Series:
    """A company's domain: lower-case host without `www.` (IDN hosts in punycode).

    The domain column may hold a bare domain, a URL or an e-mail address. Free-mail domains are
    never a company's domain: they become None (not an error). Where the domain is empty (or was
    free mail) it is derived from `website`, aligned on the index; a website that yields no valid
    host leaves it empty rather than reporting an error against a column the user did not fill.
    An unusable value in the domain column itself stays as its stripped original.
    """
    text = _text(domain)
    result = _map_distinct(text, _company_domain)
    if website is None:
        return result
    derived = _map_distinct(_text(aligned(website, domain.index)), _website_domain)
    combined = result.where(result.notna(), derived)
    return combined.where(combined.notna(), None)


def _date_cell(value: Any) -> Any:
    """Date and datetime objects as they are; anything else as stripped text or None."""
    if isinstance(value, dt.date) and not _is_missing(value):
        return value
    return _cell_text(value)


def _as_datetime(value: dt.date) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def _utc_text(value: dt.date) -> str | None:
    """ISO text in UTC of a date or datetime (naive means UTC); None when UTC is out of range."""
    moment = _as_datetime(value)
    try:
        moment = (
            moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
        )
    except OverflowError:
        return None
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


def _format_utc(stamps: pd.Series) -> list[str | None]:
    """ISO 8601 text in UTC of tz-aware or naive (meaning UTC) timestamps; NaT -> None."""
    values = pd.DatetimeIndex(stamps)
    if values.tz is not None:
        values = values.tz_convert("UTC").tz_localize(None)
    raw = values.to_numpy().astype("datetime64[us]")
    missing = np.isnat(raw)
    text = np.datetime_as_string(raw, unit="s")
    fractional = (raw.astype(np.int64) % 1_000_000 != 0) & ~missing
    if fractional.any():
        text = np.where(fractional, np.datetime_as_string(raw, unit="us"), text)
    return [None if gone else f"{t}+00:00" for t, gone in zip(text, missing, strict=True)]


def _tzinfo(name: str | None, offset: int | None) -> dt.tzinfo | None:
    """Time zones dateutil may use: numeric offsets and UTC; other names are refused."""
    if offset is not None:
        return dt.timezone(dt.timedelta(seconds=offset))
    if name is None:
        return None
    if name.upper() in _UTC_NAMES:
        return dt.UTC
    raise ValueError(f"ambiguous time zone name {name!r}")


_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_ENGLISH_MONTHS = {
    name.lower(): number
    for number, names in enumerate(date_parser.parserinfo.MONTHS, start=1)
    for name in names
}


def _parse_textual(value: str, dayfirst: bool) -> dt.datetime | None:
    """dateutil for textual forms; a value without a year or month is refused, not completed.
    The common English `Mar 15, 2023` is read directly (dateutil reads it the same way)."""
    if (match := _MONTH_DAY_YEAR.match(value)) and (month := _ENGLISH_MONTHS.get(match[1].lower())):
        try:
            return dt.datetime(int(match[3]), month, int(match[2]))
        except ValueError:
            pass
    try:
        first = date_parser.parse(
            value, parserinfo=_PARSER_INFO, dayfirst=dayfirst, default=_DEFAULT_A, tzinfos=_tzinfo
        )
        second = date_parser.parse(
            value, parserinfo=_PARSER_INFO, dayfirst=dayfirst, default=_DEFAULT_B, tzinfos=_tzinfo
        )
    except (ValueError, OverflowError, TypeError):
        return None
    if (first.year, first.month) != (second.year, second.month):
        return None
    return first


def _from_iso(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _rewrite_numeric(text: str, dayfirst: bool) -> tuple[bool, str | None]:
    """(is a numeric date, year-first ISO-like text or None when its day/month are impossible)."""
    if match := _YEAR_FIRST.match(text):
        year, month, day, rest = match.groups()
    elif match := _DAY_OR_MONTH_FIRST.match(text):
        first, second, year, rest = match.groups()
        day, month = (first, second) if dayfirst else (second, first)
        if len(year) == 2:
            year = f"{20 if int(year) < 69 else 19}{year}"
    elif match := _COMPACT_DATE.match(text):
        year, month, day = match.groups()
        rest = ""
    else:
        return False, None
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return True, None
    date, rest = f"{year}-{int(month):02d}-{int(day):02d}", rest.strip()
    if not rest:
        return True, date
    return True, f"{date}{rest}" if rest[0] in "Tt" else f"{date} {rest}"


def _iso_stamps(values: list[str], aware: list[bool]) -> pd.Series:
    """Vectorised ISO 8601 parse; naive and offset-bearing values are parsed apart because
    pandas applies an earlier value's offset to later naive values when they are mixed."""
    series = pd.Series(values, dtype=object)
    has_offset = pd.Series(aware, index=series.index, dtype=bool)
    stamps = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
    for mask in (has_offset, ~has_offset):
        if mask.any():
            stamps[mask] = pd.to_datetime(series[mask], format="ISO8601", utc=True, errors="coerce")
    return stamps


def _excel_stamps(serials: list[float]) -> pd.Series:
    days = pd.to_timedelta(np.asarray(serials, dtype=float), unit="D")
    return pd.Series(_EXCEL_EPOCH + days).dt.round("ms")


def _datetime_lookup_free(
    values: list[Any], dayfirst: bool, local: set[Hashable]
) -> dict[Hashable, str | None]:
    """ISO text of every value in any accepted form (see `normalize_datetime`); the values
    that are a time of day without an offset are added to `local`."""
    found: dict[Hashable, str | None] = {}
    iso: dict[Hashable, tuple[str, bool]] = {}
    excel: dict[Hashable, float] = {}
    textual: dict[Hashable, tuple[str, bool]] = {}
    for value in values:
        if isinstance(value, dt.date):
            found[value] = _utc_text(value)
            if isinstance(value, dt.datetime) and value.tzinfo is None and value.time():
                local.add(value)
            continue
        text = value if type(value) is str else _cell_text(value)
        if text is None:
            continue
        if match := _ISO.match(text):
            iso[value] = (text, match.group("offset") is not None)
            continue
        numeric, rewritten = _rewrite_numeric(text, dayfirst)
        if numeric:
            if rewritten is None:
                continue
            if match := _ISO.match(rewritten):
                iso[value] = (rewritten, match.group("offset") is not None)
            else:
                textual[value] = (rewritten, False)
        elif _PLAIN_NUMBER.match(text):
            serial = float(text)
            if EXCEL_SERIAL_RANGE[0] <= serial <= EXCEL_SERIAL_RANGE[1]:
                excel[value] = serial
                if not serial.is_integer():
                    local.add(value)
        elif _HAS_LETTER.search(text):
            textual[value] = (text, dayfirst)
    local.update(v for v, (text, aware) in iso.items() if not aware and len(text) > 10)
    if iso:
        texts, aware = zip(*iso.values(), strict=True)
        parsed = _format_utc(_iso_stamps(list(texts), list(aware)))
        for value, text, result in zip(iso, texts, parsed, strict=True):
            if result is None and (moment := _from_iso(text.replace(",", "."))) is not None:
                result = _utc_text(moment)
            found[value] = result
    if excel:
        parsed = _format_utc(_excel_stamps(list(excel.values())))
        found.update(zip(excel, parsed, strict=True))
    for value, (text, textual_dayfirst) in textual.items():
        moment = _parse_textual(text, textual_dayfirst)
        found[value] = None if moment is None else _utc_text(moment)
        if moment is not None and moment.tzinfo is None and _TIME_OF_DAY.search(text):
            local.add(value)
    return found


def _datetime_lookup_format(
    values: list[Any], date_format: str, local: set[Hashable]
) -> dict[Hashable, str | None]:
    """ISO text of the values that match `date_format` (and of real date cells); with a
    format that has a time of day and no offset, its values are added to `local`."""
    found: dict[Hashable, str | None] = {}
    texts: dict[Hashable, str] = {}
    for value in values:
        if isinstance(value, dt.date):
            found[value] = _utc_text(value)
            if isinstance(value, dt.datetime) and value.tzinfo is None and value.time():
                local.add(value)
        elif (text := _cell_text(value)) is not None:
            texts[value] = text
    if not texts:
        return found
    try:
        stamps = pd.to_datetime(
            pd.Series(list(texts.values()), dtype=object),
            format=date_format,
            utc=True,
            errors="coerce",
        )
        parsed = _format_utc(stamps)
    except (ValueError, TypeError):
        parsed = [None] * len(texts)
    for (value, text), result in zip(texts.items(), parsed, strict=True):
        if result is None:
            try:
                result = _utc_text(dt.datetime.strptime(text, date_format))
            except (ValueError, TypeError):
                result = None
        found[value] = result
    if _FORMAT_TIME.search(date_format) and not _FORMAT_OFFSET.search(date_format):
        local.update(texts)
    return found


def _in_timezone(found: dict[Hashable, str | None], local: set[Hashable], zone: str) -> None:
    """Re-read the UTC results of the `local` values as wall-clock times in `zone` (a time
    that occurs twice at a DST change is the first one; one that does not occur moves on)."""
    keys = [value for value in local if found.get(value) is not None]
    if not keys:
        return
    utc = pd.to_datetime(pd.Series([found[k] for k in keys], dtype=object), utc=True)
    wall = pd.DatetimeIndex(utc).tz_localize(None)
    try:
        moments = wall.tz_localize(
            zone, ambiguous=np.ones(len(keys), dtype=bool), nonexistent="shift_forward"
        )
    except (OverflowError, ValueError):
        moments = pd.DatetimeIndex([pd.NaT] * len(keys), tz="UTC")
    found.update(zip(keys, _format_utc(pd.Series(moments)), strict=True))


def normalize_datetime(
    s: pd.Series, date_format: str | None = None, dayfirst: bool = False, timezone: str = "UTC"
) -> pd.Series:
    """ISO 8601 UTC text such as "2023-03-15T00:00:00+00:00" (microseconds only when present).

    Accepted without `date_format`:
    - ISO 8601 dates and date-times; offsets are converted to UTC; a time of day without an
      offset is read in `timezone` (an IANA name); a date without a time is that day in UTC;
    - numeric dates `03/04/2023`, `3.4.23`, `03-04-2023` (optionally with a time): month first
      unless `dayfirst`, strictly (a "month" above 12 is an error, never silently swapped);
      two-digit years 00-68 are 20xx, 69-99 19xx; year-first `2023/03/15`; compact `20230315`;
    - textual dates in English or German (`15 Mar 2023`, `March 15, 2023`, `15. März 2023`);
      a value without a year or month is refused (dateutil would fill them from today), a value
      without a day means the 1st; time zone names other than UTC/GMT are refused as ambiguous;
    - Excel serial dates: plain numbers from 20,000 to 80,000 (1954-10-03 to 2119-01-10),
      counted from 1899-12-30 with the fraction as time of day. Other plain numbers (e.g. a
      bare year "2023") are refused, so ids or years mapped by mistake do not become dates;
    - date/datetime objects, e.g. typed spreadsheet cells.
    With `date_format` (strptime syntax) only that format is accepted for text. Anything else
    stays as its stripped original, which fails validation.
    """
    if pd.api.types.is_datetime64_any_dtype(s.dtype) and (timezone == "UTC" or s.dt.tz):
        return _series(_format_utc(s), s)
    stripped = stripped_array(s)
    if stripped is not None:
        return _dates_of_texts(stripped, s, date_format, dayfirst, timezone)
    cells = _series((_date_cell(v) for v in s.to_numpy(dtype=object)), s)
    values = list(cells.dropna().unique())
    if not values:
        return cells
    lookup = _datetime_lookup(values, date_format, dayfirst, timezone)
    converted = _apply_lookup(cells, lookup)
    return converted.where(converted.notna(), cells)


def _datetime_lookup(
    values: list[Any], date_format: str | None, dayfirst: bool, timezone: str
) -> dict[Hashable, str | None]:
    """ISO text in UTC of each distinct value (None: not a date it accepts)."""
    local: set[Hashable] = set()
    if date_format:
        lookup = _datetime_lookup_format(values, date_format, local)
    else:
        lookup = _datetime_lookup_free(values, dayfirst, local)
    if timezone != "UTC":
        _in_timezone(lookup, local, timezone)
    return lookup


def _dates_of_texts(
    texts: pa.Array, like: pd.Series, date_format: str | None, dayfirst: bool, timezone: str
) -> pd.Series:
    """`normalize_datetime` of stripped texts (blanks null), once per distinct text: plain
    numeric dates in Arrow (`_numeric_dates`, without `date_format`), the others through
    `_datetime_lookup`; a text that is no date stays as it is."""
    encoded = texts.dictionary_encode()
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    if date_format:
        settled, dates = np.zeros(len(distinct), dtype=bool), np.full(len(distinct), None)
    else:
        settled, dates = _numeric_dates(encoded.dictionary, dayfirst)
    values = list(distinct[~settled])
    if values:
        lookup = _datetime_lookup(values, date_format, dayfirst, timezone)
        dates[~settled] = [lookup.get(v) for v in values]
    return spread_distinct(encoded, np.where(pd.notna(dates), dates, distinct), like)


def spread_distinct(encoded: pa.DictionaryArray, results: np.ndarray, like: pd.Series) -> pd.Series:
    """The result of each row's distinct value (`results`, one per entry of the dictionary;
    missing ones as None), on `like`'s index; a null row is None."""
    spread = np.full(len(results) + 1, None, dtype=object)  # the last one for null rows
    spread[:-1] = results
    spread[:-1][pd.isna(results)] = None
    indices = np.asarray(pc.fill_null(encoded.indices, len(results)), dtype=np.int64)
    return _series(spread[indices], like)


_RE2_YEAR_FIRST = r"^(?P<year>[0-9]{4})[-/.](?P<month>[0-9]{1,2})[-/.](?P<day>[0-9]{1,2})$"
_RE2_YEAR_LAST = (
    r"^(?P<first>[0-9]{1,2})[-/.](?P<second>[0-9]{1,2})[-/.](?P<year>[0-9]{4}|[0-9]{2})$"
)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _numeric_dates(texts: pa.Array, dayfirst: bool) -> tuple[np.ndarray, np.ndarray]:
    """`_datetime_lookup_free` of plain numeric dates in ASCII digits without a time
    (`2023-03-15`, `2023/3/15`, `03/15/2023`, `15.3.23`), in Arrow: (settled mask, the ISO
    text at midnight UTC, or None where the date does not exist). A date without a time is
    never read in the source time zone, so the zone does not matter here."""
    settled = np.zeros(len(texts), dtype=bool)
    dates = np.full(len(texts), None, dtype=object)
    for pattern in (_RE2_YEAR_FIRST, _RE2_YEAR_LAST):
        parts = pc.extract_regex(texts, pattern)
        rows = np.flatnonzero(np.asarray(pc.is_valid(parts), dtype=bool) & ~settled)
        if not len(rows):
            continue
        found = parts.take(pa.array(rows))
        number = {
            name: np.asarray(pc.cast(found.field(name), pa.int64()))
            for name in ("year", "month", "day", "first", "second")
            if found.type.get_field_index(name) >= 0
        }
        if pattern is _RE2_YEAR_LAST:
            first, second = number.pop("first"), number.pop("second")
            number["day"], number["month"] = (first, second) if dayfirst else (second, first)
            short = np.asarray(pc.utf8_length(found.field("year"))) == 2
            number["year"] = np.where(short, np.where(number["year"] < 69, 2000, 1900), 0)
            number["year"] += np.asarray(pc.cast(found.field("year"), pa.int64()))
        settled[rows] = True
        dates[rows] = _midnight_texts(number["year"], number["month"], number["day"])
    return settled, dates


def _midnight_texts(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """`YYYY-MM-DDT00:00:00+00:00` of each existing date (year 1 to 9999), else None."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    known = (month >= 1) & (month <= 12)
    days = _DAYS_IN_MONTH[np.where(known, month, 0)] + (leap & (month == 2))
    exists = known & (day >= 1) & (day <= days) & (year >= 1) & (year <= 9999)
    texts = np.full(len(year), None, dtype=object)
    texts[exists] = [
        f"{y:04d}-{m:02d}-{d:02d}T00:00:00+00:00"
        for y, m, d in zip(year[exists].tolist(), month[exists].tolist(), day[exists].tolist())
    ]
    return texts


def _split(value: str, pattern: re.Pattern[str] | None) -> list[str] | None:
    """The stripped, non-empty, distinct parts of a stripped, non-empty cell."""
    if pattern is None or pattern.search(value) is None:
        return [value]
    parts = pattern.split(value)
    items = list(dict.fromkeys(p for part in parts if (p := part.strip())))
    return items or None


def _list_items(values: Iterable[Any]) -> list[str] | None:
    """The items of a cell that is already a list: stripped, non-empty, de-duplicated."""
    texts = (_cell_text(v) for v in values)
    return list(dict.fromkeys(text for text in texts if text is not None)) or None


def split_multi(s: pd.Series, separators: str = ";,") -> pd.Series:
    """Each cell as a list of its parts: split on any of the `separators` characters, stripped,
    empty parts dropped, duplicates removed keeping the first. A cell without parts -> None.

    A cell that already holds a list (e.g. a JSON array) keeps its items, stripped, without
    empty ones and duplicates; they are not split again.
    """
    pattern = re.compile(f"[{re.escape(separators)}]") if separators else None
    cache: dict[Hashable, list[str] | None] = {}
    out: list[list[str] | None] = []
    for value in _present(s):
        if value is None:
            items = None
        elif isinstance(value, list | tuple):
            items = _list_items(value)
        elif not isinstance(value, Hashable):
            text = _cell_text(value)
            items = None if text is None else _split(text, pattern)
        elif value in cache:
            items = cache[value]
        else:
            text = _cell_text(value)
            items = cache[value] = None if text is None else _split(text, pattern)
        out.append(None if items is None else list(items))
    return _series(out, s)


def _dedupe_key(item: Any) -> Hashable:
    if isinstance(item, dict):
        return ("number", item.get("number"))
    return item if isinstance(item, Hashable) else repr(item)


def _combine_row(cells: tuple[Any, ...]) -> list[Any] | None:
    items: list[Any] = []
    seen: set[Hashable] = set()
    for cell in cells:
        if cell is None:
            continue
        members = cell if isinstance(cell, list | tuple) else (cell,)
        for item in members:
            if type(item) is str:
                key: Hashable = item
            elif _is_missing(item):
                continue
            else:
                key = _dedupe_key(item)
            if key not in seen:
                seen.add(key)
                items.append(item)
    return items or None


def combine_multi(columns: list[pd.Series]) -> pd.Series:
    """Row-wise union of several multi-value columns (aligned on the first one's index).

    Lists are concatenated in column order; a single non-list value counts as a one-item list and
    None as empty. Duplicates are dropped keeping the first (phone dicts by their "number"), and
    a row left with nothing is None.
    """
    if not columns:
        return pd.Series(dtype=object)
    first = columns[0]
    present = [_present(aligned(c, first.index)) for c in columns]
    if len(present) == 1:
        return _series((None if c is None else _combine_row((c,)) for c in present[0]), first)
    return _series((_combine_row(cells) for cells in zip(*present, strict=True)), first)


def derive_display_name(
    first: pd.Series | None,
    last: pd.Series | None,
    email: pd.Series | None,
    existing: pd.Series | None,
) -> pd.Series:
    """The display name: `existing` where present, else "first last" (or whichever is present),
    else None.

    An address is not turned into a name: `email` is accepted so every caller passes the same
    columns, and only provides the index when no name column is given. The result is aligned on
    the first given Series; with no Series at all it is empty.
    """
    given = [c for c in (existing, first, last, email) if c is not None]
    if not given:
        return pd.Series(dtype=object)
    index = given[0].index

    def part(column: pd.Series | None) -> pd.Series:
        if column is None:
            return pd.Series("", index=index, dtype=object)
        return _text(aligned(column, index)).fillna("")

    name = (part(first) + " " + part(last)).str.strip()
    name = name.where(name != "", None)
    if existing is None:
        return name.rename(None)
    current = _text(aligned(existing, index))
    result = current.where(current.notna(), name)
    return result.where(result.notna(), None).rename(existing.name)
