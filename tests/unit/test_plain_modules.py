"""Dagster stays at the edge: every module but the Dagster wiring imports with Dagster absent.

The plain modules are found on disk, so a new one is covered without editing this test; the
Dagster edge is listed by name, and each file on the list must really need Dagster (a file
that no longer does belongs with the plain modules)."""

from __future__ import annotations

import json

from tests.unit.fresh_python import REPO_ROOT, last_line

PACKAGES = ("pipelines", "resources", "schemas")

# Dagster wiring: ops, jobs, sensors, schedules, the code location, Dagster config and
# resources, the Dagster instance, the Celery executor, the shared op guard, the dead-run
# check that reads Dagster's event log, and the demo (it runs the jobs).
DAGSTER_EDGE = {
    "pipelines/assets.py",
    "pipelines/celery_app.py",
    "pipelines/definitions.py",
    "pipelines/demo.py",
    "pipelines/instance.py",
    "pipelines/ops.py",
    "pipelines/runner.py",
    "pipelines/exports/jobs.py",
    "pipelines/exports/ops.py",
    "pipelines/exports/schedules.py",
    "pipelines/exports/sensors.py",
    "pipelines/imports/config.py",
    "pipelines/imports/jobs.py",
    "pipelines/imports/ops.py",
    "pipelines/imports/sensors.py",
    "pipelines/maintenance/jobs.py",
    "pipelines/maintenance/liveness.py",
    "pipelines/maintenance/ops.py",
    "pipelines/maintenance/schedules.py",
    "pipelines/maintenance/sensors.py",
    "resources/dagster_postgres.py",
    "resources/dagster_storage.py",
    "resources/dagster_notify.py",
}

# Run in a fresh interpreter: a finder first on sys.meta_path refuses every dagster* package,
# as if Dagster were not installed. Prints {module: error or ""} for each module it is given.
PROBE = """
import importlib, json, sys

class NoDagster:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0].startswith("dagster"):
            raise ImportError(f"No module named {name!r} (Dagster is not installed)")
        return None

sys.meta_path.insert(0, NoDagster())
errors = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
        errors[name] = ""
    except ImportError as exc:
        errors[name] = str(exc)
print(json.dumps(errors))
"""


def _module(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _python_files() -> set[str]:
    return {
        str(path.relative_to(REPO_ROOT))
        for package in PACKAGES
        for path in (REPO_ROOT / package).rglob("*.py")
    }


def _import_without_dagster(paths: list[str]) -> dict[str, str]:
    return dict(json.loads(last_line(PROBE, json.dumps([_module(p) for p in paths]))))


def test_plain_modules_import_without_dagster() -> None:
    files = _python_files()
    plain = sorted(files - DAGSTER_EDGE)
    assert files >= DAGSTER_EDGE, f"listed but missing: {sorted(DAGSTER_EDGE - files)}"
    assert {
        "pipelines/cli.py",
        "pipelines/erase.py",
        "pipelines/erase_files.py",
        "pipelines/imports/steps.py",
        "pipelines/imports/uploads.py",
        "pipelines/exports/steps.py",
        "pipelines/maintenance/cleanup.py",
        "resources/storage.py",
        "resources/postgres.py",
        "schemas/modules.py",
    } <= set(plain)
    errors = _import_without_dagster(plain)
    assert {name: error for name, error in errors.items() if error} == {}
    assert len(errors) == len(plain)


def test_every_listed_edge_module_needs_dagster() -> None:
    errors = _import_without_dagster(sorted(DAGSTER_EDGE))
    assert sorted(name for name, error in errors.items() if "dagster" not in error) == []
