"""Recurring exports: read and check `exports.yaml` (path from EXPORTS_CONFIG), one entry per
named export with its cron, time zone, org, module, options and destination."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipelines.errors import InputRejected, one_line
from pipelines.exports.steps import prepare

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRY_KEYS = ("name", "cron", "timezone", "org", "module", "destination", "description", "enabled")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class RecurringExport:
    """One checked entry of exports.yaml; `options` are export options (SPEC §6)."""

    name: str
    cron: str
    timezone: str
    org: str
    module: str
    options: dict[str, Any]
    destination: str = ""
    description: str = ""
    enabled: bool = True


def exports_config_path() -> Path:
    return Path(os.environ.get("EXPORTS_CONFIG") or REPO_ROOT / "exports.yaml")


def load_recurring_exports(path: Path | None = None) -> list[RecurringExport]:
    """The entries of exports.yaml; a missing default file means none. Any problem raises
    InputRejected naming the file, the entry and what is wrong."""
    path = path or exports_config_path()
    if not path.is_file():
        if path == REPO_ROOT / "exports.yaml" and not os.environ.get("EXPORTS_CONFIG"):
            return []
        raise InputRejected(f"Recurring exports file {path} (EXPORTS_CONFIG) does not exist.")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputRejected(f"{path.name} is not valid YAML: {one_line(exc)}") from None
    entries = (loaded or {}).get("exports") if isinstance(loaded, dict) else loaded
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InputRejected(f"{path.name}: `exports` must be a list of named exports.")
    exports: list[RecurringExport] = []
    for number, entry in enumerate(entries, start=1):
        label = entry.get("name") if isinstance(entry, dict) else None
        where = f"{path.name} entry {number}" + (f" ({label!r})" if label else "")
        try:
            exports.append(parse_entry(entry))
        except InputRejected as exc:
            raise InputRejected(f"{where}: {exc}") from None
    names = [e.name for e in exports]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputRejected(f"{path.name}: export names must be unique: {', '.join(duplicates)}.")
    return exports


def parse_entry(entry: Any) -> RecurringExport:
    """One entry: `name`, `cron`, `org`, `module` required; `timezone` (default UTC),
    `destination`, `description`, `enabled`; every other key, and the keys of `options`, are
    export options (format, columns, column_labels, filters, sort_field, ...)."""
    if not isinstance(entry, dict):
        raise InputRejected("each export must be a mapping with name, cron, org and module")
    missing = [k for k in ("name", "cron", "org", "module") if not entry.get(k)]
    if missing:
        raise InputRejected(f"missing {', '.join(missing)}")
    name = str(entry["name"])
    if not _NAME.fullmatch(name):
        raise InputRejected(
            f"name {name!r} must start with a letter and hold only letters, digits and _"
        )
    timezone = str(entry.get("timezone") or "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputRejected(f"timezone {timezone!r} is not an IANA time zone") from None
    options = dict(entry.get("options") or {})
    options.update({k: v for k, v in entry.items() if k not in (*ENTRY_KEYS, "options")})
    checked = prepare(str(entry["org"]), str(entry["module"]), options)
    return RecurringExport(
        name=name,
        cron=str(entry["cron"]).strip(),
        timezone=timezone,
        org=str(entry["org"]),
        module=str(entry["module"]),
        options=checked.model_dump(mode="json", exclude_defaults=True),
        destination=str(entry.get("destination") or ""),
        description=str(entry.get("description") or ""),
        enabled=bool(entry.get("enabled", True)),
    )
