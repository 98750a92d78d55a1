"""Human output building blocks and the progress phases, without a database."""

from __future__ import annotations

import io

import pytest

from pipelines import progress
from pipelines.console import counts_line, print_result, show
from pipelines.progress import export_phase, import_phase


def _job(status: str, total: int = 0, done: int = 0) -> dict[str, object]:
    return {"status": status, "total_rows": total, "processed_rows": done}


def test_show_never_prints_python_repr() -> None:
    assert [show(v) for v in (None, True, False, 1234567, "Müller", [], {"a": None})] == [
        "-",
        "yes",
        "no",
        "1,234,567",
        "Müller",
        "-",
        "a: -",
    ]


def test_counts_line_leaves_out_zero_counts() -> None:
    counts = {"total_rows": 1200, "created_rows": 1000, "updated_rows": 0, "error_rows": 200}
    assert counts_line(counts) == "1,200 rows: 1,000 created · 200 with errors"


def test_import_phase_follows_the_job_row() -> None:
    assert import_phase(None) == ("starting", None, 0)
    assert import_phase(_job("queued")) == ("starting", None, 0)
    assert import_phase(_job("processing")) == ("parsing", None, 0)
    assert import_phase(_job("processing", 100, 40)) == ("validating", 100, 40)
    assert import_phase(_job("processing", 100, 100)) == ("writing", 100, 100)
    assert import_phase(_job("completed", 100, 100)) == ("completed", 100, 100)
    assert import_phase(_job("failed", 100, 40)) == ("failed", 100, 40)


def test_export_phase_follows_the_job_row() -> None:
    assert export_phase({"status": "processing", "row_count": 0}) == ("writing", None, 0)
    assert export_phase({"status": "completed", "row_count": 7}) == ("completed", 7, 7)


def test_markup_in_data_prints_as_it_is() -> None:
    out = io.StringIO()
    print_result("db status", {"database": "[bold]x[/bold] Zoë", "embedded": False}, out)
    assert out.getvalue() == "database  [bold]x[/bold] Zoë\nembedded  no\n"


def test_rows_per_second_stands_while_writing_and_is_taken_once_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rate moves with validated rows, does not decay while the write runs (no row
    moves), and is the whole run's rate, taken once, when the job ends."""
    clock = iter([0.0, 2.0, 10.0, 20.0, 30.0])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    rows = iter(
        [
            _job("processing", 100, 0),  # parsing at t=0: the rate's clock starts
            _job("processing", 100, 50),  # validating: 50 rows in 2 s
            _job("processing", 100, 100),  # writing at t=10
            _job("completed", 100, 100),  # done at t=20
            _job("completed", 100, 100),  # a later poll
        ]
    )
    bar = progress.JobProgress(lambda: next(rows), import_phase)
    bar._progress = progress._make_progress(io.StringIO())
    bar._task = bar._progress.add_task("", total=None, phase="starting", rate=None)
    rates = []
    for _ in range(5):
        bar._update()
        rates.append(bar._progress.tasks[0].fields["rate"])
    assert rates == [None, 25.0, 25.0, 5.0, 5.0]
