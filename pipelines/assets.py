"""The record tables as declared Dagster assets (uploads -> records -> exports per module),
their checks, and the events the import and export ops report for them."""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import dagster as dg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from pipelines.imports import checks
from pipelines.imports.checks import CheckOutcome
from pipelines.imports.steps import ImportRun
from pipelines.links import file_link, link_metadata
from resources.dagster_postgres import PostgresResource
from schemas.modules import MODULES, ModuleDef
from schemas.tables import RECORD_TABLES

if TYPE_CHECKING:  # the import path does not load the export modules
    from pipelines.exports.steps import ExportRun

CHECK_DESCRIPTIONS = {
    checks.REFERENCES_RESOLVED: "Every company and group value of the last import named a "
    "record or was created (WARN: the unresolved values were left empty).",
    checks.ERROR_ROWS_WITHIN_BUDGET: "The last import's error rows are within its "
    "max_error_rows / max_error_ratio budget.",
    checks.UNIQUE_MATCH_KEYS: "No two records of one org share a value of a match key.",
    checks.NO_REJECTED_ROWS: "The last import wrote every row (WARN: rows were rejected, "
    "see its rejects file).",
}


def uploads_key(slug: str) -> dg.AssetKey:
    return dg.AssetKey(["uploads", slug])


def records_key(slug: str) -> dg.AssetKey:
    return dg.AssetKey(["records", slug])


def exports_key(slug: str) -> dg.AssetKey:
    return dg.AssetKey(["exports", slug])


def _column_schema(module: ModuleDef) -> dg.TableSchema:
    """The record table's columns (derived from the module), labelled with the field's name."""
    labels = {f.column: f.label for f in module.fields}
    dialect = postgresql.dialect()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                column.name,
                column.type.compile(dialect=dialect).lower(),
                description=labels.get(column.name),
                constraints=dg.TableColumnConstraints(
                    nullable=bool(column.nullable), unique=column.primary_key
                ),
            )
            for column in RECORD_TABLES[module.slug].columns
        ]
    )


def _records_spec(module: ModuleDef) -> dg.AssetSpec:
    references = sorted({f.reference for f in module.fields if f.reference})
    return dg.AssetSpec(
        records_key(module.slug),
        deps=[uploads_key(module.slug), *map(records_key, references)],
        description=f"{module.label} of every org in PostgreSQL table `{module.table}`, "
        "written by the import_file job (one materialization per import).",
        group_name="records",
        kinds={"postgres"},
        metadata={
            "dagster/column_schema": _column_schema(module),
            "dagster/table_name": module.table,
            "match_keys": ", ".join(checks.match_key_fields(module)),
        },
    )


def record_asset_specs() -> list[dg.AssetSpec]:
    """Per module: its uploaded files, its record table, its export files."""
    specs = []
    for module in MODULES.values():
        specs += [
            dg.AssetSpec(
                uploads_key(module.slug),
                description=f"{module.label} files dropped in the uploads storage "
                f"(`<org>/{module.slug}/`); each import_file run reads one.",
                group_name="uploads",
                kinds={"file"},
            ),
            _records_spec(module),
            dg.AssetSpec(
                exports_key(module.slug),
                deps=[records_key(module.slug)],
                description=f"{module.label} export files (CSV, XLSX, PDF) written by the "
                "export_records job.",
                group_name="exports",
                kinds={"file"},
            ),
        ]
    return specs


RECORD_CHECK_SPECS = [
    dg.AssetCheckSpec(name, asset=records_key(slug), description=description)
    for slug in MODULES
    for name, description in CHECK_DESCRIPTIONS.items()
]


def _severity(outcome: CheckOutcome) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.WARN if outcome.warn else dg.AssetCheckSeverity.ERROR


