"""The `cleanup` job (SPEC §7)."""

from __future__ import annotations

import dagster as dg

from pipelines.maintenance.ops import clean_up


@dg.job(
    description="Expire old exports, time out stuck imports, remove staging leftovers of "
    "finished runs and purge rollback history past its retention."
)
def cleanup() -> None:
    clean_up()
