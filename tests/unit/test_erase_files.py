"""Erasure in files (no database): which rows hold a person, and how each kind of stored file
is rewritten or deleted."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.erase_files import (
    Person,
    StoredFiles,
    erase_upload,
    filter_csv,
    filter_json,
)

ANN = Person(
    frozenset({7}), frozenset({"ann@example.com"}), frozenset({"https://www.linkedin.com/in/ann"})
)


def test_person_matches_emails_inside_cells_case_insensitively_and_urls_exactly() -> None:
    assert ANN.matches(["x", " ANN@Example.com "])
    assert ANN.matches(["Ann <ann@example.com>; bob@example.com"])
    assert ANN.matches(["https://www.linkedin.com/in/ann"])
    assert not ANN.matches(["https://www.linkedin.com/in/anna", "joann@example.co", None, 7])
    assert ANN.in_bytes(b"\x80\x04ANN@EXAMPLE.COM") and not ANN.in_bytes(b"bob@example.com")


def test_filter_csv_keeps_quoting_line_endings_and_the_other_rows(tmp_path: Path) -> None:
    source = tmp_path / "rejects.csv"
    source.write_bytes(
        b'Email;Notes\r\nann@example.com;"two\r\nlines"\r\nbob@example.com;"a;b"\r\n'
    )
    target = tmp_path / "out.csv"
    assert filter_csv(source, target, ANN.matches, delimiter=";") == 1
    assert target.read_bytes() == b'Email;Notes\r\nbob@example.com;"a;b"\r\n'


def test_filter_json_arrays_and_lines(tmp_path: Path) -> None:
    rows = [{"Email": "Ann@example.com", "_row": 1}, {"Email": "bob@example.com", "_row": 2}]
    source, target = tmp_path / "rejects.json", tmp_path / "out.json"
    source.write_text(json.dumps(rows))
    assert filter_json(source, target, ANN) == 1
    assert json.loads(target.read_text()) == rows[1:]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert filter_json(source, target, ANN, lines=True) == 1
    assert [json.loads(line) for line in target.read_text().splitlines()] == rows[1:]


def _upload(tmp_path: Path, key: str, text: str) -> dict[str, object]:
    path = tmp_path / "uploads" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="cp1252")
    return {"upload_location": path.as_uri(), "options": {}, "file_name": path.name}


def test_a_cli_copy_is_rewritten_in_its_encoding_a_dropped_object_is_deleted(
    tmp_path: Path,
) -> None:
    text = "Email,Name\nann@example.com,Ann\nbob@example.com,Zoë\n"
    copy = _upload(tmp_path, "_cli/acme/contacts/3/people.csv", text)
    dropped = _upload(tmp_path, "acme/contacts/people.csv", text)
    other = _upload(tmp_path, "_cli/acme/contacts/4/other.csv", "Email\nbob@example.com\n")
    files = StoredFiles(dry_run=False)
    try:
        assert erase_upload(files, copy, ANN) == "rewritten"
        assert erase_upload(files, dropped, ANN) == "deleted"
        assert erase_upload(files, other, ANN) is None
    finally:
        files.close()
    rewritten = Path(str(copy["upload_location"]).removeprefix("file://"))
    assert rewritten.read_text(encoding="cp1252") == "Email,Name\nbob@example.com,Zoë\n"
    assert not Path(str(dropped["upload_location"]).removeprefix("file://")).exists()


def test_dry_run_touches_no_file(tmp_path: Path) -> None:
    copy = _upload(tmp_path, "_cli/acme/contacts/3/people.csv", "Email\nann@example.com\n")
    dropped = _upload(tmp_path, "acme/contacts/people.csv", "Email\nann@example.com\n")
    before = {p: p.read_bytes() for p in (tmp_path / "uploads").rglob("*.csv")}
    files = StoredFiles(dry_run=True)
    try:
        assert erase_upload(files, copy, ANN) == "rewritten"
        assert erase_upload(files, dropped, ANN) == "deleted"
    finally:
        files.close()
    assert {p: p.read_bytes() for p in (tmp_path / "uploads").rglob("*.csv")} == before
