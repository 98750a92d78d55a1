"""The progress bar `contactflow import` and `export` draw on stderr when it is a terminal.

The bar shows what the job row records while the in-process run goes: a thread polls the
row (`import_jobs.status / total_rows / processed_rows`, `export_jobs.status / row_count`)
a few times a second and redraws, on its own copy of the terminal's file descriptor (Dagster
captures fd 2 into the step's compute log while a step runs). The run forks worker processes;
a fork handler takes the poller's lock first, so a worker is never forked while the poller is
half-way through a query or a write (the child would inherit a held lock)."""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

POLL_SECONDS = 0.25
_LOCK = threading.Lock()

BUSY = ("starting", "parsing", "writing")  # phases in which no row count moves
Phase = tuple[str, int | None, int]  # phase name, total rows (None: not known yet), rows done


def import_phase(job: dict[str, Any] | None) -> Phase:
    """parsing (no row count yet), validating (rows mapped and checked so far), writing
    (every row validated, the write transaction runs: the rows/s of validation stands), then
    the job's final status (rows/s from start to end)."""
    if job is None or job["status"] in ("pending", "queued"):
        return "starting", None, 0
    total, done = int(job["total_rows"] or 0), int(job["processed_rows"] or 0)
    if job["status"] != "processing":
        return job["status"], total, total if job["status"] == "completed" else done
    if not total:
        return "parsing", None, 0
    if done < total:
        return "validating", total, done
    return "writing", total, total


def export_phase(job: dict[str, Any] | None) -> Phase:
    """querying and writing the file (no row count until it is written), then the status."""
    if job is None or job["status"] in ("pending", "queued"):
        return "starting", None, 0
    if job["status"] == "processing":
        return "writing", None, 0
    rows = int(job["row_count"] or 0)
    return job["status"], rows, rows


def wanted(quiet: bool, stream: Any = None) -> bool:
    """A bar only on a terminal and without --quiet."""
    stream = stream or sys.stderr
    return not quiet and hasattr(stream, "isatty") and stream.isatty()


@functools.cache
def _hold_lock_across_fork() -> None:
    os.register_at_fork(
        before=_LOCK.acquire, after_in_parent=_LOCK.release, after_in_child=_LOCK.release
    )


class JobProgress:
    """`with JobProgress(find, phase):` draws the bar while the block runs. `find()` returns the
    job row (None until the job exists); `phase(row)` turns it into what the bar shows. With
    `enabled` False it does nothing at all (and imports nothing)."""

    def __init__(
        self,
        find: Callable[[], dict[str, Any] | None],
        phase: Callable[[dict[str, Any] | None], Phase],
        enabled: bool = True,
    ) -> None:
        self.find = find
        self.phase = phase
        self.enabled = enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress: Any = None
        self._task: Any = None
        self._terminal: Any = None
        self._since: float | None = None
        self._rate: float | None = None
        self._finished = False

    def __enter__(self) -> JobProgress:
        if not self.enabled:
            return self
        _hold_lock_across_fork()
        self._terminal = os.fdopen(os.dup(sys.stderr.fileno()), "w", encoding="utf-8")
        self._progress = _make_progress(self._terminal)
        self._task = self._progress.add_task("", total=None, phase="starting", rate=None)
        self._progress.start()
        self._thread = threading.Thread(target=self._poll, name="contactflow-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=5)
        with _LOCK:
            if exc_type is None:
                self._update()
            self._progress.stop()
        self._terminal.close()

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            with _LOCK:
                self._update()

    def _update(self) -> None:
        try:
            name, total, done = self.phase(self.find())
        except Exception:  # a failed poll only leaves the bar as it was
            return
        now = time.monotonic()
        if self._since is None and name != "starting":
            self._since = now
        seconds = now - self._since if self._since is not None else 0
        # Rows/s while rows are validated; while the write runs that rate stands; at the end,
        # the run's rows/s from start to finish, taken once.
        if name == "validating" or (name not in BUSY and not self._finished):
            self._rate = done / seconds if done and seconds > 0 else None
            self._finished = name != "validating"
        self._progress.update(self._task, phase=name, total=total, completed=done, rate=self._rate)
        self._progress.refresh()


def _make_progress(terminal: Any) -> Any:
    """The bar: phase, bar, rows done of total, rows/s, elapsed."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class RowsColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            if task.total is None:
                return Text("")
            return Text(f"{int(task.completed):,} / {int(task.total):,} rows")

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            rate = task.fields["rate"]  # rows done / seconds since the run started working
            return Text(f"{rate:,.0f} rows/s" if rate else "")

    return Progress(
        TextColumn("{task.fields[phase]:<10}"),
        BarColumn(),
        RowsColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=Console(file=terminal),
        auto_refresh=False,
        redirect_stdout=False,
        redirect_stderr=False,
    )
