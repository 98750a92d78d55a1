"""Saved exports without a deploy: `contactflow schedules add|list|pause|resume|remove` on the
real database, the `export_schedules_sensor` with a frozen clock (one run per tick, none for a
paused or broken schedule), and `export --saved` for the table's and exports.yaml's exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml

from pipelines.cli import main
from pipelines.exports import saved
from pipelines.exports.cron import next_tick
from pipelines.exports.jobs import EXPORT_NAME_TAG, execute_export
from pipelines.exports.sensors import export_schedules_sensor
from pipelines.instance import RESOURCES

GOOD_YAML = {"name": "yaml_daily", "cron": "@daily", "org": "demo", "module": "contacts"}
BAD_YAML = {**GOOD_YAML, "name": "yaml_typo", "columns": ["email", "phone"]}
WEEKLY = ("--cron", "0 7 * * 1", "--timezone", "Europe/Berlin", "--org", "demo")
VIP_PEOPLE = "Email,First Name,Groups\nann@example.com,Ann,VIP\nbob@example.com,Bob,\n"
WEEKLY_EXPORT = (*WEEKLY, "--module", "contacts", "--format", "xlsx")


@pytest.fixture
def exports_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An exports.yaml with one good and one bad entry (`phone` for `phones`)."""
    path = tmp_path / "exports.yaml"
    path.write_text(yaml.safe_dump({"exports": [GOOD_YAML, BAD_YAML]}))
    monkeypatch.setenv("EXPORTS_CONFIG", str(path))
    return path


def _listed(cli: Any) -> dict[str, dict[str, Any]]:
    code, out, err = cli("schedules", "list")
    assert code == 0, err
    return {s["name"]: s for s in out["schedules"]}


def test_schedules_cli_adds_lists_pauses_resumes_and_removes(
    cli: Any, engine: sa.Engine, exports_yaml: Path
) -> None:
    code, added, err = cli(
        "schedules", "add", "weekly_vip", *WEEKLY_EXPORT, "--group", "VIP", "--columns", "email"
    )
    assert code == 0, err
    assert added["status"] == "active" and added["source"] == "table"
    when = datetime.fromisoformat(added["next_run"])
    assert (when.weekday(), when.hour, when.minute) == (0, 7, 0)
    assert when.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM export_schedules")).mappings().one()
    assert (row["cron"], row["timezone"], row["format"]) == ("0 7 * * 1", "Europe/Berlin", "xlsx")
    assert row["options"]["filters"] == {"group": "VIP"} and row["last_tick_at"] is None

    listed = _listed(cli)
    assert set(listed) == {"weekly_vip", "yaml_daily", "yaml_typo"}
    assert listed["yaml_daily"]["source"] == "exports.yaml"
    assert listed["yaml_daily"]["next_run"] is not None
    typo = listed["yaml_typo"]
    assert typo["status"] == "disabled" and typo["next_run"] is None
    assert "Column 'phone' is not a contacts" in typo["problem"]
    assert set(typo) == {*listed["weekly_vip"]}
    assert (typo["cron"], typo["org"], typo["module"], typo["format"]) == (
        "@daily",
        "demo",
        "contacts",
        None,
    )

    code, paused, _ = cli("schedules", "pause", "weekly_vip")
    assert (code, paused["status"], paused["next_run"]) == (0, "paused", None)
    assert _listed(cli)["weekly_vip"]["status"] == "paused"
    code, resumed, _ = cli("schedules", "resume", "weekly_vip")
    assert (code, resumed["status"]) == (0, "active") and resumed["next_run"]
    code, removed, _ = cli("schedules", "remove", "weekly_vip")
    assert (code, removed["status"]) == (0, "removed")
    assert "weekly_vip" not in _listed(cli)
    code, _, err = cli("schedules", "remove", "weekly_vip")
    assert code == 2 and "No saved schedule 'weekly_vip'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cron", "every monday"), "Schedule 'bad': cron 'every monday' is not a valid cron"),
        (("--cron", "0 7 * * 1", "--timezone", "Mars/Olympus"), "timezone 'Mars/Olympus'"),
        (("--cron", "@daily", "--org", "../evil"), "Invalid org '../evil'"),
        (("--cron", "@daily", "--module", "people"), "Unknown module 'people'"),
        (("--cron", "@daily", "--columns", "email,phone"), "Column 'phone' is not a contacts"),
        (("--cron", "@daily", "--option", "colour=red"), "Invalid export options: colour"),
    ],
)
def test_schedules_add_rejects_bad_input_in_one_line(
    cli: Any, engine: sa.Engine, exports_yaml: Path, args: tuple[str, ...], message: str
) -> None:
    base = {"--cron": "@daily", "--org": "demo", "--module": "contacts", "--format": "csv"}
    flags = dict(zip(args[::2], args[1::2], strict=True))
    argv = [part for pair in {**base, **flags}.items() for part in pair]
    code, out, err = cli("schedules", "add", "bad", *argv)
    assert (code, out) == (2, None)
    assert message in err and len(err.strip().splitlines()) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM export_schedules")).scalar() == 0


