"""`contactflow import` in a child process, for tests that kill it, race it or give it
another environment."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def import_argv(path: Path, org: str, module: str, *flags: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "--json", "import", str(path), "--org", org,
            "--module", module, *flags]  # fmt: skip


def spawn_import(
    path: Path,
    *flags: str,
    org: str = "acme",
    module: str = "contacts",
    env: dict[str, str] | None = None,
    session: bool = False,
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        import_argv(path, org, module, *flags),
        cwd=REPO_ROOT,
        env=dict(os.environ) if env is None else env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=session,
    )


def child_processes(marker: str) -> list[int]:
    """This process's children whose command line contains `marker` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == os.getpid() and marker in command:
            found.append(int(entry.name))
    return found


def stop_processes(pids: list[int], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL what is still there after `timeout` seconds; reaps them."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
