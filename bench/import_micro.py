"""In-process micro-benchmark of the import's parse and transform, without start-up or database.

- ``parse``: ``SourceFile(path).chunks()`` over the whole file (detection included), what the
  ``parse_file`` op does minus writing the Parquet chunk files;
- ``transform``: ``chunks.transform_chunk`` (read a raw Parquet chunk, map, normalize, Pandera,
  COPY text) over every chunk in one process, with the mapping ``map_columns`` would choose.

Each runs ``--repeat`` times; the median and the minimum of the wall time and the median CPU
time of the process (steadier on a shared machine) are printed, with what must not change
between versions: rows, errors, rejected rows, COPY text length and a digest of the COPY text,
errors and rejected cells.

    .venv/bin/python -m bench.generate --rows 200000 --out bench/out/data/200k.csv
    .venv/bin/python -m bench.import_micro bench/out/data/200k.csv --repeat 3
    .venv/bin/python -m bench.import_micro FILE --profile 1   # chunk 1 under pyinstrument
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.imports.chunks import ChunkTask, transform_chunk
from pipelines.imports.mapping import choose_mapping, mapped_fields
from pipelines.imports.parse import SourceFile
from pipelines.imports.steps import _write_parquet
from schemas.modules import get_module
from schemas.options import ImportOptions


def timed(label: str, repeat: int, work: Callable[[], Any]) -> Any:
    samples, cpu, result = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(
        f"{label:<10} median {statistics.median(samples):6.2f} s   min {min(samples):6.2f} s   "
        f"({', '.join(f'{s:.2f}' for s in samples)}); CPU median {statistics.median(cpu):.2f} s"
    )
    return result


def parse(path: Path) -> tuple[int, int, int]:
    rows = bad = errors = 0
    for chunk in SourceFile(path).chunks():
        rows += len(chunk.frame)
        bad += len(chunk.bad)
        errors += len(chunk.errors)
    return rows, bad, errors


def prepare(path: Path, folder: Path) -> list[ChunkTask]:
    """Raw Parquet chunks and their tasks, as parse_file and map_columns leave them."""
    source = SourceFile(path)
    module = get_module("contacts")
    options = ImportOptions(create_missing_references=True)
    paths = []
    for number, chunk in enumerate(source.chunks(), start=1):
        paths.append(folder / f"chunk-{number:05d}.parquet")
        _write_parquet(chunk.frame, paths[-1])
    import pandas as pd

    sample = pd.read_parquet(paths[0]).head(200)
    mapping, _ = choose_mapping(module, source.info.source_columns, options, sample)
    return [
        ChunkTask(
            number,
            str(raw_path),
            module.slug,
            options.model_dump(),
            [m.model_dump(exclude_none=True) for m in mapping],
            mapped_fields(module, mapping, options),
            source.info.source_columns,
        )
        for number, raw_path in enumerate(paths, start=1)
    ]


def transform(tasks: list[ChunkTask]) -> tuple[int, int, int, str]:
    """Counts and a digest of everything a chunk hands back (COPY text, errors, rejects)."""
    errors = rejected = text = 0
    digest = hashlib.sha1()
    for task in tasks:
        result = transform_chunk(task)
        errors += len(result.errors)
        rejected += 0 if result.rejected is None else len(result.rejected)
        text += len(result.copy_text)
        digest.update(result.copy_text.encode())
        digest.update(repr([e.as_dict() for e in result.errors]).encode())
        if result.rejected is not None:
            digest.update(result.rejected.to_csv().encode())
    return errors, rejected, text, digest.hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="parse,transform")
    parser.add_argument("--profile", type=int, default=0, help="profile this chunk number only")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        if args.profile:
            from pyinstrument import Profiler

            task = prepare(args.file, Path(folder))[args.profile - 1]
            transform_chunk(task)
            profiler = Profiler(interval=0.0005)
            with profiler:
                transform_chunk(task)
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            return
        if "parse" in args.only:
            print("parse     ", timed("parse", args.repeat, lambda: parse(args.file)))
        if "transform" in args.only:
            tasks = prepare(args.file, Path(folder))
            print("transform ", timed("transform", args.repeat, lambda: transform(tasks)))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
