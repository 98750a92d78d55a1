"""What `contactflow` prints for a person (without `--json`): tables for lists and a short
summary for one job, import, export or preview, rendered with rich.

rich is imported inside `print_result`, only when something is printed, so commands keep their
start-up. When stdout is not a terminal rich writes no ANSI codes (plain text, 80 columns or
`$COLUMNS`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import IO, Any
from urllib.parse import unquote, urlsplit

FIRST_ERRORS = 10
FIRST_SAMPLE_ROWS = 5
SAMPLE_COLUMNS = 6
COUNT_LABELS = (
    ("created_rows", "created"),
    ("updated_rows", "updated"),
    ("unchanged_rows", "unchanged"),
    ("skipped_rows", "skipped"),
    ("deleted_rows", "deleted"),
    ("error_rows", "with errors"),
)

Renderable = Any
Renderer = Callable[[dict[str, Any]], list[Renderable]]
RENDERERS: dict[str, Renderer] = {}


def renders(*commands: str) -> Callable[[Renderer], Renderer]:
    def register(func: Renderer) -> Renderer:
        for name in commands:
            RENDERERS[name] = func
        return func

    return register


def make_console(stream: IO[str] | None = None) -> Any:
    """A rich Console on `stream` (stdout): no markup or highlighting of data, so a value such
    as `[VIP]` prints as it is; colour only on a terminal."""
    from rich.console import Console

    return Console(
        file=stream or sys.stdout, markup=False, highlight=False, emoji=False, soft_wrap=False
    )


def print_result(command: str, result: dict[str, Any], stream: IO[str] | None = None) -> None:
    """Print `result` of `command`, without the trailing blanks rich pads table cells with."""
    from rich.text import Text

    out = stream or sys.stdout
    console = make_console(out)
    with console.capture() as captured:
        for part in RENDERERS.get(command, _fields)(result):
            console.print(part, soft_wrap=isinstance(part, Text))
    out.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    out.flush()


# Plain values ----------------------------------------------------------------------------


def show(value: Any) -> str:
    """A value as a person reads it: never Python's None/True/False or a \\u escape."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(show(v) for v in value) or "-"
    return str(value)


def when(value: str | None) -> str:
    """An ISO timestamp as `2026-05-01 12:03:04 UTC`."""
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def duration(start: str | None, end: str | None) -> str | None:
    if not start or not end:
        return None
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s"


def local_path(location: str | None) -> str | None:
    """A `file://` location as a path; other locations (s3://…) as they are."""
    if not location:
        return None
    parts = urlsplit(location)
    return unquote(parts.path) if parts.scheme == "file" else location


def fetch_hint(location: str | None, what: str) -> str | None:
    """How to get a stored file onto this machine (`what`: `rejects 12`, `export 3`); files on
    this machine's disk need nothing."""
    if location and location.startswith("s3://"):
        return f"download: contactflow fetch {what}"
    return None


def size(count: int | None) -> str:
    if count is None:
        return "-"
    value = float(count)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value):,} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} bytes"


def counts_line(result: dict[str, Any]) -> str:
    """`1,234 rows: 1,000 created · 230 updated · 4 with errors` (zero counts left out)."""
    parts = [f"{result[key]:,} {label}" for key, label in COUNT_LABELS if result.get(key)]
    total = result.get("total_rows") or 0
    return f"{total:,} rows" + (": " + " · ".join(parts) if parts else "")


# Building blocks ---------------------------------------------------------------------------


def heading(text: str, status: str | None = None) -> Renderable:
    from rich.text import Text

    line = Text(text, style="bold")
    if status:
        style = {"completed": "green", "failed": "red", "timed_out": "red"}.get(status, "yellow")
        line.append(" · ")
        line.append(status, style=f"bold {style}")
    return line


def fields(rows: Iterable[tuple[str, Any]]) -> Renderable:
    """Label/value lines, leaving out values that are not there. A long value (a path) stays
    on one line, so it can be copied."""
    from rich.text import Text

    present = [(label, value) for label, value in rows if value not in (None, "", [], {})]
    width = max((len(label) for label, _ in present), default=0)
    lines = Text()
    for number, (label, value) in enumerate(present):
        if number:
            lines.append("\n")
        lines.append(label.ljust(width + 2), style="dim")
        lines.append(show(value))
    return lines


