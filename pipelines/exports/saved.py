"""Saved exports, from both sources: rows of `export_schedules` (added with `contactflow
schedules add`) and entries of exports.yaml. Lists them with their next run and problem, finds
one by name (`export --saved`), and picks the table's schedules due at a given time (the
sensor). A bad entry is reported with its problem and skipped, never fatal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipelines.errors import InputRejected
from pipelines.exports import schedulestore
from pipelines.exports.cron import latest_tick, next_tick
from pipelines.exports.recurring import (
    EntryProblem,
    RecurringExport,
    check_export,
    load_recurring_exports,
)

TABLE = "table"
YAML = "exports.yaml"


@dataclass(frozen=True)
class DueExport:
    """A saved export whose cron tick `tick` has come and not fired yet."""

    export: RecurringExport
    tick: datetime

    @property
    def run_key(self) -> str:
        return f"{self.export.name}@{self.tick.astimezone(UTC).isoformat()}"


@dataclass
class DueExports:
    due: list[DueExport] = field(default_factory=list)
    problems: list[EntryProblem] = field(default_factory=list)


def now() -> datetime:
    """The sensor's clock (tests freeze it)."""
    return datetime.now(UTC)


def row_export(row: dict[str, Any]) -> RecurringExport:
    """A table row checked again as `schedules add` checked it (a module or option that has
    changed since makes it a problem, not a crash)."""
    options = {**row["options"], "format": row["format"]}
    return check_export(
        row["name"], row["cron"], row["timezone"], row["org"], row["module"], options
    )


def due_exports(engine: sa.Engine, at: datetime) -> DueExports:
    """The active schedules of the table whose newest cron tick at `at` (in their time zone)
    is later than the last tick they fired and than their last change (added, resumed): each
    tick fires once, and ticks missed while paused are not made up."""
    found = DueExports()
    for row in schedulestore.list_schedules(engine, status="active"):
        try:
            export = row_export(row)
        except InputRejected as exc:
            found.problems.append(EntryProblem(row["name"], str(exc)))
            continue
        tick = latest_tick(export.cron, export.timezone, at)
        since = max(t for t in (row["last_tick_at"], row["updated_at"]) if t is not None)
        if tick > since:
            found.due.append(DueExport(export, tick))
    return found


def find_saved(engine: sa.Engine, name: str, path: Path | None = None) -> RecurringExport:
    """The saved export called `name`: the table's first, then exports.yaml's."""
    row = schedulestore.get_schedule(engine, name)
    if row is not None:
        return row_export(row)
    recurring = load_recurring_exports(path)
    for export in recurring.exports:
        if export.name == name:
            return export
    for problem in recurring.problems:
        if problem.name == name:
            raise InputRejected(f"Saved export {name!r} in {YAML} is unusable: {problem.problem}")
    raise InputRejected(f"No saved export {name!r} (see `contactflow schedules list`).")


def list_saved(engine: sa.Engine, at: datetime, path: Path | None = None) -> list[dict[str, Any]]:
    """Every saved export: the table's, then exports.yaml's (bad entries with their problem)."""
    listed = [table_entry(row, at) for row in schedulestore.list_schedules(engine)]
    recurring = load_recurring_exports(path)
    for export in recurring.exports:
        listed.append(entry(export, YAML, "active" if export.enabled else "paused", at))
    for problem in recurring.problems:
        listed.append(_problem_entry(problem.name, YAML, problem.problem, problem.given))
    return listed


def table_entry(row: dict[str, Any], at: datetime) -> dict[str, Any]:
    """One row of the table as `schedules` commands print it."""
    try:
        export = row_export(row)
    except InputRejected as exc:
        given = {k: row[k] for k in ("cron", "timezone", "org", "module", "format")}
        return _problem_entry(row["name"], TABLE, str(exc), given)
    return entry(export, TABLE, row["status"], at)


def entry(export: RecurringExport, source: str, status: str, at: datetime) -> dict[str, Any]:
    upcoming = next_tick(export.cron, export.timezone, at) if status == "active" else None
    return {
        "name": export.name,
        "source": source,
        "cron": export.cron,
        "timezone": export.timezone,
        "org": export.org,
        "module": export.module,
        "format": export.format,
        "status": status,
        "next_run": upcoming.isoformat() if upcoming else None,
        "problem": None,
    }


def _problem_entry(name: str, source: str, problem: str, given: dict[str, str]) -> dict[str, Any]:
    """A disabled entry: its problem, and what it says of its schedule where it says it."""
    keys = ("cron", "timezone", "org", "module", "format")
    return {
        "name": name,
        "source": source,
        **{key: given.get(key) for key in keys},
        "status": "disabled",
        "next_run": None,
        "problem": problem,
    }


def add_saved(
    engine: sa.Engine,
    name: str,
    cron: str,
    timezone: str,
    org: str,
    module: str,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Check a new schedule as exports.yaml entries are checked and store it, active; a name
    exports.yaml uses is refused too (`export --saved NAME` must mean one export)."""
    try:
        export = check_export(name, cron, timezone, org, module, options)
    except InputRejected as exc:
        raise InputRejected(f"Schedule {name!r}: {exc}") from None
    if name in _yaml_names():
        raise InputRejected(f"A schedule named {name!r} is in {YAML} already; pick another name.")
    return table_entry(schedulestore.add_schedule(engine, export), now())


def set_saved_status(engine: sa.Engine, name: str, status: str) -> dict[str, Any]:
    """Pause or resume a schedule of the table (exports.yaml's are changed in the file)."""
    _refuse_yaml(engine, name, "pause or resume")
    return table_entry(schedulestore.set_status(engine, name, status), now())


def remove_saved(engine: sa.Engine, name: str) -> dict[str, Any]:
    _refuse_yaml(engine, name, "remove")
    removed = table_entry(schedulestore.remove_schedule(engine, name), now())
    return {**removed, "status": "removed", "next_run": None}


def _yaml_names() -> set[str]:
    recurring = load_recurring_exports()
    return {e.name for e in recurring.exports} | {p.name for p in recurring.problems}


def _refuse_yaml(engine: sa.Engine, name: str, verb: str) -> None:
    """A name only exports.yaml has is changed in that file, not here."""
    if schedulestore.get_schedule(engine, name) is None and name in _yaml_names():
        raise InputRejected(
            f"Schedule {name!r} comes from {YAML}: {verb} it there (enabled: true/false) or in "
            "the Dagster UI."
        )
