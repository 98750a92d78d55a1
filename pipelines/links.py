"""Links to stored files (rejects, exports) that open from the Dagster UI: a pre-signed URL on
S3; in a local folder, where a browser refuses `file://` links, the file's path and the
`contactflow fetch` command that copies it out."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from resources.storage import LocalStorage

FETCH_KINDS = ("rejects", "export")


@dataclass(frozen=True)
class FileLink:
    """Where a person gets a stored file: `url` (S3) or `path` (local), and the command."""

    url: str | None
    path: str | None
    command: str


def file_link(location: str, kind: str, job_id: int, url: str | None = None) -> FileLink:
    """The link of the file at `location` (a file:// or s3:// URL) that job `job_id` of `kind`
    (`rejects`: an import's rejects file, `export`: an export's file) stored. On S3, `url` when
    the caller signed one already, else a URL pre-signed for a week."""
    from pipelines.exports.jobstore import MAX_URL_SECONDS, stored_file

    if kind not in FETCH_KINDS:
        raise ValueError(f"unknown kind of stored file: {kind!r}")
    storage, key = stored_file(location)
    name = PurePosixPath(key).name
    command = f"contactflow fetch {kind} {job_id} --output {shlex.quote(name)}"
    if isinstance(storage, LocalStorage):
        return FileLink(url=None, path=str(storage.path(key)), command=command)
    return FileLink(
        url=url or storage.download_url(key, MAX_URL_SECONDS), path=None, command=command
    )


def link_metadata(name: str, link: FileLink) -> dict[str, Any]:
    """Dagster metadata for one link: `name` as a URL or a path, `<name>_command` as text (the
    Dagster edge of this module, used by the ops)."""
    import dagster as dg

    value = dg.MetadataValue.url(link.url) if link.url else dg.MetadataValue.path(link.path or "")
    return {name: value, f"{name}_command": dg.MetadataValue.text(link.command)}
