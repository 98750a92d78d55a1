"""PDF exports: a table drawn straight on a reportlab canvas (no flowables per cell), with a
title and description, the header row repeated on every page, long values wrapped, "Page N of
M" footers, and landscape pages when there are many columns."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import chain, islice
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, landscape, letter, portrait
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

LANDSCAPE_FROM_COLUMNS = 6
MARGIN = 36.0
FONT_SIZE = 8.0
LEADING = 10.0
PAD = 3.0
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


@cache
def fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans Condensed when installed, for names in any
    Latin, Greek or Cyrillic script (or a TTF named by CONTACTFLOW_PDF_FONT), else Helvetica."""
    from reportlab.pdfbase.ttfonts import TTFont

    candidates: list[tuple[Path, Path]] = []
    if custom := os.environ.get("CONTACTFLOW_PDF_FONT"):
        candidates.append((Path(custom), Path(custom)))
    for folder in map(Path, FONT_DIRS):
        candidates.append(
            (folder / "DejaVuSansCondensed.ttf", folder / "DejaVuSansCondensed-Bold.ttf")
        )
    for regular, bold in candidates:
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("ExportSans", str(regular)))
            pdfmetrics.registerFont(TTFont("ExportSans-Bold", str(bold)))
            return "ExportSans", "ExportSans-Bold"
    return "Helvetica", "Helvetica-Bold"


