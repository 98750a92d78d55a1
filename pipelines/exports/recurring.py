"""Recurring exports: read and check `exports.yaml` (path from EXPORTS_CONFIG), one entry per
named export with its cron, time zone, org, module, options and destination. A bad entry (or a
bad file) is reported as a problem with its name and never stops the good entries."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipelines.errors import InputRejected, one_line
from pipelines.exports.cron import cron_problem
from pipelines.exports.steps import prepare

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRY_KEYS = ("name", "cron", "timezone", "org", "module", "destination", "description", "enabled")
MAX_NAME = 64
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class RecurringExport:
    """One checked recurring export (an exports.yaml entry or a row of export_schedules);
    `options` are export options (SPEC §6), `format` among them."""

    name: str
    cron: str
    timezone: str
    org: str
    module: str
    options: dict[str, Any]
    destination: str = ""
    description: str = ""
    enabled: bool = True

    @property
    def format(self) -> str:
        return str(self.options.get("format", "csv"))


@dataclass(frozen=True)
class EntryProblem:
    """An entry that cannot run: its name (or `entry N` without one), what is wrong, and what
    it says of its schedule (`cron`, `timezone`, `org`, `module`, `format`) as text."""

    name: str
    problem: str
    given: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecurringExports:
    """What exports.yaml holds: the good entries, and a problem for each bad one."""

    exports: list[RecurringExport] = field(default_factory=list)
    problems: list[EntryProblem] = field(default_factory=list)


def exports_config_path() -> Path:
    return Path(os.environ.get("EXPORTS_CONFIG") or REPO_ROOT / "exports.yaml")


def load_recurring_exports(path: Path | None = None) -> RecurringExports:
    """The entries of exports.yaml; a missing default file means none. A file that cannot be
    read is one problem named after the file; a bad entry is a problem named after the entry."""
    path = path or exports_config_path()
    try:
        entries = _read_entries(path)
    except InputRejected as exc:
        return RecurringExports(problems=[EntryProblem(path.name, str(exc))])
    found = RecurringExports()
    for number, entry in enumerate(entries, start=1):
        given = _given(entry)
        name = given.pop("name", "") or f"entry {number}"
        try:
            export = parse_entry(entry)
        except InputRejected as exc:
            found.problems.append(EntryProblem(name, str(exc), given))
            continue
        if any(e.name == export.name for e in found.exports):
            found.problems.append(EntryProblem(name, "an earlier entry has the same name", given))
            continue
        found.exports.append(export)
    return found


def _given(entry: Any) -> dict[str, str]:
    """What a (possibly bad) entry says of its name and schedule, as text."""
    if not isinstance(entry, dict):
        return {}
    keys = ("name", "cron", "timezone", "org", "module", "format")
    given = {k: str(entry[k]) for k in keys if entry.get(k) not in (None, "")}
    return {"timezone": "UTC", **given}


def _read_entries(path: Path) -> list[Any]:
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
    return entries


def parse_entry(entry: Any) -> RecurringExport:
    """One entry: `name`, `cron`, `org`, `module` required; `timezone` (default UTC),
    `destination`, `description`, `enabled`; every other key, and the keys of `options`, are
    export options (format, columns, column_labels, filters, sort_field, ...)."""
    if not isinstance(entry, dict):
        raise InputRejected("each export must be a mapping with name, cron, org and module")
    missing = [k for k in ("name", "cron", "org", "module") if not entry.get(k)]
    if missing:
        raise InputRejected(f"missing {', '.join(missing)}")
    options = dict(entry.get("options") or {})
    options.update({k: v for k, v in entry.items() if k not in (*ENTRY_KEYS, "options")})
    checked = check_export(
        str(entry["name"]),
        str(entry["cron"]),
        str(entry.get("timezone") or "UTC"),
        str(entry["org"]),
        str(entry["module"]),
        options,
    )
    return replace(
        checked,
        destination=str(entry.get("destination") or ""),
        description=str(entry.get("description") or ""),
        enabled=bool(entry.get("enabled", True)),
    )


def check_export(
    name: str, cron: str, timezone: str, org: str, module: str, options: dict[str, Any]
) -> RecurringExport:
    """The one check of a recurring export, from exports.yaml or `contactflow schedules add`:
    its name, cron (Dagster's parser), IANA time zone, org and module, and its options against
    the module (`steps.prepare`, as `contactflow export` checks them)."""
    check_schedule_name(name)
    cron = cron.strip()
    if problem := cron_problem(cron):
        raise InputRejected(problem)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputRejected(f"timezone {timezone!r} is not an IANA time zone") from None
    checked = prepare(org, module, options)
    return RecurringExport(
        name=name,
        cron=cron,
        timezone=timezone,
        org=org,
        module=module,
        options=checked.model_dump(mode="json", exclude_defaults=True),
    )


def check_schedule_name(name: str) -> str:
    if not _NAME.fullmatch(name) or len(name) > MAX_NAME:
        raise InputRejected(
            f"name {name[:80]!r} must start with a letter and hold only letters, digits and _ "
            f"(at most {MAX_NAME})"
        )
    return name
