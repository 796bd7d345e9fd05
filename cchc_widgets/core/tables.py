"""Read a CSV or xlsx table a person supplied, keeping where every cell came from, and open
any workbook someone sent without trusting it.

An xlsx is a zip of XML: a small file can inflate to gigabytes, and its XML can declare
entities that expand without end. Before anything parses it the archive's listing is checked
(file size, number of parts, inflated size of each part and of all); then a reader process
of its own parses it with openpyxl through defusedxml (which refuses entity declarations),
within a memory and a time limit (`core.sandbox`). A CSV is read here as a stream within
limits of rows, columns, cells and field length. Whatever goes wrong becomes a message naming
the file and the limit, never a traceback or a server path. Every text cell loses control
and invisible characters (`text.plain`) as it is read: a table is text entering like any other.

Messages about a bad value must name the place a person can find it: a CSV line and column,
or an Excel sheet and cell (`'Sheet1'!D5`). Numbers are not parsed here; callers decide what
a cell must hold and say so.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import Percent, decimal_shown, megabytes
from cchc_widgets.core.text import plain

MAX_TABLE_BYTES = 8 * 1024 * 1024  # as an upload in a page and an evidence file
MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_CELLS = 2_000_000  # non-empty cells of a table: 200.000 rows of 10 columns
MAX_LINE = 1_000_000  # characters of one line of a CSV (a field has at most 131.072: the csv module's limit)
MAX_PARTS = 2_000
MAX_PART_BYTES = 60 * 1024 * 1024
MAX_INFLATED_BYTES = 120 * 1024 * 1024
# parts openpyxl turns into objects, each limited by its role (a part this size still parses within
# the reader's limits, `core.sandbox`): what a real workbook holds is far less
PART_LIMITS = (
    ("xl/styles.xml", "định dạng ô", 5 * 1024 * 1024),
    ("xl/sharedStrings.xml", "chuỗi văn bản dùng chung", 20 * 1024 * 1024),
    ("xl/worksheets/", "dữ liệu sheet", 30 * 1024 * 1024),
)
MAX_WORKBOOK_PART = 1024 * 1024  # xl/workbook.xml names the sheets: a few KB, even with hundreds of sheets
WORKBOOK_PART = "xl/workbook.xml"
SHEET_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"


def _refused(file: str, message: str) -> ProblemsError:
    return ProblemsError([Problem(file, message)])


def check_archive(path: Path, max_bytes: int = MAX_TABLE_BYTES) -> None:
    """Refuse, before parsing, a file that is missing, too large, not an xlsx, or inflates too
    far; the message names the limit that was hit."""
    file = path.name
    if not path.is_file():
        raise _refused(file, "không tìm thấy tệp")
    size = path.stat().st_size
    if size > max_bytes:
        raise _refused(file, f"tệp quá lớn ({megabytes(size)} MB; tối đa {megabytes(max_bytes)} MB)")
    if path.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(path):
        raise _refused(file, "không phải tệp Excel .xlsx (hãy lưu lại bằng Excel dưới dạng .xlsx)")
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refused(file, "tệp .xlsx bị hỏng: không đọc được nội dung nén") from None
    if len(parts) > MAX_PARTS:
        raise _refused(file, f"tệp có {_count(len(parts))} phần, vượt giới hạn {_count(MAX_PARTS)} phần: {HARMFUL}")
    largest = max(parts, key=lambda p: p.file_size, default=None)
    if largest is not None and largest.file_size > MAX_PART_BYTES:
        raise _inflates(file, f"phần '{largest.filename}'", largest.file_size, MAX_PART_BYTES, "của một phần")
    for part in parts:
        for prefix, role, limit in PART_LIMITS:
            if part.filename.startswith(prefix) and part.file_size > limit:
                raise _inflates(file, f"phần '{part.filename}' ({role})", part.file_size, limit, "của phần này")
    inflated = sum(p.file_size for p in parts)
    if inflated > MAX_INFLATED_BYTES:
        raise _inflates(file, f"tệp ({len(parts)} phần)", inflated, MAX_INFLATED_BYTES, "của cả tệp")


HARMFUL = "không đọc (tệp quá lớn hoặc tệp độc hại)"


def _inflates(file: str, what: str, size: int, limit: int, whose: str) -> ProblemsError:
    return _refused(file, f"{what} giải nén ra {megabytes(size)} MB, vượt giới hạn {megabytes(limit)} MB {whose}: {HARMFUL}")


def sheet_names(path: Path) -> list[str]:
    """The sheets an xlsx names in its workbook part, read here without openpyxl (a stream
    over a part of at most 1 MB): enough to tell a template from a table."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    check_archive(path)
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(WORKBOOK_PART)
            if info.file_size > MAX_WORKBOOK_PART:
                raise _inflates(path.name, f"phần '{WORKBOOK_PART}'", info.file_size, MAX_WORKBOOK_PART, "của phần này")
            with archive.open(info) as part:
                return [el.get("name", "") for _event, el in iterparse(part) if el.tag == SHEET_TAG]
    except KeyError:
        return []  # no workbook part where Excel puts it: not a workbook this program made
    except DefusedXmlException:
        raise _refused(path.name, "tệp chứa cấu trúc XML bị cấm (khai báo thực thể): không đọc") from None
    except (zipfile.BadZipFile, OSError, ValueError, SyntaxError):  # ParseError is a SyntaxError
        raise _refused(path.name, "tệp .xlsx bị hỏng: không đọc được danh sách sheet") from None


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

    def decimal_mark(self, column: str, count: bool = False) -> str | None:
        return self.table.decimal_mark(self.number, column, count)


