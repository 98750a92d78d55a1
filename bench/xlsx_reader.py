"""Time and peak memory of reading a generated XLSX: the import's readers against openpyxl.

    python -m bench.xlsx_reader --rows 100000 1000000 [--repeat 3] [--readers ...]

Writes `bench/out/data/contacts-<N>.xlsx` once (bench.generate's rows through the exports'
XLSX writer, plus a number and a date column), then reads it `--repeat` times with each reader,
each run in a fresh Python process (so that its peak RSS is its own), and prints the medians.
Readers: `openpyxl` is the import's reader before python-calamine (openpyxl's read-only
workbook, the same cell texts and chunks); `calamine` is `SourceFile(path).chunks()` consumed to
the end (detection included) with every sheet loaded by calamine; `import` is the same as
shipped, which streams sheets over `spreadsheet.MAX_LOADED_XML` with openpyxl.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from bench.generate import COLUMNS, contacts_frame
from pipelines.exports.render_xlsx import write_xlsx
from schemas.export_options import ColumnKind, ExportColumn

DATA = Path(__file__).parent / "out" / "data"
READERS = ("openpyxl", "calamine", "import")


def write_file(rows: int) -> Path:
    """The generated contacts as an XLSX (cached), with a numeric and a date column added."""
    path = DATA / f"contacts-{rows}.xlsx"
    if not path.exists():
        frame = contacts_frame(np.random.default_rng(42), rows)[COLUMNS]
        frame["Zip"] = [10_000 + i % 89_999 for i in range(rows)]
        start = datetime(2020, 1, 1)
        frame["Signed up"] = [start + timedelta(days=i % 2000) for i in range(rows)]
        write_frame(frame, path, {"Zip": "integer", "Signed up": "datetime"})
    return path


def xlsx_copy(csv_path: Path) -> Path:
    """The same rows as a generated CSV, as an XLSX beside it (cached); texts that are numbers
    become number cells, as in a workbook a person saved."""
    path = csv_path.with_suffix(".xlsx")
    if not path.exists():
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        write_frame(frame.where(frame != "", None), path, {})
    return path


def write_frame(frame: pd.DataFrame, path: Path, kinds: dict[str, ColumnKind]) -> None:
    """Write with the exports' XLSX writer (columns of `kinds`, else text), cells as they are
    (no neutralised formulas)."""
    frame = frame.astype(object).where(frame.notna(), None)
    columns = [ExportColumn(name, name, kinds.get(name, "text")) for name in frame.columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    rows = frame.itertuples(index=False, name=None)
    write_xlsx(tmp, columns, rows, row_count=len(frame), allow_formulas=True)
    tmp.rename(path)


def read_openpyxl(path: Path) -> int:
    """The pre-calamine import reader: openpyxl read-only, header scan then every row."""
    import itertools

    import openpyxl

    from pipelines.imports.parse import _chunked, _numbered, _sheet_text, detect_header

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    head = list(itertools.islice(sheet.iter_rows(values_only=True), 30))
    scanned = [(i, [_sheet_text(v) or "" for v in r]) for i, r in enumerate(head, 1)]
    header_row, header = detect_header(scanned)
    book.close()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    values = sheet.iter_rows(min_row=header_row + 1, values_only=True)
    records = _numbered([_sheet_text(v) for v in r] for r in values)
    rows = sum(len(c.frame) for c in _chunked(records, list(header), 20_000))
    book.close()
    return rows


def read_calamine(path: Path) -> int:
    from pipelines.imports import spreadsheet

    spreadsheet.MAX_LOADED_XML = 1 << 62
    return read_import(path)


def read_import(path: Path) -> int:
    from pipelines.imports.parse import ParseHints, SourceFile

    source = SourceFile(path, ParseHints(max_file_mb=1024))
    return sum(len(c.frame) + len(c.bad) for c in source.chunks())


def measure(reader: str, path: Path) -> dict[str, float]:
    """One read in this process: seconds, peak RSS and the RSS before reading (MB)."""
    import openpyxl  # noqa: F401  (imports are not part of the read)
    import python_calamine  # noqa: F401

    import pipelines.imports.parse  # noqa: F401

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    rows = {"openpyxl": read_openpyxl, "calamine": read_calamine, "import": read_import}[reader](
        path
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": seconds, "peak_mb": peak, "base_mb": before}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.xlsx_reader", description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readers", nargs="+", choices=READERS, default=list(READERS))
    parser.add_argument("--measure", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    print("| rows | reader | parse s (median) | peak RSS MB (median) | RSS before read MB |")
    print("|---:|---|---:|---:|---:|")
    for rows in args.rows:
        path = write_file(rows)
        for reader in args.readers:
            runs = [_run_one(reader, path) for _ in range(args.repeat)]
            assert all(r["rows"] == runs[0]["rows"] for r in runs)
            print(
                f"| {rows:,} | {reader} | {statistics.median(r['seconds'] for r in runs):.1f} "
                f"| {statistics.median(r['peak_mb'] for r in runs):,.0f} "
                f"| {statistics.median(r['base_mb'] for r in runs):,.0f} |",
                flush=True,
            )
    return 0


def _run_one(reader: str, path: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.xlsx_reader", "--measure", reader, str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


if __name__ == "__main__":
    sys.exit(main())
