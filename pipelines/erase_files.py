"""Erasure in stored files: rewrite rejects, plans, uploads and exports without a person's rows,
or delete what cannot be rewritten (see docs/erasure.md)."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.errors import InputRejected
from pipelines.exports.jobstore import stored_file
from pipelines.fetch import missing_object
from schemas.modules import DataType, ModuleDef

REWRITABLE_UPLOADS = ("csv", "json", "jsonl")
CLI_UPLOADS = "/_cli/"


@dataclass(frozen=True)
class Person:
    """What finds the erased people in files: their email addresses (any cell that contains
    one, case-insensitive), LinkedIn URLs (a cell equal to one) and record ids (plan rows)."""

    record_ids: frozenset[int]
    emails: frozenset[str]
    urls: frozenset[str] = frozenset()
    since: datetime | None = None  # the earliest known creation: older exports cannot hold them

    @functools.cached_property
    def _email_text(self) -> re.Pattern[str] | None:
        return re.compile(email_pattern(self.emails), re.IGNORECASE) if self.emails else None

    @functools.cached_property
    def _email_bytes(self) -> re.Pattern[bytes] | None:
        pattern = email_pattern(self.emails).encode()
        return re.compile(pattern, re.IGNORECASE) if self.emails else None

    def matches(self, cells: Iterable[Any]) -> bool:
        for cell in cells:
            if cell is None:
                continue
            text = str(cell).strip().lower()
            if text in self.urls or (self._email_text and self._email_text.search(text)):
                return True
        return False

    def in_bytes(self, data: bytes) -> bool:
        return bool(self._email_bytes and self._email_bytes.search(data))


def email_pattern(emails: Iterable[str]) -> str:
    """A regular expression, the same in Python and PostgreSQL, matching any of the emails as
    a whole address: erasing bob@x.com must not touch jimbob@x.com or bob@x.com.au. Text
    before it may not be an address character; after it, no more name or domain."""
    literal = "|".join(re.sub(r"([^A-Za-z0-9\x80-\U0010ffff])", r"\\\1", e) for e in sorted(emails))
    return rf"(?<![\w.+%-])(?:{literal})(?![\w-]|\.\w)"


RowTest = Callable[[list[str]], bool]


def filter_csv(
    source: Path,
    target: Path,
    drop: RowTest,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> int:
    """Copy a delimited file without the records `drop` picks; returns how many it dropped."""
    dropped = 0
    with open(source, "rb") as raw:
        ending = "\r\n" if b"\r\n" in raw.read(1 << 16) else "\n"
    with (
        open(source, encoding=encoding, newline="") as src,
        open(target, "w", encoding=encoding, newline="") as dst,
    ):
        writer = csv.writer(dst, delimiter=delimiter, lineterminator=ending)
        for record in csv.reader(src, delimiter=delimiter):
            if drop(record):
                dropped += 1
            else:
                writer.writerow(record)
    return dropped


def filter_json(source: Path, target: Path, person: Person, lines: bool = False) -> int:
    """Copy a JSON array (or JSON lines) without the objects that hold the person."""
    from pipelines.imports.parse import flatten_json

    def holds(item: Any) -> bool:
        values = flatten_json(item).values() if isinstance(item, dict) else [item]
        return person.matches(values)

    text = source.read_text(encoding="utf-8-sig")
    if lines:
        kept = [
            line for line in text.splitlines() if not line.strip() or not holds(json.loads(line))
        ]
        target.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
        return len(text.splitlines()) - len(kept)
    items = json.loads(text)
    kept_items = [item for item in items if not holds(item)]
    target.write_text(json.dumps(kept_items, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return len(items) - len(kept_items)


class StoredFiles:
    """Files at stored locations (file:// or s3://), rewritten through a local work folder."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self._work = tempfile.TemporaryDirectory(prefix="contactflow-erase-")
        self.folder = Path(self._work.name)
        self._count = 0

    def close(self) -> None:
        self._work.cleanup()

    def fetch(self, location: str) -> Path | None:
        """A private local copy of the file at `location`; None when it is gone."""
        storage, key = stored_file(location)
        self._count += 1
        target = self.folder / f"{self._count}-{Path(key).name}"
        try:
            storage.get_file(key, target)
        except Exception as exc:
            if missing_object(exc):  # gone; anything else (no permission, disk full) is an error
                return None
            raise
        return target

    def rewrite(
        self, location: str, change: Callable[[Path, Path], int], content_type: str | None = None
    ) -> int:
        """Apply `change(old, new)` to the file at `location` and store the result in its
        place when it dropped rows (not on a dry run); returns the rows dropped."""
        local = self.fetch(location)
        if local is None:
            return 0
        new = local.with_name(f"new-{local.name}")
        dropped = change(local, new)
        if dropped and not self.dry_run:
            storage, key = stored_file(location)
            storage.put_file(new, key, content_type)
        return dropped

    def delete(self, location: str) -> bool:
        if self.dry_run:
            return self.fetch(location) is not None
        storage, key = stored_file(location)
        return storage.delete(key)


def erase_rejects(files: StoredFiles, job: dict[str, Any], person: Person) -> dict[str, int]:
    """The job's rejects CSV and JSON twin without the person's rows: {kind: files changed}."""
    location = job.get("errors_file")
    if not location:
        return {}
    twin = f"{location.removesuffix('.csv')}.json"
    csv_rows = files.rewrite(location, lambda a, b: filter_csv(a, b, person.matches), "text/csv")
    json_rows = files.rewrite(twin, lambda a, b: filter_json(a, b, person), "application/json")
    return {"rejects_csv": int(csv_rows > 0), "rejects_json": int(json_rows > 0)}


def erase_plan(files: StoredFiles, job: dict[str, Any], person: Person) -> dict[str, int]:
    """The validate-only plan without the person's rows (by record id or a value)."""
    location = job.get("plan_file")
    if not location:
        return {}
    ids = {str(i) for i in person.record_ids}

    def drop(record: list[str]) -> bool:
        return (len(record) > 2 and record[2] in ids) or person.matches(record)

    dropped = files.rewrite(location, lambda a, b: filter_csv(a, b, drop), "text/csv")
    return {"plan_files": int(dropped > 0)}


def erase_upload(files: StoredFiles, job: dict[str, Any], person: Person) -> str | None:
    """The job's stored upload without the person: a CLI copy in a text format is rewritten;
    a spreadsheet, or an object dropped into the uploads bucket (a rewritten object is a new
    file to the uploads sensor, which would import it again), is deleted. Returns
    "rewritten", "deleted" or None (the upload does not hold the person, or is gone)."""
    location = job.get("upload_location")
    local = files.fetch(location) if location else None
    if local is None or not location:
        return None
    source = _readable(local, job)
    if source is None or not _holds(source, person):
        return None
    file_type = source.info.file_type
    if CLI_UPLOADS in location and file_type in REWRITABLE_UPLOADS:
        files.rewrite(location, lambda a, b: _filter_upload(a, b, source.info, person))
        return "rewritten"
    files.delete(location)
    return "deleted"


def _readable(local: Path, job: dict[str, Any]) -> Any:
    """The upload as the import read it (its parsing hints), or None when it cannot be read."""
    from pipelines.imports.parse import ParseHints, SourceFile

    options = job.get("options") or {}
    hints = ParseHints(
        encoding=options.get("encoding"),
        delimiter=options.get("delimiter"),
        header_row=options.get("header_row"),
        sheet=options.get("sheet"),
        max_file_mb=float("inf"),
    )
    try:
        return SourceFile(local, hints, file_name=job.get("file_name"))
    except InputRejected:
        return None


def _holds(source: Any, person: Person) -> bool:
    for chunk in source.chunks():
        for frame in (chunk.frame, chunk.bad):
            if any(person.matches(row) for row in frame.itertuples(index=False)):
                return True
    return False


def _filter_upload(old: Path, new: Path, info: Any, person: Person) -> int:
    if info.file_type == "csv":
        encoding = info.encoding or "utf-8"
        return filter_csv(old, new, person.matches, encoding, info.delimiter or ",")
    return filter_json(old, new, person, lines=info.file_type == "jsonl")


def erase_export(
    files: StoredFiles, job: dict[str, Any], module: ModuleDef, person: Person
) -> str | None:
    """An unexpired export without the person: a CSV is rewritten with its manifest; an XLSX
    that holds them is deleted with its manifest. An export whose columns cannot show who a
    row is (no email, LinkedIn URL or id column), and a PDF (its text cannot be searched
    reliably), is deleted when it may hold them (completed after they were created). Returns
    "rewritten", "erased" or None (nothing of the person in it)."""
    location = job.get("file_location")
    completed = job.get("completed_at")
    if not location or (person.since and completed and _before(completed, person.since)):
        return None
    finder = _row_finder(job, module, person)
    if finder is not None and job["format"] == "csv":
        return "rewritten" if _rewrite_csv_export(files, job, finder) else None
    if finder is not None and job["format"] == "xlsx" and not _xlsx_holds(files, location, finder):
        return None
    for stored in filter(None, (location, job.get("manifest_location"))):
        files.delete(stored)
    return "erased"


def _before(moment: str, since: datetime) -> bool:
    return datetime.fromisoformat(moment) < since


def _row_finder(job: dict[str, Any], module: ModuleDef, person: Person) -> RowTest | None:
    """How to tell the person's rows in this export, or None when its columns cannot."""
    specs = (job.get("options") or {}).get("columns") or list(module.display_fields)
    names = [str(spec).strip().partition(":")[0].partition(".")[0] for spec in specs]
    id_at = names.index("id") if "id" in names else None
    kinds = (DataType.EMAIL, DataType.LINKEDIN_URL)
    shown = {f.slug for f in module.fields if f.data_type in kinds} & set(names)
    if id_at is None and not (shown and (person.emails or person.urls)):
        return None
    ids = {str(i) for i in person.record_ids}

    def holds(record: list[str]) -> bool:
        by_id = id_at is not None and id_at < len(record) and record[id_at] in ids
        return by_id or person.matches(record)

    return holds


def _rewrite_csv_export(files: StoredFiles, job: dict[str, Any], finder: RowTest) -> int:
    options = job.get("options") or {}
    encoding = "utf-8-sig" if options.get("bom") else "utf-8"
    delimiter = options.get("delimiter") or ","
    local = files.fetch(job["file_location"])
    if local is None:
        return 0
    new = local.with_name(f"new-{local.name}")
    dropped = filter_csv(local, new, finder, encoding, delimiter)
    if dropped and not files.dry_run:
        storage, key = stored_file(job["file_location"])
        storage.put_file(new, key, job.get("content_type"))
        job["row_count"] = max(int(job.get("row_count") or 0) - dropped, 0)
        job["size_bytes"] = new.stat().st_size
        if job.get("manifest_location"):
            _rewrite_manifest(files, job["manifest_location"], new, job["row_count"])
    return dropped


def _rewrite_manifest(files: StoredFiles, location: str, data: Path, rows: int) -> None:
    local = files.fetch(location)
    if local is None:
        return
    manifest = json.loads(local.read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256(data.read_bytes()).hexdigest()
    manifest["row_count"] = rows
    local.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    storage, key = stored_file(location)
    storage.put_file(local, key, "application/json")


def _xlsx_holds(files: StoredFiles, location: str, finder: RowTest) -> bool:
    from openpyxl import load_workbook

    local = files.fetch(location)
    if local is None:
        return False
    workbook = load_workbook(local, read_only=True)
    try:
        return any(
            finder(["" if v is None else str(v) for v in row])
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    finally:
        workbook.close()


def erase_run_files(root: Path, run_ids: list[str], person: Person, dry_run: bool) -> int:
    """Delete the files of these Dagster runs (`root/<run id>/`: step outputs and compute logs,
    which cannot be rewritten safely) that hold one of the person's emails; returns how many."""
    count = 0
    folders = [root / run_id for run_id in run_ids if run_id and "/" not in run_id]
    for path in (p for folder in folders if folder.is_dir() for p in folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and person.in_bytes(path.read_bytes()):
            count += 1
            if not dry_run:
                path.unlink()
    return count
