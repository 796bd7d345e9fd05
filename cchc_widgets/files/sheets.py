"""A table as one named worksheet people can work with (`tables_out.xlsx_bytes`, the one writer
of such sheets: a bold frozen header with a filter, columns wide enough for what they hold,
dates and times as real Excel dates, text typed as text), or as CSV with dates as people write them."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from cchc_widgets.files.tables_out import _missing, xlsx_bytes

TIME_FORMAT = "dd/mm/yyyy hh:mm"  # progress: a submission to the minute (the log keeps seconds)


def sheet_bytes(frame: pd.DataFrame, title: str) -> bytes:
    """`frame` as an .xlsx workbook of one sheet called `title` (Excel's 31 characters), written
    as every table people open is (`tables_out.xlsx_bytes`), times to the minute."""
    return xlsx_bytes(frame, sheet=title, times=TIME_FORMAT)


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
