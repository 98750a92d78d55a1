"""Markdown tables for Dagster metadata (pandas' to_markdown needs an extra package)."""

from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame, max_cell: int = 60) -> str:
    if frame.empty:
        return "(none)"

    def cell(value: object) -> str:
        text = "" if value is None or value != value else str(value)
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= max_cell else text[: max_cell - 1] + "…"

    index_name = frame.index.name or ""
    header = [index_name, *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in frame.iterrows():
        lines.append("| " + " | ".join([cell(index), *(cell(v) for v in row)]) + " |")
    return "\n".join(lines)
