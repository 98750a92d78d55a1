"""Property tests: whatever Python's csv module writes, the parser reads back cell for cell.

Generated files (constraints, chosen so that header detection is well defined):
- header: 1-8 names, each starting with a letter, without control characters or surrounding
  white space, unique ignoring case (the parser strips names and numbers case-insensitive
  repeats, so other names would legitimately change);
- rows: 0-30 rows of the header's width; cells are any text without NUL, surrogates or other
  control characters except tab, CR and LF (so commas, semicolons, pipes, quotes, line breaks,
  non-BMP characters, leading/trailing spaces and empty strings all occur);
- written with csv.writer (QUOTE_MINIMAL, CRLF) using one of `,` `;` tab `|` and encoded as
  utf-8, utf-8-sig or utf-16.

Expected read-back: the header names; empty cells as None; every other cell exactly as
written, white space included (normalization blanks whitespace-only cells later); rows whose
cells are all blank are not records, and the remaining rows are numbered 1..n.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.imports.parse import DELIMITERS, ParseHints, SourceFile

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16")

_text_chars = st.characters(
    blacklist_categories=("Cs", "Cc"),
    blacklist_characters="\ufeff",
    whitelist_characters="\t\r\n",
)
_name_chars = st.characters(
    blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff"
)
_cell_specials = st.sampled_from(
    ["", " ", "  padded  ", ",", ";", "|", "\t", '"', '""', "a\nb", "a\r\nb", "\r", "é€😀", "NULL"]
)
cells = st.one_of(_cell_specials, st.text(_text_chars, max_size=12))


@st.composite
def headers(draw: st.DrawFn, forbidden: str = "") -> list[str]:
    letter = st.characters(whitelist_categories=("Lu", "Ll", "Lo"))
    name = st.builds(
        lambda first, rest: (first + rest).strip(),
        letter,
        st.text(
            st.characters(
                blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                blacklist_characters="\ufeff" + forbidden,
            ),
            max_size=10,
        ),
    )
    return draw(
        st.lists(name, min_size=1 if not forbidden else 2, max_size=8, unique_by=str.casefold)
    )


@st.composite
def tables(draw: st.DrawFn, forbidden: str = "") -> tuple[list[str], list[list[str]]]:
    header = draw(headers(forbidden))
    cell = cells.filter(lambda c: not any(ch in c for ch in forbidden)) if forbidden else cells
    rows = draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=30))
    return header, rows


def write_csv(header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def parse(content: bytes, hints: ParseHints) -> tuple[SourceFile, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.csv"
        path.write_bytes(content)
        source = SourceFile(path, hints)
        chunks = list(source.chunks(chunk_rows=7))
    assert all(len(c.bad) == 0 and not c.errors for c in chunks)
    columns = source.info.source_columns
    frame = pd.concat([c.frame for c in chunks]) if chunks else pd.DataFrame(columns=columns)
    return source, frame


def expected_rows(rows: list[list[str]]) -> list[list[str | None]]:
    return [[c if c else None for c in row] for row in rows if any(c.strip() for c in row)]


def assert_round_trip(
    source: SourceFile, frame: pd.DataFrame, header: list[str], rows: list[list[str]]
) -> None:
    expected = expected_rows(rows)
    assert source.info.source_columns == header
    assert source.info.header_row == 1
    assert list(frame.index) == list(range(1, len(expected) + 1))
    assert frame.to_numpy().tolist() == expected


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    table=tables(),
    delimiter=st.sampled_from(DELIMITERS),
    encoding=st.sampled_from(ENCODINGS),
)
def test_parse_round_trips_random_csv_with_delimiter_hint(
    table: tuple[list[str], list[list[str]]], delimiter: str, encoding: str
) -> None:
    header, rows = table
    content = write_csv(header, rows, delimiter, encoding)
    source, frame = parse(content, ParseHints(delimiter=delimiter))
    assert source.info.encoding == encoding
    assert_round_trip(source, frame, header, rows)


@SETTINGS
@given(data=st.data(), delimiter=st.sampled_from(DELIMITERS), encoding=st.sampled_from(ENCODINGS))
def test_parse_round_trips_random_csv_with_detection(
    data: st.DataObject, delimiter: str, encoding: str
) -> None:
    """Detection needs an unambiguous file: at least two columns and no other candidate
    delimiter inside the cells (the chosen one may occur: the writer quotes it)."""
    others = "".join(d for d in DELIMITERS if d != delimiter)
    header, rows = data.draw(tables(forbidden=others))
    content = write_csv(header, rows, delimiter, encoding)
    source, frame = parse(content, ParseHints())
    assert source.info.file_type == "csv"
    assert source.info.delimiter == delimiter
    assert source.info.encoding == encoding
    assert_round_trip(source, frame, header, rows)


@SETTINGS
@given(table=tables(), encoding=st.sampled_from(("cp1252", "latin-1")))
def test_parse_round_trips_legacy_encodings_with_hint(
    table: tuple[list[str], list[list[str]]], encoding: str
) -> None:
    header = [h.encode(encoding, "replace").decode(encoding) for h in table[0]]
    rows = [[c.encode(encoding, "replace").decode(encoding) for c in r] for r in table[1]]
    if len({h.casefold() for h in header}) < len(header):
        return
    content = write_csv(header, rows, ";", encoding)
    source, frame = parse(content, ParseHints(delimiter=";", encoding=encoding))
    assert_round_trip(source, frame, header, rows)
