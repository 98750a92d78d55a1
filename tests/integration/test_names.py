"""Names never become paths: one rule for org and file names everywhere, checked before
anything is written, and storage keys that cannot leave their prefix."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipelines.imports.uploads import ScanLimits, UploadCursor, scan
from resources.storage import LocalStorage, S3Storage

BAD_ORGS = ["..", "../evil", "a/b", "", "a\nb", ".hidden", "x" * 10_000]


@pytest.mark.parametrize("org", BAD_ORGS)
def test_import_and_export_refuse_the_same_orgs(
    cli: Any, engine: sa.Engine, tmp_path: Path, org: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email\nann@example.com\n")
    code, _, err = cli("import", str(path), "--org", org, "--module", "contacts")
    assert code == 2 and "Invalid org" in err and len(err) < 400
    code, _, err = cli("export", "--org", org, "--module", "contacts", "--format", "csv")
    assert code == 2 and "Invalid org" in err
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM import_jobs")).scalar_one() == 0
    uploads = Path(os.environ["UPLOADS_URL"])
    assert not (tmp_path / "evil").exists() and not (uploads.parent / "evil").exists()


@pytest.mark.parametrize(
    "name", ["../../../../victim/contacts/planted.csv", "a/b.csv", "..", ".x.csv", "a\\b.csv"]
)
def test_a_file_name_option_cannot_write_elsewhere(
    cli: Any, engine: sa.Engine, tmp_path: Path, name: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email\nann@example.com\n")
    code, _, err = cli(
        "import",
        str(path),
        "--org",
        "acme",
        "--module",
        "contacts",
        "--option",
        f"file_name={name}",
    )
    assert code == 2 and "file name" in err.lower()
    uploads = Path(os.environ["UPLOADS_URL"])
    written = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    assert written == []


def test_storage_keys_never_leave_their_prefix(tmp_path: Path) -> None:
    local = LocalStorage(tmp_path / "store")
    source = tmp_path / "f.txt"
    source.write_text("x")
    s3 = S3Storage("bucket", "uploads", client=None)
    for key in ("../outside.txt", "a/../../outside.txt", "/etc/passwd"):
        with pytest.raises(ValueError, match="escapes"):
            local.put_file(source, key)
        with pytest.raises(ValueError, match="escapes"):
            s3.location(key)
    assert not (tmp_path / "outside.txt").exists()


def test_a_symlink_in_the_drop_folder_is_skipped_and_the_rest_imported(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    (root / "acme" / "contacts").mkdir(parents=True)
    (root / "acme" / "contacts" / "good.csv").write_text("Email\nann@example.com\n")
    secret = tmp_path / "secret.csv"
    secret.write_text("Email\nroot@example.com\n")
    (root / "acme" / "contacts" / "link.csv").symlink_to(secret)
    (root / "acme" / "groups").symlink_to(tmp_path, target_is_directory=True)
    found = scan(
        LocalStorage(root),
        UploadCursor(),
        time.time() + 3600,
        lambda keys: {},
        ScanLimits(),
    )
    assert [u.key for u in found.uploads] == ["acme/contacts/good.csv"]
