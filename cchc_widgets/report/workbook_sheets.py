"""The pages of the results workbook as a province prints and files them: each sheet named
so a reader finds a unit by its name, a title row saying what the sheet is and for which
period, the header row repeated on every printed page, A4 landscape fitted to the width, and
a cover with Nghị định 30/2020/NĐ-CP's heading from the document settings.

Written with XlsxWriter: the book is only written, never read back here, and XlsxWriter
writes a cell several times faster than openpyxl (whose write-only mode made the book twice
a plain `to_excel`). Text is always written as text (`write_string`): a leading = + - @ a
person typed never becomes a formula.
"""

from __future__ import annotations

import gc
import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import xlsxwriter

from cchc_widgets.core import clock
from cchc_widgets.core.documents import OfficialForm
from cchc_widgets.core.text import plain
from cchc_widgets.files.tables_out import A4, inert

# styles as XlsxWriter's format properties; a sheet makes each combination's format once
HEADER_FILL = {"pattern": 1, "bg_color": "#1F5F8B"}
HEADER_FONT = {"bold": True, "font_color": "#FFFFFF"}
TITLE_FONT = {"bold": True, "font_size": 13}
BOLD = {"bold": True}
ITALIC = {"italic": True}
WRAP = {"text_wrap": True, "valign": "top"}
CENTRE = {"align": "center", "valign": "top", "text_wrap": True}
LEFT = {"align": "left", "valign": "top"}
LEFT_WRAP = {**LEFT, "text_wrap": True}
LINE_HEIGHT = 15  # points: one line of 11-point text
MAX_TITLE = 31  # Excel's limit on a sheet's name
COVER = "Bìa"
COVER_WIDTHS = (48, 80)  # the cover's two columns: who issues it; the nation, the place and date
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name


def fill(colour: str) -> dict[str, Any]:
    """A solid background of `colour` (hex RGB, as `C8E6C9`)."""
    return {"pattern": 1, "bg_color": f"#{colour}"}


class Book:
    """A workbook written in memory; its first sheet is the cover (`cover_sheet`), kept first
    though it is written last, when the pages it lists are known."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
        self.wb = xlsxwriter.Workbook(self._out, options)
        self.cover = self.wb.add_worksheet(COVER)
        self._formats: dict[tuple[Any, ...], Any] = {}

    @property
    def sheetnames(self) -> list[str]:
        return [ws.get_name() for ws in self.wb.worksheets()]

    def format(self, *parts: dict[str, Any] | None, number: str | None = None) -> Any:
        """The format of these properties, made once per book (`parts` are module constants or
        the caller's own dicts, alive while the book is written)."""
        key = (number, *map(id, parts))
        found = self._formats.get(key)
        if found is None:
            props: dict[str, Any] = {"num_format": number} if number else {}
            for part in parts:
                props.update(part or {})
            found = self._formats[key] = (self.wb.add_format(props), parts)
        return found[0]

    def save(self) -> bytes:
        self.wb.close()
        return self._out.getvalue()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a workbook is built. A build makes
    some hundred thousand objects (cells, rows, styles) that all live until the file is written,
    and they set off full collections that each walk every object the process holds — pandas,
    the store, a page's widgets — to free none of them: twice per results workbook, a fifth of
    its CPU (issue 25). Garbage cycles dropped meanwhile wait for the collector's next run; it
    runs again afterwards if it was running."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


class Styled:
    """A value with its format (a plain value is written unstyled)."""

    __slots__ = ("fill", "font", "number", "value", "wrap")

    def __init__(self, value: Any, number: str | None, font: Any, fill: Any, wrap: bool) -> None:
        self.value, self.number, self.font, self.fill, self.wrap = value, number, font, fill, wrap


def print_setup(ws: Any, title_row: int | None = None) -> None:
    """A4 landscape, every column on the page's width (as many pages down as it takes) and the
    header row on every printed page: a table a clerk prints as it is. XlsxWriter's calls;
    the sheets openpyxl writes (--out, templates) have `tables_out.print_setup`."""
    ws.set_paper(A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    if title_row is not None:
        ws.repeat_rows(title_row)


def put(ws: Any, row: int, column: int, value: Any, style: Any = None) -> None:
    """One cell by its type: text as text (never a formula), numbers as numbers."""
    if value is None:
        if style is not None:
            ws.write_blank(row, column, None, style)
    elif isinstance(value, str):
        ws.write_string(row, column, value, style)
    elif isinstance(value, bool):
        ws.write_boolean(row, column, value, style)
    elif isinstance(value, int | float):
        ws.write_number(row, column, value, style)
    else:
        ws.write_string(row, column, str(value), style)


class Sheet:
    """A sheet with the house style: a title row (what it is, which period), the header row
    (frozen, filtered, repeated on every printed page), widths, A4 landscape."""

    def __init__(self, book: Book, name: str, title: str, headers: list[str], widths: list[float]) -> None:
        self.book = book
        self.ws = book.wb.add_worksheet(name)
        self.widths = widths
        for i, width in enumerate(widths):
            self.ws.set_column(i, i, width)
        self.ws.freeze_panes(2, 0)
        self.last_column = len(headers) - 1
        print_setup(self.ws, 1)
        self.rows = 0
        self.append([self.cell(title, font=TITLE_FONT)])
        self.append([self.cell(h, font=HEADER_FONT, fill=HEADER_FILL, wrap=True) for h in headers])

    def cell(
        self, value: Any, number: str | None = None, font: dict | None = None, fill: dict | None = None, wrap: bool = False
    ) -> Any:
        """A styled cell, or the bare value when nothing needs styling; text `inert` (a store
        may hold control characters a workbook may not)."""
        if isinstance(value, str):
            value = plain(value)  # `inert`, without its test again
            number = None
        elif isinstance(value, float):
            value = None if math.isnan(value) else value
            number = number if value is not None else None
        elif not isinstance(value, int) or isinstance(value, bool):
            number = None
        if not (font or fill or wrap or number):
            return value
        return Styled(value, number, font, fill, wrap)

    def append(self, cells: list[Any]) -> None:
        """A row, as tall as its longest wrapped text needs: Excel and LibreOffice do not fit a
        row's height to wrapped text they open, so printed lines would overlap. In a tall row
        every cell sits at its top, beside the first line of the text."""
        lines = 1
        for cell, width in zip(cells, self.widths, strict=False):
            if cell.__class__ is Styled and cell.wrap and isinstance(cell.value, str):
                lines = max(lines, text_lines(cell.value, width))
        row, ws, book = self.rows, self.ws, self.book
        tall = lines > 1
        if tall:
            ws.set_row(row, LINE_HEIGHT * lines)
        for column, cell in enumerate(cells):
            if cell.__class__ is Styled:
                style = book.format(cell.font, cell.fill, WRAP if cell.wrap or tall else None, number=cell.number)
                put(ws, row, column, cell.value, style)
            elif cell is not None:
                put(ws, row, column, cell, book.format(WRAP) if tall else None)
        self.rows += 1

    def finish(self) -> None:
        """The filter covers the rows written."""
        self.ws.autofilter(1, 0, max(self.rows - 1, 2), self.last_column)


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


def cover_sheet(book: Book, form: OfficialForm, title: str, lines: list[tuple[str, Any]], contents: list[str]) -> None:
    """The first page: Nghị định 30's heading (issuing body and its superior, the number; Quốc
    hiệu, tiêu ngữ, place and the province's date), the book's title, what it holds, and the
    signer as the document settings name them."""
    ws = book.cover
    ws.set_column(0, 0, COVER_WIDTHS[0])
    ws.set_column(1, 1, COVER_WIDTHS[1])
    print_setup(ws)
    row = 0

    def put_row(left: Any = None, right: Any = None, font: dict | None = None, align: dict = CENTRE) -> None:
        nonlocal row
        pairs = ((left, COVER_WIDTHS[0]), (right, COVER_WIDTHS[1]))
        tall = max((text_lines(str(v), w) for v, w in pairs if v and align.get("text_wrap")), default=1)
        if tall > 1:
            ws.set_row(row, LINE_HEIGHT * tall)
        style = book.format(align, font)
        put(ws, row, 0, inert(left), style)
        put(ws, row, 1, inert(right), style)
        row += 1

    if form.superior:  # the superior above the issuing body; a body with none (the UBND tỉnh) stands alone
        put_row(form.superior.upper(), form.national_name.upper(), BOLD)
        put_row(form.agency.upper(), form.motto, BOLD)
    else:
        put_row(form.agency.upper(), form.national_name.upper(), BOLD)
        put_row(None, form.motto, BOLD)
    put_row(form.number("so_ket_qua"), form.dated(clock.today()), ITALIC)
    put_row()
    put_row(title.upper(), None, TITLE_FONT, LEFT)
    for label, text in lines:
        put_row(label, text, None, LEFT_WRAP)
    put_row()
    put_row("Các trang của sổ", "; ".join(contents), None, LEFT_WRAP)
    put_row()
    signer = form.signer
    for text, font in ((signer.authority, BOLD), (signer.title, BOLD), ("(ký, ghi rõ họ tên, đóng dấu)", ITALIC)):
        if text:
            put_row(None, text.upper() if font is BOLD else text, font)
    for _ in range(4):  # room for the signature and the seal
        put_row()
    put_row(None, signer.name, BOLD)
