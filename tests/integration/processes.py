"""`contactflow import` in a child process, for tests that kill it, race it or give it
another environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def import_argv(path: Path, org: str, module: str, *flags: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "--json", "import", str(path), "--org", org,
            "--module", module, *flags]  # fmt: skip


def spawn_import(
    path: Path,
    *flags: str,
    org: str = "acme",
    module: str = "contacts",
    env: dict[str, str] | None = None,
    session: bool = False,
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        import_argv(path, org, module, *flags),
        cwd=REPO_ROOT,
        env=dict(os.environ) if env is None else env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=session,
    )
