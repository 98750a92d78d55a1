"""The uploads drop zone: which objects are files to import, their options, and the cursor."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from pipelines.errors import one_line
from pipelines.names import file_name_problem, org_problem, partition_key_for
from resources.storage import LocalStorage, Storage, StoredObject
from schemas.modules import MODULES

SIDECAR_SUFFIXES = (".import.yaml", ".import.yml", ".import.json")
DEFAULTS_NAME = "_defaults.yaml"
TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload")
MAX_OPTIONS_BYTES = 1024 * 1024
_BAD_PARTITION_TEXT = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")


@dataclass(frozen=True)
class ScanLimits:
    """How much one sensor tick may do; whatever is left waits for the next tick."""

    max_runs: int = 500
    max_keys: int = 10_000
    max_hash_bytes: int = 2 * 1024**3
    page_size: int = 1000
    overlap_seconds: float = 600.0
    settle_seconds: float = 0.0

    @classmethod
    def from_env(cls, storage: Storage) -> ScanLimits:
        """UPLOADS_SENSOR_MAX_RUNS, UPLOADS_OVERLAP_SECONDS, and UPLOADS_SETTLE_SECONDS (local
        folders only, default 1: a file still being written waits until it is quiet)."""
        settle = float(os.environ.get("UPLOADS_SETTLE_SECONDS", "1"))
        return cls(
            max_runs=int(os.environ.get("UPLOADS_SENSOR_MAX_RUNS", "500")),
            overlap_seconds=float(os.environ.get("UPLOADS_OVERLAP_SECONDS", "600")),
            settle_seconds=settle if isinstance(storage, LocalStorage) else 0.0,
        )


@dataclass
class UploadCursor:
    """Where the sensor stands.

    Objects whose LastModified is older than `hwm - overlap` were all handled by an earlier
    pass; younger ones are compared against `seen` (fingerprints of key + ETag). `hwm` only
    moves when a pass over the whole listing ends, and never past the time that pass began,
    so an object that shows up late with an older LastModified (S3 writes finishing out of
    order, a file moved in with its old mtime) is still inside the window when it is listed.
    A pass may span several ticks: `after` is the last key it handled.
    """

    hwm: float = 0.0
    after: str = ""
    pass_started: float = 0.0
    pass_max: float = 0.0
    seen: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["seen"] = {mark: round(at, 3) for mark, at in self.seen.items()}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> UploadCursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls(
                hwm=float(data["hwm"]),
                after=str(data["after"]),
                pass_started=float(data["pass_started"]),
                pass_max=float(data["pass_max"]),
                seen={str(k): float(v) for k, v in data["seen"].items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()


@dataclass(frozen=True)
class Upload:
    """One object to import, with the options that apply to it (raw: the run validates them)."""

    key: str
    org: str
    module: str
    file_name: str
    digest: str
    partition_key: str
    options: dict[str, Any]
    options_error: str = ""
    options_from: str = "defaults"


@dataclass
class Scan:
    """What one tick found."""

    uploads: list[Upload] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    listed: int = 0
    pass_finished: bool = False
    stopped_by: str = ""
    cursor: UploadCursor = field(default_factory=UploadCursor)


def fingerprint(key: str, etag: str) -> str:
    return hashlib.sha1(f"{key}\n{etag}".encode()).hexdigest()[:16]


def layout_of(key: str) -> tuple[str, str, str] | str:
    """`(org, module, file name)` for a file to import, else why the key is not one."""
    parts = key.split("/")
    name = parts[-1]
    if any(p.startswith(".") for p in parts):
        return "hidden file or folder"
    if name.startswith("~$") or name.endswith(TEMPORARY_SUFFIXES):
        return "temporary or lock file (still being written?)"
    if len(parts) != 3 or not all(parts):
        return "outside the <org>/<module>/<file> layout"
    org, module, name = parts
    if org.startswith("_"):
        return f"folder {org!r} is reserved (names starting with _)"
    if problem := org_problem(org):
        return problem
    if module not in MODULES:
        return f"unknown module {module!r}; use one of {', '.join(MODULES)}"
    if name.endswith(SIDECAR_SUFFIXES):
        return "options sidecar (read with its file)"
    if name == DEFAULTS_NAME:
        return "folder defaults (read with the files beside it)"
    if name.startswith("_"):
        return "names starting with _ are reserved"
    if problem := file_name_problem(name):
        return problem
    return org, module, name


def safe_name(name: str) -> str:
    """The file name as it may appear in a Dagster partition key."""
    for bad in _BAD_PARTITION_TEXT:
        name = name.replace(bad, "_")
    return name


def content_digest(storage: Storage, obj: StoredObject) -> str:
    """SHA-256 of a local file; on S3 the ETag (an MD5 of the content, without downloading)."""
    if not isinstance(storage, LocalStorage):
        return obj.etag
    digest = hashlib.sha256()
    with open(storage.root / obj.key, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def arrival_time(storage: Storage, obj: StoredObject) -> float:
    """When the object appeared. A local file moved into the folder keeps its old mtime, but
    its ctime is the move, so the later of the two counts."""
    modified = obj.last_modified.timestamp()
    if isinstance(storage, LocalStorage):
        try:
            return max(modified, os.stat(storage.root / obj.key).st_ctime)
        except FileNotFoundError:
            return modified
    return modified


def parse_options_text(text: str, name: str) -> dict[str, Any]:
    """A sidecar or defaults file: YAML or JSON holding options (a bare list is the
    column_mapping, as for `contactflow import --mapping`). Raises ValueError with a sentence."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(
            f"Options file {name} is not valid YAML or JSON: {one_line(exc)}."
        ) from None
    if loaded is None:
        return {}
    if isinstance(loaded, list):
        loaded = {"column_mapping": loaded}
    if not isinstance(loaded, dict):
        raise ValueError(f"Options file {name} must hold a mapping of option names to values.")
    # Dagster run config takes plain JSON values, and an explicit null means "the default".
    plain = json.loads(json.dumps(loaded, default=str))
    return {str(k): v for k, v in plain.items() if v is not None}


