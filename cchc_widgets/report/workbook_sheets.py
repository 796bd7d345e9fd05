"""The pages of the results workbook as a province prints and files them: each sheet named
so a reader finds a unit by its name, a title row saying what the sheet is and for which
period, the header row repeated on every printed page, A4 landscape fitted to the width, and
a cover with Nghị định 30/2020/NĐ-CP's heading from the document settings.

openpyxl in write-only mode (streamed, fast for 100 units × 70 sub-criteria). Text a person
typed is always written as text: a leading = + - @ never becomes a formula.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cchc_widgets.core import clock
from cchc_widgets.core.documents import OfficialForm
from cchc_widgets.files.tables_out import inert

HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=13)
WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
CENTRE = Alignment(horizontal="center", vertical="top", wrap_text=True)
A4 = "9"  # Excel's paper size code for A4
LINE_HEIGHT = 15  # points: one line of 11-point text
MAX_TITLE = 31  # Excel's limit on a sheet's name
COVER_WIDTHS = (48, 80)  # the cover's two columns: who issues it; the nation, the place and date
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name


def print_setup(ws: Any, title_rows: str | None = None) -> None:
    """A4 landscape, every column on the page's width (as many pages down as it takes) and the
    header row on every printed page: a table a clerk prints as it is."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows


class Sheet:
    """A write-only sheet with the house style: a title row (what it is, which period), the
    header row (frozen, filtered, repeated on every printed page), widths, A4 landscape."""

    def __init__(self, book: Workbook, name: str, title: str, headers: list[str], widths: list[float]) -> None:
        self.ws = book.create_sheet(title=name)
        self.widths = widths
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = "A3"
        self.last_column = get_column_letter(len(headers))
        print_setup(self.ws, "2:2")
        self._styles: dict[tuple[Any, ...], Any] = {}
        self.ws.append([self.cell(title, font=TITLE_FONT)])
        self.rows = 1
        self.append([self.cell(h, font=HEADER_FONT, fill=HEADER_FILL, wrap=True) for h in headers])

    def cell(
        self, value: Any, number: str | None = None, font: Font | None = None, fill: PatternFill | None = None, wrap: bool = False
    ) -> Any:
        """A styled cell, or the bare value when nothing needs styling (much faster to write);
        text `inert` (a store may hold control characters openpyxl refuses)."""
        if isinstance(value, float) and pd.isna(value):
            value = None
        value = inert(value)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        number = number if numeric else None
        formula_like = isinstance(value, str) and value.startswith("=")
        if not (formula_like or font or fill or wrap or number):
            return value  # openpyxl writes other text as text
        cell = Cell(self.ws, row=1, column=1, value=value, style_array=self._style(number, font, fill, wrap))
        if isinstance(value, str):
            cell.data_type = "s"  # typed text stays text, whatever it starts with
        return cell

    def _style(self, number: str | None, font: Font | None, fill: PatternFill | None, wrap: bool) -> Any:
        """The style array of one combination, made once: setting font, fill and format on
        every cell hashes the style objects each time, which was half the export's time."""
        key = (number, id(font), id(fill), wrap)
        if key not in self._styles:
            proto = Cell(self.ws, row=1, column=1)
            if number:
                proto.number_format = number
            if font is not None:
                proto.font = font
            if fill is not None:
                proto.fill = fill
            if wrap:
                proto.alignment = WRAP
            self._styles[key] = proto._style  # openpyxl's own per-cell style ids (copied per cell)
        return self._styles[key]

    def append(self, cells: list[Any]) -> None:
        """A row, as tall as its longest wrapped text needs: Excel and LibreOffice do not fit a
        row's height to wrapped text they open, so printed lines would overlap."""
        wrapped = [
            (cell.value, width)
            for cell, width in zip(cells, self.widths, strict=False)
            if isinstance(cell, Cell) and cell.alignment.wrap_text and isinstance(cell.value, str)
        ]
        lines = max((text_lines(text, width) for text, width in wrapped), default=1)
        if lines > 1:  # a tall row: every cell at its top, beside the first line of the text
            self.ws.row_dimensions[self.rows + 1].height = LINE_HEIGHT * lines
            cells = [self._top(cell) for cell in cells]
        self.ws.append(cells)
        self.rows += 1

    def _top(self, cell: Any) -> Any:
        """A cell of a tall row aligned to the top (its number format, font and fill kept)."""
        if cell is None:
            return None
        if not isinstance(cell, Cell):
            return self.cell(cell, wrap=True)  # wrapping aligns to the top; short values do not wrap
        if not cell.alignment.wrap_text:
            cell.alignment = WRAP
        return cell

    def finish(self) -> None:
        """The filter covers the rows written (a write-only sheet knows them only at the end)."""
        self.ws.auto_filter.ref = f"A2:{self.last_column}{max(self.rows, 3)}"


