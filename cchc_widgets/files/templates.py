"""Scoring templates (xlsx): made from the period's criteria set, read back cell by cell.

A template holds the full tree, max points, how each row is scored, the evidence expected,
input cells limited by Excel data validation (each rule kind its own, `files.rule_cells`),
the sheet protected so that only the inputs are editable, and a hidden sheet with the
criteria set's checksum, period, unit, stage, the row of every code, the version of every
score it was filled from and a fingerprint of each prefilled row — all signed (HMAC with a
key kept in the store), so edited metadata is refused instead of writing another unit or
period. Reading gives rows to write; what may be written is decided by `services.writes`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_widgets.core.criteria import CriteriaSet, Node, how_to_score
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.rules import is_blank
from cchc_widgets.core.tables import check_archive, sheet_names
from cchc_widgets.core.text import clean_text, folded
from cchc_widgets.core.vocabulary import APPRAISAL, NA_MARK, SELF, STAGE_LABELS, STAGES, is_yes
from cchc_widgets.files import rule_cells
from cchc_widgets.files.tables_out import inert, print_setup

META = "_cchc"
LISTS = "_danh_muc"
HEADER_ROW = 4
COLUMNS = [
    "Mã",
    "Nội dung",
    "Điểm tối đa",
    "Cách chấm",
    "Tài liệu kiểm chứng",
    "Giá trị kê khai / số đã thực hiện",
    "Tổng số (với tỷ lệ)",
    "Không áp dụng (x)",
    "Ghi chú / giải trình",
]
WIDTHS = [9, 60, 9, 40, 36, 22, 14, 12, 40]
VALUE, PLANNED, NA_COL, NOTE = "F", "G", "H", "I"
REASON_TITLE = "Lý do thẩm định (bắt buộc khi khác điểm tự đánh giá)"
OWN_COLUMNS = ["Đơn vị kê khai", "Điểm tự đánh giá", "Ghi chú / giải trình của đơn vị", "Tài liệu kiểm chứng đơn vị đã nộp"]
OWN_WIDTHS = [20, 11, 40, 34]
OWN_FILL = PatternFill("solid", fgColor="ECEFF1")  # read only: what the unit declared, beside the appraiser's inputs
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # a filled template is a few hundred KB; more is not a template
MAX_TEMPLATE_ROWS = 5_000  # a template has a row per criterion (a few hundred)
MAX_TEMPLATE_CELLS = 100_000
INPUT_FILL = PatternFill("solid", fgColor="FFF8E1")
WRAP = Alignment(wrap_text=True, vertical="top")
INSTRUCTIONS = (
    "Nhập vào các ô màu vàng: giá trị kê khai theo cách chấm của từng tiêu chí (chọn trong danh sách "
    "khi có), số đã thực hiện và tổng số với tiêu chí tính tỷ lệ, 'x' nếu không áp dụng, và ghi chú. "
    "Số thập phân viết với dấu phẩy (9,5). Không thêm, xóa hay di chuyển dòng, cột; không dùng công thức; "
    "không sửa sheet ẩn."
)
WHERE_IT_GOES = {
    SELF: " Xong thì nhập tệp ở nút «Nhập phiếu Excel đã điền» trên trang tự đánh giá của đơn vị, hoặc gửi tệp cho Sở Nội vụ.",
    APPRAISAL: " Các cột xám bên phải là kết quả tự đánh giá của đơn vị, chỉ để xem: điểm thẩm định khác "
    "điểm tự đánh giá phải ghi lý do. Điểm thưởng, điểm trừ (nếu có) ở cuối bảng, luôn kèm lý do. Xong thì "
    "nhập tệp ở nút «Nhập phiếu Excel đã điền» trên trang thẩm định (hoặc lệnh cchc import).",
}


@dataclass(frozen=True)
class OwnScore:
    """What the unit declared for one row, shown (read only) in the appraisal template."""

    shown: str
    points: float | None
    note: str
    files: str


SIGNED = ("criteria_set", "version", "checksum", "period", "unit", "stage", "rows", "versions", "prefilled")


def sheet_name(stage: str) -> str:
    return STAGE_LABELS[stage]


def _signature(meta: dict[str, str], key: str) -> str:
    text = json.dumps({k: meta.get(k) for k in SIGNED}, sort_keys=True, ensure_ascii=False)
    return hmac.new(key.encode(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _plain(value: Any) -> Any:
    """A cell's content in one form for fingerprints: None for empty, whole floats as ints."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return clean_text(value) if isinstance(value, str) else value


