# ruff: noqa: RUF001, RUF003
"""Run the benchmarks: `contactflow import` (and `export`, once it exists) next to raw COPY.

    python -m bench.run [--rows 1000000] [--repeat 3] [--quick] [--only a,b,...]

Every measured command runs as a subprocess, exactly as a person would type it, against a
fresh database `bench_contactflow` on the embedded test server (`.contactflow/test/postgres`)
or on the server of DATABASE_URL. Scratch state (CONTACTFLOW_HOME, DAGSTER_HOME, uploads,
exports) lives in bench/out/scratch. Results go to bench/out/results.md and .json, and into
bench/README.md between the results markers. See bench/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

from bench.generate import COLUMNS, generate

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
OUT = BENCH / "out"
DATA = OUT / "data"
SCRATCH = OUT / "scratch"
PYCACHE = OUT / "pycache"
CONTACTFLOW = REPO / ".venv" / "bin" / "contactflow"
TEST_SERVER = REPO / ".contactflow" / "test" / "postgres"
BENCH_DB = "bench_contactflow"
TEMPLATE_DB = "bench_contactflow_template"
ORG = "bench"
PDF_ORG = "bench_pdf"
PDF_ROWS = 10_000
SMALL_ROWS = 100
RAW_TABLE = "bench_raw_copy"
STEPS = ("parse_file", "map_columns", "split_shards", "validate_stage_wall", "write_records")
TIMEOUT_S = 3600
README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"
PACKAGES = (
    "dagster",
    "pandas",
    "pandera",
    "pyarrow",
    "numpy",
    "psycopg",
    "sqlalchemy",
    "openpyxl",
    "reportlab",
)
SCENARIOS = (
    "copy",
    "new",
    "floor",
    "update",
    "flat",
    "oneworker",
    "celery",
    "small",
    "validate",
    "export",
    "startup",
)
EXTRA_SCENARIOS = ("profile", "xlsx")  # only when asked for with --only


SOURCE = REPO  # the code measured: the working tree, or a `--rev` snapshot (see main)


# Issue 11's targets: 1M new contacts within 8x raw COPY (stretch 3x), 1M rows half matching
# with --duplicates update within 12x (stretch 4x), a 100-row file within 2.0 s.
NEW_TARGET = 8.0
UPDATE_TARGET = 12.0
SMALL_TARGET_S = 2.0


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Measuring a subprocess: wall time and peak RSS of its process tree


@dataclass
class Measured:
    wall: float
    rss: int | None  # bytes; None when not measured (in-process baselines)
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""


GNU_TIME = "/usr/bin/time"


def _tree_pss(pid: int, own_cmdline: list[str]) -> int:
    """Summed PSS of `pid` and its descendants, from /proc (0 before `pid` has exec'd)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
    except OSError:
        return 0
    if [c.decode(errors="replace") for c in cmdline] == own_cmdline:
        return 0
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
        total += int(match.group(1)) * 1024 if match else 0
    return total


def _rss_after_exec(pid: int, own_cmdline: list[str]) -> int:
    """RSS of `pid` and its descendants once it has exec'd (before exec, the forked child
    still shows this process's memory). psutil when installed, else /proc for `pid` only."""
    try:
        import psutil
    except ImportError:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
            if [c.decode(errors="replace") for c in cmdline] == own_cmdline:
                return 0
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return 0
        match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
        return int(match.group(1)) * 1024 if match else 0
    try:
        proc = psutil.Process(pid)
        if proc.cmdline() == own_cmdline:
            return 0
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return int(total)
    except Exception:
        return 0


def run_measured(argv: list[str], env: dict[str, str], timeout: float = TIMEOUT_S) -> Measured:
    """Run `argv`: wall time and peak memory. Peak memory is the larger of GNU time's maximum
    resident set size (the kernel's high-water mark of the largest single process, exact) and
    the proportional set size (PSS) of the whole process tree sampled every 20 ms, so forked
    worker processes count with their private memory and their share of the pages they
    share with the parent. Without /proc: the RSS of the tree (psutil) or of the process."""
    log_dir = SCRATCH / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / "last.stdout", log_dir / "last.stderr"
    rss_path = log_dir / "last.maxrss"
    rss_path.unlink(missing_ok=True)
    use_time = os.access(GNU_TIME, os.X_OK)
    command = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *argv] if use_time else argv
    own_cmdline = _own_cmdline()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=SOURCE)
        peak = [0]
        done = threading.Event()

        measure = _tree_pss if Path("/proc/self/smaps_rollup").exists() else _rss_after_exec

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], measure(proc.pid, own_cmdline))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            proc.wait()
        finally:
            killer.cancel()
            done.set()
        wall = time.perf_counter() - started
        sampler.join()
    rss: int | None = peak[0] or None
    if use_time:
        lines = rss_path.read_text().split() if rss_path.exists() else []
        if lines and lines[-1].isdigit():
            rss = max(rss or 0, int(lines[-1]) * 1024)
    return Measured(
        wall,
        rss,
        proc.returncode,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
    )


def _own_cmdline() -> list[str]:
    try:
        raw = Path(f"/proc/{os.getpid()}/cmdline").read_bytes().split(b"\0")[:-1]
    except OSError:
        return []
    return [c.decode(errors="replace") for c in raw]


# ---------------------------------------------------------------------------------------------
# Database


