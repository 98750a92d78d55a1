"""The `contactflow` command: a thin shell over the same jobs and helpers Dagster runs.

Every command returns a dict; `--json` prints it as one JSON object on stdout (logs go to
stderr). Rejected input or a failed job exits 2 with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import OperationalError

from pipelines.errors import ContactflowError

Handler = Callable[[argparse.Namespace], dict[str, Any]]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        COMMANDS[name] = func
        return func

    return register


@command("db upgrade")
def db_upgrade(args: argparse.Namespace) -> dict[str, Any]:
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
    import os

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


@command("demo")
def demo(args: argparse.Namespace) -> dict[str, Any]:
    from pipelines.demo import run_demo

    return run_demo()


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
    return parser


def _add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Accept --json after the sub-command too, without resetting one given before it."""
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print one JSON object on stdout",
    )


def _command_name(args: argparse.Namespace) -> str:
    if args.command == "db":
        return f"db {args.db_command}"
    return str(args.command)


def render_text(result: dict[str, Any]) -> str:
    lines = []
    for key, value in result.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, default=str)
        lines.append(f"{key}: {value}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        result = COMMANDS[_command_name(args)](args)
    except ContactflowError as exc:
        print(f"contactflow: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(
            f"contactflow: cannot reach the database ({reason}); check DATABASE_URL or "
            "unset it to use the embedded server.",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:
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
        print(render_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
