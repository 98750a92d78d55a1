"""The rejects parts written by each step merge into one file sorted by row, with a JSON twin."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from pipelines.imports.parse import RowError
from pipelines.imports.rejects import RejectsWriter, merge_parts


def write_part(path: Path, rows: dict[int, tuple[str, str]], message: str) -> None:
    frame = pd.DataFrame(
        [{"Email": email, "Name": name} for email, name in rows.values()],
        index=pd.Index(list(rows), name="_row"),
        columns=["Email", "Name"],
    )
    with RejectsWriter(path, ["Email", "Name"]) as out:
        out.write(frame, [RowError(row, "email", None, message) for row in rows])


def test_parts_merge_in_row_order(tmp_path: Path) -> None:
    parts = [tmp_path / "parse.csv", tmp_path / "rows.csv", tmp_path / "staged.csv"]
    write_part(parts[0], {4: ("x", "Ann, Jr."), 9: ("y", "")}, "row has 3 fields")
    write_part(parts[1], {2: ("bad", "Bob"), 10: ("worse", "Cy\nNewline")}, "invalid email")
    write_part(parts[2], {1: ("a@x.org", "Dee"), 5: ("b@x.org", "Eve")}, "duplicate of row 3")
    out_csv, out_json = tmp_path / "rejects.csv", tmp_path / "rejects.json"

    assert merge_parts(parts, out_csv, out_json) == 6

    with open(out_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["_row"]) for r in rows] == [1, 2, 4, 5, 9, 10]
    assert rows[2]["Name"] == "Ann, Jr." and rows[5]["Name"] == "Cy\nNewline"
    records = json.loads(out_json.read_text(encoding="utf-8"))
    assert [r["_row"] for r in records] == [1, 2, 4, 5, 9, 10]
    assert records[4] == {
        "Email": "y",
        "Name": None,
        "_row": 9,
        "_field": "email",
        "_error": "row has 3 fields",
    }


def test_no_rejects_is_zero_and_missing_parts_are_skipped(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    write_part(empty, {}, "-")
    assert (
        merge_parts([empty, tmp_path / "absent.csv"], tmp_path / "r.csv", tmp_path / "r.json") == 0
    )
    assert json.loads((tmp_path / "r.json").read_text()) == []
