"""Recurring exports: schedules built from exports.yaml (the shipped sample and test files),
evaluated with build_schedule_context and executed in process; invalid entries are reported
with the entry's name and the problem, also when the code location loads."""

from __future__ import annotations

import os
import re
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

from pipelines.errors import InputRejected
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
def test_export_schedules_reject_an_invalid_entry(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    config = tmp_path / "exports.yaml"
    bad = {**ENTRY, "name": "bad", **changes}
    config.write_text(yaml.safe_dump({"exports": [ENTRY, bad]}))
    with pytest.raises(InputRejected, match=re.escape(message)) as raised:
        export_schedules(config)
    assert f"'{bad['name']}'" in str(raised.value)


def test_export_schedules_reject_duplicate_names_and_missing_file(tmp_path: Path) -> None:
    config = tmp_path / "exports.yaml"
    config.write_text(yaml.safe_dump({"exports": [ENTRY, ENTRY]}))
    with pytest.raises(InputRejected, match="names must be unique: ok"):
        export_schedules(config)
    with pytest.raises(InputRejected, match="does not exist"):
        export_schedules(tmp_path / "missing.yaml")


def test_invalid_exports_yaml_fails_the_code_location_load(tmp_path: Path) -> None:
    config = tmp_path / "exports.yaml"
    config.write_text(yaml.safe_dump({"exports": [{**ENTRY, "timezone": "Nowhere/Land"}]}))
    env = {**os.environ, "EXPORTS_CONFIG": str(config), "DAGSTER_HOME": str(tmp_path)}
    loaded = subprocess.run(
        [sys.executable, "-c", "import pipelines.definitions"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
    )
    assert loaded.returncode != 0
    assert "exports.yaml entry 1 ('ok'): timezone 'Nowhere/Land'" in loaded.stderr