def text_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide (a little less fits in
    practice: Vietnamese letters with their marks and bold text run wider)."""
    per_line = max(1, int(width * 0.95))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def sheet_names(wanted: dict[str, str], taken: set[str]) -> dict[str, str]:
    """A sheet name for each key (a unit id) from its wanted text (the unit's name): what Excel
    forbids replaced, at most 31 characters, unique (Excel compares names without case) among
    themselves and the `taken` ones — a second «Sở Tài nguyên và Môi trường tỉnh Điện…» gets
    « (2)» in its last characters."""
    used = {name.casefold() for name in taken}
    out: dict[str, str] = {}
    for key, text in wanted.items():
        base = FORBIDDEN.sub("_", inert(text or key)).strip().strip("'") or key  # ' may not open or close a name
        name, n = _shortened(base, MAX_TITLE), 1
        while name.casefold() in used or name.casefold() == "history":  # Excel keeps History for itself
            n += 1
            suffix = f" ({n})"
            name = _shortened(base, MAX_TITLE - len(suffix)) + suffix
        used.add(name.casefold())
        out[key] = name
    return out


def _shortened(text: str, room: int) -> str:
    """`text` in at most `room` characters: cut after a whole word where one fits, with «…»
    saying that something was left out («Sở Nông nghiệp và Phát triển…»)."""
    if len(text) <= room:
        return text
    cut = text[: room - 1]
    if " " in cut and not text[room - 1].isspace():
        cut = cut.rsplit(" ", 1)[0] if len(cut.rsplit(" ", 1)[0]) >= room // 2 else cut
    return cut.rstrip(" ,-–") + "…"


def cover_sheet(book: Workbook, form: OfficialForm, title: str, lines: list[tuple[str, str]], contents: list[str]) -> None:
    """The first page: Nghị định 30's heading (issuing body and its superior, the number; Quốc
    hiệu, tiêu ngữ, place and the province's date), the book's title, what it holds, and the
    signer as the document settings name them."""
    ws = book.create_sheet(title="Bìa", index=0)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = COVER_WIDTHS
    put_rows: list[Any] = []
    print_setup(ws)
    ws.print_options.gridLines = False

    def put(left: Any = None, right: Any = None, font: Font | None = None, align: Alignment = CENTRE) -> None:
        pairs = ((left, COVER_WIDTHS[0]), (right, COVER_WIDTHS[1]))
        lines = max((text_lines(str(v), w) for v, w in pairs if v and align.wrap_text), default=1)
        if lines > 1:
            ws.row_dimensions[len(put_rows) + 1].height = LINE_HEIGHT * lines
        put_rows.append(left)
        cells = []
        for value in (left, right):
            cell = WriteOnlyCell(ws, value=inert(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cell.alignment = align
            if font is not None:
                cell.font = font
            cells.append(cell)
        ws.append(cells)

    if form.superior:  # the superior above the issuing body; a body with none (the UBND tỉnh) stands alone
        put(form.superior.upper(), form.national_name.upper(), BOLD)
        put(form.agency.upper(), form.motto, BOLD)
    else:
        put(form.agency.upper(), form.national_name.upper(), BOLD)
        put(None, form.motto, BOLD)
    put(form.number("so_ket_qua"), form.dated(clock.today()), Font(italic=True))
    put()
    put(title.upper(), None, TITLE_FONT, Alignment(horizontal="left", vertical="top"))
    for label, text in lines:
        put(label, text, None, Alignment(horizontal="left", vertical="top", wrap_text=True))
    put()
    put("Các trang của sổ", "; ".join(contents), None, Alignment(horizontal="left", vertical="top", wrap_text=True))
    put()
    signer = form.signer
    for text, font in ((signer.authority, BOLD), (signer.title, BOLD), ("(ký, ghi rõ họ tên, đóng dấu)", Font(italic=True))):
        if text:
            put(None, text.upper() if font is BOLD else text, font)
    for _ in range(4):  # room for the signature and the seal
        put()
    put(None, signer.name, BOLD)
