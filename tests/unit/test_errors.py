"""The one error classifier: terminal versus transient, and the one line each records."""

from __future__ import annotations

import psycopg
import pytest
from botocore.exceptions import BotoCoreError, EndpointConnectionError
from sqlalchemy import exc as sa_exc

from pipelines.errors import (
    INTERRUPTED_MESSAGE,
    ErrorKind,
    InputRejected,
    JobFailed,
    SetupError,
    TransientError,
    classify,
    is_connection_error,
)
from tests.unit.fresh_python import last_line


def _wrapped(orig: BaseException, cls: type[sa_exc.DBAPIError] = sa_exc.DBAPIError) -> Exception:
    """How SQLAlchemy hands a driver error to the code that ran the statement."""
    return cls("SELECT 1", {}, orig)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "kind", "message"),
    [
        (InputRejected("Bad file."), ErrorKind.REJECTED, "Bad file."),
        (InputRejected("line one\n  line two"), ErrorKind.REJECTED, "line one line two"),
        (JobFailed("Too many errors."), ErrorKind.FAILED, "Too many errors."),
        (SetupError("No initdb."), ErrorKind.FAILED, "No initdb."),
        (TransientError("stage emptied"), ErrorKind.TRANSIENT, "TransientError: stage emptied"),
        (BotoCoreError(), ErrorKind.TRANSIENT, "BotoCoreError: An unspecified error occurred"),
        (
            EndpointConnectionError(endpoint_url="http://s3"),
            ErrorKind.TRANSIENT,
            'EndpointConnectionError: Could not connect to the endpoint URL: "http://s3"',
        ),
        (
            psycopg.OperationalError("server closed\nthe connection"),
            ErrorKind.TRANSIENT,
            "OperationalError: server closed the connection",
        ),
        (psycopg.errors.AdminShutdown("shutdown"), ErrorKind.TRANSIENT, "AdminShutdown: shutdown"),
        (OSError(28, "No space left on device"), ErrorKind.TRANSIENT, None),
        (FileNotFoundError("gone"), ErrorKind.TRANSIENT, "FileNotFoundError: gone"),
        (ValueError("bad"), ErrorKind.INTERNAL, "internal error: ValueError: bad"),
        (psycopg.errors.UniqueViolation("dup"), ErrorKind.INTERNAL, None),
        (KeyboardInterrupt(), ErrorKind.INTERRUPTED, INTERRUPTED_MESSAGE),
        (SystemExit(1), ErrorKind.INTERRUPTED, INTERRUPTED_MESSAGE),
    ],
)
def test_classify_kind_and_message(
    exc: BaseException, kind: ErrorKind, message: str | None
) -> None:
    found = classify(exc)
    assert found.kind is kind
    assert found.retry is (kind is ErrorKind.TRANSIENT)
    assert "\n" not in found.message
    if message is not None:
        assert found.message == message


def test_classify_os_error_message_names_the_error() -> None:
    found = classify(OSError(28, "No space left on device"))
    assert found.message == "OSError: [Errno 28] No space left on device"


def test_classify_sqlalchemy_error_by_the_driver_error_it_wraps() -> None:
    lost = _wrapped(psycopg.OperationalError("consuming input failed"))
    assert classify(lost).kind is ErrorKind.TRANSIENT
    assert classify(lost).message == "OperationalError: consuming input failed"
    assert "SQL" not in classify(lost).message
    as_operational = _wrapped(psycopg.OperationalError("x"), sa_exc.OperationalError)
    assert classify(as_operational).kind is ErrorKind.TRANSIENT
    duplicate = _wrapped(psycopg.errors.UniqueViolation("duplicate key"), sa_exc.IntegrityError)
    assert classify(duplicate).kind is ErrorKind.INTERNAL
    assert classify(duplicate).message.startswith("internal error: IntegrityError: ")
    bad_sql = _wrapped(psycopg.errors.UndefinedTable("no table"), sa_exc.ProgrammingError)
    assert classify(bad_sql).kind is ErrorKind.INTERNAL


def test_classify_invalidated_connection_is_transient_whatever_the_driver_said() -> None:
    invalidated = sa_exc.DBAPIError("SELECT 1", {}, Exception("eof"), connection_invalidated=True)
    assert classify(invalidated).kind is ErrorKind.TRANSIENT
    kept = sa_exc.DBAPIError("SELECT 1", {}, Exception("eof"))
    assert classify(kept).kind is ErrorKind.INTERNAL


def test_connection_errors_are_told_apart_from_other_database_errors() -> None:
    assert is_connection_error(psycopg.OperationalError("refused"))
    assert is_connection_error(_wrapped(psycopg.OperationalError("x"), sa_exc.OperationalError))
    assert is_connection_error(psycopg.InterfaceError("the connection is closed"))
    assert not is_connection_error(psycopg.errors.UniqueViolation("dup"))
    assert not is_connection_error(OSError("disk"))


def test_classify_imports_no_database_or_cloud_library() -> None:
    """The CLI classifies a bad option without loading SQLAlchemy, psycopg or botocore."""
    code = (
        "import sys; from pipelines.errors import classify; "
        "print(classify(ValueError('x')).kind.name, classify(OSError('y')).kind.name, "
        "sorted(m for m in ('sqlalchemy', 'psycopg', 'botocore') if m in sys.modules))"
    )
    assert last_line(code).split() == ["INTERNAL", "TRANSIENT", "[]"]
