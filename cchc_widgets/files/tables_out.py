"""Tables we write for people to open in Excel or LibreOffice, with every text inert.

A note, reason or name that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run
as a formula by spreadsheet programs when it lands in a cell as written (`=HYPERLINK(…)`
opens a link; `=cmd|…` has run programs). In xlsx every text cell is typed as text; in CSV
such a field is prefixed with an apostrophe, as OWASP advises for CSV injection.

Text leaves without control and invisible characters (`inert`): openpyxl refuses a cell
holding a C0 control (a vertical tab pasted from Word made the whole workbook fail), and a
store written before text was cleaned as it entered may still hold them. Every xlsx and CSV
we write — these tables, the results workbook, templates, the survey sheet — passes it.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cchc_widgets.core.numbers import format_number, rounded
from cchc_widgets.core.text import plain
from cchc_widgets.core.vocabulary import HEADINGS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert(value: Any) -> Any:
    """A value as a file we write holds it: text without control or invisible characters
    (`text.plain`), anything else as it is."""
    return plain(value) if isinstance(value, str) else value


def inert_csv(value: Any) -> Any:
    """A CSV field that no spreadsheet will run: `'=…` for text that would start a formula."""
    value = inert(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def number_format(decimals: int | None) -> str:
    """Excel's format for `decimals` places (`0.00`; two when none is given): the cell keeps
    the number, so it still sorts and sums, and Excel draws it in the reader's locale."""
    places = 2 if decimals is None else decimals
    return "0." + "0" * places if places else "0"


def figure_text(value: float, decimals: int | None) -> str:
    """A published figure in a CSV: exactly `decimals` places with a point (`92.50`, `51.00`),
    so every program reads the same number and a reader sees the precision published; with no
    decimals given (tables that are not published figures) only float noise is cleared."""
    if decimals is None:
        return repr(rounded(value))
    return f"{rounded(value, decimals):.{decimals}f}"


def yes_no(value: Any) -> Any:
    """A yes or no as people write it, «có»/«không» (never True/False); anything else as it is."""
    if isinstance(value, bool | np.bool_):
        return "có" if value else "không"
    return value


def for_people(frame: pd.DataFrame, headings: dict[str, str] | None = None) -> pd.DataFrame:
    """A table as people read it, on screen or in the file they open in Excel: Vietnamese
    column headings (`headings` first, then `HEADINGS`; a criterion's code stays its code) and
    «có»/«không» for yes and no — one mapping for the printed table and the written file."""
    words = frame.astype(object).map(yes_no).where(frame.notna(), None)
    return words.rename(columns={**HEADINGS, **(headings or {})})


def readable(frame: pd.DataFrame, decimals: int | None = None, headings: dict[str, str] | None = None) -> str:
    """A table for the terminal (`for_people`): the criteria set's decimals (else two) with a
    decimal comma and a dash for nothing (no class, no rank); words in a column of figures (an
    item's «KAD») stay words."""
    places = 2 if decimals is None else decimals

    def cell(x: Any) -> Any:
        return format_number(x, places, fixed=True) if isinstance(x, float) else x

    shown = frame.astype(object).map(cell)
    return for_people(shown.where(frame.notna(), "—"), headings).to_string(index=False)


def na_as_word(points: pd.Series, na: pd.Series, label: str) -> pd.Series:
    """Points with the criteria set's word (`na_label`) where the item does not apply: never
    0, which reads as an item scored nothing, nor blank, which reads as not scored."""
    return points.astype(object).where(~na.fillna(False).astype(bool), label)


def domains_as_word(results: pd.DataFrame, codes: list[str] | tuple[str, ...], label: str) -> pd.DataFrame:
    """The engine's results with each top-level node's points (`codes`) the set's word where
    none of the node applies to a scored unit (the engine leaves it empty there, as its index):
    a flat set's item that did not apply reads as its items below a domain do, never 0. A unit
    never scored (no total) keeps its cells empty."""
    out = results.copy()
    for code in codes:
        out[code] = na_as_word(results[code], results[code].isna() & results["total"].notna(), label)
    return out


# columns of ranks (and their changes): whole numbers in a file, never «3.0» — a float only
# because a unit not ranked leaves its cell empty
RANKS = ("rank", "group_rank", "rank_base", "rank_alt", "delta_rank", "median_rank", "q05", "q95")
DATE_FORMAT, TIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm:ss"
MAX_WIDTH = 60  # characters: a long name wraps in the cell rather than widening the sheet past a screen
A4 = 9  # Excel's code for A4 paper (a sheet that names none prints on the program's default, US Letter in many)
# Excel's characters of column width an A4 portrait page holds (~90 at 100 %): a sheet up to this
# wide prints portrait, shrunk by a tenth at most; a wider one prints landscape
PORTRAIT_WIDTH = 100


