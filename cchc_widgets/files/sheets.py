"""A table as one named worksheet people can work with: a bold frozen header with a filter,
columns wide enough for what they hold, dates and times as real Excel dates (they sort and
filter as dates), text typed as text (never a formula, `tables_out.inert`)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd

from cchc_widgets.files.tables_out import _missing, inert

DATE_FORMAT, TIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
MAX_WIDTH = 60  # characters: a long name wraps in the cell rather than widening the sheet past a screen


def sheet_bytes(frame: pd.DataFrame, title: str) -> bytes:
    """`frame` as an .xlsx workbook of one sheet called `title` (Excel's 31 characters)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = title[:31]
    ws.append([inert(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(str(c)) for c in frame.columns]
    for record in frame.itertuples(index=False):
        values = [None if _missing(v) else inert(v.item() if hasattr(v, "item") else v) for v in record]
        ws.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in values])
        for k, cell in enumerate(ws[ws.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif isinstance(cell.value, datetime):
                cell.number_format = TIME_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            shown = 16 if isinstance(cell.value, date) else len(str(cell.value or ""))
            widths[k] = max(widths[k], shown)
    for k, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = min(width + 2, MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(frame: pd.DataFrame) -> str:
    """The same table as CSV (UTF-8 with a BOM, so Excel reads the accents), dates as
    dd/mm/yyyy, formula-looking text neutralised."""
    from cchc_widgets.files.tables_out import inert_csv

    def cell(value: object) -> object:
        if isinstance(value, datetime | pd.Timestamp):
            return f"{value:%d/%m/%Y %H:%M}"
        if isinstance(value, date):
            return f"{value:%d/%m/%Y}"
        return inert_csv(value)

    return "\ufeff" + frame.map(lambda v: "" if _missing(v) else cell(v)).to_csv(index=False)
