"""Human output building blocks and the progress phases, without a database."""

from __future__ import annotations

import io

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
