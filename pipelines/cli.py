"""The `contactflow` command: a thin shell over the same jobs and helpers Dagster runs.

Every command returns a dict; `--json` prints it as one JSON object on stdout (logs go to
stderr), otherwise `pipelines.console` prints it for a person. `import` and `export` draw a
progress bar on stderr when it is a terminal (`pipelines.progress`; `--quiet` turns it off).
Rejected input, a failed job or a transient failure exits 2 with a one-line message on stderr,
a bug exits 1 (`pipelines.errors.classify` decides which).

Start-up matters for a command-line tool: this module imports only the standard library, and
each command imports what it uses (`jobs` needs neither Dagster nor pandas; `import` loads the
import job, not the export renderers; rich is imported only to print).
"""

from __future__ import annotations

import argparse
import atexit
import functools
import gc
import json
import logging
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.errors import (
    ErrorKind,
    InputRejected,
    JobFailed,
    classify,
    database_cause,
    is_connection_error,
)

if TYPE_CHECKING:
    from pipelines.progress import JobProgress

Handler = Callable[[argparse.Namespace], dict[str, Any]]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        COMMANDS[name] = func
        return func

    return register


_modules_loaded = False


@contextmanager
def _loading_modules() -> Iterator[None]:
    """Import a command's modules with the garbage collector paused, then freeze what they
    created. Importing Dagster, pandas and SQLAlchemy makes a few hundred thousand objects that
    live as long as the process; collecting while they are created found nothing to free and
    took about 0.5 s of an import command, and once frozen, the collections made while the
    command runs no longer walk them. Done once per process (the first command)."""
    global _modules_loaded
    if _modules_loaded:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _modules_loaded = True
        gc.freeze()
        if enabled:
            gc.enable()


