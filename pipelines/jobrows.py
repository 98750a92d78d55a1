"""Reading job rows (import and export jobs alike): JSON-ready dicts, the newest id, and the
first row created after an id (how the CLI's progress bar finds the job its command created)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa


def jsonable(row: Any) -> dict[str, Any]:
    """A row as a dict with timestamps as ISO 8601 strings, so it prints as JSON as it is."""
    return json.loads(json.dumps(dict(row), default=lambda v: v.isoformat()))


def newest_id(engine: sa.Engine, table: sa.Table) -> int:
    """The newest id of `table` (0 when it is empty): rows created later have larger ids."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0)


def first_after(
    engine: sa.Engine, table: sa.Table, after_id: int, **equal: Any
) -> dict[str, Any] | None:
    """The first row of `table` created after `after_id` whose columns equal `equal`."""
    query = (
        sa.select(table)
        .where(table.c.id > after_id, *(table.c[k] == v for k, v in equal.items()))
        .order_by(table.c.id)
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return jsonable(row) if row is not None else None
