"""The `export_schedules` table: add, read, pause/resume and remove saved recurring exports,
and record the cron tick the sensor fired."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from pipelines.errors import InputRejected
from pipelines.exports.recurring import RecurringExport
from schemas.tables import export_schedules

STATUSES = ("active", "paused")


def add_schedule(engine: sa.Engine, export: RecurringExport) -> dict[str, Any]:
    """Store a checked export as an active schedule; a taken name is refused."""
    values = {
        "name": export.name,
        "cron": export.cron,
        "timezone": export.timezone,
        "org": export.org,
        "module": export.module,
        "format": export.format,
        "options": export.options,
    }
    insert = export_schedules.insert().values(**values).returning(export_schedules)
    try:
        with engine.begin() as conn:
            return dict(conn.execute(insert).mappings().one())
    except sa.exc.IntegrityError:
        raise InputRejected(f"A schedule named {export.name!r} exists already.") from None


def get_schedule(engine: sa.Engine, name: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(export_schedules).where(export_schedules.c.name == name)
        ).mappings()
        found = row.first()
    return dict(found) if found is not None else None


def list_schedules(engine: sa.Engine, status: str | None = None) -> list[dict[str, Any]]:
    """Every saved schedule (or those with `status`), by name."""
    query = sa.select(export_schedules).order_by(export_schedules.c.name)
    if status is not None:
        query = query.where(export_schedules.c.status == status)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def set_status(engine: sa.Engine, name: str, status: str) -> dict[str, Any]:
    """Pause or resume; `updated_at` moves, so ticks missed while paused do not fire."""
    update = (
        export_schedules.update()
        .where(export_schedules.c.name == name)
        .values(status=status, updated_at=sa.func.now())
        .returning(export_schedules)
    )
    with engine.begin() as conn:
        row = conn.execute(update).mappings().first()
    if row is None:
        raise InputRejected(_not_found(name))
    return dict(row)


def remove_schedule(engine: sa.Engine, name: str) -> dict[str, Any]:
    delete = (
        export_schedules.delete().where(export_schedules.c.name == name).returning(export_schedules)
    )
    with engine.begin() as conn:
        row = conn.execute(delete).mappings().first()
    if row is None:
        raise InputRejected(_not_found(name))
    return dict(row)


def mark_fired(engine: sa.Engine, fired: list[tuple[str, datetime]]) -> None:
    """Record, in one transaction, the tick each named schedule has launched its run for."""
    with engine.begin() as conn:
        for name, tick in fired:
            conn.execute(
                export_schedules.update()
                .where(export_schedules.c.name == name)
                .values(last_tick_at=tick.astimezone(UTC))
            )


def _not_found(name: str) -> str:
    return f"No saved schedule {name!r} (see `contactflow schedules list`)."
