"""The Dagster instance the CLI and `./dev ui` share: DAGSTER_HOME, default
``<CONTACTFLOW_HOME>/dagster``, holding a link to the repository's dagster.yaml."""

from __future__ import annotations

import fcntl
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
    """The instance, its storages created under a file lock: two CLI processes starting at
    once on a fresh DAGSTER_HOME would otherwise race creating the SQLite schemas."""
    home = ensure_dagster_home()
    with open(home / ".contactflow.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)
        instance.get_dynamic_partitions("import_files")
        instance.all_instigator_state()
    return instance
