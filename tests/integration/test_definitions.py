"""The code location loads: Definitions validate through Dagster's own CLI and in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.definitions import defs

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
