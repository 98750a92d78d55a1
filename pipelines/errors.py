"""The one module of contactflow exceptions and the one classifier of what went wrong:
terminal (bad input, a failed job: never retried) versus transient (retried), as dlt marks its
exceptions. Every op (through `pipelines.ops.step_guard`), sensor and the CLI ask `classify`."""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass


class TerminalException(Exception):
    """Mixin: retrying cannot help (dlt's `TerminalException`)."""


class TransientException(Exception):
    """Mixin: the same work may succeed when tried again (dlt's `TransientException`)."""


class ContactflowError(Exception):
    """Base class: the message is one sentence a user can act on."""


class InputRejected(ContactflowError, TerminalException):
    """The file or the options are unusable; retrying will not help (CLI exit code 2)."""


class JobFailed(ContactflowError, TerminalException):
    """A job ran and failed for a reason the user must act on (error budget, missing job)."""


class ErrorBudgetExceeded(JobFailed):
    """More rows had errors than the import's max_error_rows / max_error_ratio allow."""

    def __init__(self, message: str, error_rows: int, total_rows: int) -> None:
        super().__init__(message)
        self.error_rows, self.total_rows = error_rows, total_rows


class SetupError(ContactflowError, TerminalException):
    """The environment is not usable: no PostgreSQL binaries, unreachable database, bad URL."""


class TransientError(ContactflowError, TransientException):
    """A database or network hiccup worth retrying (Dagster RetryPolicy)."""


class ErrorKind(enum.Enum):
    """What an exception means for the job that raised it."""

    REJECTED = "rejected"  # bad input: fail at once with the sentence, no retry
    FAILED = "failed"  # the job cannot finish (error budget, environment): fail, no retry
    TRANSIENT = "transient"  # database, storage or network hiccup: retry while retries last
    INTERNAL = "internal"  # anything else is a bug: fail at once, say "internal error"
    INTERRUPTED = "interrupted"  # Ctrl-C, SIGTERM, Dagster's termination


@dataclass(frozen=True)
class Classified:
    """An exception's kind and the one line to record on the job row or print."""

    kind: ErrorKind
    message: str

    @property
    def retry(self) -> bool:
        return self.kind is ErrorKind.TRANSIENT


INTERRUPTED_MESSAGE = (
    "interrupted: the run was stopped before it finished; nothing it was writing was kept"
)

# Third-party exceptions that are worth a retry, by module and class name. They are looked up
# in `sys.modules` only: an exception of a library nobody imported cannot be raised, and the
# CLI must not import SQLAlchemy or botocore to classify a bad option. As in dlt's SQL clients,
# a connection, server or resource problem (OperationalError, InterfaceError, InternalError) is
# transient; a programming, integrity or data error is a bug and fails at once.
TRANSIENT_TYPES = {
    "psycopg": ("OperationalError", "InterfaceError", "InternalError"),
    "sqlalchemy.exc": ("OperationalError", "InterfaceError", "InternalError", "TimeoutError"),
    "botocore.exceptions": ("BotoCoreError",),
}


def classify(exc: BaseException) -> Classified:
    """The kind of `exc` and the message for the job row, the run's failure and the CLI."""
    if not isinstance(exc, Exception):
        return Classified(ErrorKind.INTERRUPTED, INTERRUPTED_MESSAGE)
    if isinstance(exc, InputRejected):
        return Classified(ErrorKind.REJECTED, one_line(exc))
    if isinstance(exc, TerminalException):
        return Classified(ErrorKind.FAILED, one_line(exc))
    if is_transient(exc):
        cause = database_cause(exc)
        return Classified(ErrorKind.TRANSIENT, f"{type(cause).__name__}: {one_line(cause)}")
    return Classified(ErrorKind.INTERNAL, f"internal error: {type(exc).__name__}: {one_line(exc)}")


def is_transient(exc: BaseException) -> bool:
    """Worth a retry: our TransientException, an OSError (disk, network, a file another step
    writes), a lost or failing database connection, an S3 client error. A SQLAlchemy error is
    judged by the driver's error it wraps (or by the connection it invalidated)."""
    if isinstance(exc, (TransientException, OSError, *_loaded(TRANSIENT_TYPES))):
        return True
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError):
        return bool(exc.connection_invalidated) or is_transient(exc.orig)
    return False


def is_connection_error(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection (psycopg's or SQLAlchemy's
    OperationalError or InterfaceError)."""
    names = ("OperationalError", "InterfaceError")
    return isinstance(exc, _loaded({"psycopg": names, "sqlalchemy.exc": names}))


def database_cause(exc: BaseException) -> BaseException:
    """The driver's error inside a SQLAlchemy DBAPIError (its text without SQLAlchemy's
    statement and link), else `exc` itself."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def _loaded(names: dict[str, tuple[str, ...]]) -> tuple[type[BaseException], ...]:
    return tuple(
        getattr(sys.modules[module], name)
        for module, classes in names.items()
        if module in sys.modules
        for name in classes
    )


def one_line(detail: object) -> str:
    """An error's text on one line (YAML's errors span four, with a caret under the column)."""
    return " ".join(str(detail).split())