@command("db upgrade")
def db_upgrade(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from migrations import current_revision, head_revision, upgrade
        from resources.postgres import database_url

    url = database_url()
    before = current_revision(url)
    upgrade(url)
    return {
        "database": _redact(url),
        "from_revision": before,
        "revision": current_revision(url),
        "head": head_revision(),
    }


@command("db status")
def db_status(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from migrations import current_revision, head_revision
        from resources.embedded_postgres import EmbeddedPostgres
        from resources.postgres import database_url

    embedded = "DATABASE_URL" not in os.environ
    url = database_url()
    revision = current_revision(url)
    result: dict[str, Any] = {
        "database": _redact(url),
        "embedded": embedded,
        "revision": revision,
        "head": head_revision(),
        "up_to_date": revision == head_revision(),
    }
    if embedded:
        result["data_dir"] = str(EmbeddedPostgres.default().data_dir)
    return result


@command("db stop")
def db_stop(args: argparse.Namespace) -> dict[str, Any]:
    from resources.embedded_postgres import EmbeddedPostgres

    server = EmbeddedPostgres.default()
    return {"data_dir": str(server.data_dir), "was_running": server.stop()}


@command("preview")
def preview(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.imports import service

    options = service.build_options({}, _option_flags(args))
    return service.preview(Path(args.file), args.module, options)


@command("import")
def import_(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.imports import service
        from pipelines.imports.jobs import import_now

    base = service.read_options_file(Path(args.mapping)) if args.mapping else {}
    options = service.build_options(base, _import_flags(args))
    path = Path(args.file)
    with _import_progress(args, options.file_name or path.name):
        return import_now(path, args.org, args.module, options, launch=args.launch)


def _import_progress(args: argparse.Namespace, file_name: str) -> JobProgress:
    """The bar of the import job this command is about to create (the first job for this org,
    module and file after the newest job now)."""
    from pipelines.progress import JobProgress, import_phase, wanted

    if not wanted(args.quiet) or args.launch:
        return JobProgress(lambda: None, import_phase, enabled=False)
    from pipelines.imports import jobstore
    from resources.postgres import migrated_engine
    from schemas.modules import get_module

    engine, module = migrated_engine(), get_module(args.module).slug
    after = jobstore.last_job_id(engine)
    return JobProgress(
        lambda: jobstore.first_job_after(engine, after, args.org, module, file_name), import_phase
    )


@command("jobs")
def jobs(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.imports import jobstore
        from resources.postgres import migrated_engine

    return {
        "jobs": jobstore.list_jobs(
            migrated_engine(),
            args.org,
            args.module,
            args.status,
            args.source,
            args.campaign,
            args.limit,
        )
    }


@command("exports")
def exports(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports import jobstore
        from resources.postgres import migrated_engine

    return {
        "export_jobs": jobstore.list_jobs(
            migrated_engine(), args.org, args.module, args.status, args.limit
        )
    }


@command("export-job")
def export_job(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports import jobstore
        from resources.postgres import migrated_engine

    job = jobstore.get_job(migrated_engine(), args.id, args.org)
    return {**job, "download_url": jobstore.download_url(job)}


@command("job")
def job(args: argparse.Namespace) -> dict[str, Any]:
    """One import job; `--set` updates its cohort metadata, `--delete` deletes its record."""
    with _loading_modules():
        from pipelines.imports import cohorts, jobstore
        from resources.postgres import migrated_engine

    engine = migrated_engine()
    if args.delete:
        if args.set:
            raise InputRejected("job --delete takes no --set: delete or update, not both.")
        return cohorts.delete_job(engine, args.id, args.org)
    if args.set:
        values = cohorts.metadata_updates(args.set)
        return cohorts.update_metadata(engine, args.id, args.org, values)
    return jobstore.get_job(engine, args.id, args.org)


@command("history")
def history(args: argparse.Namespace) -> dict[str, Any]:
    """Field-level provenance of one record (issue 15 item 1)."""
    with _loading_modules():
        from pipelines.imports.history import record_history
        from pipelines.names import check_org
        from resources.postgres import migrated_engine

    check_org(args.org)
    return record_history(migrated_engine(), args.org, args.module, args.id, args.email)


@command("rollback")
def rollback(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.imports import jobstore
        from pipelines.imports.jobs import execute_rollback
        from pipelines.instance import failure_reason, get_instance
        from resources.postgres import migrated_engine

    jobstore.get_job(migrated_engine(), args.id, args.org)
    with execute_rollback(get_instance(pooled=True), args.id, args.dry_run) as result:
        if not result.success:
            raise JobFailed(failure_reason(result))
        return dict(result.output_for_node("rollback_records"))


@command("erase")
def erase(args: argparse.Namespace) -> dict[str, Any]:
    """Erase people from records, history, files and Dagster's storage (docs/erasure.md)."""
    with _loading_modules():
        from pipelines import erase as erasure
        from resources.postgres import migrated_engine

    chosen = erasure.selection(args.id, args.email, args.file)
    return erasure.erase(migrated_engine(), args.org, args.module, chosen, args.dry_run)


@command("export")
def export(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports.flags import options_from_args
        from pipelines.exports.jobs import export_now

    if args.saved:
        return _export_saved(args)
    if None in (args.org, args.module, args.format):  # an empty org is the names rule's
        raise InputRejected("export needs --org, --module and --format (or --saved NAME).")
    options = options_from_args(args)
    with _export_progress(args, args.org, args.module, args.format):
        return export_now(args.org, args.module, options, args.output, args.force, args.launch)


def _export_saved(args: argparse.Namespace) -> dict[str, Any]:
    """`export --saved NAME`: the saved export (table or exports.yaml) once, now, as saved."""
    from pipelines.exports.jobs import export_now
    from pipelines.exports.saved import find_saved
    from resources.postgres import migrated_engine

    given = [flag for flag, dest in EXPORT_FLAGS if getattr(args, dest) not in (None, [])]
    if given:
        raise InputRejected(
            f"--saved runs the export as it is saved; leave out {', '.join(given)}."
        )
    found = find_saved(migrated_engine(), args.saved)
    with _export_progress(args, found.org, found.module, found.format):
        return export_now(
            found.org,
            found.module,
            found.options,
            args.output,
            args.force,
            args.launch,
            name=found.name,
            destination=found.destination,
        )


def _export_progress(args: argparse.Namespace, org: str, module: str, fmt: str) -> JobProgress:
    from pipelines.progress import JobProgress, export_phase, wanted

    if not wanted(args.quiet) or args.launch:
        return JobProgress(lambda: None, export_phase, enabled=False)
    from pipelines.exports import jobstore
    from resources.postgres import migrated_engine

    engine = migrated_engine()
    after = jobstore.last_job_id(engine)
    return JobProgress(
        lambda: jobstore.first_job_after(engine, after, org, module, fmt), export_phase
    )


@command("fetch export")
@command("fetch rejects")
@command("fetch upload")
def fetch(args: argparse.Namespace) -> dict[str, Any]:
    """Download an export, an import's rejects or its upload to `--output`."""
    with _loading_modules():
        from pipelines import fetch as stored
        from resources.postgres import migrated_engine

    engine, place = migrated_engine(), (args.output, args.force)
    if args.fetch_command == "export":
        return stored.fetch_export(engine, args.id, args.org, *place)
    if args.fetch_command == "rejects":
        return stored.fetch_rejects(engine, args.id, args.org, args.format, *place)
    return stored.fetch_upload(engine, args.id, args.org, *place)


@command("schedules add")
def schedules_add(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports.flags import options_from_args
        from pipelines.exports.saved import add_saved
        from resources.postgres import migrated_engine

    options = options_from_args(args)
    return add_saved(
        migrated_engine(), args.name, args.cron, args.timezone, args.org, args.module, options
    )


@command("schedules list")
def schedules_list(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports.saved import list_saved, now
        from resources.postgres import migrated_engine

    return {"schedules": list_saved(migrated_engine(), now())}


@command("schedules pause")
def schedules_pause(args: argparse.Namespace) -> dict[str, Any]:
    return _set_schedule_status(args.name, "paused")


@command("schedules resume")
def schedules_resume(args: argparse.Namespace) -> dict[str, Any]:
    return _set_schedule_status(args.name, "active")


def _set_schedule_status(name: str, status: str) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports.saved import set_saved_status
        from resources.postgres import migrated_engine

    return set_saved_status(migrated_engine(), name, status)


@command("schedules remove")
def schedules_remove(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports.saved import remove_saved
        from resources.postgres import migrated_engine

    return remove_saved(migrated_engine(), args.name)


@command("demo")
def demo(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.demo import run_demo

    return run_demo()


def _option_flags(args: argparse.Namespace) -> dict[str, Any]:
    from pipelines.keyvalue import key_value

    return dict(key_value(text, "--option") for text in args.option or [])


def _import_flags(args: argparse.Namespace) -> dict[str, Any]:
    from pipelines.keyvalue import key_value

    flags: dict[str, Any] = _option_flags(args)
    if args.set:
        flags["static_values"] = dict(key_value(text, "--set") for text in args.set)
    flags.update(
        {
            "duplicate_strategy": args.duplicates,
            "match": args.match or None,
            "merge_mode": args.merge,
            "action": args.action,
            "source": args.source,
            "create_missing_references": True if args.create_missing_references else None,
            "validate_only": True if args.validate_only else None,
        }
    )
    return flags


def _redact(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contactflow",
        description="Import and export contacts, companies and groups with PostgreSQL.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    sub = parser.add_subparsers(dest="command", required=True)

    for p in _command_group(
        sub,
        "db",
        "manage the database",
        upgrade="migrate to the latest schema",
        status="show the database and its schema revision",
        stop="stop the embedded PostgreSQL server",
    ):
        _add_json_flag(p)

    _add_json_flag(sub.add_parser("demo", help="import a bundled sample file end to end"))

    p = sub.add_parser("preview", help="detect a file's layout and suggest a mapping")
    p.add_argument("file")
    p.add_argument("--module", default="contacts")
    p.add_argument("--option", action="append", metavar="KEY=VALUE")
    _add_json_flag(p)

    p = sub.add_parser("import", help="import a file (runs the import_file job)")
    p.add_argument("file")
    p.add_argument("--org", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--mapping", help="YAML/JSON file with column_mapping and other options")
    p.add_argument("--duplicates", choices=["skip", "update", "create"])
    p.add_argument("--match", action="append", metavar="KEY")
    p.add_argument("--merge", choices=["fill_empty", "overwrite", "prefer_import"])
    p.add_argument("--action", choices=["merge", "overwrite", "delete"])
    p.add_argument("--create-missing-references", action="store_true")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE")
    p.add_argument("--validate-only", action="store_true")
    p.add_argument(
        "--launch",
        action="store_true",
        help="queue the run for the Dagster daemon and return at once",
    )
    p.add_argument("--source")
    p.add_argument("--option", action="append", metavar="KEY=VALUE")
    _add_json_flag(p)

    p = sub.add_parser("jobs", help="list import jobs, newest first")
    p.add_argument("--org", required=True)
    p.add_argument("--module")
    p.add_argument("--status")
    p.add_argument("--source")
    p.add_argument("--campaign")
    p.add_argument("--limit", type=int, default=50)
    _add_json_flag(p)

    p = sub.add_parser(
        "history", help="which import, file and row set each field of one record, newest first"
    )
    p.add_argument("--org", required=True)
    p.add_argument("--module", required=True)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, help="the record's id")
    which.add_argument("--email", help="the record's email (contacts)")
    _add_json_flag(p)

    p = _add_job_parser(sub, "rollback", "undo one import")
    p.add_argument(
        "--dry-run", action="store_true", help="only report what a rollback would do now"
    )

    p = _add_job_parser(sub, "job", "show one import job, update its metadata or delete it")
    p.add_argument(
        "--set",
        action="append",
        metavar="FIELD=VALUE",
        help="set campaign_id or source (an empty value clears it)",
    )
    p.add_argument(
        "--delete",
        action="store_true",
        help="delete the job record (its records stay; it can no longer be rolled back)",
    )

    p = sub.add_parser("erase", help="erase people: records, history, files (with a receipt)")
    p.add_argument("--org", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--id", action="append", metavar="ID", help="a record id (repeatable)")
    p.add_argument("--email", action="append", metavar="EMAIL", help="an email (repeatable)")
    p.add_argument("--file", help="a file with one record id or email per line")
    p.add_argument(
        "--dry-run", action="store_true", help="only list what would be touched; change nothing"
    )
    _add_json_flag(p)

    p = sub.add_parser("exports", help="list export jobs, newest first")
    p.add_argument("--org", required=True)
    p.add_argument("--module")
    p.add_argument("--status")
    p.add_argument("--limit", type=int, default=50)
    _add_json_flag(p)

    _add_job_parser(sub, "export-job", "show one export job and its download URL")

    p = sub.add_parser("export", help="export records (runs the export_records job)")
    p.add_argument("--saved", metavar="NAME", help="run a saved export (schedules list) now")
    _add_export_flags(p, required=False)
    p.add_argument("--output", metavar="PATH", help="also copy the file here (file or folder)")
    p.add_argument("--force", action="store_true", help="replace an existing --output file")
    p.add_argument(
        "--launch",
        action="store_true",
        help="queue the run for the Dagster daemon and return at once",
    )
    _add_json_flag(p)

    for p in _command_group(
        sub,
        "fetch",
        "download a stored file to this machine",
        export="an export's file and its manifest",
        rejects="an import's rejected rows (CSV or JSON)",
        upload="the file an import read, as it was uploaded",
    ):
        _job_arguments(p)
        p.add_argument(
            "--output",
            metavar="PATH",
            default=".",
            help="an existing folder (default: here) or a file in one",
        )
        p.add_argument("--force", action="store_true", help="replace an existing file")
        if p.prog.endswith("rejects"):
            p.add_argument("--format", choices=["csv", "json"], default="csv")

    _add_schedules_parser(sub)
    return parser


# The flags that describe an export (`export`, `schedules add`), as (flag, argparse dest).
EXPORT_FLAGS = (
    ("--org", "org"),
    ("--module", "module"),
    ("--format", "format"),
    ("--columns", "columns"),
    ("--label", "label"),
    ("--group", "group"),
    ("--search", "search"),
    ("--ids", "ids"),
    ("--where", "where"),
    ("--sort", "sort"),
    ("--limit", "limit"),
    ("--date-format", "date_format"),
    ("--option", "option"),
)


def _add_export_flags(p: argparse.ArgumentParser, required: bool) -> None:
    """What to export: the same flags for `export` and `schedules add` (EXPORT_FLAGS)."""
    p.add_argument("--org", required=required)
    p.add_argument("--module", required=required)
    p.add_argument("--format", required=required, choices=["csv", "xlsx", "pdf"])
    p.add_argument("--columns", metavar="a,b", help="fields in order (default: display fields)")
    p.add_argument("--label", action="append", metavar="FIELD=LABEL")
    p.add_argument("--group", help="a group name or id")
    p.add_argument("--search", metavar="TEXT", help="words found in names, emails or company")
    p.add_argument("--ids", metavar="1,2,3")
    p.add_argument("--where", action="append", metavar="FIELD=VALUE", help="repeats are AND")
    p.add_argument("--sort", metavar="FIELD:asc|desc")
    p.add_argument("--limit", type=int)
    p.add_argument("--date-format", metavar="STRFTIME")
    p.add_argument("--option", action="append", metavar="KEY=VALUE")


def _add_schedules_parser(sub: Any) -> None:
    schedules = sub.add_parser("schedules", help="recurring exports, changed without a deploy")
    schedules_sub = schedules.add_subparsers(dest="schedules_command", required=True)
    p = schedules_sub.add_parser("add", help="save a recurring export (fired by a sensor)")
    p.add_argument("name", help="letters, digits and _, starting with a letter")
    p.add_argument("--cron", required=True, help='five fields, e.g. "0 7 * * 1"')
    p.add_argument("--timezone", default="UTC", help="IANA time zone (default UTC)")
    _add_export_flags(p, required=True)
    _add_json_flag(p)
    _add_json_flag(schedules_sub.add_parser("list", help="saved and exports.yaml schedules"))
    for name, text in (
        ("pause", "stop firing a schedule"),
        ("resume", "fire a paused schedule again from its next tick"),
        ("remove", "delete a saved schedule"),
    ):
        p = schedules_sub.add_parser(name, help=text)
        p.add_argument("name")
        _add_json_flag(p)


def _command_group(
    sub: Any, name: str, help_text: str, **commands: str
) -> list[argparse.ArgumentParser]:
    """`contactflow NAME COMMAND`: the parsers of the group's commands."""
    group = sub.add_parser(name, help=help_text)
    group_sub = group.add_subparsers(dest=f"{name}_command", required=True)
    return [group_sub.add_parser(command, help=text) for command, text in commands.items()]


def _add_job_parser(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A command on one job: its id and the optional `--org` that scopes it (SPEC §8)."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    _job_arguments(p)
    return p


def _job_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", type=int)
    p.add_argument("--org", help="only a job of this org (others are not found)")
    _add_json_flag(p)


def _add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Accept --json and --quiet after the sub-command too, without resetting one given
    before it."""
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print one JSON object on stdout",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", default=argparse.SUPPRESS, help="no progress bar"
    )


def _command_name(args: argparse.Namespace) -> str:
    if args.command == "db":
        return f"db {args.db_command}"
    if args.command == "fetch":
        return f"fetch {args.fetch_command}"
    if args.command == "schedules":
        return f"schedules {args.schedules_command}"
    return str(args.command)


def _report(exc: Exception) -> int:
    """Print what went wrong on one line and return the exit code, as `classify` judges it:
    rejected input, a failed job and a transient failure (the database cannot be reached, a
    file cannot be read or written) exit 2 with their sentence; anything else is a bug and
    exits 1 (CONTACTFLOW_DEBUG=1 raises it with its traceback)."""
    outcome = classify(exc)
    if outcome.kind is ErrorKind.INTERNAL:
        if os.environ.get("CONTACTFLOW_DEBUG"):
            raise exc
        print(
            f"contactflow: {outcome.message} (set CONTACTFLOW_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1
    message = outcome.message
    if is_connection_error(exc):
        reason = (str(database_cause(exc)).strip().splitlines() or [message])[0]
        message = (
            f"cannot reach the database ({reason}); check DATABASE_URL or unset it to use the "
            "embedded server."
        )
    print(f"contactflow: {message}", file=sys.stderr)
    return 2


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM behaves like Ctrl-C, so the running job rolls back and records its failure."""
    raise KeyboardInterrupt


@functools.cache
def _skip_final_collection() -> None:
    """At interpreter exit, move every object out of the garbage collector's reach before
    Python tears the modules down. A command that loaded Dagster and pandas holds a few hundred
    thousand objects, and the collections during that teardown took about as long as a small
    import (0.8-1 s). Everything else about exit is unchanged: non-daemon threads are joined,
    atexit handlers run (this one runs after those registered later), objects are still freed
    by reference counting (files flushed and closed); only reference cycles are left to the
    operating system, which frees the whole process anyway. Registered once per process."""
    atexit.register(gc.freeze)


def main(argv: list[str] | None = None) -> int:
    _skip_final_collection()
    warnings.filterwarnings("ignore", message=r".*is currently in beta")
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = COMMANDS[_command_name(args)](args)
    except KeyboardInterrupt:
        print(
            "contactflow: interrupted; the running job was stopped and nothing it was "
            "writing was kept.",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:
        return _report(exc)
    if args.json:
        print(json.dumps(result, default=str))
    else:
        from pipelines.console import print_result

        print_result(_command_name(args), result)
    return 0


def run() -> None:
    """The `contactflow` console script. pandera imports its data-synthesis strategies on the
    first validation, and with them hypothesis (about 0.2 s) whenever it is installed, as in a
    development environment; the CLI never synthesises data, so it tells Python that
    hypothesis is not there (only when nothing has imported it yet)."""
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
    sys.exit(main())


if __name__ == "__main__":
    run()