def _fingerprint(cells: list[Any]) -> str:
    text = json.dumps([_plain(c) for c in cells], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Saved:
    """A stored score as a template shows it: canonical value, N/A, note, version."""

    value: Any
    na: bool
    note: str
    version: int


def build_template(
    cs: CriteriaSet,
    period: str,
    unit: str,
    unit_name: str,
    stage: str,
    saved: dict[str, Saved],
    key: str,
    own: dict[str, OwnScore] | None = None,
) -> bytes:
    """The xlsx a unit (or appraiser) fills for `stage`, prefilled with `saved` (code → score).
    `own` (the appraisal's): the unit's self-assessment per code, shown beside the inputs."""
    book = Workbook()
    ws = book.active
    ws.title = sheet_name(stage)
    ws["A1"] = inert(f"Phiếu {STAGE_LABELS[stage].lower()} Chỉ số CCHC — {unit_name} — kỳ {period}")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = INSTRUCTIONS + WHERE_IT_GOES[stage]
    ws["A2"].alignment = WRAP
    ws.merge_cells("A2:I2")
    ws.row_dimensions[2].height = 75
    titles = [*COLUMNS[:-1], REASON_TITLE] if stage == APPRAISAL else COLUMNS
    beside = stage == APPRAISAL and own is not None
    titles, widths = (titles + OWN_COLUMNS, WIDTHS + OWN_WIDTHS) if beside else (titles, WIDTHS)
    for i, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = ws.cell(HEADER_ROW, i, title)
        cell.font = Font(bold=True)
        cell.alignment = WRAP
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    print_setup(ws, widths, HEADER_ROW)
    validation = _validations(ws, book)
    rows: dict[str, int] = {}
    versions: dict[str, int] = {}
    prefilled: dict[str, str] = {}
    listed: list[Node | None] = list(cs)  # None: the heading of the bonus and penalty rows (appraisal only)
    if stage == APPRAISAL and cs.adjustments:
        listed += [None, *(a.node() for a in cs.adjustments)]
    for offset, node in enumerate(listed):
        r = HEADER_ROW + 1 + offset
        if node is None:
            ws.cell(r, 2, "Điểm thưởng, điểm trừ (ghi số điểm cộng hoặc bị trừ và lý do)").font = Font(bold=True)
            continue
        rows[node.code] = r
        ws.cell(r, 1, node.code)
        ws.cell(r, 2, node.name).alignment = WRAP
        ws.cell(r, 3, node.max_points)
        if not node.is_leaf:
            for c in range(1, 4):
                ws.cell(r, c).font = Font(bold=True)
            continue
        ws.cell(r, 4, how_to_score(node)).alignment = WRAP
        ws.cell(r, 5, node.evidence).alignment = WRAP
        specs = rule_cells.excel_validation(node.rule, node.max_points)
        columns = {"value": VALUE, "planned": PLANNED}
        inputs = [VALUE, NOTE] + [columns[c] for c in specs if c != "value"] + ([NA_COL] if node.allow_na else [])
        for col in inputs:
            ws[f"{col}{r}"].protection = Protection(locked=False)
            ws[f"{col}{r}"].fill = INPUT_FILL
        for column, spec in specs.items():
            validation(spec).add(f"{columns[column]}{r}")
        if node.allow_na:
            validation({"type": "list", "formula1": f'"{NA_MARK}"', "error": "Nhập x nếu không áp dụng"}).add(f"{NA_COL}{r}")
        rec = saved.get(node.code)
        cells = [inert(c) for c in _prefill(node, rec)]  # what the store holds, without what openpyxl refuses
        for col, value in zip((VALUE, PLANNED, NA_COL, NOTE), cells, strict=True):
            if value is not None:
                ws[f"{col}{r}"] = value
                if isinstance(value, str):
                    ws[f"{col}{r}"].data_type = "s"  # text stays text, even when it starts with '='
        versions[node.code] = rec.version if rec is not None else 0
        prefilled[node.code] = _fingerprint(cells)
        if beside and not node.kind:
            _own_cells(ws, r, own.get(node.code))
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    meta_sheet = book.create_sheet(META)
    meta_sheet.sheet_state = "hidden"
    meta = {
        "criteria_set": cs.id,
        "version": cs.version,
        "checksum": cs.checksum,
        "period": inert(period),
        "unit": inert(unit),
        "stage": stage,
        "rows": json.dumps(rows),
        "versions": json.dumps(versions),
        "prefilled": json.dumps(prefilled),
    }
    meta["signature"] = _signature(meta, key)
    for name, value in meta.items():
        meta_sheet.append([name, value])
    meta_sheet.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _validations(ws: Any, book: Workbook) -> Callable[[dict[str, Any]], DataValidation]:
    """The sheet's validation for a rule's spec (`rule_cells.excel_validation`), one per distinct
    spec; a list of choices is kept on the hidden lists sheet, a column per distinct list."""
    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    validations: dict[str, DataValidation] = {}
    list_columns: dict[tuple[str, ...], str] = {}

    def validation(spec: dict[str, Any]) -> DataValidation:
        if "choices" in spec:
            choices = tuple(spec["choices"])
            if choices not in list_columns:
                letter = ws.cell(1, len(list_columns) + 1).column_letter
                for i, option in enumerate(choices, start=1):
                    lists[f"{letter}{i}"] = option
                list_columns[choices] = letter
            letter = list_columns[choices]
            spec = {
                "type": "list",
                "formula1": f"'{LISTS}'!${letter}$1:${letter}${len(choices)}",
                "error": "Chọn một giá trị trong danh sách",
            }
        signature = json.dumps(spec, sort_keys=True)
        if signature not in validations:
            validations[signature] = DataValidation(
                allow_blank=True, showErrorMessage=True, errorTitle="Giá trị không hợp lệ", **spec
            )
            ws.add_data_validation(validations[signature])
        return validations[signature]

    return validation


def _own_cells(ws: Any, r: int, mine: OwnScore | None) -> None:
    """Row `r`'s read-only cells beside the appraiser's inputs: what the unit declared."""
    cells = [mine.shown, mine.points, mine.note, mine.files] if mine else ["chưa chấm", None, None, None]
    for column, value in enumerate(cells, start=len(COLUMNS) + 1):
        cell = ws.cell(r, column, inert(value))
        cell.fill, cell.alignment = OWN_FILL, WRAP
        if isinstance(value, str):
            cell.data_type = "s"  # a unit's note starting with '=' stays text


def _prefill(node: Any, rec: Saved | None) -> list[Any]:
    """(value, planned, N/A mark, note) cells for a stored score."""
    if rec is None:
        return [None, None, None, None]
    note = rec.note or None
    if rec.na:
        return [None, None, NA_MARK, note]
    if rec.value is None:
        return [None, None, None, note]
    value, planned = rule_cells.cells(node.rule, rec.value)
    return [value, planned, None, note]


@dataclass(frozen=True)
class FilledTemplate:
    """What a filled template asks to write: its (signed) period, unit and stage, the version
    each row was filled from, and the rows the person changed (long frame with `_where`)."""

    file: str
    period: str
    unit: str
    stage: str
    versions: dict[str, int]
    rows: pd.DataFrame


def read_template(path: str | Path, key: str, criteria_for: Callable[[str, str], CriteriaSet]) -> FilledTemplate:
    """Read a filled template whole; raise with every problem (nothing is half-read).

    Rows left as they were prefilled are not returned: a template never writes back what
    it was given, so it cannot overwrite a colleague's newer value it never touched.
    """
    from cchc_widgets.core.sandbox import read_xlsx

    path = Path(path)
    file = path.name
    check_archive(path, MAX_TEMPLATE_BYTES)
    stages = [sheet_name(s) for s in STAGES]
    read = read_xlsx(path, "template", [META, *stages], MAX_TEMPLATE_ROWS, len(COLUMNS) + len(OWN_COLUMNS), MAX_TEMPLATE_CELLS)
    if META not in read["sheets"]:
        raise ProblemsError([Problem(file, f"thiếu sheet '{META}': đây không phải mẫu phiếu do cchc tạo, hoặc sheet đã bị xóa")])
    hidden = read["read"][META]["cells"]
    pairs = ((hidden.get(f"A{r}", (None,))[0], hidden.get(f"B{r}", (None,))[0]) for r in range(1, 51))
    meta = {str(name): ("" if value is None else str(value)) for name, value in pairs if name}
    where_meta = f"sheet '{META}'"
    if not hmac.compare_digest(meta.get("signature", ""), _signature(meta, key)):
        raise ProblemsError(
            [
                Problem(
                    file,
                    "thông tin ẩn của mẫu phiếu đã bị sửa hoặc mẫu phiếu không do kho dữ liệu này tạo; "
                    "hãy tải mẫu phiếu mới từ ứng dụng",
                    where=where_meta,
                )
            ]
        )
    period, unit, stage = meta["period"], meta["unit"], meta["stage"]
    cs = criteria_for(period, unit)  # the set of the unit's block
    if meta.get("checksum") != cs.checksum:
        raise ProblemsError(
            [
                Problem(
                    file,
                    f"phiếu lập theo bộ tiêu chí '{meta.get('criteria_set')}' phiên bản {meta.get('version')}, "
                    f"khác bộ tiêu chí của kỳ {period} (phiên bản {cs.version}); hãy dùng mẫu phiếu mới",
                    where=where_meta,
                )
            ]
        )
    if stage not in STAGES:
        raise ProblemsError([Problem(file, f"giai đoạn '{stage}' không có", where=where_meta)])
    sheet = sheet_name(stage)
    if sheet not in read["sheets"]:
        raise ProblemsError([Problem(file, f"thiếu sheet '{sheet}': sheet đã bị xóa hoặc đổi tên")])
    cells: dict[str, tuple[Any, bool]] = read["read"][sheet]["cells"]
    rows_map: dict[str, int] = json.loads(meta["rows"])
    versions: dict[str, int] = json.loads(meta["versions"])
    prefilled: dict[str, str] = json.loads(meta["prefilled"])
    problems: list[Problem] = []
    for coord, min_row in read["read"][sheet]["merged"]:
        if min_row > HEADER_ROW:
            problems.append(Problem(file, f"ô bị gộp {coord}: không gộp ô trong bảng chấm điểm", where=f"sheet '{sheet}'"))
    records = []
    for code, r in rows_map.items():
        found = cells.get(f"A{r}", (None,))[0]
        if clean_text(str(found)) != code:
            problems.append(
                Problem(
                    file,
                    f"dòng {r} phải là mã {code} nhưng đang là '{found}': dòng đã bị di chuyển, thêm hoặc xóa",
                    code,
                    f"sheet '{sheet}', ô A{r}",
                )
            )
            continue
        if code not in cs.entries:
            continue
        row = {col: cells.get(f"{col}{r}", (None, False)) for col in (VALUE, PLANNED, NA_COL, NOTE)}
        formulas = [col for col, (_value, formula) in row.items() if formula]
        for col in formulas:
            problems.append(
                Problem(file, f"ô chứa công thức ({row[col][0]}); chỉ nhập giá trị", code, f"sheet '{sheet}', ô {col}{r}")
            )
        if formulas:
            continue
        values = [row[c][0] for c in (VALUE, PLANNED, NA_COL, NOTE)]
        if _fingerprint(values) == prefilled.get(code):
            continue  # as it was given: nothing to write
        value, planned, na_mark, note = (clean_text(v) for v in values)
        na = not is_blank(na_mark) and (folded(str(na_mark)) == NA_MARK or is_yes(str(na_mark)))
        node = cs.entries[code]
        declared = "N/A" if na else rule_cells.from_cells(node.rule, value, planned)
        records.append(
            {
                "unit": unit,
                "code": code,
                "stage": stage,
                "value": declared,
                "note": "" if is_blank(note) else str(note),
                "clear": is_blank(declared) and is_blank(note),
                "_where": f"sheet '{sheet}', ô {VALUE}{r}",
            }
        )
    if problems:
        raise ProblemsError(problems)
    columns = ["unit", "code", "stage", "value", "note", "clear", "_where"]
    return FilledTemplate(file, period, unit, stage, versions, pd.DataFrame(records, columns=columns))


def is_template(path: str | Path) -> bool:
    """An xlsx made by `build_template` (it carries the hidden metadata sheet); the sheets are
    named in a small part read without parsing the workbook (see `core.tables.sheet_names`)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(path):
        return False
    try:
        return META in sheet_names(path)
    except ProblemsError:  # unreadable: the full read will say why
        return False
