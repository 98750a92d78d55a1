"""The `contactflow` command: a thin shell over the same jobs and helpers Dagster runs.

Every command returns a dict; `--json` prints it as one JSON object on stdout (logs go to
stderr), otherwise `pipelines.console` prints it for a person. `import` and `export` draw a
progress bar on stderr when it is a terminal (`pipelines.progress`; `--quiet` turns it off).
Rejected input or a failed job exits 2 with a one-line message on stderr.

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

from pipelines.errors import ContactflowError, JobFailed

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
    with _loading_modules():
        from pipelines.imports import jobstore
        from resources.postgres import migrated_engine

    return jobstore.get_job(migrated_engine(), args.id, args.org)


@command("rollback")
def rollback(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.imports import jobstore
        from pipelines.imports.jobs import execute_rollback
        from pipelines.instance import failure_reason, get_instance
        from resources.postgres import migrated_engine

    jobstore.get_job(migrated_engine(), args.id, args.org)
    with execute_rollback(get_instance(), args.id, args.dry_run) as result:
        if not result.success:
            raise JobFailed(failure_reason(result))
        return dict(result.output_for_node("rollback_records"))


@command("export")
def export(args: argparse.Namespace) -> dict[str, Any]:
    with _loading_modules():
        from pipelines.exports.flags import options_from_args
        from pipelines.exports.jobs import export_now

    with _export_progress(args):
        return export_now(args.org, args.module, options_from_args(args), args.output, args.force)


def _export_progress(args: argparse.Namespace) -> JobProgress:
    from pipelines.progress import JobProgress, export_phase, wanted

    if not wanted(args.quiet):
        return JobProgress(lambda: None, export_phase, enabled=False)
    from pipelines.exports import jobstore
    from resources.postgres import migrated_engine

    engine = migrated_engine()
    after = jobstore.last_job_id(engine)
    return JobProgress(
        lambda: jobstore.first_job_after(engine, after, args.org, args.module, args.format),
        export_phase,
    )


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

    db = sub.add_parser("db", help="manage the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    for name, text in (
        ("upgrade", "migrate to the latest schema"),
        ("status", "show the database and its schema revision"),
        ("stop", "stop the embedded PostgreSQL server"),
    ):
        _add_json_flag(db_sub.add_parser(name, help=text))

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

    p = _add_job_parser(sub, "rollback", "undo one import")
    p.add_argument(
        "--dry-run", action="store_true", help="only report what a rollback would do now"
    )

    _add_job_parser(sub, "job", "show one import job")

    p = sub.add_parser("exports", help="list export jobs, newest first")
    p.add_argument("--org", required=True)
    p.add_argument("--module")
    p.add_argument("--status")
    p.add_argument("--limit", type=int, default=50)
    _add_json_flag(p)

    _add_job_parser(sub, "export-job", "show one export job and its download URL")

    p = sub.add_parser("export", help="export records (runs the export_records job)")
    p.add_argument("--org", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--format", required=True, choices=["csv", "xlsx", "pdf"])
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
    p.add_argument("--output", metavar="PATH", help="also copy the file here (file or folder)")
    p.add_argument("--force", action="store_true", help="replace an existing --output file")
    _add_json_flag(p)
    return parser


def _add_job_parser(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A command on one job: its id and the optional `--org` that scopes it (SPEC §8)."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    p.add_argument("id", type=int)
    p.add_argument("--org", help="only a job of this org (others are not found)")
    _add_json_flag(p)
    return p


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
    return str(args.command)


def _is_operational_error(exc: Exception) -> bool:
    """A SQLAlchemy OperationalError (database unreachable), without importing SQLAlchemy:
    if no command imported it, the exception cannot be one."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.OperationalError)


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
    except ContactflowError as exc:
        print(f"contactflow: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if _is_operational_error(exc):
            reason = str(exc.orig or exc).strip().splitlines()[0]  # type: ignore[attr-defined]
            print(
                f"contactflow: cannot reach the database ({reason}); check DATABASE_URL or "
                "unset it to use the embedded server.",
                file=sys.stderr,
            )
            return 2
        if os.environ.get("CONTACTFLOW_DEBUG"):
            raise
        print(
            f"contactflow: internal error: {type(exc).__name__}: {exc} "
            "(set CONTACTFLOW_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1
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
