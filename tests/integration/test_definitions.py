"""The code location loads: Definitions validate through Dagster's own CLI and in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs

CHECKS = {
    "references_resolved",
    "error_rows_within_budget",
    "unique_match_keys",
    "no_rejected_rows",
}
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_definitions_validate_with_dagster_cli(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful for code location contactflow" in result.stdout + result.stderr


def test_definitions_expose_resources() -> None:
    repo = defs.get_repository_def()
    assert {"postgres", "uploads", "exports"} <= set(repo.get_top_level_resources())


def test_definitions_declare_record_assets_lineage_and_checks() -> None:
    contacts_key = dg.AssetKey(["records", "contacts"])
    graph = defs.get_repository_def().asset_graph
    contacts = graph.get(contacts_key)
    assert contacts.parent_keys == {
        dg.AssetKey(["uploads", "contacts"]),
        dg.AssetKey(["records", "companies"]),
        dg.AssetKey(["records", "groups"]),
    }
    assert graph.get(dg.AssetKey(["exports", "contacts"])).parent_keys == {contacts_key}
    checks = {(key.asset_key, key.name) for key in graph.asset_check_keys}
    for module in ("contacts", "companies", "groups"):
        assert {(dg.AssetKey(["records", module]), name) for name in CHECKS} <= checks
    columns = {c.name: c.type for c in contacts.metadata["dagster/column_schema"].columns}
    assert columns["email"] == "text" and columns["company_id"] == "bigint"