@dg.multi_asset_check(
    specs=RECORD_CHECK_SPECS,
    can_subset=True,
    description="On demand, over every org: shared match keys now, and each org's last "
    "import for the other three checks (every import also reports all four).",
)
def record_checks(
    context: dg.AssetCheckExecutionContext, postgres: PostgresResource
) -> Iterator[dg.AssetCheckResult]:
    selected = context.selected_asset_check_keys
    with postgres.engine().connect() as conn:
        for module in MODULES.values():
            key = records_key(module.slug)
            wanted = {c.name for c in selected if c.asset_key == key}
            if not wanted:
                continue
            outcomes = [*checks.latest_import_outcomes(conn, module)]
            if checks.UNIQUE_MATCH_KEYS in wanted:
                outcomes.append(checks.unique_match_keys(conn, module, None))
            for outcome in outcomes:
                if outcome.name in wanted:
                    yield dg.AssetCheckResult(
                        asset_key=key,
                        check_name=outcome.name,
                        passed=outcome.passed,
                        severity=_severity(outcome),
                        description=outcome.description,
                        metadata=outcome.metadata,
                    )


def report_import(
    context: dg.OpExecutionContext,
    engine: sa.Engine,
    run: ImportRun,
    summary: dict[str, Any],
    counts: dict[str, int],
) -> None:
    """The import's materialization of its module's records (with the org's row count now,
    the rejects file and the run), then the three checks evaluated for this import."""
    module, org = run.module, run.org
    with engine.connect() as conn:
        org_rows = checks.org_row_count(conn, module, org)
        written = counts.get("created_rows", 0) + counts.get("updated_rows", 0)
        probe = checks.probe_written_keys(written, org_rows)
        outcomes = [
            *checks.import_outcomes({**summary, **counts, "options": run.options}),
            checks.unique_match_keys(conn, module, org, run.job_id, probe),
        ]
    key = records_key(module.slug)
    context.log_event(
        dg.AssetMaterialization(
            asset_key=key,
            description=f"import job {run.job_id} ({run.file_name}) for org {org}",
            metadata={
                **counts,
                **_job_metadata(context, run),
                "org_row_count": org_rows,
                **_file_metadata("rejects_file", summary.get("errors_file"), "rejects", run.job_id),
                "job_command": f"contactflow job {run.job_id}",
            },
        )
    )
    for outcome in outcomes:  # log_event handles evaluations; its type hint omits them
        context.log_event(_evaluation(context, run, outcome))  # type: ignore[arg-type]


def budget_exceeded(
    context: dg.OpExecutionContext, run: ImportRun, error_rows: int, total_rows: int
) -> dg.AssetCheckEvaluation:
    """The failed error-budget check of an import that wrote nothing because of it."""
    outcome = checks.error_rows_within_budget(error_rows, total_rows, run.options)
    return _evaluation(context, run, outcome)


def _job_metadata(context: dg.OpExecutionContext, run: ImportRun) -> dict[str, Any]:
    return {
        "org": run.org,
        "import_job_id": run.job_id,
        "run": dg.MetadataValue.dagster_run(context.run_id),
    }


def _evaluation(
    context: dg.OpExecutionContext, run: ImportRun, outcome: CheckOutcome
) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=records_key(run.module_slug),
        check_name=outcome.name,
        passed=outcome.passed,
        severity=_severity(outcome),
        description=outcome.description,
        metadata={**_job_metadata(context, run), **_linked(outcome.metadata, run.job_id)},
    )


def _linked(metadata: dict[str, Any], job_id: int) -> dict[str, Any]:
    """A check's metadata with its rejects file as a link that opens, not a `file://` text."""
    if "rejects_file" not in metadata:
        return metadata
    rejects = _file_metadata("rejects_file", metadata["rejects_file"], "rejects", job_id)
    return {**metadata, **rejects}


def report_export(context: dg.OpExecutionContext, run: "ExportRun", result: dict[str, Any]) -> None:
    """The export's materialization of its module's export files."""
    context.log_event(
        dg.AssetMaterialization(
            asset_key=exports_key(run.module_slug),
            description=f"export job {run.job_id} for org {run.org}",
            metadata={
                "org": run.org,
                "export_job_id": run.job_id,
                "row_count": run.row_count,
                **_file_metadata("file", result.get("file"), "export", run.job_id),
            },
        )
    )


def _file_metadata(name: str, location: str | None, kind: str, job_id: int) -> dict[str, Any]:
    """A stored file as a link that opens (`pipelines.links`: pre-signed URL or local path,
    and the fetch command); null when there is none."""
    if not location:
        return {name: dg.MetadataValue.null()}
    return link_metadata(name, file_link(location, kind, job_id))