class _NumberedCanvas(Canvas):
    """Keeps each page until the end so the footer can say "Page N of M"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            regular, _ = fonts()
            self.setFont(regular, 7)
            self.setFillGray(0.4)
            width = self._pagesize[0]
            self.drawRightString(width - MARGIN, MARGIN / 2, f"Page {number} of {total}")
            super().showPage()
        super().save()


def write_pdf(
    path: Path,
    labels: Sequence[str],
    rows: Iterable[Sequence[str | None]],
    title: str,
    description: str = "",
    orientation: str = "auto",
    page_size: str = "A4",
) -> int:
    """Draw the table; returns the number of data rows."""
    size = A4 if page_size == "A4" else letter
    wide = orientation == "landscape" or (
        orientation == "auto" and len(labels) >= LANDSCAPE_FROM_COLUMNS
    )
    pagesize = landscape(size) if wide else portrait(size)
    iterator = iter(rows)
    sample = list(islice(iterator, 200))
    table = _Table(_NumberedCanvas(str(path), pagesize=pagesize), labels, sample)
    table.canvas.setTitle(title)
    table.canvas.setAuthor("contactflow")
    table.start(title, description)
    count = 0
    for values in chain(sample, iterator):
        table.row(["" if v is None else _CONTROL.sub(" ", str(v)) for v in values], count % 2)
        count += 1
    if count == 0:
        table.note("No records match this export.")
    table.canvas.showPage()
    table.canvas.save()
    return count


class _Table:
    def __init__(
        self, canvas: Canvas, labels: Sequence[str], sample: list[Sequence[str | None]]
    ) -> None:
        self.canvas = canvas
        self.labels = list(labels)
        self.regular, self.bold = fonts()
        self.width, self.height = canvas._pagesize
        self.widths = self._column_widths(sample)
        self.y = self.height - MARGIN
        self.title = ""
        self.header_height = 0.0

    def _column_widths(self, sample: list[Sequence[str | None]]) -> list[float]:
        """Widths in points: each column wants its widest sampled value (up to a cap) and
        needs at least its longest header word; when the page is too narrow, every column
        keeps its minimum and the rest of the width is shared by what they want beyond it."""
        usable = self.width - 2 * MARGIN
        minimum, wanted = [], []
        for index, label in enumerate(self.labels):
            words = [pdfmetrics.stringWidth(w, self.bold, FONT_SIZE) for w in label.split()]
            low = max([*words, 24.0]) + 2 * PAD
            widest = max(
                (
                    pdfmetrics.stringWidth(str(r[index])[:80], self.regular, FONT_SIZE)
                    for r in sample
                    if r[index]
                ),
                default=0.0,
            )
            minimum.append(min(low, 90.0))
            wanted.append(min(max(low, widest + 2 * PAD), 220.0))
        if sum(wanted) <= usable:
            return [w * usable / sum(wanted) for w in wanted]
        if sum(minimum) >= usable:
            return [m * usable / sum(minimum) for m in minimum]
        spare = usable - sum(minimum)
        extra = [w - m for w, m in zip(wanted, minimum)]
        return [m + spare * e / sum(extra) for m, e in zip(minimum, extra)]

    def start(self, title: str, description: str) -> None:
        self.title = title
        self.canvas.setFillGray(0)
        self.canvas.setFont(self.bold, 14)
        self.canvas.drawString(MARGIN, self.y - 14, title)
        self.y -= 22
        if description:
            self.canvas.setFont(self.regular, 9)
            self.canvas.setFillGray(0.25)
            for line in wrap(description, self.regular, 9, self.width - 2 * MARGIN)[:6]:
                self.canvas.drawString(MARGIN, self.y - 9, line)
                self.y -= 11
        self.y -= 8
        self.header()

    @property
    def max_lines(self) -> int:
        """Lines of one cell that fit on a page below the running title and the header."""
        return max(int((self.height - 2 * MARGIN - 14 - self.header_height) / LEADING) - 1, 1)

    def header(self) -> None:
        cells = [
            wrap(label, self.bold, FONT_SIZE, w - 2 * PAD)[:3]
            for label, w in zip(self.labels, self.widths)
        ]
        height = max(len(c) for c in cells) * LEADING + 2 * PAD
        self.header_height = height
        self._fill(height, 0.85)
        self._draw(cells, self.bold, height)

    def row(self, values: list[str], odd: int) -> None:
        cells = [
            _clip(wrap(v, self.regular, FONT_SIZE, w - 2 * PAD), self.max_lines)
            for v, w in zip(values, self.widths)
        ]
        height = max(len(c) for c in cells) * LEADING + 2 * PAD
        if self.y - height < MARGIN:
            self.new_page()
        if odd:
            self._fill(height, 0.95)
        self._draw(cells, self.regular, height)

    def note(self, text: str) -> None:
        self.canvas.setFont(self.regular, 9)
        self.canvas.setFillGray(0.3)
        self.canvas.drawString(MARGIN, self.y - 12, text)

    def new_page(self) -> None:
        self.canvas.showPage()
        self.y = self.height - MARGIN
        self.canvas.setFont(self.regular, 7)
        self.canvas.setFillGray(0.4)
        self.canvas.drawString(MARGIN, self.y - 7, self.title)
        self.y -= 14
        self.header()

    def _fill(self, height: float, gray: float) -> None:
        self.canvas.setFillGray(gray)
        self.canvas.rect(MARGIN, self.y - height, sum(self.widths), height, stroke=0, fill=1)

    def _draw(self, cells: list[list[str]], font: str, height: float) -> None:
        canvas = self.canvas
        canvas.setFillGray(0)
        canvas.setFont(font, FONT_SIZE)
        x = MARGIN
        for lines, width in zip(cells, self.widths):
            y = self.y - PAD - FONT_SIZE
            for line in lines:
                canvas.drawString(x + PAD, y, line)
                y -= LEADING
            x += width
        self.y -= height


def _clip(lines: list[str], limit: int) -> list[str]:
    """A cell longer than a whole page can hold ends with "…" (a row never spans pages)."""
    if len(lines) <= limit:
        return lines
    return [*lines[: limit - 1], lines[limit - 1] + " …"]


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`: at spaces where possible, inside a word (an
    e-mail address, a URL) when the word alone is too wide; line breaks are kept."""
    if "\n" not in text and pdfmetrics.stringWidth(text, font, size) <= width:
        return [text]
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if pdfmetrics.stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while pdfmetrics.stringWidth(word, font, size) > width and len(word) > 1:
                cut = _fits(word, font, size, width)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _fits(word: str, font: str, size: float, width: float) -> int:
    """How many leading characters of `word` fit in `width` (at least one)."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(word[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low
