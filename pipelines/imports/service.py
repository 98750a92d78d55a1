"""What the CLI asks of imports, without Dagster: preview a file, assemble options, shape the
import result as SPEC §8 prints it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipelines.errors import InputRejected, one_line
from pipelines.imports.dates import evidence, is_date_field
from pipelines.imports.parse import ParseHints, SourceFile
from pipelines.imports.suggest import Suggestion, suggest_mapping
from schemas.modules import ModuleDef, get_module, referenced_modules
from schemas.options import ImportOptions, parse_options

IMPORT_RESULT_KEYS = (
    "import_job_id",
    "status",
    "action",
    "total_rows",
    "processed_rows",
    "created_rows",
    "updated_rows",
    "unchanged_rows",
    "skipped_rows",
    "deleted_rows",
    "error_rows",
    "warning_rows",
    "created_references",
    "errors",
    "errors_file",
    "plan_file",
    "reference_warnings",
    "warnings",
    "date_orders",
    "mapping_used",
)


def hints_from(options: ImportOptions) -> ParseHints:
    return ParseHints(
        encoding=options.encoding,
        delimiter=options.delimiter,
        header_row=options.header_row,
        sheet=options.sheet,
        max_file_mb=options.max_file_mb,
    )


def preview(path: Path, module_slug: str, options: ImportOptions) -> dict[str, Any]:
    """Detection results, up to 50 sample rows, suggestions and the module's target fields."""
    module = get_module(module_slug)
    source = SourceFile(path, hints_from(options))
    sample = source.sample(200)
    info = source.info
    rows = sample.head(50)
    suggestions = suggest_mapping(module, info.source_columns, sample)
    return {
        "file_name": info.file_name,
        "file_type": info.file_type,
        "encoding": info.encoding,
        "delimiter": info.delimiter,
        "header_row": info.header_row,
        "source_columns": info.source_columns,
        "total_rows": source.count_rows(),
        "sample_rows": [
            {c: v for c, v in zip(info.source_columns, values)}
            for values in rows.itertuples(index=False, name=None)
        ],
        **(
            {
                "encoding_warning": f"{info.invalid_bytes} bytes are not valid UTF-8 in a file "
                "that otherwise is: read as UTF-8; the rows holding them will be row errors"
            }
            if info.invalid_bytes
            else {}
        ),
        "suggestions": [s.as_dict() for s in suggestions],
        "date_orders": date_orders(module, sample, suggestions),
        "target_fields": [
            {
                "field": f.slug,
                "label": f.label,
                "data_type": f.data_type.value,
                "required": f.required,
            }
            for f in module.fields
        ],
    }


def date_orders(
    module: ModuleDef, sample: pd.DataFrame, suggestions: list[Suggestion]
) -> dict[str, str]:
    """The order of the numeric dates of each date-like column of the sample: suggested for a
    date field, or mostly numeric dates (the import decides from every row of the file)."""
    dated = {s.source_column for s in suggestions if is_date_field(module, s.target_field)}
    found = {column: evidence(sample[column]) for column in sample.columns}
    return {
        column: str(seen.order)
        for column, seen in found.items()
        if seen.order and (column in dated or seen.date_like)
    }


def read_options_file(path: Path) -> dict[str, Any]:
    """A `--mapping` file: YAML or JSON holding `column_mapping` and any other option."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputRejected(f"Mapping file not found: {path}.") from None
    except yaml.YAMLError as exc:
        raise InputRejected(
            f"Mapping file {path.name} is not valid YAML or JSON: {one_line(exc)}."
        ) from None
    if isinstance(loaded, list):
        return {"column_mapping": loaded}
    if not isinstance(loaded, dict):
        raise InputRejected(f"Mapping file {path.name} must hold an object with column_mapping.")
    return loaded


def build_options(base: dict[str, Any], overrides: dict[str, Any]) -> ImportOptions:
    merged = {**base, **{k: v for k, v in overrides.items() if v is not None}}
    return parse_options(merged)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_result(job: dict[str, Any], summary: dict[str, Any] | None) -> dict[str, Any]:
    """The `contactflow import --json` object, from the job row and the run's summary."""
    summary = summary or {}
    result = {key: job.get(key) for key in IMPORT_RESULT_KEYS}
    result["import_job_id"] = job["id"]
    result["errors"] = summary.get("errors", [])
    result["mapping_used"] = summary.get("mapping_used", [])
    result["reference_warnings"] = job.get("reference_warnings") or []
    result["warning_rows"] = job.get("warning_rows") or 0
    result["warnings"] = job.get("warnings") or []
    result["date_orders"] = summary.get("date_orders", {})
    result["created_references"] = job.get("created_references") or dict.fromkeys(
        referenced_modules(), 0
    )
    if not job.get("validate_only"):
        result.pop("plan_file")
    return result
