"""The PDF writer as a plain function, read back with pypdf: the font chosen per document
(Helvetica for Windows-1252 text, the embedded TrueType font otherwise), text that extracts
back as written, page numbers, wrapping and clipping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from reportlab.pdfbase import pdfmetrics

from pipelines.exports import render_pdf
from pipelines.exports.render_pdf import write_pdf

LABELS = ["First name", "Last name", "Email", "Job title"]
HAS_TTF = render_pdf._embedded() is not None


def base_fonts(path: Path) -> set[str]:
    """BaseFont of every font the pages use; embedded subsets look like `ABCDEF+Name`."""
    names = set()
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/"))
    return names


def embedded(path: Path) -> bool:
    return any("+" in name for name in base_fonts(path))


def texts(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def squeezed(path: Path) -> str:
    return "".join("".join(texts(path)).split())


def people(count: int, first: str = "Zoë") -> Iterator[tuple[str, str | None, str, str]]:
    for i in range(count):
        yield (first, f"Núñez {i:04d}", f"person{i:04d}@example.com", "Café owner")


def test_latin_text_uses_helvetica_and_extracts_back(tmp_path: Path) -> None:
    path = tmp_path / "latin.pdf"
    rows = [
        ("Søren", "Æbelø", "soren@example.dk", "Geschäftsführer"),
        ("François", "L'Œuvre (père)", "back\\slash@example.fr", "“Chef” \u2013 5 €"),
        ("Tab\there", None, "bell\x07gone@example.com", "…"),
    ]
    assert write_pdf(path, LABELS, rows, title="Crème brûlée", description="Señor") == 3
    assert base_fonts(path) <= {"Helvetica", "Helvetica-Bold"}
    (text,) = texts(path)
    for value in ["Crème brûlée", "Señor", "Søren", "Æbelø", "L'Œuvre (père)", "Page 1 of 1"]:
        assert value in text
    for value in [
        "back\\slash@example.fr",
        "“Chef” \u2013 5 €",
        "Tab here",
        "bell gone@example.com",
    ]:
        assert value in text
    assert "…" in text


@pytest.mark.skipif(not HAS_TTF, reason="no TrueType font installed")
@pytest.mark.parametrize(
    ("where", "value"),
    [("cell", "Łukasz"), ("cell", "Дмитрий"), ("title", "Ελληνικά"), ("label", "Имя")],
)
def test_text_outside_windows_1252_embeds_the_font(tmp_path: Path, where: str, value: str) -> None:
    path = tmp_path / "unicode.pdf"
    rows = [("Ann", "Lee", "ann@example.com", "CEO")]
    title, labels = "Contacts", list(LABELS)
    if where == "cell":
        rows.append((value, "Kowalski", "lk@example.pl", "Prezes zarządu"))
    elif where == "title":
        title = value
    else:
        labels[0] = value
    write_pdf(path, labels, rows, title=title)
    assert embedded(path)
    assert "Helvetica-Bold" not in base_fonts(path)
    (text,) = texts(path)
    assert value in text and "ann@example.com" in text and "Page 1 of 1" in text


@pytest.mark.skipif(not HAS_TTF, reason="no TrueType font installed")
def test_many_scripts_across_font_subsets_extract_back(tmp_path: Path) -> None:
    """More than 256 distinct characters: reportlab splits the font into several subsets, and
    a string can switch subsets in the middle."""
    skip = {0x132, 0x133, 0x13F, 0x140, 0x149, 0x17F, 0x3A2}  # ligatures, unassigned
    codes = [*range(0x100, 0x180), *range(0x391, 0x3CA), *range(0x410, 0x460)]
    glyphs = pdfmetrics.getFont(render_pdf.fonts()[0]).face.charToGlyph
    alphabet = "".join(chr(c) for c in codes if c not in skip and c in glyphs)
    assert len(set(alphabet)) > 256
    words = [alphabet[i : i + 12] for i in range(0, len(alphabet), 12)]
    rows = [(word, f"x{word}y", f"{i}@example.com", f"Łódź {word}") for i, word in enumerate(words)]
    path = tmp_path / "scripts.pdf"
    assert write_pdf(path, LABELS, rows, title="Scripts") == len(rows)
    assert len([name for name in base_fonts(path) if "+" in name]) > 2
    joined = squeezed(path)
    for word in words:
        assert word in joined and f"x{word}y" in joined and f"Łódź{word}" in joined


def test_page_numbers_and_header_on_every_page(tmp_path: Path) -> None:
    path = tmp_path / "pages.pdf"
    assert write_pdf(path, LABELS, people(400), title="Everyone", description="All of them") == 400
    pages = texts(path)
    assert len(pages) > 5
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "First name" in text and "Job title" in text
        assert ("Everyone" in text) and (("All of them" in text) == (number == 1))
    joined = "".join("".join(pages).split())
    positions = [joined.index(f"person{i:04d}@example.com") for i in range(400)]
    assert positions == sorted(positions)


@pytest.mark.skipif(not HAS_TTF, reason="no TrueType font installed")
def test_page_numbers_with_the_embedded_font(tmp_path: Path) -> None:
    path = tmp_path / "pages.pdf"
    write_pdf(path, LABELS, people(300, first="Łukasz"), title="Łódź")
    assert embedded(path)
    pages = texts(path)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text and "Łukasz" in text


def test_without_a_truetype_font_helvetica_shows_question_marks(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(render_pdf, "_embedded", lambda: None)
    path = tmp_path / "fallback.pdf"
    write_pdf(path, LABELS, [("Łukasz", "Дима", "l@example.pl", "Zoë")], title="Contacts")
    assert base_fonts(path) <= {"Helvetica", "Helvetica-Bold"}
    (text,) = texts(path)
    assert "?ukasz" in text and "????" in text and "Zoë" in text


@pytest.mark.skipif(not HAS_TTF, reason="no TrueType font installed")
def test_configured_font_is_used_for_latin_text_too(tmp_path: Path, monkeypatch: Any) -> None:
    regular = next(
        Path(folder) / "DejaVuSansCondensed.ttf"
        for folder in render_pdf.FONT_DIRS
        if (Path(folder) / "DejaVuSansCondensed.ttf").is_file()
    )
    monkeypatch.setenv("CONTACTFLOW_PDF_FONT", str(regular))
    render_pdf._embedded.cache_clear()
    try:
        path = tmp_path / "configured.pdf"
        write_pdf(path, LABELS, [("Ann", "Lee", "ann@example.com", "CEO")], title="Plain")
        assert embedded(path)
        assert "ann@example.com" in texts(path)[0]
    finally:
        render_pdf._embedded.cache_clear()


def test_long_cells_wrap_and_a_cell_taller_than_a_page_is_clipped(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    huge = " ".join(f"w{i}" for i in range(3000))
    rows = [
        ("Ann", "Lee", "ann@example.com", "line one\nline two"),
        ("Long", "Cell", "long@example.com", huge),
        ("After", "Huge", "after@example.com", "CEO"),
    ]
    assert write_pdf(path, LABELS, rows, title="Long") == 3
    pages = texts(path)
    assert len(pages) == 3
    assert "line one" in pages[0] and "line two" in pages[0]
    assert "w0" in pages[1] and "…" in pages[1] and "w2999" not in pages[1]
    assert "after@example.com" in pages[2] and "Page 3 of 3" in pages[2]


def test_values_are_strings_of_anything_and_rows_may_be_a_generator(tmp_path: Path) -> None:
    path = tmp_path / "values.pdf"
    rows = ((i, 1.5, None, "x") for i in range(3))
    assert write_pdf(path, ["Id", "Score", "Empty", "X"], rows, title="Values") == 3
    (text,) = texts(path)
    assert "1.5" in text and "Values" in text


def test_empty_export_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    assert write_pdf(path, LABELS, [], title="Nobody") == 0
    (text,) = texts(path)
    assert "No records match this export." in text and "Page 1 of 1" in text
    assert "First name" in text