def table(
    columns: list[str],
    rows: list[list[str]],
    numeric: Iterable[str] = (),
    flexible: Iterable[str] = (),
) -> Renderable:
    """A table as wide as the terminal at most: only the `flexible` columns give way (cut with
    an ellipsis), the others keep their width."""
    from rich import box
    from rich.table import Table

    numbers, give = set(numeric), set(flexible)
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for name in columns:
        grid.add_column(
            name,
            justify="right" if name in numbers else "left",
            no_wrap=name not in give,
            overflow="ellipsis",
            min_width=None if name in give else len(name),
        )
    for row in rows:
        grid.add_row(*row)
    return grid


def row_problems(items: list[dict[str, Any]], what: str) -> Renderable:
    """Row errors or warnings as a table: row, field, value and the error or warning."""
    keys = ["row", "field", "value", what]
    return table(
        keys, [[show(i.get(k)) for k in keys] for i in items], ["row"], flexible=["value", what]
    )


def errors_block(result: dict[str, Any]) -> list[Renderable]:
    """The first row errors, then `… and N more rows with errors` and where the rejects are."""
    from rich.text import Text

    errors = result.get("errors") or []
    shown = errors[:FIRST_ERRORS]
    parts: list[Renderable] = []
    if shown:
        parts.append(row_problems(shown, "error"))
    rows_shown = len({e.get("row") for e in shown})
    more = max(int(result.get("error_rows") or 0) - rows_shown, len(errors) - len(shown), 0)
    if more and shown:
        parts.append(Text(f"… and {more:,} more {'row' if more == 1 else 'rows'} with errors"))
    rejects = result.get("errors_file")
    if rejects and (shown or result.get("error_rows")):
        parts.append(Text(f"Rejected rows: {local_path(rejects)}"))
        job_id = result.get("import_job_id") or result.get("id")
        if hint := fetch_hint(rejects, f"rejects {job_id}"):
            parts.append(Text(f"  {hint}", style="dim"))
    return parts


def warnings_block(result: dict[str, Any]) -> list[Renderable]:
    """Values dropped under `invalid_values: drop_value` and column warnings (row empty)."""
    from rich.text import Text

    warnings = (result.get("warnings") or [])[:FIRST_ERRORS]
    dropped = int(result.get("warning_rows") or 0)
    parts: list[Renderable] = []
    if dropped:
        rows = (
            "1 row written without its"
            if dropped == 1
            else f"{dropped:,} rows written without their"
        )
        parts.append(Text(f"{rows} invalid values (each is a line in the rejects file)"))
    if warnings:
        parts.append(row_problems(warnings, "warning"))
    rejects = result.get("errors_file")
    if dropped and rejects and not result.get("error_rows"):
        parts.append(Text(f"Dropped values: {local_path(rejects)}"))
    return parts


def date_orders_line(orders: dict[str, str] | None) -> str | None:
    """`Born: day first, Joined: ambiguous` (None without numeric date columns)."""
    shown = [f"{column}: {order.replace('_', ' ')}" for column, order in (orders or {}).items()]
    return ", ".join(shown) or None


# One renderer per command ------------------------------------------------------------------


