"""Column mapping: choose it (explicit or from suggestions), check it, and apply it to a raw chunk,
producing the normalized frame (one text column per mapped field, see schemas.modules)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from pipelines.errors import InputRejected
from pipelines.imports import countries
from pipelines.imports import normalize as norm
from pipelines.imports.dates import DAY_FIRST
from pipelines.imports.suggest import Suggestion, suggest_mapping
from schemas.modules import MULTI_SEP, PART_SEP, DataType, FieldDef, ModuleDef
from schemas.options import ColumnMapping, ImportOptions, check_mapping_entry
from schemas.validation import arrow_texts


def choose_mapping(
    module: ModuleDef, columns: list[str], options: ImportOptions, sample: pd.DataFrame
) -> tuple[list[ColumnMapping], list[Suggestion]]:
    """The mapping to apply: the explicit one, with suggestions above `min_confidence` for the
    columns it does not name (`suggest_unmapped`); without one, the suggestions."""
    suggestions = suggest_mapping(module, columns, sample)
    suggested = [
        ColumnMapping(
            source_column=s.source_column,
            target_field=s.target_field,
            value_type=s.value_type,
            address_part=s.address_part,
        )
        for s in suggestions
        if s.target_field and s.confidence >= options.min_confidence
    ]
    if options.column_mapping is None:
        mapping = suggested
    else:
        mapping = list(options.column_mapping)
        named = {entry.source_column for entry in mapping}
        fill = options.suggest_unmapped
        if fill or (fill is None and len(named) < len(columns)):
            mapping += _unclaimed(module, mapping, suggested)
    check_mapping(module, columns, mapping, options)
    return mapping, suggestions


def _unclaimed(
    module: ModuleDef, mapping: list[ColumnMapping], suggested: list[ColumnMapping]
) -> list[ColumnMapping]:
    """Suggestions for columns the mapping does not name, leaving out those whose single-value
    target (a field, an address part) the mapping already fills."""
    named = {entry.source_column for entry in mapping}
    taken = {key for entry in mapping if entry.active and (key := _single_value_key(module, entry))}
    return [
        entry
        for entry in suggested
        if entry.source_column not in named and _single_value_key(module, entry) not in taken
    ]


def _single_value_key(module: ModuleDef, entry: ColumnMapping) -> str | None:
    """What one column fills when its target holds one value (`address.city`, `email`);
    None for multi-value fields and attributes."""
    target = entry.target_field or ""
    if target.startswith("attributes."):
        return None
    f = module.field(target)
    if f.multi:
        return None
    return f"address.{entry.address_part}" if f.data_type is DataType.ADDRESS else f.slug


def check_mapping(
    module: ModuleDef, columns: list[str], mapping: list[ColumnMapping], options: ImportOptions
) -> None:
    """Reject a mapping that cannot work, before any row is read."""
    known = set(columns)
    for entry in mapping:
        if entry.source_column not in known:
            raise InputRejected(
                f"The mapping names column {entry.source_column!r}, which the file does not "
                f"have; its columns: {', '.join(columns)}."
            )
        if entry.active:
            check_mapping_entry(entry, module)
    by_target: dict[str, list[str]] = defaultdict(list)
    for entry in mapping:
        if entry.active and (key := _single_value_key(module, entry)):
            by_target[key].append(entry.source_column)
    for target, sources in by_target.items():
        if len(sources) > 1:
            raise InputRejected(
                f"Columns {', '.join(repr(s) for s in sources)} all map to {target}, which holds "
                "one value: map the others elsewhere (e.g. additional_emails) or ignore them."
            )
    targets = {e.target_field for e in mapping if e.active} | set(options.static_values)
    if not targets & set(module.identity_fields):
        names = ", ".join(module.identity_fields)
        raise InputRejected(
            f"The mapping maps none of the fields that identify a {module.slug[:-1]} "
            f"({names}): map at least one of them."
        )


def mapped_fields(
    module: ModuleDef, mapping: list[ColumnMapping], options: ImportOptions
) -> list[str]:
    """Field slugs the import writes, in module order (plus `attributes` when used)."""
    targets = {e.target_field for e in mapping if e.active} | set(options.static_values)
    fields = [f.slug for f in module.fields if f.slug in targets]
    if any(t and t.startswith("attributes.") for t in targets):
        fields.append("attributes")
    return fields


_E164_TEXT = r"^\+[0-9]+$"


@dataclass(frozen=True)
class RowHints:
    """What the file says about reading some values: the phone region of each row (from its
    mapped address country) and the date order of each date column (`dates.column_orders`)."""

    regions: pd.Series | None = None
    date_orders: dict[str, str] = field(default_factory=dict)


def row_hints(
    raw: pd.DataFrame,
    mapping: list[ColumnMapping],
    date_orders: dict[str, str] | None = None,
    phones: bool = True,
) -> RowHints:
    """The hints of one raw chunk: regions only when `phones` are mapped and an address
    country column is."""
    country = (
        None
        if not phones
        else next(
            (
                e.source_column
                for e in mapping
                if e.active and e.target_field == "address" and e.address_part == "country"
            ),
            None,
        )
    )
    regions = None
    if country is not None and country in raw:
        texts = norm.stripped_array(raw[country])
        regions = (
            countries.regions(norm.blank_to_none(raw[country]))
            if texts is None
            else _per_distinct(texts, raw[country], countries.regions)
        )
    return RowHints(regions, date_orders or {})


def apply_mapping(
    raw: pd.DataFrame,
    module: ModuleDef,
    mapping: list[ColumnMapping],
    options: ImportOptions,
    date_orders: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Map and normalize one raw chunk; bad values stay as they were for validation to flag.
    `date_orders` (source column -> day_first, month_first, ambiguous) steers each date
    column that neither `dayfirst` nor `date_format` settles."""
    groups: dict[str, list[ColumnMapping]] = defaultdict(list)
    for entry in mapping:
        if entry.active:
            groups[entry.target_field or ""].append(entry)
    phones = any(
        module.has_field(target) and module.field(target).data_type is DataType.PHONE
        for target in groups
    )
    hints = row_hints(raw, mapping, date_orders, phones)
    out: dict[str, pd.Series] = {}
    attributes: dict[str, pd.Series] = {}
    for target, entries in groups.items():
        if target.startswith("attributes."):
            attributes[target[len("attributes.") :]] = norm.blank_to_none(
                raw[entries[0].source_column]
            )
            continue
        f = module.field(target)
        out[f.slug] = _field_values(f, raw, entries, options, hints)
    for name, value in options.static_values.items():
        if name.startswith("attributes."):
            attributes[name[len("attributes.") :]] = pd.Series(value, index=raw.index)
            continue
        out[name] = _static(module.field(name), out.get(name), value, raw.index, options)
    if module.has_field("domain") and "website" in out:
        domain = out["domain"] if "domain" in out else pd.Series(None, index=raw.index)
        out["domain"] = norm.normalize_domain(domain.astype(object), out["website"])
    if attributes:
        out["attributes"] = _json_objects(pd.DataFrame(attributes))
    return _cells_frame(out, raw.index)


