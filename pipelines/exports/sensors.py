"""`export_schedules_sensor`: launches `export_records` for the saved schedules of the
`export_schedules` table whose cron tick has come, and reports the entries that cannot run."""

from __future__ import annotations

import dagster as dg

from pipelines.exports import saved, schedulestore
from pipelines.exports.jobs import EXPORT_NAME_TAG, export_records, export_run_config
from pipelines.exports.recurring import EntryProblem, load_recurring_exports
from resources.dagster_postgres import PostgresResource

SCHEDULE_TICK_TAG = "contactflow/schedule-tick"


def run_request_for(due: saved.DueExport) -> dg.RunRequest:
    """One run per schedule and tick: the run key makes a tick evaluated twice launch once."""
    export = due.export
    return dg.RunRequest(
        run_key=due.run_key,
        run_config=export_run_config(export.org, export.module, export.options, export.name),
        tags={EXPORT_NAME_TAG: export.name, SCHEDULE_TICK_TAG: due.tick.isoformat()},
    )


@dg.sensor(
    job=export_records,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 30 s: runs the saved exports of `contactflow schedules add` whose cron "
    "tick has come (once per tick; paused ones never), and logs every saved export, from the "
    "table or exports.yaml, that is disabled by a problem.",
)
def export_schedules_sensor(
    context: dg.SensorEvaluationContext, postgres: PostgresResource
) -> dg.SensorResult:
    engine = postgres.engine()
    found = saved.due_exports(engine, saved.now())
    problems = [*found.problems, *_yaml_problems()]
    for problem in problems:
        context.log.warning(f"saved export {problem.name!r} is disabled: {problem.problem}")
    if not found.due:
        return dg.SensorResult(skip_reason=_skip_reason(problems))
    schedulestore.mark_fired(engine, [(d.export.name, d.tick) for d in found.due])
    for due in found.due:
        context.log.info(f"{due.export.name}: tick {due.tick.isoformat()} -> export_records")
    return dg.SensorResult(run_requests=[run_request_for(d) for d in found.due])


def _yaml_problems() -> list[EntryProblem]:
    found = load_recurring_exports().problems
    return [EntryProblem(f"{saved.YAML}: {p.name}", p.problem) for p in found]


def _skip_reason(problems: list[EntryProblem]) -> str:
    if not problems:
        return "no saved export is due"
    listed = "; ".join(f"{p.name}: {p.problem}" for p in problems)
    return f"no saved export is due; disabled: {listed}"[:2000]
