"""`KEY=VALUE` command-line values (`--option`, `--set`), shared by the import and export
commands; kept apart from the import modules so that parsing a flag loads no pandas."""

from __future__ import annotations

from typing import Any

import yaml

from pipelines.errors import InputRejected


def key_value(text: str, flag: str) -> tuple[str, Any]:
    """`KEY=VALUE` with VALUE read as a YAML scalar (true, 5, 0.1, text)."""
    if "=" not in text:
        raise InputRejected(f"{flag} takes KEY=VALUE, got {text!r}.")
    key, value = text.split("=", 1)
    try:
        parsed = yaml.safe_load(value) if value else None
    except yaml.YAMLError:
        parsed = value
    if isinstance(parsed, (dict, list)) or (parsed is None and value):
        parsed = value
    return key.strip(), parsed
