"""What every op of contactflow shares: the retry policy and the one guard that turns an
exception into the run's outcome and the job row's reason (`pipelines.errors.classify`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import dagster as dg

from pipelines.errors import ErrorKind, classify

# Retries after 1, 3 and 7 s: a PostgreSQL restart (crash recovery) on a busy two-core machine
# took longer than the 1 + 3 s of two retries.
RETRY = dg.RetryPolicy(max_retries=3, delay=1, backoff=dg.Backoff.EXPONENTIAL)


@contextmanager
def step_guard(
    context: dg.OpExecutionContext,
    fail: Callable[[str], None],
    hold: AbstractContextManager[object] | None = None,
) -> Iterator[None]:
    """Run the op's body (inside `hold`, e.g. a liveness lock) and decide what its exception
    means. Bad input, a failed job, a bug or an interruption fails the run at once, without
    retry, and `fail(reason)` records the reason (on the job row); a transient error is
    re-raised for the op's RetryPolicy and recorded only when no retry is left."""
    try:
        with hold or nullcontext():
            yield
    except BaseException as exc:
        outcome = classify(exc)
        if outcome.retry:
            if context.retry_number >= _max_retries(context):
                _record(context, fail, outcome.message)
            raise
        fail(outcome.message)
        cause = exc if outcome.kind is ErrorKind.INTERNAL else None
        raise dg.Failure(description=outcome.message, allow_retries=False) from cause


def _record(context: dg.OpExecutionContext, fail: Callable[[str], None], reason: str) -> None:
    """`fail(reason)` after the last retry of a transient error, when the database may still
    be down: the run fails either way, and a job row left `processing` is timed out by the
    liveness check (pipelines.maintenance.liveness)."""
    try:
        fail(reason)
    except Exception as exc:  # the original error stays the run's failure
        context.log.warning(f"could not record the failure on the job row: {classify(exc).message}")


def _max_retries(context: dg.OpExecutionContext) -> int:
    policy = context.op_def.retry_policy
    return policy.max_retries if policy else 0
