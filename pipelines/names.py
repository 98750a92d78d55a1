"""One rule for the names that become folders, storage keys and partition keys: org names
and file names, checked before anything is written (CLI, sensor, Launchpad config, exports).
A name is never a path: `--org ../evil` or `file_name=../../victim/contacts/x.csv` wrote
outside their folders."""

from __future__ import annotations

import re

from pipelines.errors import InputRejected

MAX_ORG = 64
MAX_FILE_NAME = 255
_ORG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def org_problem(org: str) -> str | None:
    """Why `org` cannot be an org name, or None."""
    if not _ORG.fullmatch(org) or ".." in org or len(org) > MAX_ORG:
        return (
            f"Invalid org {org[:80]!r}: use 1 to {MAX_ORG} letters, digits, '_', '-' or '.', "
            "starting with a letter or digit."
        )
    return None


def check_org(org: str) -> str:
    if problem := org_problem(org):
        raise InputRejected(problem)
    return org


def file_name_problem(name: str) -> str | None:
    """Why `name` cannot be a file name, or None: one path segment of printable characters."""
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or _CONTROL.search(name)
        or len(name.encode()) > MAX_FILE_NAME
    ):
        return (
            f"Invalid file name {name[:80]!r}: a name without folders ('/' or '\\'), control "
            f"characters or a leading '.', at most {MAX_FILE_NAME} bytes."
        )
    return None


def check_file_name(name: str) -> str:
    if problem := file_name_problem(name):
        raise InputRejected(problem)
    return name


def partition_key_for(org: str, module: str, file_name: str, digest: str) -> str:
    """`<org>/<module>/<file>@<first 12 hex of the content hash or ETag>`."""
    return f"{org}/{module}/{file_name}@{digest[:12]}"


def split_partition_key(key: str) -> tuple[str, str, str]:
    """`<org>/<module>/<file>@<digest>` -> (org, module, file)."""
    path = key.rpartition("@")[0] or key
    org, _, rest = path.partition("/")
    module, _, file_name = rest.partition("/")
    return org, module, file_name
