"""Which order a column's numeric dates (03/04/2024) are written in, from its own values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.modules import DataType, ModuleDef
from schemas.validation import arrow_texts

DAY_FIRST, MONTH_FIRST, AMBIGUOUS = "day_first", "month_first", "ambiguous"
_NUMERIC_DATE = r"^\s*(?P<first>\d{1,2})[-/.](?P<second>\d{1,2})[-/.](?:\d{4}|\d{2})(?:[T\s]|$)"


@dataclass
class OrderEvidence:
    """Distinct values seen: all, numeric day/month dates, and those proving an order (a first
    part over 12 proves day first, a second part over 12 month first)."""

    distinct: int = 0
    numeric: int = 0
    day_first: int = 0
    month_first: int = 0

    def __add__(self, other: OrderEvidence) -> OrderEvidence:
        return OrderEvidence(
            self.distinct + other.distinct,
            self.numeric + other.numeric,
            self.day_first + other.day_first,
            self.month_first + other.month_first,
        )

    @property
    def order(self) -> str | None:
        """day_first or month_first when only that order is proven; ambiguous when neither or
        both are (both: the column mixes orders, so no order can be trusted); None without
        numeric dates."""
        if not self.numeric:
            return None
        if self.day_first and not self.month_first:
            return DAY_FIRST
        if self.month_first and not self.day_first:
            return MONTH_FIRST
        return AMBIGUOUS

    @property
    def date_like(self) -> bool:
        """Most distinct values are numeric dates (for columns no mapping names as dates)."""
        return self.numeric > 0 and 2 * self.numeric >= self.distinct


def evidence(values: pd.Series) -> OrderEvidence:
    """The evidence of a column's distinct text values, with Arrow's regex (no Python per
    value)."""
    distinct = [v for v in values.dropna().unique() if isinstance(v, str)]
    if not distinct:
        return OrderEvidence()
    texts = arrow_texts(np.asarray(distinct, dtype=object))
    if texts is None:  # a cell Arrow cannot hold (a lone surrogate): judge the others
        distinct = [v for v in distinct if _encodable(v)]
        texts = pa.array(distinct, pa.string())
    return _distinct_evidence(texts, len(distinct))


def arrow_evidence(values: pa.Array | pa.ChunkedArray) -> OrderEvidence:
    """`evidence` of a text column as Arrow holds it (a chunk as the CSV reader parsed it)."""
    distinct = pc.unique(values).drop_null()
    return _distinct_evidence(distinct, len(distinct)) if len(distinct) else OrderEvidence()


def _distinct_evidence(texts: pa.Array, distinct: int) -> OrderEvidence:
    parts = pc.extract_regex(texts, _NUMERIC_DATE)
    found = np.asarray(pc.is_valid(parts), dtype=bool)
    if not found.any():
        return OrderEvidence(distinct=distinct)
    dates = parts.filter(pa.array(found))
    first = np.asarray(pc.cast(dates.field("first"), pa.int32()))
    second = np.asarray(pc.cast(dates.field("second"), pa.int32()))
    return OrderEvidence(
        distinct=distinct,
        numeric=int(found.sum()),
        day_first=int(((first > 12) & (first <= 31) & (second <= 12)).sum()),
        month_first=int(((second > 12) & (second <= 31) & (first <= 12)).sum()),
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def column_orders(frames: Iterable[pd.DataFrame], columns: list[str]) -> dict[str, str]:
    """The order of each of `columns` over all `frames` (the chunks of a file); columns
    without numeric dates are left out."""
    total = {column: OrderEvidence() for column in columns}
    for frame in frames:
        for column in columns:
            if column in frame:
                total[column] = total[column] + evidence(frame[column])
    return {c: order for c, found in total.items() if (order := found.order) is not None}


def is_date_field(module: ModuleDef, target: str | None) -> bool:
    """Whether a mapping or suggestion target is one of the module's date fields."""
    if not target or not module.has_field(target):
        return False
    return module.field(target).data_type is DataType.DATETIME


def ambiguous_warning(column: str) -> str:
    """The warning of a column whose order its values do not settle (read month first)."""
    return (
        f"column {column!r}: its dates do not show whether they are day or month first (no "
        "part over 12, or both orders occur): read month first; set dayfirst or date_format "
        "to choose"
    )