def _cells_frame(columns: dict[str, pd.Series], index: pd.Index) -> pd.DataFrame:
    """The normalized frame on `index`: object columns, every missing value as None (built
    at once rather than a column at a time)."""
    data = {}
    for name, column in columns.items():
        values = norm.aligned(column, index).to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        data[name] = values
    return pd.DataFrame(data, index=index, columns=list(columns), dtype=object)


def _field_values(
    f: FieldDef,
    raw: pd.DataFrame,
    entries: list[ColumnMapping],
    options: ImportOptions,
    hints: RowHints | None = None,
) -> pd.Series:
    hints = hints or RowHints()
    columns = [raw[e.source_column] for e in entries]
    if f.data_type is DataType.ADDRESS:
        stripped = {e.address_part: norm.stripped_array(raw[e.source_column]) for e in entries}
        held = {part: column for part, column in stripped.items() if column is not None}
        if len(held) == len(stripped):
            return _json_object_texts(held, raw.index)
        parts = pd.DataFrame(
            {e.address_part: norm.blank_to_none(raw[e.source_column]) for e in entries}
        )
        return _json_objects(parts)
    if f.data_type is DataType.PHONE:
        return _phone_field(columns, [e.value_type for e in entries], options, hints.regions)
    if f.multi:
        seps = options.multi_value_separator
        email = f.data_type is DataType.EMAIL
        if len(columns) == 1 and (texts := norm.stripped_array(columns[0])) is not None:
            return _per_distinct(texts, columns[0], lambda d: _multi_values(d, seps, email))
        lists = []
        for column in columns:
            values = norm.split_multi(column, seps)
            if f.data_type is DataType.EMAIL:
                values = _per_element(values, norm.normalize_email)
            lists.append(values)
        return _join_multi(lists)
    column = columns[0]
    if f.data_type is DataType.EMAIL:
        return norm.normalize_email(column)
    if f.data_type is DataType.URL:
        return norm.normalize_url(column)
    if f.data_type is DataType.LINKEDIN_URL:
        return norm.normalize_linkedin_url(column)
    if f.data_type is DataType.DATETIME:
        return norm.normalize_datetime(
            column,
            options.date_format,
            _dayfirst(options, hints.date_orders.get(entries[0].source_column)),
            options.source_timezone,
        )
    if f.data_type is DataType.DOMAIN:
        return norm.normalize_domain(column)
    return norm.normalize_text(column)


