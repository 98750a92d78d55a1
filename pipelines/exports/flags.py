"""`contactflow export` flags as export options (the same names as job config and exports.yaml)."""

from __future__ import annotations

import argparse
from typing import Any

from pipelines.errors import InputRejected


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """`--option KEY=VALUE` first, then the dedicated flags, which win."""
    from pipelines.keyvalue import key_value

    options: dict[str, Any] = dict(key_value(text, "--option") for text in args.option or [])
    options["format"] = args.format
    if args.columns:
        options["columns"] = [c.strip() for c in args.columns.split(",") if c.strip()]
    if args.label:
        options["column_labels"] = dict(_pair(text, "--label") for text in args.label)
    filters: dict[str, Any] = {}
    if args.group is not None:
        filters["group"] = args.group
    if args.search is not None:
        filters["search"] = args.search
    if args.ids:
        filters["ids"] = _ids(args.ids)
    if args.where:
        filters["where"] = list(args.where)
        for text in args.where:
            _pair(text, "--where")
    if filters:
        options["filters"] = {**(options.get("filters") or {}), **filters}
    if args.sort:
        options["sort_field"], options["sort_direction"] = _sort(args.sort)
    if args.limit is not None:
        options["limit"] = args.limit
    if args.date_format is not None:
        options["date_format"] = args.date_format
    return options


def _pair(text: str, flag: str) -> tuple[str, str]:
    """`KEY=VALUE` kept as text (`--where external_id=007` stays "007")."""
    if "=" not in text:
        raise InputRejected(f"{flag} takes FIELD=VALUE, got {text!r}.")
    key, value = text.split("=", 1)
    return key.strip(), value


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputRejected(f"--ids takes comma-separated record ids, got {text!r}.") from None


def _sort(text: str) -> tuple[str, str]:
    """`field`, `field:asc` or `field:desc` (`phones:Mobile:desc` works too)."""
    field, _, direction = text.rpartition(":")
    if field and direction.lower() in ("asc", "desc"):
        return field.strip(), direction.lower()
    return text.strip(), "asc"
