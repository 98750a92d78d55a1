"""XLSX exports: a streaming writer of the SpreadsheetML parts (inline strings, no shared-string
table), so rows go from the database cursor into the zipped sheet without piling up in memory.

Numbers stay numbers, dates are date cells with a number format, texts that a spreadsheet would
run as formulas are neutralised. No per-cell styling beyond the header row and date cells."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from pipelines.exports.cells import FORMULA_START, neutralise, spreadsheet_number
from schemas.export_options import ExportColumn, to_excel_format

MAX_ROWS = 1_048_576
MAX_CELL = 32_767
DEFAULT_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMBER_START = frozenset("-0123456789")
_FORMULA_START = frozenset(FORMULA_START)
_SPACE = frozenset(" \t\n\r")
_EXCEL_EPOCH = datetime(1899, 12, 30).toordinal()
_BATCH = 1000

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

Cell = Callable[[str, Any], str]


def write_xlsx(
    path: Path,
    columns: Sequence[ExportColumn],
    rows: Iterable[Sequence[Any]],
    row_count: int | None = None,
    sheet_name: str = "Export",
    date_format: str | None = None,
    include_headers: bool = True,
    allow_formulas: bool = False,
    title: str | None = None,
) -> int:
    """Write one sheet; returns the number of data rows written."""
    width = len(columns)
    last = get_column_letter(width)
    letters = [get_column_letter(i + 1) for i in range(width)]
    cells = [_cell_writer(c.kind, allow_formulas) for c in columns]
    first = 2 if include_headers else 1
    iterator = iter(rows)
    sample = list(islice(iterator, 200))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _write_static_parts(archive, sheet_name, date_format, title)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            known = (row_count or 0) + first - 1
            dimension = f"A1:{last}{max(known, 1)}" if row_count is not None else ""
            sheet.write(_sheet_head(columns, sample, dimension, include_headers).encode())
            if include_headers:
                labels = [c.label if allow_formulas else neutralise(c.label) for c in columns]
                header = "".join(
                    f'<c r="{col}1" t="inlineStr" s="1"><is>{_text(label)}</is></c>'
                    for col, label in zip(letters, labels)
                )
                sheet.write(f'<row r="1">{header}</row>'.encode())
            number = first - 1
            batch: list[str] = []
            for values in chain(sample, iterator):
                number += 1
                suffix = str(number)
                cells_xml = "".join(
                    [
                        cell(col + suffix, value)
                        for cell, col, value in zip(cells, letters, values)
                        if value is not None
                    ]
                )
                batch.append(f'<row r="{suffix}">{cells_xml}</row>')
                if len(batch) >= _BATCH:
                    sheet.write("".join(batch).encode())
                    batch.clear()
            sheet.write("".join(batch).encode())
            tail = f'<autoFilter ref="A1:{last}{max(number, 1)}"/>' if include_headers else ""
            sheet.write(f"</sheetData>{tail}</worksheet>".encode())
    return number - first + 1


def _cell_writer(kind: str, allow_formulas: bool) -> Cell:
    if kind == "integer":
        return lambda ref, value: f'<c r="{ref}"><v>{int(value)}</v></c>'
    if kind == "datetime":
        return lambda ref, value: f'<c r="{ref}" s="2"><v>{_serial(value)!r}</v></c>'

    def text(ref: str, value: str) -> str:
        if not value:
            return ""
        first = value[0]
        if first in _NUMBER_START:
            number = spreadsheet_number(value)
            if number is not None:
                return f'<c r="{ref}"><v>{number!r}</v></c>'
        if first in _FORMULA_START and not allow_formulas:
            value = neutralise(value)
        if (
            _SPECIAL.search(value)
            or first in _SPACE
            or value[-1] in _SPACE
            or len(value) > MAX_CELL
        ):
            return f'<c r="{ref}" t="inlineStr"><is>{_text(value)}</is></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    return text


def _text(value: str) -> str:
    """A `<t>` element: escaped, illegal XML characters dropped, surrounding spaces kept,
    Excel's cell limit applied."""
    if len(value) > MAX_CELL:
        value = value[:MAX_CELL]
    if _SPECIAL.search(value):
        # A raw CR in XML text is read back as LF (end-of-line normalisation); a character
        # reference is not normalised.
        value = escape(_ILLEGAL.sub("", value)).replace("\r", "&#13;")
        if not value:
            return "<t></t>"
    if value[0] in _SPACE or value[-1] in _SPACE:
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def _serial(value: datetime) -> float:
    """Excel's serial day number of a (UTC) timestamp."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return value.toordinal() - _EXCEL_EPOCH + round(seconds / 86400, 10)


def _sheet_head(
    columns: Sequence[ExportColumn],
    sample: list[Sequence[Any]],
    dimension: str,
    include_headers: bool,
) -> str:
    """Everything before the first row: dimension, frozen header, column widths from the
    labels and the first rows."""
    widths = []
    for index, column in enumerate(columns):
        longest = max(
            [len(column.label) + 2, *(len(str(r[index])) for r in sample if r[index] is not None)]
        )
        if column.kind == "datetime":
            longest = max(longest, 19)
        widths.append(min(max(longest + 2, 8), 60))
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    pane = (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        if include_headers
        else ""
    )
    return (
        f"{_XML}<worksheet {_NS} {_REL_NS}>"
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        + f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
    )


def _write_static_parts(
    archive: zipfile.ZipFile, sheet_name: str, date_format: str | None, title: str | None
) -> None:
    name = re.sub(r"[\[\]:*?/\\]", " ", sheet_name).strip("' ")[:31] or "Export"
    number_format = to_excel_format(date_format) if date_format else DEFAULT_DATE_FORMAT
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>"
        ),
        "docProps/core.xml": (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(_ILLEGAL.sub('', title or name))}</dc:title>"
            "<dc:creator>contactflow</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
            "</cp:coreProperties>"
        ),
        "xl/workbook.xml": (
            f"<workbook {_NS} {_REL_NS}><sheets>"
            f'<sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f"<styleSheet {_NS}>"
            f'<numFmts count="1"><numFmt numFmtId="164" formatCode={quoteattr(number_format)}/>'
            '</numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
            '<family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/>'
            '<family val="2"/></font></fonts><fills count="2"><fill><patternFill '
            'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
            '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
            '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
            'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
            'xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
    }
    for part, body in parts.items():
        archive.writestr(part, _XML + body)
