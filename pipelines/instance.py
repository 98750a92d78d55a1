"""The Dagster instance the CLI and `./dev ui` share: DAGSTER_HOME, default
``<CONTACTFLOW_HOME>/dagster``, holding a link to the repository's dagster.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from resources.embedded_postgres import contactflow_home

REPO_ROOT = Path(__file__).resolve().parent.parent


def ensure_dagster_home() -> Path:
    """Set DAGSTER_HOME when unset and make sure it holds the project's dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or contactflow_home() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and not config.is_symlink():
        config.symlink_to(REPO_ROOT / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance() -> dg.DagsterInstance:
    ensure_dagster_home()
    return dg.DagsterInstance.get()
