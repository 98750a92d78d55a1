"""Process memory settings of an import: Arrow's allocator (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "import pipelines, pyarrow as pa; print(pa.default_memory_pool().backend_name)"


def _backend(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_arrow_allocates_through_glibc_once_pipelines_is_imported() -> None:
    assert _backend() == "system"


@pytest.mark.parametrize("pool", ["mimalloc", "jemalloc"])
def test_the_environment_still_chooses_arrows_pool(pool: str) -> None:
    assert _backend(ARROW_DEFAULT_MEMORY_POOL=pool) == pool
