"""Odd options and hostile files get one clear sentence, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.errors import InputRejected, one_line
from pipelines.imports.parse import ParseHints, SourceFile
from pipelines.imports.uploads import parse_options_text


def test_a_codec_that_is_not_a_text_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email\nann@example.com\n")
    with pytest.raises(InputRejected, match="'rot13' is not a text encoding"):
        SourceFile(path, ParseHints(encoding="rot13"))


def test_json_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('[{"a": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    with pytest.raises(InputRejected, match="too deeply"):
        SourceFile(path)


def test_a_sheet_option_on_a_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email\nann@example.com\n")
    with pytest.raises(InputRejected, match="sheet option applies to spreadsheets"):
        SourceFile(path, ParseHints(sheet="Nope"))


def test_yaml_errors_are_one_line() -> None:
    with pytest.raises(ValueError) as caught:
        parse_options_text("match: [email\n", "x.import.yaml")
    assert "\n" not in str(caught.value)
    assert one_line("a\n  b\n   ^") == "a b ^"
