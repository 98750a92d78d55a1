"""Validation of normalized chunks with the module's Pandera schema; failures become row errors."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import pandera.pandas as pa

from pipelines.imports.parse import RowError
from schemas.modules import MULTI_SEP, PART_SEP, ModuleDef
from schemas.validation import SCHEMAS


def display_value(value: Any) -> Any:
    """A normalized cell as a person reads it: multi values joined by '; ', phone types dropped."""
    if not isinstance(value, str) or (MULTI_SEP not in value and PART_SEP not in value):
        return value
    return "; ".join(part.split(PART_SEP)[0] for part in value.split(MULTI_SEP))


def validate_chunk(frame: pd.DataFrame, module: ModuleDef) -> tuple[pd.DataFrame, list[RowError]]:
    """The rows that pass every check, and one error per failed (row, field, check)."""
    try:
        # In place: the schema neither coerces nor adds columns, so a copy would go unused.
        SCHEMAS[module.slug].validate(frame, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        errors = failure_cases_to_errors(exc.failure_cases, frame)
        bad = {e.row for e in errors}
        return frame[~frame.index.isin(list(bad))], errors
    return frame, []


DROPPED = "value dropped: "


def identity_fields(module: ModuleDef, match_keys: list[list[str]]) -> frozenset[str]:
    """Fields whose invalid value still rejects the row under `drop_value`: the match keys
    (the row's identity) and the required fields."""
    keys = {part for key in match_keys for part in key}
    return frozenset(keys | {f.slug for f in module.fields if f.required})


def drop_invalid_values(
    frame: pd.DataFrame,
    valid: pd.DataFrame,
    errors: list[RowError],
    module: ModuleDef,
    identity: frozenset[str],
) -> tuple[pd.DataFrame, list[RowError], list[RowError]]:
    """`invalid_values: drop_value`: a row whose errors are all on non-identity fields is kept
    with those fields emptied, if it then passes every check. Returns the valid rows, the
    errors of the rows still rejected, and one `value dropped: ...` error per dropped value."""
    by_row = group_by_row(errors)
    fixable = [
        row
        for row, found in by_row.items()
        if all(e.field and e.field not in identity for e in found)
    ]
    if not fixable:
        return valid, errors, []
    repaired = frame.loc[fixable].copy()
    fields: dict[str, list[int]] = defaultdict(list)
    for row in fixable:
        for error in by_row[row]:
            fields[str(error.field)].append(row)
    for name, rows in fields.items():
        repaired.loc[rows, name] = None
    kept, _ = validate_chunk(repaired, module)
    saved = set(kept.index)
    dropped = [
        RowError(e.row, e.field, e.value, DROPPED + e.error)
        for row in sorted(saved)
        for e in by_row[row]
    ]
    remaining = [e for e in errors if e.row not in saved]
    return pd.concat([valid, kept]).sort_index(), remaining, dropped


def failure_cases_to_errors(cases: pd.DataFrame, frame: pd.DataFrame) -> list[RowError]:
    """Pandera's failure cases as row errors, ordered by row; row-level checks have no field."""
    errors: dict[tuple[int, str | None, str], RowError] = {}
    for case in cases.itertuples(index=False):
        if case.index is None or case.index != case.index:
            continue
        row = int(case.index)
        key: tuple[int, str | None, str]
        if case.schema_context == "DataFrameSchema":
            key = (row, None, str(case.check))
            errors.setdefault(key, RowError(row, None, None, str(case.check)))
            continue
        field = str(case.column)
        value = frame.at[row, field] if field in frame.columns else case.failure_case
        key = (row, field, str(case.check))
        errors.setdefault(key, RowError(row, field, display_value(value), str(case.check)))
    return sorted(errors.values(), key=lambda e: (e.row, e.field or ""))


def group_by_row(errors: list[RowError]) -> dict[int, list[RowError]]:
    grouped: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        grouped[error.row].append(error)
    return grouped