@renders("import")
def import_summary(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    job_id = result["import_job_id"]
    if "total_rows" not in result:
        return _queued("Import job", job_id, result, "job", None)
    parts: list[Renderable] = [
        heading(f"Import job {job_id}", result.get("status")),
        Text(counts_line(result)),
    ]
    references = {k: v for k, v in (result.get("created_references") or {}).items() if v}
    warnings = [
        f"{w['field']}: {', '.join(map(str, w.get('unresolved_values', [])[:5]))}"
        for w in result.get("reference_warnings") or []
    ]
    mapping = [
        f"{m['source_column']} → {m['target_field']}"
        for m in result.get("mapping_used") or []
        if m.get("target_field") and not m.get("ignored")
    ]
    parts.append(
        fields(
            [
                ("action", result.get("action")),
                ("created references", show(references) if references else None),
                ("unresolved references", "; ".join(warnings) or None),
                ("mapping", ", ".join(mapping) or None),
                ("date order", date_orders_line(result.get("date_orders"))),
                ("plan (nothing written)", local_path(result.get("plan_file"))),
            ]
        )
    )
    return [*parts, *warnings_block(result), *errors_block(result)]


def _queued(
    what: str, job_id: int, result: dict[str, Any], poll: str, fetch: str | None
) -> list[Renderable]:
    """A run queued with --launch: its run and how to follow it (and fetch its file)."""
    from rich.text import Text

    parts = [
        heading(f"{what} {job_id} queued", None),
        fields([("run", result.get("run_id"))]),
        Text(f"Follow it with: contactflow {poll} {job_id}"),
    ]
    if fetch:
        parts.append(Text(f"Then download it: contactflow fetch {fetch} {job_id}"))
    return parts


@renders("job")
def job_summary(job: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    if job.get("deleted"):
        return job_deleted(job)
    parts: list[Renderable] = [
        heading(f"Import job {job['id']}", job.get("status")),
        Text(counts_line(job)),
    ]
    if job.get("status") == "processing" and job.get("total_rows"):
        parts.append(Text(f"{job['processed_rows']:,} of {job['total_rows']:,} rows processed"))
    references = {k: v for k, v in (job.get("created_references") or {}).items() if v}
    parts.append(
        fields(
            [
                ("org / module", f"{job['org']} / {job['module']}"),
                ("file", " ".join(filter(None, (job.get("file_name"), _paren(job, "file_type"))))),
                ("action", f"{job['action']}{' (validate only)' if job['validate_only'] else ''}"),
                ("reason", job.get("reason")),
                ("source", job.get("source")),
                ("campaign", job.get("campaign_id")),
                ("created references", show(references) if references else None),
                ("created", when(job.get("created_at"))),
                ("completed", when(job["completed_at"]) if job.get("completed_at") else None),
                ("took", duration(job.get("started_at"), job.get("completed_at"))),
                ("rollback until", when(job["expires_at"]) if job.get("expires_at") else None),
                ("upload", local_path(job.get("upload_location"))),
                ("plan", local_path(job.get("plan_file"))),
                ("erasures", _erasures(job.get("erasures"))),
                ("run", job.get("run_id")),
            ]
        )
    )
    return [*parts, *warnings_block(job), *errors_block(job)]


def _erasures(entries: list[dict[str, Any]] | None) -> str | None:
    """`2 (last 2026-12-05 18:00:00 UTC)`: how many erasures changed the job's history or
    files."""
    if not entries:
        return None
    return f"{len(entries)} (last {when(entries[-1].get('at'))})"


def job_deleted(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    detached = result.get("detached_records") or {}
    files = result.get("deleted_files") or []
    records = f"{show(sum(detached.values()))} records ({show(detached)})" if detached else "none"
    parts: list[Renderable] = [
        heading(f"Deleted import job {result['import_job_id']}"),
        Text("Its records stay, no longer linked to it; it can no longer be rolled back."),
        fields(
            [
                ("records unlinked", records),
                ("history removed", f"{show(result.get('deleted_events') or 0)} change events"),
                ("files deleted", show(len(files))),
            ]
        ),
    ]
    return parts + [Text(f"  {local_path(location)}") for location in files]


@renders("fetch export", "fetch rejects", "fetch upload")
def fetch_summary(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    what = {"export": "export", "rejects": "rejected rows", "upload": "upload"}[result["fetched"]]
    job = (
        f"export job {result['export_job_id']}"
        if "export_job_id" in result
        else (f"import job {result['import_job_id']}")
    )
    return [
        Text(f"Fetched the {what} of {job}"),
        fields(
            [
                ("file", result["file"]),
                ("manifest", result.get("manifest_file")),
                ("size", size(result.get("size_bytes"))),
                ("from", local_path(result.get("source"))),
            ]
        ),
    ]


def _paren(row: dict[str, Any], key: str) -> str | None:
    return f"({row[key]})" if row.get(key) else None


@renders("jobs")
def jobs_table(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    jobs = result["jobs"]
    if not jobs:
        return [Text("No import jobs match.")]
    modules = sorted({j["module"] for j in jobs})
    columns = ["id", "status", "module", "file", "rows", "created", "updated", "errors", "at"]
    if len(modules) == 1:
        columns.remove("module")
    rows = [
        [
            {
                "id": str(j["id"]),
                "status": j["status"],
                "module": j["module"],
                "file": j.get("file_name") or "-",
                "rows": show(j.get("total_rows") or 0),
                "created": show(j.get("created_rows") or 0),
                "updated": show(j.get("updated_rows") or 0),
                "errors": show(j.get("error_rows") or 0),
                "at": when(j.get("created_at"))[:16],
            }[name]
            for name in columns
        ]
        for j in jobs
    ]
    numeric = ["id", "rows", "created", "updated", "errors"]
    scope = f" of {jobs[0]['org']}/{modules[0]}" if len(modules) == 1 else ""
    return [
        table(columns, rows, numeric, flexible=["file"]),
        Text(f"{len(jobs)} import jobs{scope}, newest first", style="dim"),
    ]


@renders("exports")
def export_jobs_table(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    jobs = result["export_jobs"]
    if not jobs:
        return [Text("No export jobs match.")]
    columns = ["id", "status", "module", "format", "rows", "size", "requested", "expires"]
    rows = [
        [
            str(j["id"]),
            j["status"],
            j["module"],
            j["format"],
            show(j.get("row_count") or 0),
            size(j.get("size_bytes")),
            when(j.get("requested_at"))[:16],
            when(j["expires_at"])[:10] if j.get("expires_at") else "-",
        ]
        for j in jobs
    ]
    return [
        table(columns, rows, ["id", "rows"], flexible=["module"]),
        Text(f"{len(jobs)} export jobs of {jobs[0]['org']}, newest first", style="dim"),
    ]


@renders("export-job")
def export_job_summary(job: dict[str, Any]) -> list[Renderable]:
    return _export_block(
        job,
        job["id"],
        job.get("file_location"),
        [
            ("org / module", f"{job['org']} / {job['module']}"),
            ("format", job.get("format")),
            ("name", job.get("name")),
            ("reason", job.get("reason")),
            ("file", local_path(job.get("file_location"))),
            ("manifest", local_path(job.get("manifest_location"))),
            ("size", size(job.get("size_bytes"))),
            ("type", job.get("content_type")),
            ("requested", when(job.get("requested_at"))),
            ("completed", when(job["completed_at"]) if job.get("completed_at") else None),
            ("expires", when(job["expires_at"]) if job.get("expires_at") else None),
            ("download", job.get("download_url")),
            ("run", job.get("run_id")),
        ],
    )


@renders("rollback")
def rollback_summary(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    conflicts = result.get("conflicts") or []
    parts: list[Renderable] = [
        heading(
            f"Dry run: rolling back import job {result['import_job_id']} would give"
            if result.get("dry_run")
            else f"Rolled back import job {result['import_job_id']}"
        ),
        Text(
            f"{result.get('deleted_rows') or 0:,} records deleted · "
            f"{result.get('restored_rows') or 0:,} restored · {len(conflicts):,} conflicts"
        ),
    ]
    if conflicts:
        shown = conflicts[:FIRST_ERRORS]
        parts.append(
            table(
                ["record", "reason"],
                [[show(c.get("record_id")), show(c.get("reason"))] for c in shown],
                numeric=["record"],
                flexible=["reason"],
            )
        )
        if len(conflicts) > len(shown):
            parts.append(Text(f"… and {len(conflicts) - len(shown):,} more conflicts"))
    return parts


@renders("history")
def history_summary(result: dict[str, Any]) -> list[Renderable]:
    """One block per change, newest first: when, what, which import, file and row, then a
    table of the fields it set (old -> new)."""
    from rich.text import Text

    changes = result.get("changes") or []
    parts: list[Renderable] = [
        heading(f"Record {result['record_id']}: {len(changes):,} changes, newest first")
    ]
    for change in changes:
        source = f"import job {change['import_job_id']}"
        if change.get("file_name"):
            source += f", {change['file_name']}"
        if change.get("row") is not None:
            source += f" row {change['row']:,}"
        parts.append(Text(f"{when(change.get('at'))}  {change['action']}  ({source})"))
        fields = change.get("fields") or {}
        if fields:
            parts.append(
                table(
                    ["field", "old", "new"],
                    [[name, show(v["old"]), show(v["new"])] for name, v in fields.items()],
                    flexible=["old", "new"],
                )
            )
    return parts


@renders("erase")
def erase_summary(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    count = result.get("erased_records") or 0
    records = f"{count:,} record{'' if count == 1 else 's'}"
    touched = result.get("touched") or {}
    parts: list[Renderable] = [
        heading(
            f"Dry run: erasing would remove {records}"
            if result.get("dry_run")
            else f"Erased {records}"
        ),
        table(
            ["table or file kind", "count"],
            [[kind, show(count)] for kind, count in sorted(touched.items())],
            numeric=["count"],
        )
        if touched
        else Text("Nothing held the selected people."),
    ]
    if result.get("receipt_file"):
        parts.append(Text(f"Receipt (no personal data): {local_path(result['receipt_file'])}"))
    elif result.get("dry_run"):
        parts.append(Text("Nothing was changed; run it without --dry-run to erase."))
    return parts


@renders("export")
def export_summary(result: dict[str, Any]) -> list[Renderable]:
    if "row_count" not in result:
        return _queued("Export job", result["export_job_id"], result, "export-job", "export")
    return _export_block(
        result,
        result["export_job_id"],
        result.get("file"),
        [
            ("file", local_path(result.get("file"))),
            ("manifest", local_path(result.get("manifest_file"))),
            ("size", size(result.get("size_bytes"))),
            ("type", result.get("content_type")),
            ("expires", when(result["expires_at"]) if result.get("expires_at") else None),
        ],
    )


def _export_block(
    job: dict[str, Any], job_id: int, file: str | None, items: list[tuple[str, Any]]
) -> list[Renderable]:
    """An export's heading, row count and fields, then how to fetch the file."""
    from rich.text import Text

    parts: list[Renderable] = [
        heading(f"Export job {job_id}", job.get("status")),
        Text(f"{job.get('row_count') or 0:,} rows"),
        fields(items),
    ]
    if hint := fetch_hint(file, f"export {job_id}"):
        parts.append(Text(hint, style="dim"))
    return parts


@renders("schedules list")
def schedules_table(result: dict[str, Any]) -> list[Renderable]:
    """Saved schedules and exports.yaml's, then each disabled one's problem in full."""
    from rich.text import Text

    schedules = result["schedules"]
    if not schedules:
        return [Text("No schedules: add one with contactflow schedules add NAME --cron ...")]
    columns = ["name", "from", "status", "cron", "timezone", "export", "next run"]
    rows = [
        [
            s["name"],
            "table" if s["source"] == "table" else "yaml",
            s["status"],
            show(s.get("cron")),
            show(s.get("timezone")),
            _export_of(s),
            _minute(s.get("next_run")),
        ]
        for s in schedules
    ]
    parts: list[Renderable] = [table(columns, rows, flexible=["timezone", "export"])]
    disabled = [s for s in schedules if s.get("problem")]
    note = f"{len(schedules)} schedules; next run in each schedule's time zone"
    if disabled:
        note = f"{len(schedules)} schedules, {len(disabled)} disabled by a problem:"
    parts.append(Text(note, style="dim"))
    parts += [Text(f"  {s['name']} ({s['source']}): {s['problem']}") for s in disabled]
    return parts


def _export_of(schedule: dict[str, Any]) -> str:
    """`acme/contacts xlsx`, with what a disabled entry leaves out left out."""
    where = "/".join(str(schedule[k]) for k in ("org", "module") if schedule.get(k))
    return " ".join(p for p in (where, schedule.get("format")) if p) or "-"


def _minute(moment: str | None) -> str:
    """`2026-12-07T07:00:00+01:00` as `2026-12-07 07:00` (the schedule's own time zone)."""
    return moment[:16].replace("T", " ") if moment else "-"


def schedule_summary(verb: str) -> Renderer:
    """`Schedule NAME added` and the schedule's fields."""

    def render(schedule: dict[str, Any]) -> list[Renderable]:
        next_run = schedule.get("next_run")
        return [
            heading(f"Schedule {schedule['name']} {verb}"),
            fields(
                [
                    ("status", schedule.get("status")),
                    ("cron", f"{schedule.get('cron')} ({schedule.get('timezone')})"),
                    ("org / module", f"{schedule.get('org')} / {schedule.get('module')}"),
                    ("format", schedule.get("format")),
                    ("next run", _minute(next_run) if next_run else None),
                    ("problem", schedule.get("problem")),
                ]
            ),
        ]

    return render


for _command, _verb in (
    ("schedules add", "added"),
    ("schedules pause", "paused"),
    ("schedules resume", "resumed"),
    ("schedules remove", "removed"),
):
    renders(_command)(schedule_summary(_verb))


@renders("preview")
def preview_summary(result: dict[str, Any]) -> list[Renderable]:
    from rich.text import Text

    layout = [
        str(result.get("file_type") or "").upper(),
        str(result.get("encoding") or ""),
        f"delimiter {result['delimiter']!r}" if result.get("delimiter") else "",
        f"header row {result['header_row']}" if result.get("header_row") else "",
        f"{result.get('total_rows') or 0:,} rows",
    ]
    parts: list[Renderable] = [
        heading(str(result.get("file_name"))),
        Text(" · ".join(p for p in layout if p)),
    ]
    if orders := date_orders_line(result.get("date_orders")):
        parts.append(Text(f"Date order: {orders}"))
    suggestions = {s["source_column"]: s for s in result.get("suggestions") or []}
    rows = []
    for column in result.get("source_columns") or []:
        found = suggestions.get(column)
        target = found.get("target_field") if found else None
        if target and found:
            extra = "/".join(filter(None, (found.get("value_type"), found.get("address_part"))))
            target = f"{target} ({extra})" if extra else target
            confidence = f"{float(found.get('confidence') or 0):.0%}"
        else:
            target, confidence = "not mapped", ""
        rows.append([column, target, confidence])
    parts.append(Text("Suggested mapping", style="bold"))
    parts.append(
        table(["column", "field", "confidence"], rows, ["confidence"], flexible=["column"])
    )
    sample = (result.get("sample_rows") or [])[:FIRST_SAMPLE_ROWS]
    if sample:
        columns = list(sample[0])
        shown = columns[:SAMPLE_COLUMNS]
        parts.append(Text(f"First {len(sample)} rows", style="bold"))
        parts.append(
            table(shown, [[show(row.get(c)) for c in shown] for row in sample], flexible=shown)
        )
        if len(columns) > len(shown):
            parts.append(Text(f"… and {len(columns) - len(shown)} more columns"))
    return parts


@renders("demo")
def demo_summary(result: dict[str, Any]) -> list[Renderable]:
    """The demo's import and export as `import` and `export` print them, the first lines of
    the rejects and export files, and what to try next."""
    from rich.text import Text

    imported = {**result["summary"], "errors": result.get("row_errors") or []}
    parts: list[Renderable] = [Text(f"Imported {result['imported_file']}"), Text("")]
    parts += import_summary(imported)
    if preview := result.get("rejects_preview"):
        parts += [Text(""), Text("The rejects file starts:"), Text("\n".join(preview))]
    parts += [Text(""), *export_summary({"status": "completed", **result["export"]})]
    if preview := result.get("export_preview"):
        parts += [Text(""), Text("The export starts:"), Text("\n".join(preview))]
    parts += [Text(""), Text(f"Next: {result['next']}")]
    return parts


def _fields(result: dict[str, Any]) -> list[Renderable]:
    """Any other result (db commands, demo): one line per key, nested values flattened."""
    return [fields((key.replace("_", " "), _plain(value)) for key, value in result.items())]


def _plain(value: Any) -> Any:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    if isinstance(value, (list, dict)) or value is None or isinstance(value, bool):
        return show(value)
    return value