def _dayfirst(options: ImportOptions, order: str | None) -> bool:
    """The `dayfirst` option when given, else the column's evidence (ambiguous: month first)."""
    return options.dayfirst if options.dayfirst is not None else order == DAY_FIRST


def _phone_field(
    columns: list[pd.Series],
    value_types: list[str | None],
    options: ImportOptions,
    regions: pd.Series | None = None,
) -> pd.Series:
    """The phones of a field's columns as `number PART_SEP type` strings joined by MULTI_SEP,
    in column order; a number already in an earlier column is not repeated (the first
    column's type wins). The numbers of all columns are read in one pass; numbers without
    `+` are read in their row's region (`regions`) or the default region."""
    numbers = _phone_numbers(columns, regions, options.default_region)
    encoded = [_typed(n, kind or "Other") for n, kind in zip(numbers, value_types, strict=True)]
    if (
        len(columns) > 1
        and all(n.index.is_unique for n in numbers)
        and _without_separators(numbers)
    ):
        return _first_of_each_number(numbers, encoded)
    encoded = [_joined_per_row(e, c.index) for e, c in zip(encoded, columns, strict=True)]
    return _combine_joined(encoded)


def _phone_numbers(
    columns: list[pd.Series], regions: pd.Series | None, default_region: str
) -> list[pd.Series]:
    """The numbers of each column's non-empty cells (a cell with `;` as one row per part,
    under the cell's index), read together in one `_numbers_by_region` pass; a column
    without phones keeps its index with None in every row."""
    parts = []
    for column in columns:
        texts = norm.stripped_array(column)
        if texts is None:
            present = norm.blank_to_none(column).dropna()
            several = present.str.contains(";", regex=False).any()
        else:
            filled = np.asarray(texts.is_valid(), dtype=bool)
            values = texts.filter(pa.array(filled)).to_numpy(zero_copy_only=False)
            present = pd.Series(values, index=column.index[filled], dtype=object)
            several = pc.any(pc.match_substring(texts, ";")).as_py()
        if several:
            present = norm.split_multi(present, ";").explode().dropna()
        parts.append(present)
    values = pd.concat(parts) if len(parts) > 1 else parts[0]
    if values.empty:
        return [pd.Series(None, index=column.index, dtype=object) for column in columns]
    numbers = _numbers_by_region(values, regions, default_region).to_numpy(dtype=object)
    ends = np.cumsum([len(p) for p in parts])
    found = [
        pd.Series(numbers[end - len(p) : end], index=p.index, dtype=object)
        for p, end in zip(parts, ends, strict=True)
    ]
    return [
        n if not n.index.is_unique else n.reindex(column.index)
        for n, column in zip(found, columns, strict=True)
    ]