def server_url() -> str:
    """SQLAlchemy URL of a database on the server to use: DATABASE_URL or the test server."""
    if url := os.environ.get("DATABASE_URL"):
        from resources.postgres import normalize_url

        return normalize_url(url)
    from resources.embedded_postgres import EmbeddedPostgres

    return EmbeddedPostgres(TEST_SERVER).ensure_running()


def with_database(url: str, dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=dbname).render_as_string(hide_password=False)


def libpq(url: str) -> str:
    """The same URL for libpq (psql, psycopg): no `+psycopg` driver suffix."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_template(url: str) -> str:
    """Drop and create the empty template database on the server of `url`; return its URL.
    It is migrated by `contactflow db upgrade` and holds the raw COPY table (see main)."""
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        for name in (BENCH_DB, TEMPLATE_DB):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    return with_database(url, TEMPLATE_DB)


def create_dagster_storage(url: str) -> None:
    """Dagster's tables in the template's `dagster` schema, as on any install that ran an
    import before: a fresh copy would otherwise spend its first import creating them."""
    from dagster_postgres import DagsterPostgresStorage

    from resources.postgres import dagster_storage_url

    DagsterPostgresStorage(dagster_storage_url(url))


def drop_bench_databases(url: str) -> None:
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        for name in (BENCH_DB, TEMPLATE_DB):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Db:
    """A connection to the bench database for set-up, resets and the psycopg baselines."""

    def __init__(self, server_url: str) -> None:
        self.server_dsn = libpq(server_url)
        self.url = with_database(server_url, BENCH_DB)
        self.dsn = libpq(self.url)

    def execute(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def reset(self) -> None:
        """A fresh database: a new copy of the migrated, never-analyzed template. (Truncating
        would keep the planner statistics of earlier repetitions, which changes plans.)"""
        with psycopg.connect(self.server_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}" TEMPLATE "{TEMPLATE_DB}"')
        self.settle()

    def settle(self) -> None:
        """Write dirty buffers now, so a checkpoint does not land inside the next timing."""
        with contextlib.suppress(psycopg.Error):
            self.execute("CHECKPOINT")

    def analyze(self) -> None:
        for table in ("contacts", "companies", "groups", "contact_groups"):
            with contextlib.suppress(psycopg.Error):
                self.execute(f'ANALYZE "{table}"')

    def count(self, table: str, org: str) -> int:
        return int(self.execute(f'SELECT count(*) FROM "{table}" WHERE org = %s', (org,))[0][0])

    @staticmethod
    def create_raw_table(url: str) -> None:
        columns = ", ".join(f'"{c}" text' for c in COLUMNS)
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            conn.execute(f'CREATE TABLE "{RAW_TABLE}" ({columns})')

    def truncate_raw(self) -> None:
        self.execute(f'TRUNCATE "{RAW_TABLE}"')
        self.settle()


# ---------------------------------------------------------------------------------------------
# Baselines


def psql_path() -> str | None:
    return shutil.which("psql") or ("/usr/bin/psql" if Path("/usr/bin/psql").exists() else None)


def psql_copy_in(db: Db, path: Path) -> Measured:
    """`psql \\copy` of the file into an unindexed all-text table."""
    command = f"\\copy \"{RAW_TABLE}\" FROM '{path}' WITH (FORMAT csv, HEADER true)"
    return _psql(db, command)


def psql_copy_out(db: Db, select: str, path: Path) -> Measured:
    return _psql(db, f"\\copy ({select}) TO '{path}' WITH (FORMAT csv, HEADER true)")


def _psql(db: Db, command: str) -> Measured:
    psql = psql_path()
    assert psql
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    result = run_measured([psql, db.dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command], env)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result


def psycopg_copy_in(db: Db, path: Path) -> Measured:
    """COPY FROM STDIN through psycopg (connect, stream the file in 1 MiB blocks, commit)."""
    started = time.perf_counter()
    with psycopg.connect(db.dsn) as conn, conn.cursor() as cur:
        sql = f'COPY "{RAW_TABLE}" FROM STDIN WITH (FORMAT csv, HEADER true)'
        with cur.copy(sql) as copy, open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                copy.write(block)
    return Measured(time.perf_counter() - started, None)


def insert_floor(db: Db, org: str) -> Measured:
    """The write's floor: the contacts import (a) created, inserted again with one INSERT …
    SELECT (in id order, new ids from the sequence) from an unlogged copy into `contacts`,
    with its indexes and foreign key, then rolled back. The copy holds typed values, so this
    is less work than the import's INSERT from text: no import can write these rows faster
    into this table on this server."""
    columns = [
        name
        for (name,) in db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'contacts' "
            "AND column_name NOT IN ('id', 'org') ORDER BY ordinal_position"
        )
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    db.execute("DROP TABLE IF EXISTS bench_floor")
    db.execute("CREATE UNLOGGED TABLE bench_floor AS SELECT * FROM contacts WHERE org = %s", (org,))
    db.settle()
    try:
        with psycopg.connect(db.dsn) as conn:
            started = time.perf_counter()
            conn.execute(
                f"INSERT INTO contacts (org, {listed}) SELECT 'bench_floor', {listed} "
                "FROM bench_floor ORDER BY id"
            )
            elapsed = time.perf_counter() - started
            conn.rollback()
    finally:
        db.execute("DROP TABLE IF EXISTS bench_floor")
    return Measured(elapsed, None)


def psycopg_copy_out(db: Db, select: str, path: Path) -> Measured:
    started = time.perf_counter()
    sql = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    with (
        psycopg.connect(db.dsn) as conn,
        conn.cursor() as cur,
        open(path, "wb") as handle,
        cur.copy(sql) as copy,
    ):
        for block in copy:
            handle.write(block)
    return Measured(time.perf_counter() - started, None)


def export_select(org: str) -> str:
    return (
        "SELECT c.*, co.name AS company_name FROM contacts c "
        f"LEFT JOIN companies co ON co.id = c.company_id WHERE c.org = '{org}' ORDER BY c.id"
    )


def openpyxl_write_only(db: Db, org: str, path: Path) -> Measured:
    """Read the org's contacts and write them with openpyxl's write-only workbook."""
    from openpyxl import Workbook

    started = time.perf_counter()
    with psycopg.connect(db.dsn) as conn, conn.cursor(name="bench_xlsx") as cur:
        cur.itersize = 5000
        cur.execute(export_select(org))
        book = Workbook(write_only=True)
        sheet = book.create_sheet("contacts")
        header = None
        for row in cur:
            if header is None:
                header = [d.name for d in cur.description or []]
                sheet.append(header)
            sheet.append([_cell(v) for v in row])
        book.save(path)
    return Measured(time.perf_counter() - started, None)


def reportlab_long_table(db: Db, org: str, path: Path) -> Measured:
    """Read the org's contacts (a few columns) and lay them out as a reportlab LongTable."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

    started = time.perf_counter()
    select = (
        "SELECT first_name, last_name, email, job_title FROM contacts "
        f"WHERE org = '{org}' ORDER BY id"
    )
    rows = [["First name", "Last name", "Email", "Job title"]]
    with psycopg.connect(db.dsn) as conn:
        rows += [[_cell(v) for v in r] for r in conn.execute(select)]
    table = LongTable(rows, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    SimpleDocTemplate(str(path), pagesize=landscape(A4)).build([table])
    return Measured(time.perf_counter() - started, None)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return json.dumps(value, default=str)


# ---------------------------------------------------------------------------------------------
# contactflow commands


def scratch_env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        CONTACTFLOW_HOME=str(SCRATCH / "home"),
        DAGSTER_HOME=str(SCRATCH / "dagster"),
        UPLOADS_URL=str(SCRATCH / "uploads"),
        EXPORTS_URL=str(SCRATCH / "exports"),
    )
    env.pop("CONTACTFLOW_DEBUG", None)
    # Measure start-up as on a normal install, where imported modules' bytecode is cached,
    # even when this environment sets PYTHONDONTWRITEBYTECODE: the cache lives in bench/out.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    if SOURCE != REPO:  # a snapshot: its packages come first (the editable install's finder
        env["PYTHONPATH"] = str(SOURCE)  # only answers for what the path does not have)
    return env


