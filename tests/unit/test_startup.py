"""What the CLI's start-up relies on: the migration head constant, the resources the CLI binds
to jobs, and which modules each path imports."""

from __future__ import annotations

import json

import pytest

from tests.unit.fresh_python import last_line

# Heavy packages and the parts of the code location a path must not load.
WATCHED = (
    "alembic",
    "boto3",
    "botocore",
    "dagster",
    "openpyxl",
    "pandas",
    "PIL",
    "pipelines.definitions",
    "pipelines.exports",
    "python_calamine",
    "reportlab",
)


def _loaded_after(statement: str, watched: tuple[str, ...] = WATCHED) -> set[str]:
    """The `watched` modules present in sys.modules after running `statement` in a fresh
    interpreter (a subprocess, so this test's own imports do not count)."""
    code = (
        f"import sys\n{statement}\n"
        f"import json; print(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))"
    )
    return set(json.loads(last_line(code)))


def test_head_revision_constant_is_alembics_head() -> None:
    from migrations import HEAD_REVISION, head_revision

    assert head_revision() == HEAD_REVISION, (
        "migrations.HEAD_REVISION is stale: set it to the newest revision in migrations/versions"
    )


def test_cli_module_imports_only_the_standard_library() -> None:
    assert _loaded_after("import pipelines.cli", (*WATCHED, "sqlalchemy", "psycopg")) == set()


def test_database_helpers_do_not_import_dagster_or_alembic() -> None:
    """What `contactflow jobs` / `job` import: the URL, the engine, the job store."""
    statement = "import resources.postgres, pipelines.imports.jobstore, migrations"
    assert _loaded_after(statement) == set()


def test_import_path_does_not_load_exports_or_the_code_location() -> None:
    loaded = _loaded_after(
        "import pipelines.imports.service, pipelines.imports.jobs, pipelines.instance"
    )
    assert "dagster" in loaded and "pandas" in loaded
    assert not loaded & {
        "boto3",
        "botocore",
        "openpyxl",
        "PIL",
        "pipelines.definitions",
        "pipelines.exports",
        "python_calamine",
        "reportlab",
    }


@pytest.mark.parametrize("name", ["import_file", "rollback_import", "export_records"])
def test_cli_runs_the_same_job_as_the_code_location(name: str) -> None:
    """The CLI runs a job with `resources=RESOURCES` instead of through Definitions; the run's
    job snapshot (what the UI shows and re-executes) must be the same."""
    from dagster._core.execution.with_resources import wrap_resources_for_execution

    from pipelines.definitions import defs
    from pipelines.exports.jobs import export_records
    from pipelines.imports.jobs import import_file, rollback_import
    from pipelines.instance import RESOURCES

    job = {"import_file": import_file, "rollback_import": rollback_import}.get(name, export_records)
    via_definitions = defs.get_job_def(name).as_ephemeral_job(resource_defs={}, input_values={})
    via_cli = job.as_ephemeral_job(
        resource_defs=wrap_resources_for_execution(RESOURCES), input_values={}
    )
    assert via_cli.get_job_snapshot_id() == via_definitions.get_job_snapshot_id()
