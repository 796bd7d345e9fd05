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
from pathlib import Path
from typing import Any

import pandas as pd

from cchc_widgets.core.text import plain

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


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """`frame` as .xlsx (text cells typed as text) or .csv (formula-looking text neutralised)."""
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(xlsx_bytes(frame))
    else:
        frame.map(inert_csv).to_csv(path, index=False)


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as an .xlsx file's bytes: a header row, then one row per record, text typed as text."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append([inert(str(c)) for c in frame.columns])
    for record in frame.itertuples(index=False):
        ws.append([None if _missing(v) else inert(v.item() if hasattr(v, "item") else v) for v in record])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
