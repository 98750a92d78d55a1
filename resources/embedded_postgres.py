"""The embedded PostgreSQL server used when DATABASE_URL is unset: find, init, start, reuse.

Layout under ``<CONTACTFLOW_HOME>/postgres``: ``data/`` (the cluster), ``port`` (the TCP port
chosen at init), ``server.log`` and ``lock`` (serialises start-up between processes). The server
listens on 127.0.0.1 only, with trust authentication, and no Unix socket (paths under deep
folders exceed the socket path limit). As root it runs as an unprivileged system user, because
initdb and postgres refuse to run as root.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import glob
import hashlib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pipelines.errors import SetupError

DB_NAME = "contactflow"
DB_USER = "contactflow"
SERVICE_USER = os.environ.get("CONTACTFLOW_PG_OS_USER", "postgres")
# As root, the cluster of a CONTACTFLOW_HOME the service user cannot reach lives here.
SERVER_ROOT = Path(os.environ.get("CONTACTFLOW_PG_SERVER_ROOT", "/var/lib/contactflow"))


def contactflow_home() -> Path:
    """CONTACTFLOW_HOME, default ``./.contactflow`` (relative to the working directory)."""
    return Path(os.environ.get("CONTACTFLOW_HOME", ".contactflow")).resolve()


def find_bindir() -> Path:
    """Where pg_ctl lives: $CONTACTFLOW_PG_BINDIR, PATH, Debian's packages, pgserver."""
    candidates: list[str] = []
    if env_dir := os.environ.get("CONTACTFLOW_PG_BINDIR"):
        candidates.append(env_dir)
    if on_path := shutil.which("pg_ctl"):
        candidates.append(str(Path(on_path).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    try:
        import pgserver

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin"))
    except ImportError:
        pass
    for candidate in candidates:
        if (Path(candidate) / "pg_ctl").exists() and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise SetupError(
        "No PostgreSQL server binaries found: run ./dev setup (installs Debian's postgresql as "
        "root, or the pgserver wheel otherwise), or set DATABASE_URL to an existing server."
    )


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL cluster owned by this project, started on demand and reused afterwards."""

    root: Path

    @classmethod
    def default(cls) -> EmbeddedPostgres:
        return cls(contactflow_home() / "postgres")

    @functools.cached_property
    def server_dir(self) -> Path:
        """Where the cluster and its log live: `root`, unless we are root and the service
        user cannot reach it (a CONTACTFLOW_HOME inside root's 0700 home): then a folder of
        the service user's own under SERVER_ROOT, named by a hash of `root`."""
        if os.geteuid() != 0 or _reachable(self.root, _service_user()):
            return self.root
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        return SERVER_ROOT / digest

    @property
    def data_dir(self) -> Path:
        return self.server_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.server_dir / "server.log"

    @property
    def port(self) -> int:
        return int((self.root / "port").read_text().strip())

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def ensure_running(self) -> str:
        """Initialise the cluster if needed, start it if it is down, and return its URL."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock():
            # Without its port file the cluster cannot be reached: it was left by a checkout
            # that is gone (as root, the server folder under SERVER_ROOT outlives a deleted
            # clone at the same path), so it is made again.
            if not (self.data_dir / "PG_VERSION").exists() or not (self.root / "port").exists():
                self._init()
            if not self.is_running():
                self._start()
            self._ensure_database()
        return self.url

    def is_running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        try:
            with psycopg.connect(self._dsn("postgres"), connect_timeout=3):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> bool:
        """Stop the server; returns whether it was running."""
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        return True

    def _dsn(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={DB_USER} dbname={dbname}"

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.root / "lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _init(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():  # still running, on an unknown port
            with contextlib.suppress(SetupError):
                self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"])
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        if self.server_dir != self.root:
            SERVER_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
            self.server_dir.mkdir(mode=0o755, exist_ok=True)
            (self.root / "server-location").write_text(f"{self.server_dir}\n")
        self.data_dir.mkdir(mode=0o700)
        (self.root / "port").write_text(str(_free_port()))
        self._hand_over(self.data_dir)
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )

    def _start(self) -> None:
        if not self.log_file.exists():
            self.log_file.touch()
        self._hand_over(self.log_file)
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c max_connections=100 -c shared_buffers=256MB -c fsync=on "
            "-c synchronous_commit=off -c max_wal_size=4GB -c checkpoint_timeout=30min"
        )
        try:
            self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            )
        except SetupError as exc:
            tail = self.log_file.read_text(errors="replace")[-1500:]
            raise SetupError(f"{exc} Server log ({self.log_file}):\n{tail}") from None
        deadline = time.monotonic() + 30
        while not self.is_running():
            if time.monotonic() > deadline:
                raise SetupError(f"PostgreSQL did not accept connections; see {self.log_file}.")
            time.sleep(0.1)

    def _ensure_database(self) -> None:
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
            if exists.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def _hand_over(self, path: Path) -> None:
        """As root, give `path` to the unprivileged service user that runs the server."""
        if os.geteuid() != 0:
            return
        user = _service_user()
        os.chown(path, user.pw_uid, user.pw_gid)
        self.server_dir.chmod(0o755)

    def _run(self, argv: list[str]) -> None:
        bindir = find_bindir()
        argv = [str(bindir / argv[0]), *argv[1:]]
        kwargs: dict = {}
        if os.geteuid() == 0:
            user = _service_user()
            kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        result = subprocess.run(
            argv, capture_output=True, text=True, cwd="/", env=_clean_env(), **kwargs
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise SetupError(
                f"Embedded PostgreSQL: {Path(argv[0]).name} failed: {' '.join(detail)}"
            )


def _reachable(folder: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` can traverse every folder down to `folder` (the server, running as
    that user, must open its data directory by path)."""
    groups = {user.pw_gid, *os.getgrouplist(user.pw_name, user.pw_gid)}
    for part in [*reversed(folder.resolve().parents), folder.resolve()]:
        try:
            info = part.stat()
        except FileNotFoundError:
            return True  # created by us below, with modes the user can traverse
        if info.st_uid == user.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"
    return env


def _service_user() -> pwd.struct_passwd:
    """The system user that owns the cluster when we run as root; created when missing."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVICE_USER)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
