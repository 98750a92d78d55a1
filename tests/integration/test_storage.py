"""Local-folder and S3 storage behave the same behind the Storage interface."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from resources.dagster_storage import StorageResource
from resources.storage import LocalStorage, Storage, storage_for, storage_for_url


def _exercise(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email\nann@example.com\n")
    for key in ("acme/contacts/b.csv", "acme/contacts/a.csv", "other/groups/c.csv"):
        storage.put_file(source, key, content_type="text/csv")

    listed = [obj.key for obj in storage.list("acme/")]
    assert listed == ["acme/contacts/a.csv", "acme/contacts/b.csv"]
    assert [o.key for o in storage.list("", start_after="acme/contacts/b.csv")] == [
        "other/groups/c.csv"
    ]
    assert [o.key for o in storage.iter_all(page_size=1)] == [
        "acme/contacts/a.csv",
        "acme/contacts/b.csv",
        "other/groups/c.csv",
    ]
    assert all(o.size == source.stat().st_size and o.etag for o in storage.list())

    copy = storage.get_file("acme/contacts/a.csv", tmp_path / "out.csv")
    assert copy.read_text() == source.read_text()

    assert storage.delete("acme/contacts/a.csv") is True
    assert storage.delete("acme/contacts/a.csv") is False
    assert [o.key for o in storage.list("acme/")] == ["acme/contacts/b.csv"]


def test_storage_local_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    _exercise(storage, tmp_path)
    assert storage.location("x/y.csv") == (tmp_path / "store" / "x" / "y.csv").as_uri()
    with pytest.raises(ValueError, match="escapes"):
        storage.path("../outside.csv")


def test_storage_s3_with_presigned_download(s3_bucket: str, tmp_path: Path) -> None:
    storage = storage_for_url(f"s3://{s3_bucket}/exports")
    _exercise(storage, tmp_path)
    assert storage.location("acme/contacts/b.csv") == (
        f"s3://{s3_bucket}/exports/acme/contacts/b.csv"
    )
    url = storage.download_url("acme/contacts/b.csv", expires_in=60)
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"email\nann@example.com\n"


def test_storage_resource_reads_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EXPORTS_URL", str(tmp_path / "exp"))
    monkeypatch.delenv("UPLOADS_URL", raising=False)
    assert StorageResource(kind="exports").resolved_url() == str(tmp_path / "exp")
    assert StorageResource(kind="uploads").resolved_url() == "data/uploads"
    assert StorageResource(kind="uploads", url="s3://b/p").resolved_url() == "s3://b/p"
    exports = storage_for("exports")
    assert isinstance(exports, LocalStorage) and exports.root == (tmp_path / "exp").resolve()
