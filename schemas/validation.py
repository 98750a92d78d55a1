"""Pandera schemas derived from the module definitions: the single source of validation rules.

They validate the *normalized* frame (one column per field slug): normalizers turn good input into
canonical values and leave bad input as it was, so the checks here name what is wrong with it.
Each check's `name` is the message a user reads in the rejects file.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from schemas.modules import MODULES, MULTI_SEP, PART_SEP, DataType, FieldDef, ModuleDef

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
E164_RE = r"^\+[1-9][0-9]{6,14}$"
URL_RE = r"^https?://[^\s/$.?#][^\s]*$"
LINKEDIN_RE = r"^https://www\.linkedin\.com/(in|company|pub|school)/[^\s/?#]+/?$"
DOMAIN_RE = r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
ISO_UTC_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?\+00:00$"

MESSAGES = {
    DataType.EMAIL: "invalid email address",
    DataType.PHONE: "not a possible phone number",
    DataType.URL: "invalid URL",
    DataType.LINKEDIN_URL: "invalid LinkedIn URL",
    DataType.DOMAIN: "invalid domain",
    DataType.DATETIME: "unparseable date",
}
PATTERNS = {
    DataType.EMAIL: EMAIL_RE,
    DataType.URL: URL_RE,
    DataType.LINKEDIN_URL: LINKEDIN_RE,
    DataType.DOMAIN: DOMAIN_RE,
    DataType.DATETIME: ISO_UTC_RE,
}
TOO_LONG = "value longer than 32,767 characters"


# Python's `\s` in a text pattern (the characters `str.isspace` accepts), for RE2, whose `\s`
# is ASCII only. A test compares the two over every code point.
_RE2_SPACE = (
    r"\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}"
)


def re2_pattern(pattern: str) -> str | None:
    """The pattern as Arrow's RE2 reads it with Python's meaning; None when RE2 cannot take it
    (a look-around). The patterns here write digits as [0-9] and `\s` only inside a class."""
    if "(?=" in pattern or "(?!" in pattern:
        return None
    return pattern.replace(r"\s", _RE2_SPACE)


def arrow_texts(values: np.ndarray) -> pyarrow.Array | None:
    """Cells that are all text or missing as an Arrow string array (missing -> null); None
    when a cell is something else or cannot be encoded (a lone surrogate)."""
    try:
        return pyarrow.array(values, type=pyarrow.string(), from_pandas=True)
    except (pyarrow.ArrowException, UnicodeError, TypeError, ValueError):
        return None


def full_matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Whether each non-null value matches the anchored `pattern`; True for nulls. In Arrow's
    RE2 (C++, one pass) when every value is text, else with Python's re per value."""
    re2 = re2_pattern(pattern)
    array = arrow_texts(values.to_numpy(dtype=object)) if re2 is not None else None
    if re2 is None or array is None:
        matched = values.str.match(pattern).astype("boolean").fillna(False).to_numpy(dtype=bool)
        return matched | values.isna().to_numpy()
    return np.asarray(pc.fill_null(pc.match_substring_regex(array, re2), True), dtype=bool)


def _regex_check(pattern: str, message: str) -> pa.Check:
    def check(series: pd.Series) -> pd.Series:
        return pd.Series(full_matches(series, pattern), index=series.index)

    return _check(check, message)


def _check(check: Callable[[pd.Series], pd.Series], message: str) -> pa.Check:
    """A column check whose function passes missing values itself (so Pandera need not drop
    them from a copy of the column first)."""
    return pa.Check(check, name=message, error=message, ignore_na=False)


def _length_check(max_length: int) -> pa.Check:
    """Text no longer than `max_length` characters (Arrow counts them as Python's `len`)."""

    def check(series: pd.Series) -> pd.Series:
        texts = arrow_texts(series.to_numpy(dtype=object))
        if texts is None:
            present = series.dropna()
            short = present.str.len() <= max_length
            return short.reindex(series.index, fill_value=True)
        short = pc.fill_null(pc.less_equal(pc.utf8_length(texts), max_length), True)
        return pd.Series(np.asarray(short, dtype=bool), index=series.index)

    return _check(check, TOO_LONG)