def print_setup(ws: Any, widths: list[float], header_row: int | None = None) -> None:
    """How an openpyxl sheet prints (every xlsx people print but the results workbook, which
    XlsxWriter writes: `report.workbook_sheets.print_setup`): on A4, portrait unless its
    columns' `widths` are wider than the page holds (`PORTRAIT_WIDTH`), every column on the
    page's width and as many pages down as it takes, the `header_row` (1-based) repeated at
    the top of every printed page."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape" if sum(widths) > PORTRAIT_WIDTH else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"


def write_table(frame: pd.DataFrame, path: Path, decimals: int | None = None, people: bool = False, sheet: str = "Bảng") -> None:
    """`frame` as .xlsx (`xlsx_bytes`: one sheet called `sheet`, to work in) or .csv (figures
    as text with `decimals` places, formula-looking text neutralised). A column may mix
    numbers and words (an item's «KAD» beside its points); ranks are whole numbers.
    For `people` (a clerk opening it in Excel): the printed table's Vietnamese headings and
    «có»/«không» (`for_people`), and a CSV with a byte-order mark, without which Excel reads
    UTF-8 accents as Windows-1258; otherwise the column ids and True/False, for programs."""
    frame = whole_ranks(frame)
    if people:
        frame = for_people(frame)
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(xlsx_bytes(frame, decimals, sheet=sheet))
    else:
        cells = frame.map(lambda v: _csv_cell(v, decimals))
        cells.to_csv(path, index=False, encoding="utf-8-sig" if people else "utf-8")


def _csv_cell(value: Any, decimals: int | None) -> str:
    """A CSV field as text: a figure at `decimals` places, a whole number as one (a column of
    ranks with a blank in it would otherwise turn back into floats, «3.0»), nothing as blank."""
    if _figure(value):
        return figure_text(value, decimals)
    if _missing(value):
        return ""
    return inert_csv(value) if isinstance(value, str) else str(value)


def whole_ranks(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its rank columns (`RANKS`) as whole numbers, a blank where a unit has none."""
    ranks = [c for c in RANKS if c in frame.columns and pd.api.types.is_float_dtype(frame[c])]
    return frame.astype(dict.fromkeys(ranks, "Int64")) if ranks else frame


def xlsx_bytes(
    frame: pd.DataFrame,
    decimals: int | None = None,
    sheet: str | None = None,
    widths: dict[str, int] | None = None,
    times: str = TIME_FORMAT,
) -> bytes:
    """`frame` as an .xlsx file's bytes: a header row, then one row per record, text typed as
    text, each figure (a float) rounded to `decimals` with the matching number format, each
    date and time (naive, already in the province's time) a real date Excel sorts and filters
    (`times`: the format of a time). With `sheet`: a workbook to work in, not just read: the
    sheet named, the header bold, frozen, filtered and repeated on every printed page of A4
    (`print_setup`), each column as wide as `widths` says (by heading; else as what it holds,
    up to `MAX_WIDTH`) — the one writer of every table people open (the log, progress, the
    command line's --out)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.append([inert(str(c)) for c in frame.columns])
    fmt = None if decimals is None else number_format(decimals)  # a log's points keep Excel's own
    wide = [len(str(c)) for c in frame.columns]
    for record in frame.itertuples(index=False):
        values = [None if _missing(v) else inert(v.item() if hasattr(v, "item") else v) for v in record]
        values = [v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in values]
        ws.append([rounded(v, decimals) if _figure(v) else v for v in values])
        for k, cell in enumerate(ws[ws.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
            elif isinstance(cell.value, datetime):
                cell.number_format = times
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif fmt and _figure(cell.value):
                cell.number_format = fmt
            wide[k] = max(wide[k], 16 if isinstance(cell.value, date) else len(str(cell.value or "")))
    if sheet is not None:
        ws.title = sheet[:31]  # Excel's limit
        for cell in ws[1]:
            cell.font = Font(bold=True)
        sized = [(widths or {}).get(str(column), min(wide[i] + 2, MAX_WIDTH)) for i, column in enumerate(frame.columns)]
        for i, width in enumerate(sized, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        print_setup(ws, sized, header_row=1)
        ws.auto_filter.ref = f"A1:{get_column_letter(max(len(frame.columns), 1))}{len(frame) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _figure(value: Any) -> bool:
    """A float that is a number (published figures are floats; counts and ranks are ints)."""
    return isinstance(value, float) and not math.isnan(value)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