class _Listing:
    """The keys this tick has listed, to tell whether a sidecar exists without asking."""

    def __init__(self, start: str) -> None:
        self.start = start
        self.keys: set[str] = set()
        self.upto = start
        self.complete = False

    def knows_absent(self, key: str) -> bool:
        listed = key > self.start and (self.complete or key <= self.upto)
        return listed and key not in self.keys


class _Options:
    """Options for each file: its sidecar, else its folder's `_defaults.yaml`, else none."""

    def __init__(self, storage: Storage, listing: _Listing, work: Path) -> None:
        self.storage = storage
        self.listing = listing
        self.work = work
        self.defaults: dict[str, tuple[dict[str, Any], str, str] | None] = {}

    def _read(self, key: str) -> str | None:
        if self.listing.knows_absent(key):
            return None
        target = self.work / hashlib.sha1(key.encode()).hexdigest()
        try:
            self.storage.get_file(key, target)
        except Exception as exc:
            if _is_missing(exc):
                return None
            if code := _error_code(exc):
                raise ValueError(f"Options file {key} could not be read: {code}.") from None
            raise
        try:
            if target.stat().st_size > MAX_OPTIONS_BYTES:
                raise ValueError(f"Options file {key} is larger than 1 MiB.")
            return target.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(f"Options file {key} is not UTF-8 text.") from None
        finally:
            target.unlink(missing_ok=True)

    def _load(self, key: str) -> tuple[dict[str, Any], str, str] | None:
        """`(options, error, key)` when the file exists."""
        try:
            text = self._read(key)
            if text is None:
                return None
            return parse_options_text(text, key), "", key
        except ValueError as exc:
            return {}, str(exc), key

    def for_key(self, key: str) -> tuple[dict[str, Any], str, str]:
        for suffix in SIDECAR_SUFFIXES:
            if found := self._load(key + suffix):
                return found
        folder = key.rsplit("/", 1)[0]
        if folder not in self.defaults:
            self.defaults[folder] = self._load(f"{folder}/{DEFAULTS_NAME}")
        return self.defaults[folder] or ({}, "", "defaults")


def _error_code(exc: Exception) -> str:
    """The S3 error code of a botocore ClientError (`AccessDenied`, `404`), else ""."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _is_missing(exc: Exception) -> bool:
    """Missing objects answer `404`; errors without a code (network) propagate: the tick
    fails and the next one tries again, while a refused read fails that file's run."""
    return isinstance(exc, FileNotFoundError) or _error_code(exc) in {"404", "NoSuchKey"}


