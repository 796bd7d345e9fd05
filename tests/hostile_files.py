"""Files built to be expensive, each at most 8 MB on disk: a valid one-row score table whose
xlsx parts inflate (styles, shared strings, the sheet, a drawing), deep or wide XML, CSV with a
long field or a million columns. Used by tests/test_bounded.py and bench/hostile_bench.py."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

MB = 1024 * 1024
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def one_row_table() -> bytes:
    """unit, code, points / so-tu-phap, 1.1.1, 1: valid for the demo's period 2017."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["unit", "code", "points"])
    book.active.append(["so-tu-phap", "1.1.1", 1])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rebuilt(data: bytes, change: dict[str, Callable[[bytes], bytes]], add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            zout.writestr(item.filename, change.get(item.filename, lambda x: x)(content))
        for name, content in (add or {}).items():
            zout.writestr(name, content)
    return out.getvalue()


def _repeat(unit: bytes, size: int) -> bytes:
    return unit * (size // len(unit))


def styles(size: int = 55 * MB) -> bytes:
    """Issue 24's file: 169 KB on disk, xl/styles.xml of 55 MB (a million cell formats)."""
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" applyAlignment="0" pivotButton="0" quotePrefix="0" xfId="0"/>'
    many = _repeat(xf, size)

    def inflate(xml: bytes) -> bytes:
        return re.sub(rb'<cellXfs count="\d+">', b'<cellXfs count="%d">' % (len(many) // len(xf) + 1) + many, xml, count=1)

    return _rebuilt(one_row_table(), {"xl/styles.xml": inflate})


def shared_strings(size: int = 55 * MB) -> bytes:
    """The sheet's text in a shared-strings part of 55 MB (millions of short strings)."""
    strings = (
        f'<?xml version="1.0"?><sst {NS}><si><t>unit</t></si><si><t>code</t></si><si><t>points</t></si>'
        "<si><t>so-tu-phap</t></si><si><t>1.1.1</t></si>"
    ).encode() + _repeat(b"<si><t>x</t></si>", size) + b"</sst>"
    sheet = (
        f'<?xml version="1.0"?><worksheet {NS}><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    types = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    rels = (
        b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    return _rebuilt(
        one_row_table(),
        {
            "xl/worksheets/sheet1.xml": lambda _: sheet,
            "[Content_Types].xml": lambda x: x.replace(b"</Types>", types + b"</Types>"),
            "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", rels + b"</Relationships>"),
        },
        {"xl/sharedStrings.xml": strings},
    )


def _sheet(rows: bytes) -> Callable[[bytes], bytes]:
    head = (
        f'<?xml version="1.0"?><worksheet {NS}><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>unit</t></is></c><c r="B1" t="inlineStr"><is><t>code</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>points</t></is></c></row>'
    ).encode()
    return lambda _: head + rows + b"</sheetData></worksheet>"


def sheet_rows(size: int = 55 * MB) -> bytes:
    """A sheet of 55 MB: a million rows of one cell."""
    row = b'<row><c t="inlineStr"><is><t>so-tu-phap</t></is></c></row>'
    return _rebuilt(one_row_table(), {"xl/worksheets/sheet1.xml": _sheet(_repeat(row, size))})


def wide_row(size: int = 55 * MB) -> bytes:
    """One row of millions of cells (wide XML)."""
    cells = b"<row>" + _repeat(b"<c><v>1</v></c>", size) + b"</row>"
    return _rebuilt(one_row_table(), {"xl/worksheets/sheet1.xml": _sheet(cells)})


def deep_xml(depth: int = 40_000) -> bytes:
    """A cell nested forty thousand elements deep, each with a hundred attributes (deep XML)."""
    opening = b"<r " + b" ".join(b'a%d=""' % i for i in range(100)) + b">"
    cell = b'<row><c t="inlineStr"><is>' + opening * depth + b"</r>" * depth + b"</is></c></row>"
    return _rebuilt(one_row_table(), {"xl/worksheets/sheet1.xml": _sheet(cell)})


def drawing(size: int = 55 * MB) -> bytes:
    """A drawing part of 55 MB that the sheet refers to."""
    return with_drawing(one_row_table(), size)


def with_drawing(book: bytes, size: int) -> bytes:
    """`book` with a drawing part of `size` that its first sheet refers to."""
    anchor = b"<xdr:absoluteAnchor><xdr:pos x='0' y='0'/><xdr:ext cx='1' cy='1'/><xdr:clientData/></xdr:absoluteAnchor>"
    part = (
        b'<?xml version="1.0"?><xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
        + _repeat(anchor, size)
        + b"</xdr:wsDr>"
    )
    rels = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rIdD" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing" '
        b'Target="/xl/drawings/drawing1.xml"/></Relationships>'
    )
    refer = b'<drawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rIdD"/></worksheet>'
    types = (
        b'<Override PartName="/xl/drawings/drawing1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
    )
    return _rebuilt(
        book,
        {
            "xl/worksheets/sheet1.xml": lambda x: x.replace(b"</worksheet>", refer),
            "[Content_Types].xml": lambda x: x.replace(b"</Types>", types + b"</Types>"),
        },
        {"xl/drawings/drawing1.xml": part, "xl/worksheets/_rels/sheet1.xml.rels": rels},
    )


def csv_long_field(size: int = 200 * 1024) -> bytes:
    """A note of 200 KB in the second data row (the csv module's field limit is 128 KB)."""
    return b"unit,code,points,note\nso-tu-phap,1.1.1,1,ok\nso-tu-phap,1.1.2,1," + b"x" * size + b"\n"


def csv_wide(columns: int = 1_000_000) -> bytes:
    """A header of a million columns (a line of 7,9 MB)."""
    return b"unit,code,points," + b",".join(b"c%d" % i for i in range(columns)) + b"\nso-tu-phap,1.1.1,1\n"


def csv_many_rows(size: int = 8 * MB - 1024) -> bytes:
    """Eight MB of short rows: over the 200.000-row limit."""
    return b"unit,code,points\n" + _repeat(b"so-tu-phap,1.1.1,1\n", size)


XLSX = {
    "styles": styles,
    "shared-strings": shared_strings,
    "sheet-rows": sheet_rows,
    "wide-row": wide_row,
    "costly-sheet": lambda: wide_row(29 * MB),  # under the 30 MB a sheet may have: stopped at the reader's time limit
    "deep-xml": deep_xml,
    "drawing": drawing,
}
CSV = {
    "csv-long-field": csv_long_field,
    "csv-wide": csv_wide,
    "csv-columns": lambda: csv_wide(600),  # a short line of more columns than a table may have
    "csv-many-rows": csv_many_rows,
}


def write_all(folder: Path) -> dict[str, Path]:
    """Every hostile file in `folder`, by name."""
    out = {}
    for name, make in {**XLSX, **CSV}.items():
        path = folder / f"{name}.{'csv' if name in CSV else 'xlsx'}"
        path.write_bytes(make())
        out[name] = path
    return out