def _typed(numbers: pd.Series, kind: str) -> pd.Series:
    """`number PART_SEP kind` of each number (None stays None)."""
    values = numbers.to_numpy(dtype=object, copy=True)
    filled = pd.notna(values)
    values[filled] = values[filled] + f"{PART_SEP}{kind}"
    return pd.Series(values, index=numbers.index, dtype=object)


def _joined_per_row(encoded: pd.Series, index: pd.Index) -> pd.Series:
    """A column's encoded phones, the parts of one cell joined by MULTI_SEP, on `index`."""
    if not encoded.index.is_unique:
        encoded = encoded.groupby(level=0).agg(MULTI_SEP.join)
    return encoded.reindex(index)


def _without_separators(numbers: list[pd.Series]) -> bool:
    """Whether no number holds a separator (`_union` would split it)."""
    for column in numbers:
        texts = arrow_texts(column.to_numpy(dtype=object))
        if texts is None or pc.any(pc.match_substring_regex(texts, _SEPARATORS)).as_py():
            return False
    return True


_SEPARATORS = f"[{MULTI_SEP}{PART_SEP}]"


def _first_of_each_number(numbers: list[pd.Series], encoded: list[pd.Series]) -> pd.Series:
    """`_combine_joined` of columns with one number per cell: each row's phones in column
    order, without a number an earlier column of the row has."""
    result = encoded[0].to_numpy(dtype=object, copy=True)
    seen = [numbers[0].to_numpy(dtype=object)]
    for number, cells in zip(numbers[1:], encoded[1:], strict=True):
        values = number.to_numpy(dtype=object)
        add = pd.notna(values)
        for earlier in seen:
            add &= values != earlier
        seen.append(values)
        texts = cells.to_numpy(dtype=object)
        first = add & pd.isna(result)
        result[first] = texts[first]
        more = np.flatnonzero(add & ~first)
        result[more] = [f"{a}{MULTI_SEP}{b}" for a, b in zip(result[more], texts[more])]
    return pd.Series(result, index=encoded[0].index, dtype=object)


def _numbers_by_region(
    present: pd.Series, regions: pd.Series | None, default_region: str
) -> pd.Series:
    """`phone_numbers` of each row's values in its region: a number without `+` in a row
    whose country names a region is read there (plain national numbers in Arrow for all
    regions at once, the rest once per distinct value and region); every other number, and
    one not possible in its row's region, is read in `default_region` in one call (a US
    number in a row of a Danish contact imports as before rather than being rejected)."""
    if regions is None:
        return norm.phone_numbers(present, default_region)
    values = present.to_numpy(dtype=object)
    texts = arrow_texts(values)  # the values are stripped texts when Arrow holds them
    if texts is None:
        return _numbers_by_region_per_value(present, regions, default_region)
    row_regions = regions.reindex(present.index).fillna(default_region).to_numpy(dtype=object)
    national = ~np.asarray(pc.fill_null(pc.starts_with(texts, "+"), False), dtype=bool)
    local = national & (row_regions != default_region)
    result = np.full(len(present), None, dtype=object)
    if local.any():
        result[local] = _in_regions(values[local], row_regions[local], _rows(texts, local))
    possible = np.zeros(len(present), dtype=bool)
    possible[local] = _plus_and_digits(result[local])
    rest = ~(local & possible)
    if rest.any():
        result[rest] = norm.stripped_phone_numbers(values[rest], _rows(texts, rest), default_region)
    return pd.Series(result, index=present.index, dtype=object, name=present.name)


def _rows(texts: pa.Array, mask: np.ndarray) -> pa.Array:
    return texts.filter(pa.array(mask))


def _in_regions(values: np.ndarray, regions: np.ndarray, texts: pa.Array) -> np.ndarray:
    """`phone_numbers` of each stripped value in its region; plain national numbers are
    settled in Arrow (`norm.national_numbers_by_region`), the others parsed once per
    distinct value."""
    numbers, settled = norm.national_numbers_by_region(values, regions, texts)
    for region in pd.unique(regions[~settled]):
        members = ~settled & (regions == region)
        numbers[members] = norm.stripped_phone_numbers(
            values[members], _rows(texts, members), str(region)
        )
    return numbers