def scan(
    storage: Storage,
    cursor: UploadCursor,
    now: float,
    previous_runs: Callable[[list[str]], dict[str, str]],
    limits: ScanLimits,
) -> Scan:
    """Walk the listing from the cursor and collect new files, within `limits`.

    `previous_runs(partition_keys)` maps the keys that already have a run (the partition key
    is the run key) to that run, so an object whose cursor entry was lost is imported once.
    """
    state = UploadCursor(**{**asdict(cursor), "seen": dict(cursor.seen)})
    if not state.pass_started:
        state.pass_started, state.pass_max, state.after = now, 0.0, ""
    floor = state.hwm - limits.overlap_seconds
    result = Scan(cursor=state)
    listing = _Listing(state.after)
    hashed = 0
    candidates: list[Upload] = []
    with tempfile.TemporaryDirectory(prefix="cf-uploads-") as work:
        while not result.stopped_by:
            page = storage.list("", state.after, limits.page_size)
            listing.keys.update(obj.key for obj in page)
            listing.upto = page[-1].key if page else listing.upto
            listing.complete = len(page) < limits.page_size
            if not page:
                result.pass_finished = True
                break
            result.listed += len(page)
            for obj in page:
                arrived = arrival_time(storage, obj)
                mark = fingerprint(obj.key, obj.etag)
                if arrived >= floor and mark not in state.seen:
                    if now - arrived < limits.settle_seconds:
                        result.deferred.append(obj.key)
                        state.after = obj.key
                        continue
                    if len(candidates) >= limits.max_runs:
                        result.stopped_by = f"{limits.max_runs} runs requested"
                        break
                    if hashed >= limits.max_hash_bytes:
                        result.stopped_by = f"{hashed} bytes hashed"
                        break
                    hashed += obj.size if isinstance(storage, LocalStorage) else 0
                    if candidate := _candidate(storage, obj, result):
                        candidates.append(candidate)
                    state.seen[mark] = arrived
                state.pass_max = max(state.pass_max, arrived)
                state.after = obj.key
            if not result.stopped_by and listing.complete:
                result.pass_finished = True
                break
            if not result.stopped_by and result.listed >= limits.max_keys:
                result.stopped_by = f"{result.listed} keys listed"
        known = previous_runs([c.partition_key for c in candidates]) if candidates else {}
        options = _Options(storage, listing, Path(work))
        for upload in candidates:
            if run_id := known.get(upload.partition_key):
                reason = f"already imported by run {run_id} ({upload.partition_key})"
                result.skipped.append((upload.key, reason))
                continue
            values, error, source = options.for_key(upload.key)
            result.uploads.append(
                replace(upload, options=values, options_error=error, options_from=source)
            )
    if result.pass_finished:
        _finish_pass(state, limits.overlap_seconds)
    return result


def _candidate(storage: Storage, obj: StoredObject, result: Scan) -> Upload | None:
    """The object as a file to import (options still unread), or None with the reason."""
    layout = layout_of(obj.key)
    if isinstance(layout, str):
        result.skipped.append((obj.key, layout))
        return None
    org, module, name = layout
    try:
        digest = content_digest(storage, obj)
    except FileNotFoundError:
        result.skipped.append((obj.key, "deleted before it could be read"))
        return None
    partition_key = partition_key_for(org, module, safe_name(name), digest)
    return Upload(obj.key, org, module, name, digest, partition_key, {})


def _finish_pass(state: UploadCursor, overlap: float) -> None:
    if state.pass_max:
        state.hwm = max(state.hwm, min(state.pass_max, state.pass_started))
    floor = state.hwm - overlap
    state.seen = {mark: at for mark, at in state.seen.items() if at >= floor}
    state.after, state.pass_started, state.pass_max = "", 0.0, 0.0


def options_for(storage: Storage, key: str, work: Path) -> tuple[dict[str, Any], str]:
    """The options of one uploaded file as the sensor reads them (its sidecar, else its
    folder's `_defaults.yaml`), and the error reading them ("" when none)."""
    options, error, _ = _Options(storage, _Listing(""), work).for_key(key)
    return options, error
