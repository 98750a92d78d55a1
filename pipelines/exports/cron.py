"""The one adapter over Dagster's cron parser (the parser the daemon uses for every schedule):
is a cron string valid, and its latest and next tick in a time zone. Dagster has no public
cron API, so its utility module is imported here and nowhere else."""

from __future__ import annotations

from datetime import datetime


def cron_problem(cron: str) -> str | None:
    """Why `cron` is not a schedule Dagster accepts, or None."""
    from dagster._utils.schedules import is_valid_cron_string

    if not is_valid_cron_string(cron):
        return (
            f"cron {cron!r} is not a valid cron schedule (five fields: minute hour day month "
            "weekday, e.g. '0 7 * * 1', or @hourly/@daily/@weekly/@monthly)"
        )
    return None


def latest_tick(cron: str, timezone: str, at: datetime) -> datetime:
    """The newest tick of `cron` in `timezone` at or before `at`."""
    from dagster._utils.schedules import reverse_cron_string_iterator

    return next(reverse_cron_string_iterator(at.timestamp(), cron, timezone))


def next_tick(cron: str, timezone: str, after: datetime) -> datetime:
    """The first tick of `cron` in `timezone` strictly after `after`."""
    from dagster._utils.schedules import cron_string_iterator

    for tick in cron_string_iterator(after.timestamp(), cron, timezone):
        if tick > after:
            return tick
    raise ValueError(f"cron {cron!r} has no tick after {after}")  # pragma: no cover
