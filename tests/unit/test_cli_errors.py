"""The CLI's exit codes and messages come from the one classifier, without a database."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from botocore.exceptions import EndpointConnectionError
from sqlalchemy import exc as sa_exc

from pipelines import cli
from pipelines.errors import InputRejected, JobFailed


def _run_failing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: BaseException
) -> tuple[int, str]:
    """`contactflow jobs` whose command raises `error`: (exit code, stderr)."""

    def command(args: Any) -> dict[str, Any]:
        raise error

    monkeypatch.setitem(cli.COMMANDS, "jobs", command)
    monkeypatch.delenv("CONTACTFLOW_DEBUG", raising=False)
    code = cli.main(["--json", "jobs", "--org", "acme"])
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    return code, err.strip()


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (InputRejected("Invalid org 'a/b'."), 2, "contactflow: Invalid org 'a/b'."),
        (JobFailed("Too many errors."), 2, "contactflow: Too many errors."),
        (
            EndpointConnectionError(endpoint_url="http://s3"),
            2,
            'contactflow: EndpointConnectionError: Could not connect to the endpoint URL: "http://s3"',
        ),
        (
            PermissionError(13, "Permission denied"),
            2,
            "contactflow: PermissionError: [Errno 13] Permission denied",
        ),
        (
            sa_exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("refused\nretry")),
            2,
            "contactflow: cannot reach the database (refused); check DATABASE_URL or unset it "
            "to use the embedded server.",
        ),
        (
            KeyError("x"),
            1,
            "contactflow: internal error: KeyError: 'x' "
            "(set CONTACTFLOW_DEBUG=1 for the traceback)",
        ),
        (
            KeyboardInterrupt(),
            130,
            "contactflow: interrupted; the running job was stopped and nothing it was writing "
            "was kept.",
        ),
    ],
)
def test_cli_exit_code_and_one_line_from_the_classifier(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    code: int,
    message: str,
) -> None:
    assert _run_failing(monkeypatch, capsys, error) == (code, message)


def test_cli_debug_raises_a_bug_with_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def command(args: Any) -> dict[str, Any]:
        raise KeyError("x")

    monkeypatch.setitem(cli.COMMANDS, "jobs", command)
    monkeypatch.setenv("CONTACTFLOW_DEBUG", "1")
    with pytest.raises(KeyError):
        cli.main(["jobs", "--org", "acme"])
