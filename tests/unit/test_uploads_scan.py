"""The uploads scan and cursor without Dagster: layout rules, options files, and exactly-once
hand-off under out-of-order LastModified, rewrites, deletions and bounded ticks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.imports.uploads import (
    ScanLimits,
    UploadCursor,
    layout_of,
    parse_options_text,
    safe_name,
    scan,
)
from resources.storage import Storage, StoredObject

T0 = 1_800_000_000.0


class MemoryStorage(Storage):
    """An S3-like bucket in memory whose LastModified values the test chooses."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str, float]] = {}
        self.gets: list[str] = []

    def put(self, key: str, body: bytes, at: float, etag: str | None = None) -> None:
        self.objects[key] = (body, etag or f"{hash(body) & 0xFFFFFFFFFFFF:012x}", at)

    def location(self, key: str) -> str:
        return f"mem://{key}"

    def put_file(self, local_path: Path, key: str, content_type: str | None = None) -> str:
        raise NotImplementedError

    def get_file(self, key: str, local_path: Path) -> Path:
        self.gets.append(key)
        if key not in self.objects:
            raise FileNotFoundError(key)
        local_path.write_bytes(self.objects[key][0])
        return local_path

    def list(
        self, prefix: str = "", start_after: str = "", limit: int = 1000
    ) -> list[StoredObject]:
        keys = sorted(k for k in self.objects if k.startswith(prefix) and k > start_after)
        return [
            StoredObject(
                k,
                len(self.objects[k][0]),
                self.objects[k][1],
                datetime.fromtimestamp(self.objects[k][2], UTC),
            )
            for k in keys[:limit]
        ]

    def delete(self, key: str) -> bool:
        return self.objects.pop(key, None) is not None

    def download_url(self, key: str, expires_in: int = 0) -> str:
        return self.location(key)


class Sensor:
    """Evaluates ticks like the daemon: keeps the cursor and the run keys it launched."""

    def __init__(self, storage: Storage, limits: ScanLimits | None = None) -> None:
        self.storage = storage
        self.limits = limits or ScanLimits()
        self.cursor = UploadCursor()
        self.runs: list[str] = []

    def tick(self, now: float) -> list[str]:
        found = scan(self.storage, self.cursor, now, self.previous_runs, self.limits)
        self.cursor = UploadCursor.from_json(found.cursor.to_json())
        keys = [u.key for u in found.uploads]
        self.runs += [u.partition_key for u in found.uploads]
        return keys

    def previous_runs(self, partition_keys: list[str]) -> dict[str, str]:
        return {}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("acme/contacts/list.csv", ("acme", "contacts", "list.csv")),
        ("acme/contacts/.list.csv", "hidden"),
        ("acme/.staging/list.csv", "hidden"),
        ("acme/contacts/list.csv.part", "temporary"),
        ("acme/contacts/upload.tmp", "temporary"),
        ("acme/contacts/~$book.xlsx", "temporary"),
        ("acme/contacts/list.csv.import.yaml", "sidecar"),
        ("acme/contacts/list.csv.import.json", "sidecar"),
        ("acme/contacts/_defaults.yaml", "defaults"),
        ("acme/deals/list.csv", "unknown module 'deals'"),
        ("acme/list.csv", "layout"),
        ("acme/contacts/sub/list.csv", "layout"),
        ("_cli/acme/contacts/7/list.csv", "layout"),
        ("_system/contacts/list.csv", "reserved"),
    ],
)
def test_layout_of_accepts_only_files_in_org_module_folders(
    key: str, expected: tuple[str, str, str] | str
) -> None:
    found = layout_of(key)
    if isinstance(expected, tuple):
        assert found == expected
    else:
        assert isinstance(found, str) and expected in found


def test_parse_options_text_reads_yaml_json_and_bare_mapping_lists() -> None:
    assert parse_options_text("duplicate_strategy: update\nsheet: null\n", "x") == {
        "duplicate_strategy": "update"
    }
    assert parse_options_text('{"match": ["email"]}', "x") == {"match": ["email"]}
    assert parse_options_text("- {source_column: E, target_field: email}\n", "x") == {
        "column_mapping": [{"source_column": "E", "target_field": "email"}]
    }
    assert parse_options_text("static_values: {source_created_at: 2024-01-02}", "x") == {
        "static_values": {"source_created_at": "2024-01-02"}
    }
    assert parse_options_text("", "x") == {}
    with pytest.raises(ValueError, match="not valid YAML"):
        parse_options_text("a: [1,", "f.import.yaml")
    with pytest.raises(ValueError, match="must hold a mapping"):
        parse_options_text("just text", "f.import.yaml")


def test_safe_name_keeps_partition_keys_valid() -> None:
    assert safe_name("a...b\tc.csv") == "a_b_c.csv"


def test_scan_hands_each_object_to_one_run_despite_late_older_last_modified() -> None:
    store = MemoryStorage()
    sensor = Sensor(store)
    store.put("acme/contacts/a.csv", b"a", T0)
    assert sensor.tick(T0 + 5) == ["acme/contacts/a.csv"]
    store.put("acme/contacts/b.csv", b"b", T0 + 3600)
    assert sensor.tick(T0 + 3601) == ["acme/contacts/b.csv"]
    # A slow upload that began 4 minutes before b finished becomes visible only now.
    store.put("acme/contacts/c.csv", b"c", T0 + 3600 - 240)
    assert sensor.tick(T0 + 3700) == ["acme/contacts/c.csv"]
    for later in range(10):
        assert sensor.tick(T0 + 3800 + later * 100) == []
    assert len(sensor.runs) == len(set(sensor.runs)) == 3


