"""PDF exports: a table with a title and description, the header row repeated on every page,
long values wrapped, "Page N of M" footers, and landscape pages when there are many columns.

How it is drawn (reportlab's LongTable, and even one `Canvas.drawString` per cell, spend most
of their time in reportlab's per-call Python: text objects, number formatting, escaping,
TrueType encoding, ASCII85; `rl_accel`, its C speed-ups, is not installed):

- reportlab builds the document (pages, fonts, TrueType subsetting and embedding, the file);
  the page content is PDF operators written here: one text object per page, each line placed
  with `Tm` and shown with `Tj`, the font set only when it changes, the shaded rows one filled
  path per page. Coordinates are relative to the top of the page (one `cm` per page).
- Widths come from the font's per-character widths (reportlab's own tables, so the layout is
  the one `stringWidth` gives); each distinct short string is measured and encoded once per
  document (first names, companies and job titles repeat): one dictionary look-up per cell.
- Encoding: Helvetica's WinAnsiEncoding is Windows-1252, escaped for PDF by one
  `str.translate`; for the TrueType font, reportlab's subset assignment (`TTFont.splitString`)
  is asked once per new character, and ASCII, which reportlab keeps as itself in subset 0,
  only needs `( ) \\` escaped.
- Rows are read first, each kept as one string (a PDF holds at most 50,000 rows, checked
  upstream), so the font is chosen knowing every string. Each page's content is kept until the
  page count is known for the footers; rows are dropped as they are drawn and pages as they are
  handed to reportlab, so the peak is about one copy of the content.
- Streams are Flate-compressed without reportlab's default ASCII85 step (pure Python here, and
  25% bigger files).

The font is decided per document, from every string that will be drawn (title, description,
labels, cells, footers): when all are in Windows-1252 (Latin-1 plus the euro sign, curly
quotes, dashes, ellipsis, `Š š Ž ž Œ œ Ÿ`), the standard Helvetica (nothing embedded:
fastest, smallest file). Otherwise (`Łukasz`, Greek, Cyrillic) DejaVu Sans Condensed when it
is installed, embedded as a subset; without it, Helvetica with `?` for what it cannot show. A
TTF named by `CONTACTFLOW_PDF_FONT` is always used. Control characters and tabs are shown as
spaces."""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, landscape, letter, portrait
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas

LANDSCAPE_FROM_COLUMNS = 6
MARGIN = 36.0
FONT_SIZE = 8.0
LEADING = 10.0
PAD = 3.0
SAMPLE_ROWS = 200
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
)
HELVETICA = ("Helvetica", "Helvetica-Bold")
NO_ROWS = "No records match this export."
ELLIPSIS = " …"
# Control characters (C0 but line breaks, DEL, C1) are shown as spaces; tabs too.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_UNSAFE = re.compile("[\x01-\x09\x0b-\x1f\x7f-\x9f]")  # the same without the row separator
_SEP = "\x00"
_CACHE_ENTRIES = 10_000  # distinct strings kept per font before the cache starts again
_CACHE_LENGTH = 100  # longer strings are not kept (they do not repeat)
# Bytes in a PDF string: printable ASCII as is, but ( ) \ escaped, the rest as octal.
_BYTE_ESCAPE = {
    **{c: f"\\{c:03o}" for c in [*range(32), *range(127, 256)]},
    ord("("): "\\(",
    ord(")"): "\\)",
    ord("\\"): "\\\\",
}


@cache
def _embedded() -> tuple[str, str, bool] | None:
    """(regular, bold, always) of the TrueType font to embed, registered with reportlab:
    the file of CONTACTFLOW_PDF_FONT (always used), else DejaVu Sans Condensed when installed
    (used when Helvetica cannot show the text); None when there is none."""
    from reportlab.pdfbase.ttfonts import TTFont

    candidates: list[tuple[Path, Path, bool]] = []
    if custom := os.environ.get("CONTACTFLOW_PDF_FONT"):
        candidates.append((Path(custom), Path(custom), True))
    for folder in map(Path, FONT_DIRS):
        regular, bold = folder / "DejaVuSansCondensed.ttf", folder / "DejaVuSansCondensed-Bold.ttf"
        candidates.append((regular, bold, False))
    for regular, bold, always in candidates:
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("ExportSans", str(regular)))
            pdfmetrics.registerFont(TTFont("ExportSans-Bold", str(bold)))
            return "ExportSans", "ExportSans-Bold", always
    return None


