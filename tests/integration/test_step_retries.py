"""The one error model in real import and export runs: a transient error in a step is retried
by the RetryPolicy and the job completes; one that lasts fails the job only after the last
retry; a bug fails at once, without retry, as "internal error"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg
import psycopg
import pytest
import sqlalchemy as sa
from botocore.exceptions import EndpointConnectionError

from pipelines.exports import steps as export_steps
from pipelines.imports import steps
from pipelines.instance import get_instance

ROWS = "Email,First Name\n" + "".join(f"u{i}@example.com,N{i}\n" for i in range(20))


def _failing(
    monkeypatch: pytest.MonkeyPatch, name: str, error: Exception, times: int, module: Any = steps
) -> list[int]:
    """Make `<module>.<name>` (import steps by default) raise `error` on its first `times`
    calls; returns the call log."""
    original: Callable[..., Any] = getattr(module, name)
    calls: list[int] = []

    def step(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(calls) + 1)
        if len(calls) <= times:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, step)
    return calls


def _last_job(engine: sa.Engine, table: str = "import_jobs") -> tuple[str, str | None]:
    with engine.connect() as conn:
        status, reason = conn.execute(
            sa.text(f"SELECT status, reason FROM {table} ORDER BY id DESC LIMIT 1")
        ).one()
    return status, reason


def _retried_steps() -> list[str]:
    instance = get_instance()
    run = instance.get_runs(limit=1)[0]
    return [
        entry.step_key or ""
        for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    ]


def test_import_step_retried_after_a_lost_database_connection(
    imp: Any, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raw psycopg.OperationalError used to fail an import as "internal error" (exports
    retried it): the write is retried and the import completes."""
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    calls = _failing(monkeypatch, "write_step", lost, times=1)
    result = imp(ROWS)
    assert calls == [1, 2]
    assert (result["status"], result["created_rows"]) == ("completed", 20)
    assert _last_job(engine) == ("completed", None)
    assert _retried_steps() == ["write_records"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one() == 20


def test_import_transient_error_that_lasts_fails_the_job_after_the_last_retry(
    imp: Any, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = EndpointConnectionError(endpoint_url="http://s3.invalid")
    calls = _failing(monkeypatch, "map_step", down, times=10)
    err = imp(ROWS, expect=2)
    assert calls == [1, 2, 3, 4]  # the first try and RETRY.max_retries (3) retries
    assert _retried_steps() == ["map_columns"] * 3
    status, reason = _last_job(engine)
    assert status == "failed"
    assert (
        reason
        == 'EndpointConnectionError: Could not connect to the endpoint URL: "http://s3.invalid"'
    )
    assert reason in err and err.count("\n") == 1


def test_import_bug_fails_at_once_as_internal_error(
    imp: Any, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _failing(monkeypatch, "map_step", KeyError("first_name"), times=10)
    err = imp(ROWS, expect=2)
    assert calls == [1]
    assert _retried_steps() == []
    assert _last_job(engine) == ("failed", "internal error: KeyError: 'first_name'")
    assert "internal error: KeyError: 'first_name'" in err


def test_export_step_retried_after_a_lost_database_connection(
    imp: Any, cli: Any, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    imp(ROWS)
    lost = psycopg.OperationalError("terminating connection due to administrator command")
    calls = _failing(monkeypatch, "render_step", lost, times=1, module=export_steps)
    code, result, err = cli("export", "--org", "acme", "--module", "contacts", "--format", "csv")
    assert code == 0, err
    assert calls == [1, 2] and result["row_count"] == 20
    assert _last_job(engine, "export_jobs") == ("completed", None)
    assert _retried_steps() == ["render_export"]


def test_export_bug_fails_at_once_and_records_the_reason(
    imp: Any, cli: Any, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    imp(ROWS)
    calls = _failing(monkeypatch, "publish_step", TypeError("bad"), times=10, module=export_steps)
    code, _, err = cli("export", "--org", "acme", "--module", "contacts", "--format", "csv")
    assert (code, calls, _retried_steps()) == (2, [1], [])
    assert _last_job(engine, "export_jobs") == ("failed", "internal error: TypeError: bad")
    assert "internal error: TypeError: bad" in err
