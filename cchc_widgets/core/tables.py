"""Read a CSV or xlsx table a person supplied, keeping where every cell came from, and open
any workbook someone sent without trusting it.

An xlsx is a zip of XML: a small file can inflate to gigabytes, and its XML can declare
entities that expand without end. Before openpyxl parses anything the archive's listing is
checked (file size, number of parts, inflated size of each part and of all), and openpyxl
parses through defusedxml, which refuses entity declarations. Whatever goes wrong becomes a
message naming the file, never a traceback or a server path.

Every text cell loses control and invisible characters (`text.plain`) as it is read: a
table is text entering like any other. Messages about a bad value must name the place a
person can find it: a CSV line and column, or an Excel sheet and cell (`'Sheet1'!D5`).
Numbers are not parsed here; callers decide what a cell must hold and say so.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.text import plain

MAX_TABLE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_PARTS = 2_000
MAX_PART_BYTES = 60 * 1024 * 1024
MAX_INFLATED_BYTES = 120 * 1024 * 1024


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f}".replace(".", ",")


def check_archive(path: Path, max_bytes: int = MAX_TABLE_BYTES) -> None:
    """Refuse, before parsing, a file that is missing, too large, not an xlsx, or inflates too far."""
    file = path.name
    if not path.is_file():
        raise ProblemsError([Problem(file, "không tìm thấy tệp")])
    size = path.stat().st_size
    if size > max_bytes:
        raise ProblemsError([Problem(file, f"tệp quá lớn ({_mb(size)} MB; tối đa {_mb(max_bytes)} MB)")])
    if path.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(path):
        raise ProblemsError([Problem(file, "không phải tệp Excel .xlsx (hãy lưu lại bằng Excel dưới dạng .xlsx)")])
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ProblemsError([Problem(file, "tệp .xlsx bị hỏng: không đọc được nội dung nén")]) from None
    inflated = sum(p.file_size for p in parts)
    largest = max((p.file_size for p in parts), default=0)
    if len(parts) > MAX_PARTS or largest > MAX_PART_BYTES or inflated > MAX_INFLATED_BYTES:
        raise ProblemsError(
            [
                Problem(
                    file,
                    f"tệp giải nén ra {_mb(inflated)} MB ({len(parts)} phần), vượt giới hạn {_mb(MAX_INFLATED_BYTES)} MB: "
                    "không đọc (tệp quá lớn hoặc tệp độc hại)",
                )
            ]
        )


def open_workbook(path: str | Path, read_only: bool = False, max_bytes: int = MAX_TABLE_BYTES) -> Any:
    """An openpyxl workbook of a checked file, or `ProblemsError` with a message for people."""
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook  # openpyxl parses through defusedxml when it is installed

    path = Path(path)
    check_archive(path, max_bytes)
    try:
        return load_workbook(path, read_only=read_only, data_only=False)  # parsed through defusedxml
    except DefusedXmlException:
        raise ProblemsError([Problem(path.name, "tệp chứa cấu trúc XML bị cấm (khai báo thực thể): không đọc")]) from None
    except Exception as exc:  # openpyxl raises many kinds for damaged files; none is the person's to read
        raise ProblemsError(
            [Problem(path.name, f"không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng ({type(exc).__name__})")]
        ) from None


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
    preamble: tuple[str, ...] = ()  # a CSV's `# …` lines before its header (settings such as `# classes: …`)

    def rows(self) -> list[Row]:
        return [Row(n, dict(zip(self.columns, vals, strict=False)), self) for n, vals in self.records]

    def where(self, number: int, column: str) -> str:
        if column not in self.columns:
            return f"dòng {number}" if self.sheet is None else f"sheet '{self.sheet}', dòng {number}"
        if self.sheet is None:
            return f"dòng {number}, cột '{column}'"
        from openpyxl.utils import get_column_letter

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
    file = path.name  # never the folder: an upload's temporary path is the server's business
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
    """UTF-8 (with or without BOM), else Windows-1258 — what a Vietnamese Excel saves as "CSV"."""
    file = path.name  # never the folder: an upload's temporary path is the server's business
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")
    text = unicodedata.normalize("NFC", text)
    first = next((line for line in text.split("\n") if not line.lstrip().startswith("#")), "")  # the header
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    lines = [(i, [plain(cell) for cell in row]) for i, row in enumerate(reader, start=1)]
    preamble = []
    while lines and lines[0][1] and lines[0][1][0].lstrip().startswith("#"):
        preamble.append(delimiter.join(lines.pop(0)[1]).lstrip()[1:].strip())
    if not lines:
        raise ProblemsError([Problem(file, "tệp trống")])
    columns = _normalise_header(lines[0][1], file, f"dòng {lines[0][0]}")
    records = tuple(
        (i, tuple(cell if cell.strip() else None for cell in row)) for i, row in lines[1:] if any(cell.strip() for cell in row)
    )
    return Table(file, columns, records, preamble=tuple(preamble))


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    file = path.name  # never the folder: an upload's temporary path is the server's business
    book = open_workbook(path, read_only=True)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ProblemsError([Problem(file, f"không có sheet '{sheet}' (có: {', '.join(book.sheetnames)})")])
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append(tuple(unicodedata.normalize("NFC", plain(c)) if isinstance(c, str) else c for c in row))
            if len(rows) > MAX_ROWS:
                raise ProblemsError([Problem(file, f"bảng có hơn {MAX_ROWS:,} dòng: không đọc".replace(",", "."))])
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
