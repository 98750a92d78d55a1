"""Imports that read the file's own evidence (issue 15 items 3-5), through the CLI on a real
PostgreSQL: date orders per column, phones in the row's country, the source time zone, and
`invalid_values: drop_value`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from pipelines.cli import main

# Born: day first (25/12/1990 proves it; 03/04/2024 alone could be either), in a later chunk
# than its ambiguous values; Joined: month first; Signed: no proof either way.
DATES = (
    "Email,Born,Joined,Signed\n"
    "a@example.com,03/04/2024,03/04/2024,03/04/2024\n"
    "b@example.com,01/02/2023,12/31/2023,01/02/2023\n"
    "c@example.com,25/12/1990,02/03/2021,05/06/2022\n"
)


def created_at(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT email, to_char(source_created_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD HH24:MI') FROM contacts WHERE org = 'acme'"
            )
        )
        return dict(rows.all())


def mapping_file(tmp_path: Path, name: str, entries: dict[str, Any], **options: Any) -> str:
    path = tmp_path / f"{name}.yaml"
    column_mapping = [
        {"source_column": column, **({"target_field": t} if isinstance(t, str) else t)}
        for column, t in entries.items()
    ]
    path.write_text(yaml.safe_dump({"column_mapping": column_mapping, **options}))
    return str(path)


def test_preview_reports_each_date_columns_order(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    path.write_text(DATES)
    code, out, err = cli("preview", str(path))
    assert code == 0, err
    assert out["date_orders"] == {
        "Born": "day_first",
        "Joined": "month_first",
        "Signed": "ambiguous",
    }


def test_import_reads_each_date_column_in_the_order_its_values_prove(
    imp: Any, engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTACTFLOW_CHUNK_ROWS", "2")  # the proof is in the second chunk
    born_map = {"Email": "email", "Born": "source_created_at"}
    born = imp(DATES, "--mapping", mapping_file(tmp_path, "born", born_map))
    assert born["date_orders"] == {"Born": "day_first"} and born["warnings"] == []
    assert created_at(engine) == {
        "a@example.com": "2024-04-03 00:00",
        "b@example.com": "2023-02-01 00:00",
        "c@example.com": "1990-12-25 00:00",
    }
    joined_map = mapping_file(tmp_path, "joined", {"Email": "email", "Joined": "source_created_at"})
    joined = imp(DATES, "--duplicates", "update", "--mapping", joined_map)
    assert joined["date_orders"] == {"Joined": "month_first"} and joined["updated_rows"] == 3
    assert created_at(engine)["b@example.com"] == "2023-12-31 00:00"
    assert created_at(engine)["a@example.com"] == "2024-03-04 00:00"


def test_an_ambiguous_date_column_is_read_month_first_with_a_warning(
    imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    signed = {"Email": "email", "Signed": "source_created_at"}
    result = imp(DATES, "--mapping", mapping_file(tmp_path, "signed", signed))
    assert result["date_orders"] == {"Signed": "ambiguous"}
    [warning] = result["warnings"]
    assert warning["row"] is None and warning["field"] == "source_created_at"
    assert "'Signed'" in warning["warning"] and "read month first" in warning["warning"]
    assert created_at(engine)["c@example.com"] == "2022-05-06 00:00"
    assert result["warning_rows"] == 0  # no value was dropped


def test_dayfirst_overrides_the_evidence(imp: Any, engine: sa.Engine, tmp_path: Path) -> None:
    joined = {"Email": "email", "Joined": "source_created_at"}
    result = imp(DATES, "--mapping", mapping_file(tmp_path, "j", joined, dayfirst=True))
    assert result["date_orders"] == {}
    assert result["error_rows"] == 1  # 12/31/2023 has no month 31
    assert created_at(engine)["a@example.com"] == "2024-04-03 00:00"


def test_source_timezone_applies_to_timestamps_without_an_offset(
    imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    text = (
        "Email,Created\n"
        "a@example.com,2024-07-01 10:00\n"
        "b@example.com,2024-01-15T10:00:00\n"
        "c@example.com,2024-07-01T10:00:00+05:00\n"
        "d@example.com,2024-07-01\n"
    )
    entries = {"Email": "email", "Created": "source_created_at"}
    imp(text, "--mapping", mapping_file(tmp_path, "tz", entries, source_timezone="Europe/Berlin"))
    assert created_at(engine) == {
        "a@example.com": "2024-07-01 08:00",
        "b@example.com": "2024-01-15 09:00",
        "c@example.com": "2024-07-01 05:00",
        "d@example.com": "2024-07-01 00:00",
    }
    err = imp(text, "--option", "source_timezone=Berlin", expect=2)
    assert "source_timezone" in err and "IANA" in err


def test_phones_without_plus_are_read_in_the_rows_country(
    imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    text = (
        "Email,Phone,Country\n"
        "uk@example.com,020 7946 0999,United Kingdom\n"
        "de@example.com,030 901820,Deutschland\n"
        "us@example.com,(415) 555-0100,\n"
        "gb@example.com,07700 900123,GB\n"
    )
    entries = {
        "Email": "email",
        "Phone": {"target_field": "phones", "value_type": "Work"},
        "Country": {"target_field": "address", "address_part": "country"},
    }
    result = imp(text, "--mapping", mapping_file(tmp_path, "phones", entries))
    assert result["error_rows"] == 0 and result["created_rows"] == 4
    with engine.connect() as conn:
        query = sa.text("SELECT email, phones->0->>'number' FROM contacts")
        phones = dict(conn.execute(query).all())
    assert phones == {
        "uk@example.com": "+442079460999",
        "de@example.com": "+4930901820",
        "us@example.com": "+14155550100",
        "gb@example.com": "+447700900123",
    }


def test_drop_value_writes_the_row_without_its_bad_phone(
    imp: Any, cli: Any, engine: sa.Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "Email,Phone,First Name\n"
        "ann@example.com,12,Ann\n"
        "not-an-email,(415) 555-0100,Bob\n"
        "cy@example.com,(415) 555-0101,Cy\n"
    )
    result = imp(text, "--option", "invalid_values=drop_value")
    assert (result["created_rows"], result["error_rows"], result["warning_rows"]) == (2, 1, 1)
    [warning] = result["warnings"]
    assert warning["row"] == 1 and warning["field"] == "phones" and warning["value"] == "12"
    assert warning["warning"].startswith("value dropped: ")
    with engine.connect() as conn:
        query = sa.text("SELECT email, first_name, phones FROM contacts")
        rows = conn.execute(query)
        stored = {email: (name, phones) for email, name, phones in rows}
    assert stored["ann@example.com"] == ("Ann", None) or stored["ann@example.com"] == ("Ann", [])
    assert [p["number"] for p in stored["cy@example.com"][1]] == ["+14155550101"]
    with open(
        result["errors_file"].removeprefix("file://"), newline="", encoding="utf-8"
    ) as handle:
        rejects = [(r["_row"], r["_field"], r["_error"][:15]) for r in csv.DictReader(handle)]
    assert rejects == [("1", "phones", "value dropped: "), ("2", "email", rejects[1][2])]
    assert not rejects[1][2].startswith("value dropped")
    code, job, _ = cli("job", str(result["import_job_id"]))
    assert code == 0 and job["warning_rows"] == 1 and job["warnings"] == result["warnings"]
    capsys.readouterr()
    assert main(["job", str(result["import_job_id"])]) == 0
    human = capsys.readouterr().out
    assert "1 row written without its invalid values" in human and "value dropped" in human


def test_reject_row_stays_the_default(imp: Any) -> None:
    result = imp("Email,Phone\nann@example.com,12\n")
    assert (result["created_rows"], result["error_rows"], result["warning_rows"]) == (0, 1, 0)
    assert json.dumps(result["warnings"]) == "[]"