@contextlib.contextmanager
def celery(env: dict[str, str], workers: int) -> Iterator[dict[str, str]]:
    """A Redis broker and one Celery worker with `workers` processes on loopback; yields the
    environment that runs `import_file`'s steps on them (each process one core)."""
    from bench.cluster import start_redis, start_worker, stop

    folder = SCRATCH / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    server, url = start_redis(folder)
    celery_env = {
        **env,
        "CONTACTFLOW_EXECUTOR": "celery",
        "CONTACTFLOW_CELERY_BROKER": url,
        "CONTACTFLOW_WORKERS": "1",
    }
    worker = start_worker(celery_env, workers)
    try:
        yield celery_env
    finally:
        stop(worker, server)


def contactflow(args: list[str], env: dict[str, str]) -> Measured:
    return run_measured([str(CONTACTFLOW), "--json", *args], env)


def import_args(path: Path, org: str, *extra: str) -> list[str]:
    args = ["import", str(path), "--org", org, "--module", "contacts"]
    args += ["--create-missing-references"]
    size_mb = path.stat().st_size / (1 << 20)
    if size_mb > 90:  # the default max_file_mb is 100
        args += ["--option", f"max_file_mb={math.ceil(size_mb * 1.5)}"]
    return args + list(extra)


def checked(result: Measured, what: str) -> dict[str, Any]:
    if result.returncode != 0:
        tail = (result.stderr.strip() or result.stdout.strip())[-2000:]
        raise RuntimeError(f"{what} failed (exit {result.returncode}): {tail}")
    try:
        return dict(json.loads(result.stdout))
    except json.JSONDecodeError:
        return {}


def export_available(env: dict[str, str]) -> bool:
    result = run_measured([str(CONTACTFLOW), "export", "--help"], env, timeout=120)
    return result.returncode == 0


class StepTimes:
    """Step durations of the Dagster runs, read from the instance under DAGSTER_HOME."""

    def __init__(self) -> None:
        self._instance: Any = None

    def of_job(self, db: Db, job_id: int | None) -> dict[str, float]:
        if not job_id:
            return {}
        rows = db.execute("SELECT run_id FROM import_jobs WHERE id = %s", (job_id,))
        if not rows or not rows[0][0]:
            return {}
        try:
            if self._instance is None:
                import dagster as dg

                from resources.postgres import dagster_storage_url

                os.environ["DAGSTER_PG_URL"] = dagster_storage_url(db.url)
                self._instance = dg.DagsterInstance.from_config(str(SCRATCH / "dagster"))
            stats = self._instance.get_run_step_stats(rows[0][0])
        except Exception as exc:  # the step table is a bonus, never a reason to fail
            log(f"step times unavailable: {exc}")
            return {}
        times: dict[str, float] = {}
        shards: list[tuple[float, float]] = []
        for stat in stats:  # the shards of `validate_rows[shard_N]` add up under one name
            if stat.end_time and stat.start_time:
                name = stat.step_key.split("[")[0]
                times[name] = times.get(name, 0.0) + stat.end_time - stat.start_time
                if name == "validate_rows":
                    shards.append((stat.start_time, stat.end_time))
        if shards:  # the stage's wall time: shards in parallel overlap
            times["validate_stage_wall"] = max(e for _, e in shards) - min(b for b, _ in shards)
        return times