def test_scan_treats_a_rewritten_object_as_new_and_forgets_deleted_ones() -> None:
    store = MemoryStorage()
    sensor = Sensor(store)
    store.put("acme/contacts/a.csv", b"v1", T0)
    assert sensor.tick(T0 + 1) == ["acme/contacts/a.csv"]
    store.put("acme/contacts/a.csv", b"v2", T0 + 2)
    assert sensor.tick(T0 + 3) == ["acme/contacts/a.csv"]
    store.delete("acme/contacts/a.csv")
    assert sensor.tick(T0 + 4) == []
    store.put("acme/contacts/b.csv", b"b", T0 + 5000)
    assert sensor.tick(T0 + 5001) == ["acme/contacts/b.csv"]
    assert len(sensor.cursor.seen) == 1
    assert len(set(sensor.runs)) == 3


def test_scan_bounds_each_tick_and_resumes_where_it_stopped() -> None:
    store = MemoryStorage()
    for i in range(230):
        store.put(f"acme/groups/g{i:04d}.csv", f"{i}".encode(), T0 + (i * 7919) % 300)
    for i in range(40):
        store.put(f"acme/groups/g{i:04d}.csv.tmp", b"x", T0)
    sensor = Sensor(store, ScanLimits(max_runs=50, page_size=20, max_keys=60))
    ticks = [sensor.tick(T0 + 400 + n) for n in range(12)]
    assert all(len(t) <= 50 for t in ticks)
    assert sorted(sensor.runs) == sorted(set(sensor.runs)) and len(sensor.runs) == 230
    assert ticks[-1] == [] and ticks[-2] == []


def test_scan_reads_sidecar_else_defaults_and_asks_only_for_files_that_exist() -> None:
    store = MemoryStorage()
    store.put("acme/contacts/_defaults.yaml", b"duplicate_strategy: update\n", T0)
    store.put("acme/contacts/a.csv", b"a", T0)
    store.put("acme/contacts/a.csv.import.json", b'{"match": ["email"]}', T0)
    store.put("acme/contacts/b.csv", b"b", T0)
    store.put("acme/contacts/c.csv", b"c", T0)
    store.put("acme/contacts/c.csv.import.yaml", b"source: [unclosed", T0)
    store.put("acme/groups/d.csv", b"d", T0)
    found = scan(store, UploadCursor(), T0 + 10, lambda keys: {}, ScanLimits())
    by_key = {u.key: u for u in found.uploads}
    assert by_key["acme/contacts/a.csv"].options == {"match": ["email"]}
    assert by_key["acme/contacts/b.csv"].options == {"duplicate_strategy": "update"}
    assert by_key["acme/contacts/b.csv"].options_from == "acme/contacts/_defaults.yaml"
    assert "not valid YAML" in by_key["acme/contacts/c.csv"].options_error
    assert by_key["acme/groups/d.csv"].options == {}
    assert sorted(store.gets) == sorted(
        [
            "acme/contacts/a.csv.import.json",
            "acme/contacts/_defaults.yaml",
            "acme/contacts/c.csv.import.yaml",
        ]
    )


def test_scan_skips_objects_whose_run_key_already_has_a_run() -> None:
    store = MemoryStorage()
    store.put("acme/contacts/a.csv", b"a", T0)
    found = scan(
        store, UploadCursor(), T0 + 1, lambda keys: dict.fromkeys(keys, "run-1"), ScanLimits()
    )
    assert found.uploads == []
    assert "already imported by run run-1" in found.skipped[0][1]


def test_scan_waits_for_files_still_being_written() -> None:
    store = MemoryStorage()
    sensor = Sensor(store, ScanLimits(settle_seconds=3))
    store.put("acme/contacts/a.csv", b"a", T0)
    assert sensor.tick(T0 + 1) == []
    assert sensor.tick(T0 + 4) == ["acme/contacts/a.csv"]


def test_upload_cursor_survives_json_and_resets_on_garbage() -> None:
    cursor = UploadCursor(hwm=T0, after="k", pass_started=T0, pass_max=T0, seen={"ab": T0})
    assert UploadCursor.from_json(cursor.to_json()) == cursor
    assert UploadCursor.from_json("not json") == UploadCursor()
    assert UploadCursor.from_json(None) == UploadCursor()


def test_scan_fails_only_the_file_whose_sidecar_cannot_be_read() -> None:
    class Refused(Exception):
        response = {"Error": {"Code": "AccessDenied"}}

    class GuardedStorage(MemoryStorage):
        def get_file(self, key: str, local_path: Path) -> Path:
            if key.endswith(".import.yaml"):
                raise Refused(key)
            return super().get_file(key, local_path)

    store = GuardedStorage()
    store.put("acme/contacts/a.csv", b"a", T0)
    store.put("acme/contacts/a.csv.import.yaml", b"match: [email]", T0)
    [upload] = scan(store, UploadCursor(), T0 + 1, lambda keys: {}, ScanLimits()).uploads
    assert upload.options_error == (
        "Options file acme/contacts/a.csv.import.yaml could not be read: AccessDenied."
    )
