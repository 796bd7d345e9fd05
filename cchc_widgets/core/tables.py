"""Read a CSV or xlsx table a person supplied, keeping where every cell came from.

Messages about a bad value must name the place a person can find it: a CSV line and column,
or an Excel sheet and cell (`'Sheet1'!D5`). Numbers are not parsed here; callers decide what
a cell must hold and say so.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from cchc_widgets.core.errors import Problem, ProblemsError

MAX_TABLE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    number: int  # 1-based line (CSV) or row (xlsx) in the file
    values: dict[str, Any]
    table: Table

    def raw(self, column: str) -> Any:
        return self.values.get(column)

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def where(self, column: str) -> str:
        return self.table.where(self.number, column)


@dataclass(frozen=True)
class Table:
    file: str
    columns: tuple[str, ...]
    records: tuple[tuple[int, tuple[Any, ...]], ...]
    sheet: str | None = None

    def rows(self) -> list[Row]:
        return [Row(n, dict(zip(self.columns, vals, strict=False)), self) for n, vals in self.records]

    def where(self, number: int, column: str) -> str:
        if column not in self.columns:
            return f"dòng {number}" if self.sheet is None else f"sheet '{self.sheet}', dòng {number}"
        if self.sheet is None:
            return f"dòng {number}, cột '{column}'"
        letter = get_column_letter(self.columns.index(column) + 1)
        return f"sheet '{self.sheet}', ô {letter}{number}"


def _normalise_header(cells: list[Any], file: str, where: str | None) -> tuple[str, ...]:
    header = tuple("" if c is None else str(c).strip() for c in cells)
    while header and not header[-1]:
        header = header[:-1]
    seen: set[str] = set()
    problems = []
    for name in header:
        if name and name.lower() in seen:
            problems.append(Problem(file, f"cột '{name}' xuất hiện hai lần", where=where))
        seen.add(name.lower())
    if problems:
        raise ProblemsError(problems)
    return tuple(
        h
        if h.lower()
        not in {
            "code",
            "parent",
            "name",
            "max_points",
            "unit",
            "total",
            "points",
            "value",
            "stage",
            "period",
            "na",
            "note",
            "rule",
            "evidence",
            "allow_na",
        }
        else h.lower()
        for h in header
    )


def read_table(path: str | Path, sheet: str | None = None) -> Table:
    """The first sheet (or `sheet`) of an xlsx file, or a CSV file, as a Table."""
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise ProblemsError([Problem(file, "không tìm thấy tệp")])
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise ProblemsError([Problem(file, f"tệp quá lớn ({size / 1e6:.1f} MB; tối đa {MAX_TABLE_BYTES / 1e6:.0f} MB)")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path, sheet)
    raise ProblemsError([Problem(file, "chỉ đọc được bảng .csv hoặc .xlsx")])


def _read_csv(path: Path) -> Table:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemsError([Problem(file, "tệp CSV phải được lưu với bảng mã UTF-8")]) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    lines = [(i, row) for i, row in enumerate(reader, start=1)]
    if not lines:
        raise ProblemsError([Problem(file, "tệp trống")])
    columns = _normalise_header(lines[0][1], file, "dòng 1")
    records = tuple(
        (i, tuple(cell if cell.strip() else None for cell in row)) for i, row in lines[1:] if any(cell.strip() for cell in row)
    )
    return Table(file, columns, records)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import zipfile

    from openpyxl import load_workbook

    file = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ProblemsError([Problem(file, f"không mở được tệp Excel (.xlsx): {exc}")]) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ProblemsError([Problem(file, f"không có sheet '{sheet}' (có: {', '.join(book.sheetnames)})")])
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise ProblemsError([Problem(file, "sheet trống", where=f"sheet '{ws.title}'")])
    columns = _normalise_header(list(rows[0]), file, f"sheet '{ws.title}', dòng 1")
    records = tuple(
        (i, tuple(None if (isinstance(c, str) and not c.strip()) else c for c in row[: len(columns)]))
        for i, row in enumerate(rows[1:], start=2)
        if any(c is not None and str(c).strip() for c in row)
    )
    return Table(file, columns, records, sheet=ws.title)