# ---------------------------------------------------------------------------------------------
# Samples and the results table


@dataclass
class Series:
    key: str
    what: str
    rows: int
    target: str = ""
    ref: str | None = None  # key of the baseline for the "× raw" column
    ref_label: str = "× raw COPY"
    invert: bool = False  # show baseline / this (e.g. "× faster than openpyxl")
    walls: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    steps: list[dict[str, float]] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # 1-min load average after each sample
    counts: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def add(self, m: Measured, steps: dict[str, float] | None = None) -> None:
        self.walls.append(m.wall)
        if m.rss is not None:
            self.rss.append(m.rss)
        if steps:
            self.steps.append(steps)
        self.loads.append(os.getloadavg()[0])

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    def rate(self) -> str:
        if not self.walls or not self.rows:
            return "—"
        rates = sorted(self.rows / w for w in self.walls)
        med = self.rows / self.wall
        return f"{_num(med)} ({_num(rates[0])}–{_num(rates[-1])})" if len(rates) > 1 else _num(med)

    def wall_text(self) -> str:
        if not self.walls:
            return "—"
        med = _secs(self.wall)
        if len(self.walls) == 1:
            return med
        return f"{med} ({_secs(min(self.walls))}–{_secs(max(self.walls))})"

    def rss_text(self) -> str:
        if not self.rss:
            return "—"
        med = statistics.median(self.rss) / 1e6
        if len(self.rss) == 1:
            return f"{med:,.0f} MB"
        return f"{med:,.0f} MB ({min(self.rss) / 1e6:,.0f}–{max(self.rss) / 1e6:,.0f})"


def _num(value: float) -> str:
    return f"{value:,.0f}"


