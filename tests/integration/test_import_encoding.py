"""A UTF-8 file with one invalid byte is UTF-8 with one row error, never latin-1 for every
row (which stored `ZoÃ«` for `Zoë` with 0 errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa


def _damaged(path: Path) -> Path:
    lines = ["Email,First Name,Last Name"]
    lines += [f"p{i}@example.com,Zoë{i},Müller" for i in range(200)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    data = data.replace(b"p57@example.com,Zo\xc3\xab57", b"p57@example.com,Zo\xff57")
    path.write_bytes(data)
    return path


def test_one_bad_byte_is_one_row_error_in_a_utf8_file(
    cli: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    path = _damaged(tmp_path / "people.csv")
    code, preview, err = cli("preview", str(path), "--module", "contacts")
    assert code == 0, err
    assert preview["encoding"] == "utf-8"
    assert preview["encoding_warning"].startswith("1 bytes are not valid UTF-8")
    code, result, err = cli("import", str(path), "--org", "acme", "--module", "contacts")
    assert code == 0, err
    assert (result["created_rows"], result["error_rows"]) == (199, 1)
    assert result["errors"][0]["row"] == 58 and "invalid UTF-8" in result["errors"][0]["error"]
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT DISTINCT last_name FROM contacts")).scalars().all()
        zoe = conn.execute(
            sa.text("SELECT first_name FROM contacts WHERE email = 'p1@example.com'")
        ).scalar_one()
    assert names == ["Müller"] and zoe == "Zoë1"


def test_a_windows_1252_file_is_still_read_as_such(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    rows = "".join(f"p{i}@example.com,Zoë {i} \u2013 café\n" for i in range(50))
    text = "Email,First Name\n" + rows
    path.write_bytes(text.encode("cp1252"))
    code, preview, err = cli("preview", str(path), "--module", "contacts")
    assert code == 0, err
    assert preview["encoding"] == "cp1252" and "encoding_warning" not in preview
