"""File storage behind one interface: a local folder or an S3 bucket (boto3).

Locations are URIs (`file:///abs/path` or `s3://bucket/key`) so an import or export job row
says where its file is, whatever backend wrote it. No Dagster here: the resource that hands a
storage to ops and sensors is `resources/dagster_storage.py`.
"""

from __future__ import annotations

import logging
import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

LOG = logging.getLogger("contactflow.storage")
DEFAULT_URLS = {"uploads": "data/uploads", "exports": "data/exports"}


@dataclass(frozen=True)
class StoredObject:
    """One object in a storage listing."""

    key: str
    size: int
    etag: str
    last_modified: datetime


def checked_key(key: str) -> str:
    """A key stays under its storage's prefix: no `..` segment, no leading `/`."""
    if key.startswith("/") or ".." in key.split("/") or "\x00" in key:
        raise ValueError(f"storage key escapes its prefix: {key!r}")
    return key


class Storage(ABC):
    """What the pipelines need from a place that holds files."""

    @abstractmethod
    def location(self, key: str) -> str:
        """The URI of `key`."""

    @abstractmethod
    def put_file(self, local_path: Path, key: str, content_type: str | None = None) -> str:
        """Store a local file under `key`; returns its location."""

    @abstractmethod
    def get_file(self, key: str, local_path: Path) -> Path:
        """Copy `key` to a local file (for parsing); returns the local path."""

    @abstractmethod
    def list(
        self, prefix: str = "", start_after: str = "", limit: int = 1000
    ) -> list[StoredObject]:
        """Objects under `prefix` in key order, after `start_after`, at most `limit`."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Delete `key`; returns whether it existed."""

    @abstractmethod
    def download_url(self, key: str, expires_in: int = 7 * 24 * 3600) -> str:
        """A URL a person can download `key` from (pre-signed on S3)."""

    def local_copy(self, key: str, folder: Path) -> Path:
        """A local file with the content of `key` (downloaded into `folder` when remote)."""
        folder.mkdir(parents=True, exist_ok=True)
        return self.get_file(key, folder / Path(key).name)

    def iter_all(self, prefix: str = "", page_size: int = 1000) -> Iterator[StoredObject]:
        start_after = ""
        while page := self.list(prefix, start_after, page_size):
            yield from page
            start_after = page[-1].key


class LocalStorage(Storage):
    """A folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        path = (self.root / checked_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key escapes the storage folder: {key!r}")
        return path

    def location(self, key: str) -> str:
        return self.path(key).as_uri()

    def put_file(self, local_path: Path, key: str, content_type: str | None = None) -> str:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if local_path.resolve() != target:
            tmp = target.with_name(f".{target.name}.part")
            shutil.copyfile(local_path, tmp)
            os.replace(tmp, target)
        return self.location(key)

    def get_file(self, key: str, local_path: Path) -> Path:
        shutil.copyfile(self.path(key), local_path)
        return local_path

    def local_copy(self, key: str, folder: Path) -> Path:
        return self.path(key)

    def list(
        self, prefix: str = "", start_after: str = "", limit: int = 1000
    ) -> list[StoredObject]:
        if not self.root.exists():
            return []
        keys = sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if str(p.relative_to(self.root)).startswith(prefix) and self._listable(p)
        )
        result = []
        for key in keys:
            if key <= start_after:
                continue
            stat = self.path(key).stat()
            result.append(
                StoredObject(
                    key=key,
                    size=stat.st_size,
                    etag=f"{stat.st_mtime_ns:x}-{stat.st_size:x}",
                    last_modified=datetime.fromtimestamp(stat.st_mtime, UTC),
                )
            )
            if len(result) >= limit:
                break
        return result

    def _listable(self, path: Path) -> bool:
        """Regular files only: a symbolic link (which may point anywhere, outside the folder
        included) is skipped with a warning instead of failing the whole listing."""
        if path.is_symlink() or any(p.is_symlink() for p in path.parents if p != self.root):
            if path.is_symlink():
                LOG.warning("skipped %s: symbolic links are not imported", path)
            return False
        return path.is_file()

    def delete(self, key: str) -> bool:
        path = self.path(key)
        if not path.exists():
            return False
        path.unlink()
        return True

    def download_url(self, key: str, expires_in: int = 7 * 24 * 3600) -> str:
        return self.location(key)


class S3Storage(Storage):
    """A bucket and prefix on S3 or an S3-compatible server."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client

    def _key(self, key: str) -> str:
        key = checked_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{quote(self._key(key))}"

    def put_file(self, local_path: Path, key: str, content_type: str | None = None) -> str:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.upload_file(str(local_path), self.bucket, self._key(key), ExtraArgs=extra)
        return self.location(key)

    def get_file(self, key: str, local_path: Path) -> Path:
        self.client.download_file(self.bucket, self._key(key), str(local_path))
        return local_path

    def list(
        self, prefix: str = "", start_after: str = "", limit: int = 1000
    ) -> list[StoredObject]:
        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Prefix": self._key(prefix),
            "MaxKeys": limit,
        }
        if start_after:
            args["StartAfter"] = self._key(start_after)
        response = self.client.list_objects_v2(**args)
        strip = len(self.prefix) + 1 if self.prefix else 0
        return [
            StoredObject(
                key=obj["Key"][strip:],
                size=obj["Size"],
                etag=obj["ETag"].strip('"'),
                last_modified=obj["LastModified"],
            )
            for obj in response.get("Contents", [])
        ]

    def delete(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.ClientError:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        return True

    def download_url(self, key: str, expires_in: int = 7 * 24 * 3600) -> str:
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=expires_in,
            )
        )


def storage_url(kind: str, url: str = "") -> str:
    """Where the `uploads` or `exports` storage is: `url` if set, else $UPLOADS_URL /
    $EXPORTS_URL, else ./data/uploads or ./data/exports."""
    return url or os.environ.get(f"{kind.upper()}_URL") or DEFAULT_URLS[kind]


def storage_for(kind: str, url: str = "") -> Storage:
    """The `uploads` or `exports` storage (see `storage_url`)."""
    return storage_for_url(storage_url(kind, url))


def storage_for_url(url: str) -> Storage:
    """A Storage for `s3://bucket/prefix`, `file:///path` or a plain folder path."""
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return S3Storage(parsed.netloc, parsed.path, s3_client())
    if parsed.scheme == "file":
        return LocalStorage(Path(unquote(parsed.path)))
    return LocalStorage(Path(url))


def s3_client() -> Any:
    """An S3 client as dagster-aws's `S3Resource` made it: the default credentials chain,
    AWS_ENDPOINT_URL for S3-compatible servers, botocore's standard retry mode (5 attempts).
    boto3 is imported only when a storage is on S3."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )
