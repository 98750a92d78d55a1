"""Recurring exports: schedules built from exports.yaml (the shipped sample and test files),
evaluated with build_schedule_context and executed in process; an invalid entry is disabled
with its name and problem while the good ones, and the code location, still load."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import openpyxl
import pytest
import sqlalchemy as sa
import yaml

from pipelines.exports.recurring import load_recurring_exports
from pipelines.exports.schedules import export_schedules
from tests.integration.export_data import local_path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_sample_exports_yaml_builds_a_running_weekly_schedule() -> None:
    from pipelines.definitions import defs

    (schedule,) = export_schedules(REPO_ROOT / "exports.yaml")
    assert schedule.name == "weekly_vip_contacts_export_schedule"
    assert schedule.job_name == "export_records"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "0 7 * * 1"
    assert schedule.execution_timezone == "Europe/Berlin"
    repository = defs.get_repository_def()
    assert repository.get_schedule_def(schedule.name).name == schedule.name
    cleanup = repository.get_schedule_def("cleanup_schedule")
    assert cleanup.default_status == dg.DefaultScheduleStatus.RUNNING
    assert cleanup.job_name == "cleanup"
    config = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 5, 7))
    (request,) = schedule.evaluate_tick(config).run_requests or []
    render = request.run_config["ops"]["render_export"]["config"]
    assert render["org"] == "demo" and render["module"] == "contacts"
    assert render["options"]["format"] == "xlsx"
    assert render["options"]["filters"] == {"group": "VIP"}


def test_export_schedules_run_recurring_exports(
    env_db: str, imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    from pipelines.definitions import defs

    imp(
        "Email,First Name,Groups\nann@example.com,Ann,VIP\nbob@example.com,Bob,\n"
        "cat@example.com,Cat,vip\n",
        "--create-missing-references",
        org="demo",
    )
    config = tmp_path / "exports.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "exports": [
                    {
                        "name": "weekly_vip",
                        "cron": "0 7 * * 1",
                        "timezone": "Europe/Berlin",
                        "org": "demo",
                        "module": "contacts",
                        "format": "xlsx",
                        "filters": {"group": "VIP"},
                        "columns": ["email", "first_name", "groups"],
                        "options": {"title": "VIP"},
                    },
                    {
                        "name": "daily_all_csv",
                        "cron": "@daily",
                        "org": "demo",
                        "module": "contacts",
                        "columns": "email",
                        "destination": str(tmp_path / "dropbox"),
                        "bom": True,
                        "enabled": False,
                    },
                ]
            }
        )
    )
    weekly, daily = export_schedules(config)
    assert daily.default_status == dg.DefaultScheduleStatus.STOPPED
    when = datetime(2026, 1, 5, 7, tzinfo=ZoneInfo("Europe/Berlin"))
    job = defs.get_job_def("export_records")
    instance = dg.DagsterInstance.ephemeral()
    results = []
    for schedule in (weekly, daily):
        context = dg.build_schedule_context(scheduled_execution_time=when)
        (request,) = schedule.evaluate_tick(context).run_requests or []
        result = job.execute_in_process(
            run_config=request.run_config, tags=request.tags, instance=instance
        )
        assert result.success
        results.append(result)
    weekly_out = results[0].output_for_node("publish_export")
    assert weekly_out["row_count"] == 2
    sheet = openpyxl.load_workbook(local_path(weekly_out["file"])).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == [
        "Email",
        "ann@example.com",
        "cat@example.com",
    ]
    assert local_path(weekly_out["file"]).name.startswith("weekly_vip-")
    daily_out = results[1].output_for_node("publish_export")
    dropped = local_path(daily_out["file"])
    assert dropped.is_relative_to(tmp_path / "dropbox" / "demo" / "exports")
    assert dropped.read_bytes().startswith(b"\xef\xbb\xbfEmail\n")
    with engine.connect() as conn:
        jobs = conn.execute(
            sa.text("SELECT name, status, format, run_id FROM export_jobs ORDER BY id")
        ).all()
    assert [(j.name, j.status, j.format) for j in jobs] == [
        ("weekly_vip", "completed", "xlsx"),
        ("daily_all_csv", "completed", "csv"),
    ]
    assert jobs[0].run_id == results[0].run_id
    metadata = {}
    for event in results[0].all_events:
        if event.is_successful_output and event.step_key == "render_export":
            metadata = event.step_output_data.metadata
    assert metadata["row_count"].value == 2
    assert "ann@example.com" in metadata["preview"].value


ENTRY = {"name": "ok", "cron": "0 7 * * 1", "org": "demo", "module": "contacts"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cron": "every monday"}, "cron 'every monday' is not a valid cron"),
        ({"timezone": "Mars/Olympus"}, "timezone 'Mars/Olympus' is not an IANA"),
        ({"module": "people"}, "Unknown module 'people'"),
        ({"columns": ["email", "shoe_size"]}, "Column 'shoe_size' is not a contacts"),
        ({"format": "docx"}, "Invalid export options: format"),
        ({"colour": "red"}, "Invalid export options: colour: Extra inputs"),
        ({"org": None}, "missing org"),
        ({"name": "bad name"}, "name 'bad name' must start"),
        ({"filters": {"where": {"nickname": "x"}}}, "Column 'nickname'"),
    ],
)
def test_export_schedules_disable_only_an_invalid_entry(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    config = tmp_path / "exports.yaml"
    bad = {**ENTRY, "name": "bad", **changes}
    config.write_text(yaml.safe_dump({"exports": [ENTRY, bad]}))
    (schedule,) = export_schedules(config)
    assert schedule.name == "ok_export_schedule"
    (problem,) = load_recurring_exports(config).problems
    assert problem.name == bad["name"]
    assert problem.given.get("org") == bad["org"] and problem.given["timezone"]
    assert message in problem.problem


def test_export_schedules_report_duplicate_names_and_unreadable_files(tmp_path: Path) -> None:
    config = tmp_path / "exports.yaml"
    config.write_text(yaml.safe_dump({"exports": [ENTRY, {**ENTRY, "org": "other"}]}))
    (schedule,) = export_schedules(config)
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 5, 7))
    (request,) = schedule.evaluate_tick(context).run_requests or []
    assert request.run_config["ops"]["render_export"]["config"]["org"] == "demo"
    (duplicate,) = load_recurring_exports(config).problems
    assert (duplicate.name, duplicate.problem) == ("ok", "an earlier entry has the same name")
    missing = load_recurring_exports(tmp_path / "missing.yaml")
    assert missing.exports == [] and "does not exist" in missing.problems[0].problem
    config.write_text("exports: [name: {")
    (unreadable,) = load_recurring_exports(config).problems
    assert unreadable.name == "exports.yaml" and "is not valid YAML" in unreadable.problem
    assert export_schedules(config) == []


def test_bad_exports_yaml_entry_keeps_the_code_location_loading(tmp_path: Path) -> None:
    """`phone` for `phones` once took every job, sensor and schedule out of the UI: now the
    code location validates with Dagster's own CLI and lists the good schedules."""
    config = tmp_path / "exports.yaml"
    entries = [
        {**ENTRY, "timezone": "Nowhere/Land"},
        {**ENTRY, "name": "typo", "columns": ["email", "phone"]},
        {**ENTRY, "name": "good"},
    ]
    config.write_text(yaml.safe_dump({"exports": entries}))
    env = {**os.environ, "EXPORTS_CONFIG": str(config), "DAGSTER_HOME": str(tmp_path)}
    dagster = str(Path(sys.executable).parent / "dagster")
    validated = subprocess.run(
        [dagster, "definitions", "validate", "-w", "workspace.yaml"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
    )
    output = validated.stdout + validated.stderr
    assert validated.returncode == 0, output
    assert "Validation successful for code location contactflow" in output
    listing = (
        "from pipelines.definitions import defs\n"
        "repo = defs.get_repository_def()\n"
        "print(sorted(s.name for s in repo.schedule_defs))\n"
        "print(sorted(s.name for s in repo.sensor_defs))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", listing],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    schedules, sensors = loaded.stdout.splitlines()[-2:]
    assert schedules == "['cleanup_schedule', 'good_export_schedule']"
    assert "export_schedules_sensor" in sensors
    assert "'ok' is disabled: timezone 'Nowhere/Land' is not an IANA" in loaded.stderr
    assert "'typo' is disabled: Column 'phone'" in loaded.stderr
