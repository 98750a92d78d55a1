"""`contactflow demo`: import the bundled sample (a few realistic problems included) into the
`demo` org on the embedded defaults, export the org's contacts to CSV, and say where to look
next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.exports.jobs import export_now
from pipelines.imports.jobs import import_now
from pipelines.instance import ensure_dagster_home
from schemas.options import parse_options

SAMPLE = Path(__file__).parent / "demo_data" / "sample_contacts.csv"


def run_demo() -> dict[str, Any]:
    options = parse_options(
        {"duplicate_strategy": "update", "create_missing_references": True, "source": "demo"}
    )
    result = import_now(SAMPLE, "demo", "contacts", options)
    rejects = result.get("errors_file")
    exported = export_now("demo", "contacts", {"format": "csv"})
    return {
        "imported_file": str(SAMPLE),
        "summary": {k: v for k, v in result.items() if k not in ("errors", "mapping_used")},
        "row_errors": result["errors"],
        "rejects_file": rejects,
        "rejects_preview": _head(rejects),
        "export": {
            k: exported.get(k)
            for k in ("export_job_id", "row_count", "file", "size_bytes", "expires_at")
        },
        "export_preview": _head(exported["file"], lines=4),
        "dagster_home": str(ensure_dagster_home()),
        "next": "Open the Dagster UI with `./dev ui` (http://127.0.0.1:3000): Runs shows this "
        "import_file run with its metadata. Try `.venv/bin/contactflow jobs --org demo`.",
    }


def _head(location: str | None, lines: int = 8) -> list[str]:
    if not location or not location.startswith("file://"):
        return []
    with open(location.removeprefix("file://"), encoding="utf-8") as handle:
        return [line.rstrip("\n") for _, line in zip(range(lines), handle)]
