"""In-process micro-benchmark of the PDF renderer against a reportlab LongTable.

The same rows (the first N contacts of an org by id, fetched once into memory, so the database
is not timed) are rendered by:

- ``ours/default``: ``write_pdf`` with the export's default contact columns, rendered as
  ``contactflow export --format pdf`` would (text mode of the export query);
- ``ours/4 cols``: ``write_pdf`` with first_name, last_name, email, job_title;
- ``ours/4 cols, Windows-1252``: the same rows with every character outside Windows-1252
  made ``?`` (the data has ``Łukasz``): the document then uses Helvetica, not the embedded
  TrueType font;
- ``longtable``: reportlab's ``LongTable`` of those 4 columns with a GRID style, Helvetica,
  landscape A4 (what ``bench/run.py``'s ``reportlab_long_table`` lays out).

``--before FILE`` adds the first two variants drawn by another version of the renderer module
(``git show HEAD:pipelines/exports/render_pdf.py > /tmp/before.py``). Each variant runs
``--repeat`` times, interleaved (so a busy minute hits all of them); the
median and the minimum are printed. Rows come from PostgreSQL (``--dsn``, default: the embedded
test server's ``cf_export_work`` database and org ``bench``) or, with ``--generated``, from a
deterministic generator in this file (names with Polish and Cyrillic letters included).

    .venv/bin/python -m bench.pdf_micro --rows 9300 --repeat 5
    .venv/bin/python -m bench.pdf_micro --generated --rows 9300 --only ours4,longtable
    .venv/bin/python -m bench.pdf_micro --before /tmp/before.py --repeat 5
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FOUR = ["first_name", "last_name", "email", "job_title"]
FOUR_LABELS = ["First name", "Last name", "Email", "Job title"]

Rows = list[Sequence[Any]]


def default_dsn() -> str:
    port = (REPO / ".contactflow" / "test" / "postgres" / "port").read_text().strip()
    return f"postgresql://contactflow@127.0.0.1:{port}/cf_export_work"


def fetch(dsn: str, org: str, count: int, columns: list[str] | None) -> tuple[list[str], Rows]:
    """(labels, rows) of the export query in text mode, as `contactflow export` reads them."""
    import psycopg

    from pipelines.exports.query import build_query
    from schemas.export_options import parse_export_options
    from schemas.modules import get_module

    options: dict[str, Any] = {"format": "pdf", "sort_field": "id", "limit": count}
    if columns:
        options["columns"] = columns
    query = build_query(get_module("contacts"), org, parse_export_options(options), "text")
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute(query.select, query.params)
        rows: Rows = list(cursor.fetchall())
    return [c.label for c in query.columns], rows


FIRST = ["Anna", "Jennifer", "Liam", "Łukasz", "Olga", "José", "Zoë", "Дмитрий", "Paul", "Søren"]
LAST = ["Nguyen", "Ivanov", "Rodríguez", "Kowalczyk", "Müller", "Oliveira", "Смирнова", "Lee"]
TITLES = ["", "CFO", "VP, Engineering", "Recruiter", "Geschäftsführer", "Head of Growth"]
COMPANIES = ["Initech", "Globex Corporation", "Umbrella", "", "Żabka Polska sp. z o.o."]


def generated(count: int) -> tuple[list[str], Rows, Rows]:
    """(default labels, default-column rows, 4-column rows), deterministic."""
    labels = ["Display name", "Email", "Phones", "Company", "Job title"]
    default: Rows = []
    four: Rows = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        email = f"{first.lower()}.{last.lower()}.{i}@example.com"
        title = TITLES[(i * 3) % len(TITLES)] or None
        phones = "; ".join(f"+4930{i:07d}{k}" for k in range(i % 3)) or None
        company = COMPANIES[(i * 5) % len(COMPANIES)] or None
        default.append((f"{first} {last}", email, phones, company, title))
        four.append((first, last, email, title))
    return labels, default, four


def winansi(rows: Rows) -> Rows:
    """`rows` with every character Windows-1252 cannot hold replaced by '?'."""
    return [
        tuple(v.encode("cp1252", "replace").decode("cp1252") if v else v for v in row)
        for row in rows
    ]


def renderer(module_file: Path | None = None) -> Callable[..., Any]:
    """`write_pdf` of the project, or of a renderer module kept in another file."""
    if module_file is None:
        from pipelines.exports.render_pdf import write_pdf

        return write_pdf
    spec = importlib.util.spec_from_file_location("render_pdf_before", module_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_pdf


def ours(labels: list[str], rows: Rows, module_file: Path | None = None) -> Callable[[Path], Any]:
    write_pdf = renderer(module_file)

    def render(path: Path) -> Any:
        description = f"{len(rows):,} records (all records), snapshot of 2024-01-01T00:00:00Z."
        return write_pdf(path, labels, rows, title="Contacts — bench", description=description)

    return render


def longtable(rows: Rows) -> Callable[[Path], Any]:
    def render(path: Path) -> Any:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

        data: list[Sequence[Any]] = [FOUR_LABELS, *rows]
        table = LongTable(data, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        SimpleDocTemplate(str(path), pagesize=landscape(A4)).build([table])

    return render


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=9300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--org", default="bench")
    parser.add_argument("--dsn", default=None)
    parser.add_argument("--generated", action="store_true", help="rows from this file, no DB")
    parser.add_argument("--only", default="default,ours4,latin4,longtable")
    parser.add_argument("--before", type=Path, default=None, help="another render_pdf.py")
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the PDFs in")
    args = parser.parse_args(argv)

    if args.generated:
        labels, default_rows, four_rows = generated(args.rows)
    else:
        dsn = args.dsn or default_dsn()
        labels, default_rows = fetch(dsn, args.org, args.rows, None)
        _, four_rows = fetch(dsn, args.org, args.rows, FOUR)
    variants = {
        "default": (f"ours, default columns ({len(labels)})", ours(labels, default_rows)),
        "ours4": ("ours, 4 columns", ours(FOUR_LABELS, four_rows)),
        "latin4": ("ours, 4 columns, Windows-1252", ours(FOUR_LABELS, winansi(four_rows))),
        "longtable": ("reportlab LongTable, 4 columns", longtable(four_rows)),
    }
    chosen = [k.strip() for k in args.only.split(",") if k.strip()]
    if args.before:
        variants["before_default"] = (
            f"before, default columns ({len(labels)})",
            ours(labels, default_rows, args.before),
        )
        variants["before4"] = ("before, 4 columns", ours(FOUR_LABELS, four_rows, args.before))
        chosen = ["before_default", "before4", *chosen]
    times: dict[str, list[float]] = {k: [] for k in chosen}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for _ in range(args.repeat):
            for key in chosen:
                path = folder / f"{key}.pdf"
                started = time.perf_counter()
                variants[key][1](path)
                times[key].append(time.perf_counter() - started)
                sizes[key] = path.stat().st_size
    print(f"{len(four_rows):,} rows, {args.repeat} repetitions (seconds: median, min)")
    base = statistics.median(times["longtable"]) if "longtable" in times else None
    for key in chosen:
        median = statistics.median(times[key])
        ratio = f"  {base / median:5.2f}x vs LongTable" if base and key != "longtable" else ""
        print(
            f"  {variants[key][0]:<36} {median:7.3f} {min(times[key]):7.3f}"
            f"  {sizes[key] / 1e6:6.2f} MB{ratio}"
        )


if __name__ == "__main__":
    main()
