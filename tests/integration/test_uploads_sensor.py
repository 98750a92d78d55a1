"""uploads_sensor over a local folder and over an S3 server on loopback: new, repeated and
changed files, sidecars and folder defaults, ignored files, bad options, thousands of files."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from pipelines.definitions import defs
from pipelines.imports import jobstore
from pipelines.imports.jobs import IMPORT_PARTITIONS, IMPORT_TARGET_TAG
from pipelines.imports.sensors import uploads_sensor
from resources.dagster_storage import StorageResource
from resources.storage import S3Storage

CSV = "Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n"

# Sensor imports create missing companies and groups unless the options say otherwise.
CREATE = {"create_missing_references": True}


class Drop:
    """The uploads storage of one test and a sensor evaluated tick after tick on it."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url = url
        self.resource = StorageResource(kind="uploads", url=url)
        self.storage = self.resource.storage()
        self.tmp = tmp_path
        self.instance = dg.DagsterInstance.ephemeral()
        self.cursor: str | None = None

    def put(self, key: str, text: str) -> None:
        source = self.tmp / f"src-{abs(hash((key, text)))}"
        source.write_text(text)
        self.storage.put_file(source, key)

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(
            cursor=self.cursor, instance=self.instance, resources={"uploads": self.resource}
        )
        result = uploads_sensor(context)
        assert isinstance(result, dg.SensorResult)
        self.cursor = result.cursor
        return result

    def requests(self) -> list[dg.RunRequest]:
        return list(self.tick().run_requests or [])

    def execute(self, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
        """Launch a request as the daemon would (partition added, run key tagged)."""
        assert request.partition_key and request.run_key
        self.instance.add_dynamic_partitions(IMPORT_PARTITIONS.name or "", [request.partition_key])
        return defs.get_job_def("import_file").execute_in_process(
            run_config=request.run_config,
            instance=self.instance,
            partition_key=request.partition_key,
            tags={**request.tags, "dagster/run_key": request.run_key},
            raise_on_error=False,
        )


@pytest.fixture(params=["local", "s3"])
def drop(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Drop:
    monkeypatch.setenv("UPLOADS_SETTLE_SECONDS", "0")
    if request.param == "local":
        url = str(tmp_path / "drop")
    else:
        url = f"s3://{request.getfixturevalue('s3_bucket')}/drop"
    return Drop(url, tmp_path)


def options_of(request: dg.RunRequest) -> dict[str, Any]:
    return dict(request.run_config["ops"]["parse_file"]["config"])


def test_uploads_sensor_requests_one_run_per_object_and_a_new_one_when_it_changes(
    drop: Drop,
) -> None:
    drop.put("acme/contacts/list.csv", CSV)
    result = drop.tick()
    [first] = result.run_requests or []
    assert first.run_key == first.partition_key
    assert first.partition_key and first.partition_key.startswith("acme/contacts/list.csv@")
    assert first.tags[IMPORT_TARGET_TAG] == "acme/contacts"
    assert first.tags["contactflow/upload_key"] == "acme/contacts/list.csv"
    assert result.dynamic_partitions_requests == [
        IMPORT_PARTITIONS.build_add_request([first.partition_key])
    ]
    config = options_of(first)
    assert config["upload_key"] == "acme/contacts/list.csv" and config["options"] == CREATE
    assert (config["org"], config["module"], config["file_name"]) == (
        "acme",
        "contacts",
        "list.csv",
    )

    assert drop.requests() == []
    assert drop.requests() == []

    drop.put("acme/contacts/list.csv", CSV + "cy@example.com,Cy\n")
    [second] = drop.requests()
    assert second.partition_key != first.partition_key
    assert drop.requests() == []


def test_uploads_sensor_takes_options_from_sidecar_else_folder_defaults(drop: Drop) -> None:
    drop.put("acme/contacts/_defaults.yaml", "duplicate_strategy: update\nsource: crm\n")
    drop.put("acme/contacts/a.csv", CSV)
    drop.put("acme/contacts/a.csv.import.yaml", "match: [email]\ncolumn_mapping: null\n")
    drop.put("acme/contacts/b.csv", CSV)
    drop.put("acme/contacts/c.csv", CSV)
    drop.put("acme/contacts/c.csv.import.json", '{"action": "delete"}')
    drop.put("acme/groups/d.csv", "Name\nVIP\n")
    by_key = {r.tags["contactflow/upload_key"]: r for r in drop.requests()}
    assert sorted(by_key) == [
        "acme/contacts/a.csv",
        "acme/contacts/b.csv",
        "acme/contacts/c.csv",
        "acme/groups/d.csv",
    ]
    assert options_of(by_key["acme/contacts/a.csv"])["options"] == {**CREATE, "match": ["email"]}
    assert options_of(by_key["acme/contacts/b.csv"])["options"] == {
        **CREATE,
        "duplicate_strategy": "update",
        "source": "crm",
    }
    assert by_key["acme/contacts/b.csv"].tags["contactflow/options_from"] == (
        "acme/contacts/_defaults.yaml"
    )
    assert options_of(by_key["acme/contacts/c.csv"])["options"] == {**CREATE, "action": "delete"}
    assert options_of(by_key["acme/groups/d.csv"])["options"] == CREATE
    for request in by_key.values():
        dg.validate_run_config(defs.get_job_def("import_file"), request.run_config)


def test_uploads_sensor_ignores_files_outside_the_layout_with_a_reason(
    drop: Drop, capfd: pytest.CaptureFixture[str]
) -> None:
    for key in (
        "acme/contacts/.hidden.csv",
        "acme/contacts/big.csv.part",
        "acme/contacts/~$book.xlsx",
        "acme/contacts/upload.tmp",
        "acme/contacts/_defaults.yaml",
        "acme/contacts/x.csv.import.yaml",
        "acme/deals/list.csv",
        "acme/list.csv",
        "readme.txt",
    ):
        drop.put(key, CSV)
    assert drop.requests() == []
    logged = capfd.readouterr().err
    assert "acme/deals/list.csv: unknown module 'deals'" in logged
    assert "readme.txt: outside the <org>/<module>/<file> layout" in logged
    assert "acme/contacts/big.csv.part: temporary" in logged
    assert "acme/contacts/.hidden.csv: hidden" in logged


def test_uploads_sensor_imports_records_and_fails_bad_options_on_the_job(
    drop: Drop, env_db: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPLOADS_URL", drop.url)
    drop.put("acme/contacts/good.csv", CSV)
    drop.put("acme/contacts/bad.csv", CSV)
    drop.put("acme/contacts/bad.csv.import.yaml", "duplicate_strategy: sometimes\n")
    drop.put("acme/contacts/ugly.csv", CSV)
    drop.put("acme/contacts/ugly.csv.import.yaml", "match: [email\n")
    by_key = {r.tags["contactflow/upload_key"]: r for r in drop.requests()}
    assert len(by_key) == 3

    good = drop.execute(by_key["acme/contacts/good.csv"])
    assert good.success
    job = jobstore.get_job(engine, int(good.dagster_run.tags["contactflow/import_job_id"]))
    assert job["status"] == "completed" and job["created_rows"] == 2
    assert job["upload_location"].endswith("acme/contacts/good.csv")
    assert job["partition_key"] == by_key["acme/contacts/good.csv"].partition_key
    with engine.connect() as conn:
        emails = conn.execute(sa.text("SELECT email FROM contacts ORDER BY email")).scalars()
        assert list(emails) == ["ann@example.com", "bob@example.com"]

    for key, reason in (
        ("acme/contacts/bad.csv", "Invalid import options: duplicate_strategy"),
        ("acme/contacts/ugly.csv", "is not valid YAML or JSON"),
    ):
        result = drop.execute(by_key[key])
        assert not result.success
        job = jobstore.get_job(engine, int(result.dagster_run.tags["contactflow/import_job_id"]))
        assert job["status"] == "failed" and reason in job["reason"], job["reason"]
        assert job["run_id"] == result.run_id
    assert drop.requests() == []


def test_uploads_sensor_never_reruns_an_object_when_the_cursor_is_lost(
    drop: Drop, env_db: str, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UPLOADS_URL", drop.url)
    drop.put("acme/groups/g.csv", "Name\nVIP\n")
    [request] = drop.requests()
    run = drop.execute(request)
    drop.cursor = None
    capfd.readouterr()
    assert drop.requests() == []
    assert f"already imported by run {run.run_id}" in capfd.readouterr().err


def put_many(drop: Drop, keys: list[str], text: str) -> None:
    """Seed many objects fast. The loopback S3 server runs in this process, so its backend
    takes them directly (2,000 PUTs over HTTP would dominate the test); listing still goes
    through the server."""
    if isinstance(drop.storage, S3Storage):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
        for key in keys:
            backend.put_object(drop.storage.bucket, f"{drop.storage.prefix}/{key}", text.encode())
        return
    source = drop.tmp / "many.csv"
    source.write_text(text)
    for key in keys:
        drop.storage.put_file(source, key)


def test_uploads_sensor_handles_2000_files_across_ticks_exactly_once(drop: Drop) -> None:
    modules = ("contacts", "companies", "groups")
    put_many(drop, [f"org{i % 4}/{modules[i % 3]}/file-{i:05d}.csv" for i in range(2000)], CSV)
    seen: list[str] = []
    ticks = 0
    while ticks < 10:
        requests = drop.requests()
        ticks += 1
        if not requests:
            break
        assert len(requests) <= 500
        seen += [r.tags["contactflow/upload_key"] for r in requests]
    assert ticks == 5
    assert len(seen) == len(set(seen)) == 2000
    assert drop.requests() == []


def test_uploads_sensor_picks_up_a_local_file_moved_in_with_an_old_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPLOADS_SETTLE_SECONDS", "0")
    drop = Drop(str(tmp_path / "drop"), tmp_path)
    drop.put("acme/contacts/first.csv", CSV)
    assert len(drop.requests()) == 1
    old = tmp_path / "downloaded.csv"
    old.write_text(CSV.replace("ann", "amy"))
    week_ago = time.time() - 7 * 24 * 3600
    os.utime(old, (week_ago, week_ago))
    os.replace(old, tmp_path / "drop" / "acme" / "contacts" / "downloaded.csv")
    [request] = drop.requests()
    assert request.tags["contactflow/upload_key"] == "acme/contacts/downloaded.csv"


def test_uploads_sensor_waits_until_a_local_file_is_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that arrived just before the tick is waited for within the tick (not until the
    next one, 5 s later); a file still being written after that wait is left for later."""
    monkeypatch.setenv("UPLOADS_SETTLE_SECONDS", "1")
    drop = Drop(str(tmp_path / "drop"), tmp_path)
    drop.put("acme/contacts/fresh.csv", CSV)
    started = time.monotonic()
    assert [r.tags["contactflow/upload_key"] for r in drop.requests()] == [
        "acme/contacts/fresh.csv"
    ]
    assert time.monotonic() - started >= 1.0

    growing = tmp_path / "drop" / "acme" / "contacts" / "slow.csv"

    def write() -> None:  # for 3 s, longer than the tick waits
        with growing.open("w") as out:
            out.write("Email\n")
            for n in range(30):
                out.write(f"p{n}@example.com\n")
                out.flush()
                time.sleep(0.1)

    writer = threading.Thread(target=write)
    writer.start()
    assert drop.requests() == []
    writer.join()
    assert [r.tags["contactflow/upload_key"] for r in drop.requests()] == ["acme/contacts/slow.csv"]