def _secs(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"


class Results:
    def __init__(self) -> None:
        self.series: dict[str, Series] = {}
        self.machine: dict[str, Any] = {}
        self.missing: list[tuple[str, str, str]] = []  # (what, target, why)
        self.started = datetime.now(UTC)

    def get(self, key: str, what: str, rows: int, **kw: Any) -> Series:
        if key not in self.series:
            self.series[key] = Series(key, what, rows, **kw)
        return self.series[key]

    def ratio(self, s: Series) -> str:
        ref = self.series.get(s.ref or "")
        if not ref or not ref.walls or not s.walls:
            return "—"
        value = ref.wall / s.wall if s.invert else s.wall / ref.wall
        return f"{value:.1f}{s.ref_label}"

    def table(self) -> str:
        lines = [
            "| what | rows | wall, median (min–max) | rows/s, median (min–max) "
            "| peak RSS, median (min–max) | vs baseline | target |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for s in self.series.values():
            what = s.what + (f" <br>*{s.note}*" if s.note else "")
            lines.append(
                f"| {what} | {s.rows:,} | {s.wall_text()} | {s.rate()} | {s.rss_text()} "
                f"| {self.ratio(s)} | {self.verdict(s)} |"
            )
        for what, target, why in self.missing:
            lines.append(f"| {what} | — | {why} | — | — | — | {target} |")
        return "\n".join(lines)

    def max_load(self) -> float:
        return max((x for s in self.series.values() for x in s.loads), default=0.0)

    def verdict(self, s: Series) -> str:
        """The target and whether this run met it."""
        if not s.target or not s.walls:
            return s.target
        ok: bool | None = None
        ref = self.series.get(s.ref or "")
        if s.key.startswith("import_new") or s.key.startswith("import_update"):
            limit = NEW_TARGET if s.key.startswith("import_new") else UPDATE_TARGET
            ok = bool(ref and ref.walls) and s.wall / ref.wall <= limit  # type: ignore[union-attr]
        elif s.key == "import_small":
            ok = s.wall <= SMALL_TARGET_S
        elif s.key == "import_2n" and s.rss:
            base = self.series.get("import_new")
            if base and base.rss:
                growth = statistics.median(s.rss) / statistics.median(base.rss) - 1
                ok = growth <= 0.10 and max(s.rss) <= 400e6
                verdict = "met" if ok else "NOT met"
                return f"{s.target}, ≤ 400 MB: {growth:+.1%} vs N, {verdict}"
        elif s.key == "export_csv" and ref and ref.walls:
            ok = s.wall / ref.wall <= 1.5
        elif s.key in ("export_xlsx", "export_pdf") and ref and ref.walls:
            ok = ref.wall / s.wall >= (4.0 if s.key == "export_xlsx" else 3.0)
        if s.key in ("import_new", "import_new_1w") and s.rss and ok is not None:
            rss_ok = max(s.rss) <= 400e6
            return (
                f"{s.target}: {'met' if ok else 'NOT met'}; "
                f"RSS ≤ 400 MB: {'met' if rss_ok else 'NOT met'}"
            )
        if ok is None:
            return s.target
        return f"{s.target}: {'met' if ok else 'NOT met'}"

    def steps_table(self) -> str:
        keyed = [s for s in self.series.values() if s.steps]
        if not keyed:
            return ""
        names = [
            ("validate_rows (wall of all shards)" if x == "validate_stage_wall" else x)
            for x in STEPS
        ]
        lines = [
            "| run | " + " | ".join(names) + " | outside the ops¹ | wall |",
            "|---|" + "---:|" * (len(STEPS) + 2),
        ]
        for s in keyed:
            cells = []
            total = 0.0
            for step in STEPS:
                values = [st[step] for st in s.steps if step in st]
                if values:
                    med = statistics.median(values)
                    total += med
                    cells.append(f"{_secs(med)} ({med / s.wall:.0%})")
                else:
                    cells.append("—")
            other = s.wall - total
            cells.append(f"{_secs(other)} ({other / s.wall:.0%})")
            lines.append(f"| {s.what} | " + " | ".join(cells) + f" | {_secs(s.wall)} |")
        lines.append(
            "\n¹ process start-up (Python, Dagster and pandas imports), job record, copying the "
            "upload, Dagster run bookkeeping, handing steps to other processes, printing the "
            "result."
        )
        return "\n".join(lines)

    def markdown(self, args: argparse.Namespace) -> str:
        m = self.machine
        packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        baseline = "`psql \\copy`" if "copy_psql" in self.series else "psycopg `COPY … FROM STDIN`"
        parts = [
            f"Run {self.started:%Y-%m-%d %H:%M} UTC: `python -m bench.run "
            f"{' '.join(args.argv)}`".rstrip()
            + f" — N = {args.rows:,} rows, "
            f"{args.repeat} repetition(s) per measurement.",
            "",
            f"- Code: {m['code']}.",
            f"- Machine: {m['cpu']}, {m['nproc']} CPUs, {m['ram_gb']:.1f} GB RAM, "
            f"{m['os']}; load average {m['load_before']} before, {m['load_after']} after, "
            f"up to {self.max_load():.1f} (1 min) right after a measurement.",
            f"- PostgreSQL {m['server_version']} ({m['server_kind']}; {m['server_settings']}); "
            f"psql: {m['psql']}.",
            f"- Python {m['python']}; {packages}.",
            f'- "× raw COPY" is the median wall time over the median of {baseline} of the '
            "same file into an unindexed all-text table, measured in the same run.",
        ]
        if self.max_load() > m["nproc"]:
            parts.append(
                f"- **Busy machine**: the load average exceeded the {m['nproc']} CPUs during "
                "this run (other processes competed for them), so wall times are upper bounds "
                "and vary more than on a quiet machine; compare medians, and ratios to the COPY "
                "baselines measured alongside."
            )
        parts += [
            "",
            self.table(),
        ]
        steps = self.steps_table()
        if steps:
            parts += ["", "Where the import time goes (median seconds per op, share of wall):", ""]
            parts.append(steps)
        return "\n".join(parts) + "\n"


def machine_info(db: Db, embedded: bool) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    packages = {}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            packages[name] = metadata.version(name)
    settings = []
    for name in ("shared_buffers", "synchronous_commit", "fsync", "max_wal_size"):
        with contextlib.suppress(psycopg.Error):
            settings.append(f"{name}={db.execute(f'SHOW {name}')[0][0]}")
    psql = psql_path()
    psql_version = (
        subprocess.run([psql, "--version"], capture_output=True, text=True).stdout.strip()
        if psql
        else "not installed"
    )
    return {
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown CPU",
        "nproc": len(os.sched_getaffinity(0)),
        "ram_gb": int(total.group(1)) / (1 << 20) if total else 0.0,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "server_version": db.execute("SHOW server_version")[0][0],
        "server_kind": "embedded test server" if embedded else "DATABASE_URL",
        "server_settings": ", ".join(settings),
        "psql": psql_version,
        "packages": packages,
        "load_before": _load(),
        "load_after": "",
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------------------------------------
# The run


def snapshot(rev: str) -> Path:
    """The project's files at git revision `rev`, extracted once under bench/out/src."""
    sha = _git("rev-parse", "--short=12", f"{rev}^{{commit}}")
    dest = OUT / "src" / sha
    if not dest.exists():
        tmp = dest.with_name(sha + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", sha],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
        tmp.rename(dest)
    return dest


def code_description(rev: str | None) -> str:
    head = _git("rev-parse", "--short=12", rev or "HEAD") or "unknown"
    if rev:
        return f"git revision {head} (`--rev {rev}`)"
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench")
    return f"working tree at {head}" + (" with uncommitted changes" if dirty else "")


def _git(*args: str) -> str:
    result = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def data_file(rows: int, seed: int, match_from: Path | None = None) -> Path:
    """A generated file, cached under bench/out/data (the generator is deterministic)."""
    suffix = f"-match-{match_from.stem}" if match_from else ""
    path = DATA / f"contacts-{rows}-s{seed}{suffix}.csv"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        generate(rows, tmp, seed, match_from)
        tmp.rename(path)
        log(f"generated {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def clean_scratch_files() -> None:
    """Drop uploaded copies and export files between runs (not timed)."""
    for name in ("uploads", "exports", "home/staging"):
        shutil.rmtree(SCRATCH / name, ignore_errors=True)


@contextlib.contextmanager
def step(what: str) -> Iterator[None]:
    log(f"{what} …")
    started = time.perf_counter()
    yield
    log(f"{what}: {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="N (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20,000 rows, 1 rep")
    parser.add_argument(
        "--only",
        dest="only_given",
        metavar="LIST",
        help=f"comma-separated subset of {','.join(SCENARIOS)} (default: all); `profile` "
        "runs import (a) once under pyinstrument (bench/out/profile-N.html and .txt); `xlsx` "
        "imports the rows of (a) saved as an XLSX workbook (only when named)",
    )
    parser.add_argument(
        "--flat-repeat",
        type=int,
        default=1,
        help="repetitions of the 2N import (memory flatness), at most --repeat (default 1)",
    )
    parser.add_argument(
        "--readme",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="replace the results section of bench/README.md (default: only for a full run, "
        "without --only or --quick)",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep bench_contactflow after")
    parser.add_argument(
        "--rev",
        help="measure the code of this git revision (extracted under bench/out/src) instead "
        "of the working tree",
    )
    args = parser.parse_args(argv)
    args.argv = argv
    if args.quick:
        args.rows, args.repeat = 20_000, 1
    only = {s.strip() for s in (args.only_given or ",".join(SCENARIOS)).split(",") if s.strip()}
    if unknown := only - set(SCENARIOS) - set(EXTRA_SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if args.rows < 100 or args.repeat < 1:
        parser.error("--rows must be at least 100 and --repeat at least 1")

    OUT.mkdir(parents=True, exist_ok=True)
    global SOURCE
    if args.rev:
        if not _git("rev-parse", "--verify", "--quiet", f"{args.rev}^{{commit}}"):
            parser.error(f"--rev {args.rev}: not a git revision")
        SOURCE = snapshot(args.rev)
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    embedded = "DATABASE_URL" not in os.environ
    with step("database"):
        base_url = server_url()
        template_url = create_template(base_url)
        upgrade_env = scratch_env(template_url)
        checked(contactflow(["db", "upgrade"], upgrade_env), "contactflow db upgrade")
        Db.create_raw_table(template_url)
        create_dagster_storage(template_url)
        db = Db(base_url)
        db.reset()
        env = scratch_env(db.url)
    results = Results()
    results.machine = machine_info(db, embedded)
    results.machine["code"] = code_description(args.rev)
    completed = False
    try:
        run_scenarios(args, only, db, env, results)
        completed = True
    finally:
        results.machine["load_after"] = _load()
        # A failed run still leaves its partial table in bench/out, never in the README.
        full = args.only_given is None and not args.quick
        readme = args.readme if args.readme is not None else full
        write_results(args, results, update=completed and readme)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                drop_bench_databases(base_url)
    return 0


def run_scenarios(
    args: argparse.Namespace, only: set[str], db: Db, env: dict[str, str], results: Results
) -> None:
    n, repeat = args.rows, args.repeat
    steps = StepTimes()
    with step("generating files"):
        file_a = data_file(n, 1)
        file_b = data_file(n, 2, match_from=file_a) if "update" in only else None
        file_2n = data_file(2 * n, 3) if "flat" in only else None
        file_small = data_file(SMALL_ROWS, 4) if "small" in only else None
        file_xlsx = None
        if "xlsx" in only:
            from bench.xlsx_reader import xlsx_copy

            file_xlsx = xlsx_copy(file_a)

    with step("warm-up import (not measured: fills the bytecode cache)"):
        checked(contactflow(import_args(data_file(SMALL_ROWS, 4), ORG), env), "warm-up import")
        db.reset()

    has_psql = psql_path() is not None
    copy_key = "copy_psql" if has_psql else "copy_psycopg"
    exports = "export" in only and export_available(env)
    if "export" in only and not exports:
        for what, target in (
            ("`contactflow export --format csv`", "≤ 1.5× `COPY … TO`"),
            ("`contactflow export --format xlsx`", "≥ 4× faster than openpyxl write-only"),
            (
                f"`contactflow export --format pdf`, {PDF_ROWS:,} rows",
                "≥ 3× faster than reportlab LongTable",
            ),
        ):
            results.missing.append((what, target, "not yet available"))

    for rep in range(1, repeat + 1):
        tag = f"[{rep}/{repeat}]"
        if "copy" in only or "new" in only or "update" in only:
            for path, suffix, label in (
                (file_a, "", "new contacts"),
                (file_b, "_b", "half matching"),
            ):
                if path is None:
                    continue
                with step(f"{tag} raw COPY baselines ({label})"):
                    if has_psql:
                        db.truncate_raw()
                        results.get(
                            f"copy_psql{suffix}",
                            f"raw `psql \\copy` into an unindexed text table ({label} file)",
                            n,
                        ).add(psql_copy_in(db, path))
                    db.truncate_raw()
                    results.get(
                        f"copy_psycopg{suffix}",
                        f"raw psycopg `COPY FROM STDIN` ({label} file)",
                        n,
                    ).add(psycopg_copy_in(db, path))
                    db.truncate_raw()

        def imported(m: Measured, key: str, what: str, rows: int = n, **kw: Any) -> Series:
            return record_import(results, steps, db, m, key, what, rows, **kw)

        if "new" in only or "update" in only or "floor" in only or exports:
            clean_scratch_files()
            db.reset()
            with step(f"{tag} (a) import {n:,} new contacts"):
                m = contactflow(import_args(file_a, ORG), env)
                imported(
                    m,
                    "import_new",
                    "(a) `contactflow import`, new contacts",
                    target=f"≤ {NEW_TARGET:g}× raw COPY",
                    ref=copy_key,
                )
            if "floor" in only:
                with step(f"{tag} (a') the write's floor: one INSERT of (a)'s contacts"):
                    results.get(
                        "insert_floor",
                        "(a') the write's floor: (a)'s created contacts INSERTed again from "
                        "an unlogged typed copy (indexes, foreign key; psycopg, rolled back)",
                        n,
                        ref=copy_key,
                    ).add(insert_floor(db, ORG))
            if exports:
                run_exports(tag, db, env, results, steps)
            if "update" in only and file_b is not None:
                db.analyze()
                db.settle()
                clean_scratch_files()
                with step(f"{tag} (b) import {n:,} rows, half matching, --duplicates update"):
                    m = contactflow(import_args(file_b, ORG, "--duplicates", "update"), env)
                    imported(
                        m,
                        "import_update",
                        "(b) `contactflow import --duplicates update`, half the rows match",
                        target=f"≤ {UPDATE_TARGET:g}× raw COPY",
                        ref=copy_key + "_b",
                    )

        if file_xlsx is not None:
            clean_scratch_files()
            db.reset()
            with step(f"{tag} (x) import {n:,} new contacts from XLSX"):
                m = contactflow(import_args(file_xlsx, ORG), env)
                imported(
                    m,
                    "import_xlsx",
                    "(x) `contactflow import`, the rows of (a) as an XLSX workbook",
                    ref=copy_key,
                )

        if "flat" in only and file_2n is not None and rep <= args.flat_repeat:
            clean_scratch_files()
            db.reset()
            with step(f"{tag} (c) import {2 * n:,} new contacts (memory flatness)"):
                m = contactflow(import_args(file_2n, ORG), env)
                imported(
                    m,
                    "import_2n",
                    "(c) `contactflow import`, 2N new contacts (peak RSS vs N)",
                    2 * n,
                    target="RSS within +10% of N",
                )

        if "oneworker" in only:
            clean_scratch_files()
            db.reset()
            with step(f"{tag} (a1) import {n:,} new contacts, CONTACTFLOW_WORKERS=1"):
                m = contactflow(import_args(file_a, ORG), {**env, "CONTACTFLOW_WORKERS": "1"})
                imported(
                    m,
                    "import_new_1w",
                    "(a1) the same import in one process: `CONTACTFLOW_WORKERS=1`",
                    target=f"≤ {NEW_TARGET:g}× raw COPY",
                    ref=copy_key,
                )

        if "celery" in only:
            for workers in (2, 1):
                clean_scratch_files()
                db.reset()
                what = f"{workers} Celery worker{'s' if workers > 1 else ''}"
                with (
                    step(f"{tag} (g) import {n:,} new contacts, 2 shards, {what}"),
                    celery(env, workers) as celery_env,
                ):
                    m = contactflow(import_args(file_a, ORG, "--option", "shards=2"), celery_env)
                imported(
                    m,
                    f"import_celery_{workers}w",
                    f"(g{workers}) the same import, 2 shards on the Celery executor, {what} "
                    "(Redis on loopback; PSS of the CLI only)",
                    ref=copy_key,
                )

        if "validate" in only:
            clean_scratch_files()
            db.reset()
            with step(f"{tag} (e) import --validate-only {n:,} rows"):
                m = contactflow(import_args(file_a, ORG, "--validate-only"), env)
                imported(
                    m,
                    "validate_only",
                    "(e) `contactflow import --validate-only` (parse, map, validate, resolve)",
                    ref=copy_key,
                )

        if "small" in only and file_small is not None:
            for _ in range(3):  # cheap: three samples per repetition
                clean_scratch_files()
                db.reset()
                m = contactflow(import_args(file_small, ORG), env)
                series = imported(
                    m,
                    "import_small",
                    f"(d) `contactflow import` of a {SMALL_ROWS}-row file, end to end",
                    SMALL_ROWS,
                    target=f"≤ {SMALL_TARGET_S:g} s",
                )
            log(f"{tag} (d) small file: {', '.join(f'{w:.2f}' for w in series.walls[-3:])} s")

        if "startup" in only:
            series = results.get(
                "startup", "CLI start-up alone: `contactflow jobs --org bench` (for scale)", 0
            )
            for _ in range(3):
                series.add(checked_measure(contactflow(["jobs", "--org", ORG], env), "jobs"))

    if "profile" in only:
        clean_scratch_files()
        db.reset()
        with step(f"pyinstrument profile of (a), {n:,} new contacts"):
            profile_import(file_a, n, env)
    clean_scratch_files()


def profile_import(path: Path, rows: int, env: dict[str, str]) -> None:
    """Run import (a) under pyinstrument; render HTML and text reports into bench/out."""
    pyinstrument = REPO / ".venv" / "bin" / "pyinstrument"
    session = OUT / f"profile-{rows}.pyisession"
    argv = [str(pyinstrument), "-o", str(session), "-r", "pyisession", "-m", "pipelines.cli"]
    checked(run_measured([*argv, "--json", *import_args(path, ORG)], env), "profiled import")
    for renderer in ("html", "txt"):
        target = OUT / f"profile-{rows}.{renderer}"
        load = [str(pyinstrument), "--load", str(session), "-r", renderer.replace("txt", "text")]
        subprocess.run([*load, "-o", str(target)], check=True, capture_output=True, env=env)
    log(f"wrote {OUT / f'profile-{rows}.html'} and .txt")


def record_import(
    results: Results,
    steps: StepTimes,
    db: Db,
    m: Measured,
    key: str,
    what: str,
    rows: int,
    **kw: Any,
) -> Series:
    """An import's sample: its exit checked, its wall time, memory and op times added to the
    series `key` (created with `what`, `rows` and `kw` the first time), its counts noted."""
    result = checked(m, what)
    series = results.get(key, what, rows, **kw)
    series.add(m, steps.of_job(db, result.get("import_job_id")))
    series.counts = _counts(result)
    series.note = _counts_note(result)
    return series


def checked_measure(m: Measured, what: str) -> Measured:
    checked(m, what)
    return m


def run_exports(tag: str, db: Db, env: dict[str, str], results: Results, steps: StepTimes) -> None:
    """(f) exports of the org's contacts next to COPY TO, openpyxl and reportlab."""
    rows = db.count("contacts", ORG)
    select = export_select(ORG)
    target = SCRATCH / "baseline"
    target.mkdir(parents=True, exist_ok=True)
    with step(f"{tag} (f) exports of {rows:,} contacts"):
        if psql_path():
            results.get(
                "copy_to_psql", "raw `psql \\copy (SELECT …) TO` (contacts + company name)", rows
            ).add(psql_copy_out(db, select, target / "copy.csv"))
        results.get("copy_to_psycopg", "raw psycopg `COPY (SELECT …) TO STDOUT`", rows).add(
            psycopg_copy_out(db, select, target / "copy2.csv")
        )
        ref = "copy_to_psql" if psql_path() else "copy_to_psycopg"
        for fmt, what, tgt, base in (
            ("csv", "(f) `contactflow export --format csv`", "≤ 1.5× COPY TO", ref),
            (
                "xlsx",
                "(f) `contactflow export --format xlsx`",
                "≥ 4× faster than openpyxl",
                "openpyxl",
            ),
        ):
            m = contactflow(["export", "--org", ORG, "--module", "contacts", "--format", fmt], env)
            checked(m, f"export {fmt}")
            kw: dict[str, Any] = {"target": tgt, "ref": base}
            if fmt == "xlsx":
                kw.update(ref_label="× faster than openpyxl", invert=True)
            else:
                kw.update(ref_label="× raw COPY TO")
            results.get(f"export_{fmt}", what, rows, **kw).add(m)
        results.get("openpyxl", "baseline: openpyxl write-only workbook (same rows)", rows).add(
            openpyxl_write_only(db, ORG, target / "openpyxl.xlsx")
        )
        # PDF: 10,000 rows in an org of their own.
        if db.count("contacts", PDF_ORG) == 0:
            m = contactflow(import_args(data_file(PDF_ROWS, 5), PDF_ORG), env)
            checked(m, "import (PDF set-up)")
        pdf_rows = db.count("contacts", PDF_ORG)
        m = contactflow(
            ["export", "--org", PDF_ORG, "--module", "contacts", "--format", "pdf"], env
        )
        checked(m, "export pdf")
        results.get(
            "export_pdf",
            f"(f) `contactflow export --format pdf`, ~{PDF_ROWS:,} rows",
            pdf_rows,
            target="≥ 3× faster than reportlab LongTable",
            ref="reportlab",
            ref_label="× faster than reportlab",
            invert=True,
        ).add(m)
        results.get("reportlab", "baseline: reportlab LongTable (same rows)", pdf_rows).add(
            reportlab_long_table(db, PDF_ORG, target / "reportlab.pdf")
        )
        db.execute("DELETE FROM contacts WHERE org = %s", (PDF_ORG,))


def _counts(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k.endswith("_rows") or k == "created_references"}


def _counts_note(result: dict[str, Any]) -> str:
    parts = []
    for key in ("created", "updated", "unchanged", "skipped", "error"):
        value = result.get(f"{key}_rows")
        if value:
            parts.append(f"{value:,} {key}")
    return ", ".join(parts)


def write_results(args: argparse.Namespace, results: Results, update: bool) -> None:
    if not results.series and not results.missing:
        log("nothing measured: results files left as they were")
        return
    text = results.markdown(args)
    (OUT / "results.md").write_text(text)
    (OUT / f"results-{args.rows}.md").write_text(text)
    raw = {
        "args": args.argv,
        "rows": args.rows,
        "repeat": args.repeat,
        "started": results.started.isoformat(),
        "machine": results.machine,
        "series": [asdict(s) for s in results.series.values()],
        "missing": results.missing,
    }
    (OUT / "results.json").write_text(json.dumps(raw, indent=2, default=str))
    print(text)
    log(f"wrote {OUT / 'results.md'} and results.json")
    if update:
        update_readme(text)


def update_readme(text: str) -> None:
    readme = BENCH / "README.md"
    if not readme.exists():
        return
    content = readme.read_text()
    if README_START not in content or README_END not in content:
        log("bench/README.md has no results markers; left alone")
        return
    head, rest = content.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{text}{README_END}{tail}")
    log("updated the results section of bench/README.md")


if __name__ == "__main__":
    sys.exit(main())