@dataclass(frozen=True)
class Table:
    file: str
    columns: tuple[str, ...]
    records: tuple[tuple[int, tuple[Any, ...]], ...]
    sheet: str | None = None
    preamble: tuple[str, ...] = ()  # a CSV's `# …` lines before its header (settings such as `# classes: …`)
    delimiter: str | None = None  # a CSV's field separator
    quoted: frozenset[tuple[int, int]] = frozenset()  # (line, column position) of a CSV's quoted fields
    headings: tuple[str, ...] = ()  # the header as the file writes it, when `columns` are ids given by `renamed`
    shown: frozenset[str] = frozenset()  # the decimal marks its number columns show (`showing`)

    def renamed(self, ids: dict[str, str]) -> Table:
        """The table with its columns named by id (`Tổng điểm` → total) where `ids` says so;
        messages still name each column as the file heads it."""
        return replace(self, columns=tuple(ids.get(c, c) for c in self.columns), headings=self.headings or self.columns)

    def showing(self, columns: tuple[str, ...] | list[str]) -> Table:
        """The table knowing the decimal marks its number `columns` show (`numbers.decimal_shown`:
        `1.5` a point, `1,25` a comma), so that one column's `1.5` speaks for another's `1.234`.
        Only the reader knows which columns hold numbers: a criterion code `1.1` shows nothing."""
        positions = [i for i, c in enumerate(self.columns) if c in columns]
        marks = {decimal_shown(values[i]) for _, values in self.records for i in positions if i < len(values)}
        return replace(self, shown=frozenset(marks - {None}))

    def decimal_mark(self, number: int, column: str, count: bool = False) -> str | None:
        """The decimal mark the file fixes for a cell, or None when it fixes none: in a
        comma-separated CSV an unquoted field cannot hold a comma, so its decimal mark is the
        point — unless the cell is a `count`: a whole number needs no decimal mark, and a
        Vietnamese writer's `2.000` people there is a thousands dot as likely; otherwise the
        mark the file's number columns show (`showing`), when they show one only; when they
        show none, a `;`-separated CSV is what a Vietnamese Excel saves, with decimal commas,
        and a quoted field, a tab-separated CSV or an xlsx text cell says nothing. A file that
        shows both marks decides nothing."""
        if self.delimiter == "," and not count:
            quoted = column in self.columns and (number, self.columns.index(column)) in self.quoted
            if not quoted:
                return "."
        if self.shown:
            return next(iter(self.shown)) if len(self.shown) == 1 else None
        return "," if self.delimiter == ";" else None

    def rows(self) -> list[Row]:
        return [Row(n, dict(zip(self.columns, vals, strict=False)), self) for n, vals in self.records]

    def where(self, number: int, column: str) -> str:
        if column not in self.columns:
            return f"dòng {number}" if self.sheet is None else f"sheet '{self.sheet}', dòng {number}"
        if self.sheet is None:
            return f"dòng {number}, cột '{(self.headings or self.columns)[self.columns.index(column)]}'"
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
        raise _refused(file, "không tìm thấy tệp")
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise _refused(file, f"tệp quá lớn ({megabytes(size)} MB; tối đa {megabytes(MAX_TABLE_BYTES)} MB)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path, sheet)
    raise _refused(file, "chỉ đọc được bảng .csv hoặc .xlsx")


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as such, else Windows-1258 — what a
    Vietnamese Excel saves as "CSV". Decoded chunk by chunk: the file is never held twice."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1258"
    return "utf-8-sig"


def _read_csv(path: Path) -> Table:
    """A CSV read as a stream, twice: the first pass keeps nothing and refuses, naming the line,
    a field over the csv module's 128 KB, a row wider than MAX_COLUMNS, more rows or cells than
    allowed; only a file within the limits is then kept (a refused one leaves no rows behind in
    a page's kernel)."""
    file = path.name  # never the folder: an upload's temporary path is the server's business
    with path.open(encoding=_encoding(path), errors="replace", newline="") as stream:
        start = stream.read(100_000)
        first = next((line for line in start.splitlines() if not line.lstrip().startswith("#")), "")  # the header
        delimiter = max(",;\t", key=first.count)
        stream.seek(0)
        _within_limits(csv.reader(_short_lines(stream, file), delimiter=delimiter), file)
        stream.seek(0)
        raw: list[str] = []  # the text of the record being read: where its quoted fields are seen
        lines, quoted = [], set()
        for n, row in enumerate(csv.reader(_kept(stream, raw), delimiter=delimiter), start=1):
            lines.append((n, tuple(_nfc(cell) for cell in row)))
            if '"' in (text := "".join(raw)):
                quoted.update((n, i) for i in _quoted_fields(text, delimiter))
            raw.clear()
    preamble = []
    while lines and lines[0][1] and lines[0][1][0].lstrip().startswith("#"):
        preamble.append(delimiter.join(lines.pop(0)[1]).lstrip()[1:].strip())
    if not lines:
        raise _refused(file, "tệp trống")
    columns = _normalise_header(list(lines[0][1]), file, f"dòng {lines[0][0]}")
    late = next((n for n, row in lines[1:] if row and row[0].lstrip().startswith("#")), None)
    if late is not None:  # read as a row it would be a unit or a criterion named «# …»
        raise _refused(file, f"dòng {late}: dòng «# …» (cài đặt, ghi chú) phải đặt ở đầu tệp, trước dòng tiêu đề")
    records = tuple(
        (i, tuple(cell if cell.strip() else None for cell in row)) for i, row in lines[1:] if any(cell.strip() for cell in row)
    )
    return Table(file, columns, records, preamble=tuple(preamble), delimiter=delimiter, quoted=frozenset(quoted))


def _kept(stream: Any, raw: list[str]) -> Iterator[str]:
    """The lines of a stream, each also appended to `raw` (the csv reader asks for a line only
    when it needs one, so `raw` holds exactly the current record's lines)."""
    for line in stream:
        raw.append(line)
        yield line


def _quoted_fields(text: str, delimiter: str) -> list[int]:
    """Positions of the fields of one CSV record that were written in quotes (as the csv
    module reads them: a quote opens a field only as its first character)."""
    out, field, pos = [], 0, 0
    while True:
        if text.startswith('"', pos):
            out.append(field)
            pos += 1
            while (end := text.find('"', pos)) >= 0 and text.startswith('"', end + 1):
                pos = end + 2  # a doubled quote inside the field
            if end < 0:
                return out
            pos = end + 1
        pos = text.find(delimiter, pos)
        if pos < 0:
            return out
        pos, field = pos + 1, field + 1


def _short_lines(stream: Any, file: str) -> Iterator[str]:
    """The lines of a text stream; one longer than MAX_LINE is refused before the csv module
    splits it (a line of a million fields is a million strings)."""
    for number, line in enumerate(stream, start=1):
        if len(line) > MAX_LINE:
            raise _refused(file, f"dòng {number} dài hơn {_count(MAX_LINE)} ký tự (giới hạn của một dòng): không đọc")
        yield line


def _within_limits(reader: Any, file: str) -> None:
    """Read every row once, keeping none: refuse what is over a limit, naming the line."""
    rows = cells = 0
    try:
        for number, row in enumerate(reader, start=1):
            if len(row) > MAX_COLUMNS and any(cell.strip() for cell in row[MAX_COLUMNS:]):
                raise _refused(file, f"dòng {number} có {_count(len(row))} cột, vượt giới hạn {MAX_COLUMNS} cột: không đọc")
            rows += 1
            cells += sum(map(bool, row))
            if rows > MAX_ROWS or cells > MAX_CELLS:
                what = f"{_count(MAX_ROWS)} dòng" if rows > MAX_ROWS else f"{_count(MAX_CELLS)} ô"
                raise _refused(file, f"bảng có hơn {what} (giới hạn của một bảng): không đọc")
    except csv.Error:
        raise _refused(
            file,
            f"dòng {reader.line_num}: không đọc được — một ô dài hơn {csv.field_size_limit() // 1024} KB "
            "(giới hạn của một ô) hoặc dấu ngoặc kép không đóng",
        ) from None


def _nfc(text: str) -> str:
    """A text cell as it enters: without control and invisible characters (`text.plain`), in NFC."""
    text = plain(text)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _count(n: int) -> str:
    """A count as Vietnamese write it: 200.000."""
    return f"{n:,}".replace(",", ".")


def _sheet_rows(path: Path, sheet: str | None) -> tuple[str, list[tuple[Any, ...]]]:
    """A sheet's title and rows, read by a reader process within the limits of `core.sandbox`."""
    from cchc_widgets.core.sandbox import read_xlsx

    check_archive(path)
    read = read_xlsx(path, "table", [] if sheet is None else [sheet], MAX_ROWS, MAX_COLUMNS, MAX_CELLS)
    rows = [[_nfc(c) if isinstance(c, str) else c for c in row] for row in read["rows"]]
    for r, c in read.get("percent", ()):  # a number shown as a percentage: its reader knows (`numbers.Percent`)
        rows[r][c] = Percent(rows[r][c])
    return read["title"], [tuple(row) for row in rows]


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    file = path.name  # never the folder: an upload's temporary path is the server's business
    title, rows = _sheet_rows(path, sheet)
    if not rows:
        raise ProblemsError([Problem(file, "sheet trống", where=f"sheet '{title}'")])
    columns = _normalise_header(list(rows[0]), file, f"sheet '{title}', dòng 1")
    return Table(file, columns, _records(rows[1:], len(columns), first=2), sheet=title)


def read_sheet(path: str | Path, sheet: str) -> Table:
    """A sheet of an xlsx without a header — its columns named by letter (A, B …), every row
    a record, as a sheet of `key | value` settings is: its first row is a setting like any
    other, never silently taken for headings."""
    path = Path(path)
    title, rows = _sheet_rows(path, sheet)
    from openpyxl.utils import get_column_letter

    width = max((len(row) for row in rows), default=0)
    return Table(path.name, tuple(get_column_letter(i + 1) for i in range(width)), _records(rows, width, first=1), sheet=title)


def _records(rows: list[tuple[Any, ...]], width: int, first: int) -> tuple[tuple[int, tuple[Any, ...]], ...]:
    """A sheet's non-empty rows, numbered as the sheet numbers them from `first`, blank text as None."""
    return tuple(
        (i, tuple(None if (isinstance(c, str) and not c.strip()) else c for c in row[:width]))
        for i, row in enumerate(rows, start=first)
        if any(c is not None and str(c).strip() for c in row)
    )