def fonts(needs_unicode: bool = True) -> tuple[str, str]:
    """(regular, bold) font names for a document; `needs_unicode`: some text is not in
    Windows-1252."""
    embedded = _embedded()
    if embedded is None or not (needs_unicode or embedded[2]):
        return HELVETICA
    return embedded[0], embedded[1]


def _in_winansi(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class _CharTable(dict[str, Any]):
    """Characters to a value computed on first use."""

    def __init__(self, compute: Callable[[str], Any]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, char: str) -> Any:
        value = self[char] = self.compute(char)
        return value


class _CodeTable(dict[int, str]):
    """Code points to their escaped Windows-1252 byte, for `str.translate`."""

    def __init__(self, compute: Callable[[int], str]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, code: int) -> str:
        value = self[code] = self.compute(code)
        return value


class _FirstSubset(dict[int, str]):
    """Code points to their escaped code in the first subset of a TrueType font, for
    `str.translate`; `missed` is set when a character is in a later subset."""

    def __init__(self, codes: _CharTable) -> None:
        super().__init__()
        self.codes = codes
        self.missed = False

    def __missing__(self, point: int) -> str:
        subset, code = self.codes[chr(point)]
        if subset:
            self.missed = True
            return ""
        value = self[point] = _BYTE_ESCAPE.get(code, chr(code))
        return value


class _Font:
    """One font in one document: widths (in 1/1000 of the font size) and strings encoded as
    (PDF font name, escaped PDF string) runs."""

    def __init__(self, name: str, canvas: Canvas) -> None:
        font = pdfmetrics.getFont(name)
        self.doc = canvas._doc
        self.font = font
        self.dynamic = bool(font._dynamicFont)
        self._widths: dict[str, float] = {}
        self.cells: dict[str, tuple[float, str, str, str]] = {}
        self._selections: dict[str, str] = {}
        if self.dynamic:
            face = font.face
            char_widths, default = face.charWidths, face.defaultWidth
            self.table = _CharTable(lambda c: char_widths.get(ord(c), default))
            self._codes = _CharTable(self._assign)
            self._first = _FirstSubset(self._codes)
            self._names: dict[int, str] = {}
        else:
            widths = font.widths  # by Windows-1252 code (Helvetica's WinAnsiEncoding)
            self.pdf_name = self.doc.getInternalFontName(name)
            self.table = _CharTable(lambda c: widths[_winansi(c)[0]])
            self._escape = _CodeTable(lambda code: _escaped_byte(_winansi(chr(code))[0]))

    def units(self, text: str) -> float:
        """Width of `text` in 1/1000 of the font size."""
        width = self._widths.get(text)
        if width is None:
            width = sum(map(self.table.__getitem__, text))
            if len(text) <= _CACHE_LENGTH:
                if len(self._widths) >= _CACHE_ENTRIES:
                    self._widths.clear()
                self._widths[text] = width
        return width

    def width(self, text: str, size: float) -> float:
        return self.units(text) * size / 1000

    def cell(self, text: str) -> tuple[float, str, str, str]:
        """(width, first font, operators, last font) of `text` in a cell, at FONT_SIZE: one
        dictionary look-up per cell in the draw loop (`cells.get`, then this on a miss)."""
        width = sum(map(self.table.__getitem__, text))
        runs = self.runs(text)
        first = self._selected(runs[0][0])
        if len(runs) == 1:
            value = (width, first, f"({runs[0][1]}) Tj", first)
        else:
            body = [f"({runs[0][1]}) Tj"]
            for name, piece in runs[1:]:
                body.append(f"{self._selected(name)}\n({piece}) Tj")
            value = (width, first, "\n".join(body), self._selected(runs[-1][0]))
        if len(text) <= _CACHE_LENGTH:
            if len(self.cells) >= _CACHE_ENTRIES:
                self.cells.clear()
            self.cells[text] = value
        return value

    def _selected(self, name: str) -> str:
        selected = self._selections.get(name)
        if selected is None:
            selected = self._selections[name] = f"{name} {FONT_SIZE} Tf"
        return selected

    def runs(self, text: str) -> list[tuple[str, str]]:
        """`text` as (PDF font name, escaped string) pieces."""
        if not self.dynamic:
            return [(self.pdf_name, text.translate(self._escape))]
        first = self._first
        first.missed = False
        piece = text.translate(first)
        if not first.missed:  # usual: subset 0 holds ASCII and the first ~160 other characters
            return [(self._name(0), piece)]
        runs: list[tuple[str, str]] = []
        codes = self._codes
        subset, chunk = -1, bytearray()
        for char in text:
            char_subset, code = codes[char]
            if char_subset != subset:
                if chunk:
                    runs.append((self._name(subset), chunk.decode("latin-1")))
                subset, chunk = char_subset, bytearray()
            chunk.append(code)
        if chunk:
            runs.append((self._name(subset), chunk.decode("latin-1")))
        return [(name, piece.translate(_BYTE_ESCAPE)) for name, piece in runs]

    def _assign(self, char: str) -> tuple[int, int]:
        ((subset, code),) = self.font.splitString(char, self.doc)
        return subset, code[0]

    def _name(self, subset: int) -> str:
        name = self._names.get(subset)
        if name is None:
            name = self._names[subset] = self.font.getSubsetInternalName(subset, self.doc)
        return name


def _winansi(char: str) -> bytes:
    return char.encode("cp1252", "replace")  # '?' for what Helvetica cannot show


def _escaped_byte(code: int) -> str:
    return _BYTE_ESCAPE.get(code, chr(code))


class _Text:
    """The operators of one text object: strings at absolute positions, font and gray set only
    when they change."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.font = ""
        self.gray = -1.0

    def show(self, font: _Font, size: float, x: float, y: float, text: str, gray: float) -> None:
        if not text:
            return
        parts = self.parts
        if gray != self.gray:
            parts.append(f"{gray} g")
            self.gray = gray
        parts.append(f"1 0 0 1 {x:.4f} {y:.2f} Tm")
        for name, piece in font.runs(text):
            selected = f"{name} {size} Tf"
            if selected != self.font:
                parts.append(selected)
                self.font = selected
            parts.append(f"({piece}) Tj")


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
    title, description = _clean(title), _clean(description)
    labels = [_clean(label) for label in labels]
    buffered, latin = _read(rows)
    latin = latin and _in_winansi("".join([title, description, *labels, NO_ROWS, ELLIPSIS]))
    canvas = Canvas(str(path), pagesize=pagesize, pageCompression=0)
    # Flate without ASCII85 for every stream (pages, embedded fonts): see the docstring.
    canvas._doc.defaultStreamFilters = [pdfdoc.PDFZCompress]
    canvas.setTitle(title)
    canvas.setAuthor("contactflow")
    regular, bold = fonts(needs_unicode=not latin)
    table = _Table(canvas, labels, _Font(regular, canvas), _Font(bold, canvas))
    count = len(buffered)
    table.widths = table.column_widths([line.split(_SEP) for line in islice(buffered, SAMPLE_ROWS)])
    table.start(title, description)
    table.draw_rows(buffered)
    if count == 0:
        table.note(NO_ROWS)
    table.finish()
    return count


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


def _read(rows: Iterable[Sequence[Any]]) -> tuple[deque[str], bool]:
    """Every row as one string (cells joined by NUL, control characters made spaces), and
    whether all of them are in Windows-1252."""
    buffered: deque[str] = deque()
    append = buffered.append
    latin = True
    for values in rows:
        cells = ["" if v is None else v if type(v) is str else str(v) for v in values]
        line = _SEP.join(cells)
        if line.count(_SEP) != len(cells) - 1 or _UNSAFE.search(line):
            line = _SEP.join([_CONTROL.sub(" ", cell) for cell in cells])
        if latin and not line.isascii():
            latin = _in_winansi(line)
        append(line)
    return buffered, latin


class _Table:
    def __init__(self, canvas: Canvas, labels: list[str], regular: _Font, bold: _Font) -> None:
        self.canvas = canvas
        self.labels = labels
        self.regular, self.bold = regular, bold
        self.width, self.height = canvas._pagesize
        self.widths: list[float] = []
        self.pages: list[str] = []
        self.title = ""
        self.header_cells: list[list[str]] = []
        self.header_height = 0.0
        self._new_content()

    def _new_content(self) -> None:
        self.y = -MARGIN  # from the top of the page: each page's content is moved up by cm
        self.fills: dict[float, list[str]] = {}
        self.text = _Text()

    def column_widths(self, sample: list[list[str]]) -> list[float]:
        """Widths in points: each column wants its widest sampled value (up to a cap) and
        needs at least its longest header word; when the page is too narrow, every column
        keeps its minimum and the rest of the width is shared by what they want beyond it."""
        usable = self.width - 2 * MARGIN
        minimum, wanted = [], []
        for index, label in enumerate(self.labels):
            words = [self.bold.width(w, FONT_SIZE) for w in label.split()]
            low = max([*words, 24.0]) + 2 * PAD
            widest = max(
                (
                    self.regular.width(r[index][:80], FONT_SIZE)
                    for r in sample
                    if len(r) > index and r[index]
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
        self.text.show(self.bold, 14, MARGIN, self.y - 14, title, 0.0)
        self.y -= 22
        if description:
            for line in wrap(description, self.regular, 9, self.width - 2 * MARGIN)[:6]:
                self.text.show(self.regular, 9, MARGIN, self.y - 9, line, 0.25)
                self.y -= 11
        self.y -= 8
        self.header_cells = [
            wrap(label, self.bold, FONT_SIZE, w - 2 * PAD)[:3]
            for label, w in zip(self.labels, self.widths)
        ]
        lines = max((len(c) for c in self.header_cells), default=1)
        self.header_height = lines * LEADING + 2 * PAD
        self.header()

    @property
    def max_lines(self) -> int:
        """Lines of one cell that fit on a page below the running title and the header."""
        return max(int((self.height - 2 * MARGIN - 14 - self.header_height) / LEADING) - 1, 1)

    def header(self) -> None:
        self._fill(self.header_height, 0.85)
        self._draw(self.header_cells, self.bold, self.header_height)

    def draw_rows(self, buffered: deque[str]) -> None:
        """The hot loop: every row, wrapped where needed, emptying `buffered` as it goes."""
        regular, text = self.regular, self.text
        known, cell_of = regular.cells.get, regular.cell
        inner = [w - 2 * PAD for w in self.widths]
        limits = [w * 1000 / FONT_SIZE for w in inner]
        xs = [f"1 0 0 1 {x + PAD:.4f} " for x in self._lefts()]
        columns = list(zip(xs, limits, inner))
        max_lines, one_line = self.max_lines, LEADING + 2 * PAD
        bottom = MARGIN - self.height
        odd = 0
        while buffered:
            cells = buffered.popleft().split(_SEP)
            shown = [known(cell) or cell_of(cell) for cell in cells]
            wrapped = None
            for index, (cell, measured, column) in enumerate(zip(cells, shown, columns)):
                if measured[0] > column[1] or "\n" in cell:
                    if wrapped is None:
                        wrapped = [[c] for c in cells]
                    lines = wrap(cell, regular, FONT_SIZE, column[2])
                    wrapped[index] = _clip(lines, max_lines)
            if wrapped is None:
                height = one_line
            else:
                height = max(len(c) for c in wrapped) * LEADING + 2 * PAD
            if self.y - height < bottom:
                self.new_page()
                text = self.text
            if odd:
                self._fill(height, 0.95)
            odd ^= 1
            if text.gray != 0.0:
                text.parts.append("0 g")
                text.gray = 0.0
            parts, font = text.parts, text.font
            top = self.y - PAD - FONT_SIZE
            if wrapped is None:
                y = f"{top:.2f} Tm"
                for cell, (_, first, body, last), column in zip(cells, shown, columns):
                    if cell:
                        parts.append(column[0] + y)
                        if first != font:
                            parts.append(first)
                        parts.append(body)
                        font = last
            else:
                for lines, column in zip(wrapped, columns):
                    line_y = top
                    for line in lines:
                        if line:
                            _, first, body, last = known(line) or cell_of(line)
                            parts.append(f"{column[0]}{line_y:.2f} Tm")
                            if first != font:
                                parts.append(first)
                            parts.append(body)
                            font = last
                        line_y -= LEADING
            text.font = font
            self.y -= height

    def note(self, text: str) -> None:
        self.text.show(self.regular, 9, MARGIN, self.y - 12, text, 0.3)

    def new_page(self) -> None:
        self._end_page()
        self.text.show(self.regular, 7, MARGIN, self.y - 7, self.title, 0.4)
        self.y -= 14
        self.header()

    def finish(self) -> None:
        """Write every page with its "Page N of M" footer, then the file."""
        self._end_page()
        canvas, total = self.canvas, len(self.pages)
        pages, self.pages = self.pages, []
        for number, content in enumerate(pages, start=1):
            footer = _Text()
            label = f"Page {number} of {total}"
            x = self.width - MARGIN - self.regular.width(label, 7)
            footer.show(self.regular, 7, x, MARGIN / 2, label, 0.4)
            canvas.addLiteral(f"q\n1 0 0 1 0 {self.height:.4f} cm\n{content}\nQ")
            canvas.addLiteral("BT\n" + "\n".join(footer.parts) + "\nET")
            pages[number - 1] = ""
            canvas.showPage()
        canvas.save()

    def _end_page(self) -> None:
        parts = []
        for gray, rects in self.fills.items():
            parts.append(f"{gray} g")
            parts.extend(rects)
            parts.append("f")
        parts.append("BT")
        parts.extend(self.text.parts)
        parts.append("ET")
        self.pages.append("\n".join(parts))
        self._new_content()

    def _lefts(self) -> list[float]:
        lefts, x = [], MARGIN
        for width in self.widths:
            lefts.append(x)
            x += width
        return lefts

    def _fill(self, height: float, gray: float) -> None:
        rect = f"{MARGIN} {self.y - height:.2f} {sum(self.widths):.4f} {height:.2f} re"
        self.fills.setdefault(gray, []).append(rect)

    def _draw(self, cells: list[list[str]], font: _Font, height: float) -> None:
        for lines, x in zip(cells, self._lefts()):
            y = self.y - PAD - FONT_SIZE
            for line in lines:
                self.text.show(font, FONT_SIZE, x + PAD, y, line, 0.0)
                y -= LEADING
        self.y -= height


def _clip(lines: list[str], limit: int) -> list[str]:
    """A cell longer than a whole page can hold ends with "…" (a row never spans pages)."""
    if len(lines) <= limit:
        return lines
    return [*lines[: limit - 1], lines[limit - 1] + ELLIPSIS]


def wrap(text: str, font: _Font, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width` points at `size`: at spaces where possible,
    inside a word (an e-mail address, a URL) when the word alone is too wide; line breaks
    are kept."""
    limit = width * 1000 / size
    units = font.units
    if "\n" not in text and units(text) <= limit:
        return [text]
    space = units(" ")
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            wide = units(word)
            candidate = used + space + wide if line else wide
            if candidate <= limit:
                line = f"{line} {word}" if line else word
                used = candidate
                continue
            if line:
                lines.append(line)
            while wide > limit and len(word) > 1:
                cut = _fits(word, font, limit)
                lines.append(word[:cut])
                word = word[cut:]
                wide = units(word)
            line, used = word, wide
        lines.append(line)
    return lines


def _fits(word: str, font: _Font, limit: float) -> int:
    """How many leading characters of `word` fit in `limit` font units (at least one)."""
    total = 0.0
    table = font.table
    for index, char in enumerate(word):
        total += table[char]
        if total > limit:
            return max(index, 1)
    return len(word)