def _numbers_by_region_per_value(
    present: pd.Series, regions: pd.Series, default_region: str
) -> pd.Series:
    """`_numbers_by_region` of cells Arrow cannot hold (typed cells, lone surrogates)."""
    row_regions = regions.reindex(present.index).fillna(default_region).to_numpy(dtype=object)
    plus = present.str.startswith("+").to_numpy(dtype=bool, na_value=False)
    local = ~plus & (row_regions != default_region)
    result = np.full(len(present), None, dtype=object)
    for region in pd.unique(row_regions[local]):
        members = local & (row_regions == region)
        result[members] = norm.phone_numbers(present[members], str(region)).to_numpy(object)
    possible = np.zeros(len(present), dtype=bool)
    possible[local] = _plus_and_digits(result[local])
    rest = ~(local & possible)
    if rest.any():
        result[rest] = norm.phone_numbers(present[rest], default_region).to_numpy(object)
    return pd.Series(result, index=present.index, dtype=object, name=present.name)


def _plus_and_digits(values: np.ndarray) -> np.ndarray:
    """Whether each value is `+` and ASCII digits (None: False)."""
    texts = arrow_texts(values)
    if texts is None:
        return pd.Series(values, dtype=object).str.match(_E164_TEXT, na=False).to_numpy(bool)
    return np.asarray(pc.fill_null(pc.match_substring_regex(texts, _E164_TEXT), False), bool)


def _combine_joined(columns: list[pd.Series]) -> pd.Series:
    """Row-wise union of MULTI_SEP-joined cells; a phone number seen in an earlier column is
    not repeated (the first column's type wins)."""
    result = columns[0]
    for column in columns[1:]:
        both = result.notna() & column.notna()
        result = result.where(result.notna(), column)
        if both.any():
            result[both] = [_union(a, b) for a, b in zip(result[both], column[both])]
    return result


def _union(first: str, second: str) -> str:
    seen = {item.split(PART_SEP)[0] for item in first.split(MULTI_SEP)}
    extra = [item for item in second.split(MULTI_SEP) if item.split(PART_SEP)[0] not in seen]
    return MULTI_SEP.join([first, *extra]) if extra else first


def _multi_values(cells: pd.Series, seps: str, email: bool) -> pd.Series:
    """A multi-value column's cells split, normalized and joined by MULTI_SEP."""
    values = norm.split_multi(cells, seps)
    if email:
        values = _per_element(values, norm.normalize_email)
    return _join_multi([values])