def _multi_check(pattern: str, message: str, phone: bool = False) -> pa.Check:
    """A check on every value of a MULTI_SEP-joined cell (the number part for phones)."""

    def check(series: pd.Series) -> pd.Series:
        cells = series.to_numpy(dtype=object)
        present = np.flatnonzero(pd.notna(cells))
        texts = arrow_texts(cells[present])
        re2 = re2_pattern(pattern)
        if texts is None or re2 is None:
            return _multi_check_per_value(series, pattern, phone)
        parts = pc.split_pattern(texts, MULTI_SEP)
        values = pc.list_flatten(parts)
        if phone:
            values = pc.list_element(pc.split_pattern(values, PART_SEP, max_splits=1), 0)
        ok = np.asarray(pc.fill_null(pc.match_substring_regex(values, re2), False), dtype=bool)
        owners = np.asarray(pc.list_parent_indices(parts))
        result = np.ones(len(cells), dtype=bool)
        result[present[owners[~ok]]] = False
        return pd.Series(result, index=series.index)

    return _check(check, message)


def _multi_check_per_value(series: pd.Series, pattern: str, phone: bool) -> pd.Series:
    present = series.dropna()
    values = present.str.split(MULTI_SEP).explode()
    if phone:
        values = values.str.partition(PART_SEP, expand=False).str[0]
    ok = pd.Series(full_matches(values, pattern), index=values.index) & values.notna()
    return ok.groupby(level=0).all().reindex(series.index, fill_value=True)


def _checks_for(f: FieldDef) -> list[pa.Check]:
    if f.data_type is DataType.PHONE:
        return [_multi_check(E164_RE, MESSAGES[DataType.PHONE], phone=True)]
    pattern = PATTERNS.get(f.data_type)
    if pattern and f.multi:
        return [_multi_check(pattern, MESSAGES[f.data_type])]
    if pattern:
        return [_regex_check(pattern, MESSAGES[f.data_type])]
    if f.data_type in (DataType.TEXT, DataType.REFERENCE) and not f.multi:
        return [_length_check(f.max_length)]
    return []


def identity_message(module: ModuleDef) -> str:
    return f"row has no {', '.join(module.identity_fields[:-1])} or {module.identity_fields[-1]}"


def build_schema(module: ModuleDef) -> pa.DataFrameSchema:
    """The Pandera schema of a module's normalized frame."""
    identity = list(module.identity_fields)

    def filled(column: pd.Series) -> np.ndarray:
        values = column.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            return pd.notna(values) & (values != "")
        return column.map(
            lambda v: v is not None and v == v and len(v) > 0
            if isinstance(v, (list, str))
            else v is not None and v == v
        ).to_numpy(dtype=bool)

    def has_identity(frame: pd.DataFrame) -> pd.Series:
        """Whether a row fills an identity field; a row with no value at all passes (as
        Pandera's `ignore_na` lets it pass; checked only for the rows that fail)."""
        found = np.zeros(len(frame), dtype=bool)
        for name in identity:
            if name in frame.columns:
                found |= filled(frame[name])
        if not found.all():
            missing = np.flatnonzero(~found)
            found[missing] = frame.iloc[missing].isna().all(axis="columns").to_numpy()
        return pd.Series(found, index=frame.index)

    columns = {
        f.slug: pa.Column(object, checks=_checks_for(f), nullable=True, required=False)
        for f in module.fields
    }
    message = identity_message(module)
    return pa.DataFrameSchema(
        columns,
        checks=[pa.Check(has_identity, name=message, error=message, ignore_na=False)],
        name=f"{module.slug}_schema",
        strict=False,
        coerce=False,
    )


ContactsSchema = build_schema(MODULES["contacts"])
CompaniesSchema = build_schema(MODULES["companies"])
GroupsSchema = build_schema(MODULES["groups"])
SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "contacts": ContactsSchema,
    "companies": CompaniesSchema,
    "groups": GroupsSchema,
}