def test_schedules_refuse_taken_names_and_yaml_entries(cli: Any, exports_yaml: Path) -> None:
    assert cli("schedules", "add", "weekly", *WEEKLY_EXPORT)[0] == 0
    code, _, err = cli("schedules", "add", "weekly", *WEEKLY_EXPORT)
    assert code == 2 and "A schedule named 'weekly' exists already" in err
    code, _, err = cli("schedules", "add", "yaml_daily", *WEEKLY_EXPORT)
    assert code == 2 and "is in exports.yaml already" in err
    code, _, err = cli("schedules", "pause", "yaml_daily")
    assert code == 2 and "comes from exports.yaml" in err
    code, _, err = cli("schedules", "add", "bad name", *WEEKLY_EXPORT)
    assert code == 2 and "must start with a letter" in err


def test_schedules_list_prints_a_table_for_a_person(
    cli: Any, exports_yaml: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert cli("schedules", "add", "weekly", *WEEKLY_EXPORT)[0] == 0
    capsys.readouterr()
    assert main(["schedules", "list"]) == 0
    out = capsys.readouterr().out
    header, _, weekly, daily, typo, note, problem = out.splitlines()
    assert header.split() == ["name", "from", "status", "cron", "timezone", "export", "next", "run"]
    assert weekly.split()[:3] == ["weekly", "table", "active"]
    assert "0 7 * * 1  Europe/Berlin  demo/contacts xlsx  20" in weekly
    assert daily.split()[:5] == ["yaml_daily", "yaml", "active", "@daily", "UTC"]
    assert typo.split() == ["yaml_typo", "yaml", "disabled", "@daily", "UTC", "demo/contacts", "-"]
    assert note == "3 schedules, 1 disabled by a problem:"
    assert problem.startswith("  yaml_typo (exports.yaml): Column 'phone' is not a contacts")
    assert "\x1b[" not in out
    assert main(["schedules", "pause", "weekly"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "Schedule weekly paused",
        "status        paused",
    ]


def _evaluate(at: datetime, monkeypatch: pytest.MonkeyPatch) -> dg.SensorExecutionData:
    monkeypatch.setattr(saved, "now", lambda: at)
    context = dg.build_sensor_context(resources={"postgres": RESOURCES["postgres"]})
    return export_schedules_sensor.evaluate_tick(context)


def test_sensor_fires_each_tick_once_and_never_a_paused_or_broken_schedule(
    cli: Any, imp: Any, engine: sa.Engine, exports_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert export_schedules_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    imp(VIP_PEOPLE, "--create-missing-references", org="demo")
    for name in ("weekly", "daily_paused", "broken"):
        code, _, err = cli("schedules", "add", name, *WEEKLY_EXPORT, "--group", "VIP")
        assert code == 0, err
    cli("schedules", "pause", "daily_paused")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE export_schedules SET cron = '@daily' WHERE name LIKE 'd%'"))
        conn.execute(sa.text("UPDATE export_schedules SET module = 'people' WHERE name = 'broken'"))
        added = conn.execute(sa.text("SELECT max(updated_at) FROM export_schedules")).scalar_one()
    first = next_tick("0 7 * * 1", "Europe/Berlin", added)

    before = _evaluate(first - timedelta(minutes=1), monkeypatch)
    assert before.run_requests == []
    assert "broken: Unknown module 'people'" in str(before.skip_message)
    assert "exports.yaml: yaml_typo: Column 'phone'" in str(before.skip_message)

    fired = _evaluate(first + timedelta(minutes=1), monkeypatch)
    (request,) = fired.run_requests or []
    assert request.run_key == f"weekly@{first.astimezone(UTC).isoformat()}"
    assert request.tags[EXPORT_NAME_TAG] == "weekly"
    config = request.run_config["ops"]["render_export"]["config"]
    assert (config["org"], config["module"], config["name"]) == ("demo", "contacts", "weekly")
    assert config["options"]["filters"] == {"group": "VIP"}
    assert _evaluate(first + timedelta(minutes=2), monkeypatch).run_requests == []

    week_later = first + timedelta(days=7, minutes=1)
    (again,) = _evaluate(week_later, monkeypatch).run_requests or []
    assert again.run_key == f"weekly@{(first + timedelta(days=7)).astimezone(UTC).isoformat()}"
    assert _evaluate(week_later, monkeypatch).run_requests == []

    cli("schedules", "resume", "daily_paused")
    (resumed,) = _evaluate(week_later + timedelta(days=1), monkeypatch).run_requests or []
    assert resumed.tags[EXPORT_NAME_TAG] == "daily_paused"
    with engine.connect() as conn:
        ticks = dict(conn.execute(sa.text("SELECT name, last_tick_at FROM export_schedules")).all())
    assert ticks["weekly"] == first + timedelta(days=7) and ticks["broken"] is None
    broken = _listed(cli)["broken"]
    assert (broken["status"], broken["source"], broken["module"]) == ("disabled", "table", "people")
    assert "Unknown module 'people'" in broken["problem"]

    result = execute_export(dg.DagsterInstance.ephemeral(), request.run_config, request.tags)
    assert result.success
    with engine.connect() as conn:
        job = conn.execute(sa.text("SELECT name, status, format FROM export_jobs")).one()
    assert tuple(job) == ("weekly", "completed", "xlsx")


def test_export_saved_runs_a_table_or_yaml_export_now(
    cli: Any, imp: Any, engine: sa.Engine, exports_yaml: Path
) -> None:
    imp(VIP_PEOPLE, "--create-missing-references", org="demo")
    assert cli("schedules", "add", "vip", *WEEKLY_EXPORT, "--group", "VIP")[0] == 0
    code, table_run, err = cli("export", "--saved", "vip")
    assert code == 0, err
    assert (table_run["status"], table_run["row_count"]) == ("completed", 1)
    assert table_run["file"].endswith(".xlsx") and "/vip-" in table_run["file"]
    code, yaml_run, err = cli("export", "--saved", "yaml_daily")
    assert (code, yaml_run["row_count"]) == (0, 2), err
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name, format FROM export_jobs ORDER BY id")).all()
    assert [tuple(n) for n in names] == [("vip", "xlsx"), ("yaml_daily", "csv")]

    code, _, err = cli("export", "--saved", "yaml_typo")
    assert code == 2 and "'yaml_typo' in exports.yaml is unusable: Column 'phone'" in err
    code, _, err = cli("export", "--saved", "nothing")
    assert code == 2 and "No saved export 'nothing'" in err
    code, _, err = cli("export", "--saved", "vip", "--org", "other", "--limit", "1")
    assert code == 2 and "leave out --org, --limit" in err
    code, _, err = cli("export", "--org", "demo")
    assert code == 2 and "export needs --org, --module and --format" in err