def _per_distinct(
    texts: pa.Array, like: pd.Series, convert: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """`convert` (a per-value function of a column) applied to the distinct texts only and
    spread over the rows; null stays None."""
    encoded = texts.dictionary_encode()
    distinct = pd.Series(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return norm.spread_distinct(encoded, convert(distinct).to_numpy(dtype=object), like)


def _per_element(lists: pd.Series, func: Any) -> pd.Series:
    exploded = lists.explode().dropna()
    if exploded.empty:
        return lists
    return func(exploded).groupby(level=0).agg(list).reindex(lists.index)


def _join_multi(lists: list[pd.Series]) -> pd.Series:
    combined = norm.combine_multi(lists) if len(lists) > 1 else lists[0]
    return combined.map(lambda v: MULTI_SEP.join(v) if isinstance(v, list) and v else None)


def _static(
    f: FieldDef, current: pd.Series | None, value: Any, index: pd.Index, options: ImportOptions
) -> pd.Series:
    """A static value applied to every row: replaces single values, adds to multi values."""
    constant = pd.Series(None if value is None else str(value), index=index, dtype=object)
    normalized = _field_values(
        f,
        pd.DataFrame({"_static": constant}),
        [ColumnMapping(source_column="_static", target_field=f.slug)],
        options,
    )
    if f.multi and current is not None:
        both = [
            s.map(lambda v: v.split(MULTI_SEP) if isinstance(v, str) else None)
            for s in (current, normalized)
        ]
        return _join_multi(both)
    return normalized


def _json_objects(parts: pd.DataFrame) -> pd.Series:
    """Each row's non-empty cells as a JSON object (None when all are empty), built with Arrow
    string kernels: a value without a character JSON escapes is quoted as it is, the others
    are JSON-encoded once per distinct value. A column of other cells (typed, or text Arrow
    cannot hold) takes `_json_objects_per_value`."""
    columns = {key: arrow_texts(parts[key].to_numpy(dtype=object)) for key in parts.columns}
    texts = {key: column for key, column in columns.items() if column is not None}
    if not columns or len(texts) < len(columns):
        return _json_objects_per_value(parts)
    return _json_object_texts(texts, parts.index)


def _json_object_texts(columns: dict[Any, pa.Array], index: pd.Index) -> pd.Series:
    """`_json_objects` of Arrow text columns (missing values null)."""
    # Each present value as `"key": value, ` (Arrow's join that skips nulls drops rows).
    pieces = [
        pc.fill_null(
            pc.binary_join_element_wise(
                f"{json.dumps(str(key))}: ", _json_strings(texts), ", ", ""
            ),
            "",
        )
        for key, texts in columns.items()
    ]
    joined = pc.binary_join_element_wise(*pieces, "")
    objects = pc.binary_join_element_wise("{", pc.utf8_slice_codeunits(joined, 0, -2), "}", "")
    objects = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), objects)
    return pd.Series(objects.to_numpy(zero_copy_only=False), index=index, dtype=object)


_JSON_ESCAPED = r'[\x00-\x1f"\\]'


def _json_strings(texts: pa.Array) -> pa.Array:
    """`json.dumps(text, ensure_ascii=False)` of each text (null stays null)."""
    quoted = pc.binary_join_element_wise('"', texts, '"', "")
    escaped = pc.fill_null(pc.match_substring_regex(texts, _JSON_ESCAPED), False)
    if not pc.any(escaped).as_py():
        return quoted
    values = texts.filter(escaped).to_pylist()
    encoded = {v: json.dumps(v, ensure_ascii=False) for v in set(values)}
    return pc.replace_with_mask(quoted, escaped, pa.array([encoded[v] for v in values]))


def _json_objects_per_value(parts: pd.DataFrame) -> pd.Series:
    """`_json_objects` with pandas string operations, values JSON-encoded once per distinct
    value."""
    result = pd.Series(None, index=parts.index, dtype=object)
    for key in parts.columns:
        column = parts[key]
        present = column.notna()
        if not present.any():
            continue
        distinct = column[present].unique()
        encoded = dict(zip(distinct, (json.dumps(str(v), ensure_ascii=False) for v in distinct)))
        piece = json.dumps(str(key)) + ": " + column[present].map(encoded)
        joined = result[present].where(result[present].isna(), result[present] + ", ")
        result[present] = joined.fillna("") + piece
    return ("{" + result + "}").where(result.notna(), None)


def launchpad_yaml(
    org: str, module: str, file_name: str, options: dict[str, Any], mapping: list[dict[str, Any]]
) -> str:
    """The import's run config with the mapping it applied, as YAML to paste into the Dagster
    Launchpad: the same file and non-default options, and every applied column entry, so
    changing one column's mapping is editing one line."""
    defaults = ImportOptions().model_dump(mode="json", exclude_none=True)
    given = ImportOptions.model_validate(options).model_dump(mode="json", exclude_none=True)
    changed = {k: v for k, v in given.items() if defaults.get(k) != v and k != "column_mapping"}
    entries = [
        ColumnMapping.model_validate(e).model_dump(mode="json", exclude_defaults=True)
        for e in mapping
    ]
    config: dict[str, Any] = {"org": org, "module": module, "file_name": file_name}
    config["options"] = {"column_mapping": entries, **changed}
    return yaml.safe_dump({"ops": {"parse_file": {"config": config}}}, sort_keys=False)
