"""Self-assessment templates (xlsx) and their import, whole-file-or-nothing.

A template is generated from the period's criteria set: the full tree, max points, how each
row is scored, the evidence expected, input cells limited by Excel data validation, the sheet
protected so that only the inputs are editable, and a hidden sheet that records the criteria
set's checksum, the period, the unit and the row of every code. The import reads it back
and checks every cell before anything is written; a file with any problem writes nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_widgets.app.scoring_session import show_value
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.rules import fmt_number, is_blank
from cchc_widgets.store.database import Store

SHEET = "Tự đánh giá"
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
MAX_FILE_BYTES = 5 * 1024 * 1024
INPUT_FILL = PatternFill("solid", fgColor="FFF8E1")
WRAP = Alignment(wrap_text=True, vertical="top")
INSTRUCTIONS = (
    "Nhập vào các ô màu vàng: giá trị kê khai theo cách chấm của từng tiêu chí (chọn trong danh sách "
    "khi có), số đã thực hiện và tổng số với tiêu chí tính tỷ lệ, 'x' nếu không áp dụng, và ghi chú. "
    "Không thêm, xóa hay di chuyển dòng, cột; không dùng công thức. Gửi lại tệp cho Sở Nội vụ."
)


def template(store: Store, period: str, unit: str, stage: str = "self") -> bytes:
    cs = store.criteria_for(period)
    units = store.units(period).set_index("id")
    if unit not in units.index:
        raise ProblemsError([Problem(store.url, f"đơn vị '{unit}' không tham gia kỳ '{period}'")])
    if stage not in engine.STAGES:
        raise ProblemsError([Problem(store.url, f"giai đoạn '{stage}' không có")])
    saved = {r.code: r for r in store.scores(period, unit, stage).itertuples()}
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ws["A1"] = f"Phiếu {'tự đánh giá' if stage == 'self' else 'thẩm định'} Chỉ số CCHC — {units.loc[unit, 'name']} — kỳ {period}"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = INSTRUCTIONS
    ws["A2"].alignment = WRAP
    ws.merge_cells("A2:I2")
    ws.row_dimensions[2].height = 48
    for i, (title, width) in enumerate(zip(COLUMNS, WIDTHS, strict=True), start=1):
        cell = ws.cell(HEADER_ROW, i, title)
        cell.font = Font(bold=True)
        cell.alignment = WRAP
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    validations: dict[str, DataValidation] = {}

    def validation(key: str, **kwargs: Any) -> DataValidation:
        if key not in validations:
            validations[key] = DataValidation(
                allow_blank=True, showErrorMessage=True, errorTitle="Giá trị không hợp lệ", **kwargs
            )
            ws.add_data_validation(validations[key])
        return validations[key]

    rows: dict[str, int] = {}
    list_col = 0
    for offset, node in enumerate(cs):
        r = HEADER_ROW + 1 + offset
        rows[node.code] = r
        ws.cell(r, 1, node.code)
        ws.cell(r, 2, node.name).alignment = WRAP
        ws.cell(r, 3, node.max_points)
        if not node.is_leaf:
            for c in range(1, 4):
                ws.cell(r, c).font = Font(bold=True)
            continue
        ws.cell(r, 4, node.rule.describe(node.max_points)).alignment = WRAP
        ws.cell(r, 5, node.evidence).alignment = WRAP
        inputs = [VALUE, NOTE] + ([PLANNED] if node.rule.kind == "percent" and node.rule.input == "pair" else [])
        inputs += [NA_COL] if node.allow_na else []
        for col in inputs:
            ws[f"{col}{r}"].protection = Protection(locked=False)
            ws[f"{col}{r}"].fill = INPUT_FILL
        kind = node.rule.kind if node.has_rule else "free"
        if kind in {"yesno", "levels"}:
            options = ["Có", "Không"] if kind == "yesno" else [lv.label for lv in node.rule.levels]
            list_col += 1
            letter = ws.cell(1, list_col).column_letter
            for i, option in enumerate(options, start=1):
                lists[f"{letter}{i}"] = option
            dv = validation(
                f"list-{node.code}",
                type="list",
                formula1=f"'{LISTS}'!${letter}$1:${letter}${len(options)}",
                error="Chọn một giá trị trong danh sách",
            )
        elif kind == "percent" and node.rule.input == "pair":
            dv = validation("whole", type="whole", operator="greaterThanOrEqual", formula1="0", error="Nhập số nguyên không âm")
            dv.add(f"{PLANNED}{r}")
        elif kind == "percent":
            dv = validation(
                "pct", type="decimal", operator="between", formula1="0", formula2="100", error="Nhập tỷ lệ từ 0 đến 100"
            )
        elif kind == "count":
            dv = validation("whole", type="whole", operator="greaterThanOrEqual", formula1="0", error="Nhập số nguyên không âm")
        else:
            dv = validation(
                f"max-{fmt_number(node.max_points)}",
                type="decimal",
                operator="between",
                formula1="0",
                formula2=str(node.max_points),
                error=f"Nhập điểm từ 0 đến {fmt_number(node.max_points)}",
            )
        dv.add(f"{VALUE}{r}")
        if node.allow_na:
            validation("na", type="list", formula1='"x"', error="Nhập x nếu không áp dụng").add(f"{NA_COL}{r}")
        _prefill(ws, r, node, saved.get(node.code))
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    meta = book.create_sheet(META)
    meta.sheet_state = "hidden"
    for key, value in {
        "criteria_set": cs.id,
        "version": cs.version,
        "checksum": cs.checksum,
        "period": period,
        "unit": unit,
        "stage": stage,
        "rows": json.dumps(rows),
    }.items():
        meta.append([key, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _prefill(ws: Any, r: int, node: Any, rec: Any) -> None:
    if rec is None:
        return
    ws[f"{NOTE}{r}"] = rec.note or None
    if rec.na:
        ws[f"{NA_COL}{r}"] = "x"
        return
    value = rec.value if rec.value is not None else rec.points
    if isinstance(value, dict):
        ws[f"{VALUE}{r}"], ws[f"{PLANNED}{r}"] = _number(value.get("done")), _number(value.get("planned"))
    elif isinstance(value, str) and "/" in value and node.rule.kind == "percent":
        done, planned = value.split("/", 1)
        ws[f"{VALUE}{r}"], ws[f"{PLANNED}{r}"] = _number(done), _number(planned)
    elif node.rule.kind in {"yesno", "levels"}:
        ws[f"{VALUE}{r}"] = ("Có" if node.rule.score(value, 1) else "Không") if node.rule.kind == "yesno" else show_value(value)
    else:
        ws[f"{VALUE}{r}"] = _number(str(value).rstrip("%"))


def _number(text: Any) -> float | int | None:
    if text is None:
        return None
    number = float(str(text).replace(",", "."))
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class Imported:
    file: str
    period: str
    unit: str
    rows: int
    stored: bool


def import_file(
    store: Store, path: str | Path, stage: str | None = None, author: str | None = None, dry_run: bool = False
) -> Imported:
    """Check a filled template whole, then store it in one transaction; raise with every problem."""
    path = Path(path)
    file = path.name
    book = _open(path)
    problems: list[Problem] = []
    missing = [name for name in (SHEET, META) if name not in book.sheetnames]
    if missing:
        raise ProblemsError(
            [Problem(file, f"thiếu sheet '{m}': đây không phải mẫu phiếu do cchc tạo, hoặc sheet đã bị xóa") for m in missing]
        )
    meta = {row[0].value: row[1].value for row in book[META].iter_rows(max_col=2) if row[0].value}
    period, unit = str(meta.get("period", "")), str(meta.get("unit", ""))
    stage = stage or str(meta.get("stage", "self"))
    if period not in set(store.periods()["id"]):
        raise ProblemsError([Problem(file, f"kỳ '{period}' của phiếu không có trong kho", where=f"sheet '{META}'")])
    cs = store.criteria_for(period)
    if meta.get("checksum") != cs.checksum:
        raise ProblemsError(
            [
                Problem(
                    file,
                    f"phiếu lập theo bộ tiêu chí '{meta.get('criteria_set')}' phiên bản {meta.get('version')}, "
                    f"khác bộ tiêu chí của kỳ {period} (phiên bản {cs.version}); hãy dùng mẫu phiếu mới",
                    where=f"sheet '{META}'",
                )
            ]
        )
    if unit not in set(store.units(period)["id"]):
        problems.append(Problem(file, f"đơn vị '{unit}' không tham gia kỳ '{period}'", where=f"sheet '{META}'"))
    ws = book[SHEET]
    rows_map: dict[str, int] = json.loads(meta.get("rows") or "{}")
    input_cols = {VALUE, PLANNED, NA_COL, NOTE}
    for merged in ws.merged_cells.ranges:
        if merged.min_row > HEADER_ROW:
            problems.append(Problem(file, f"ô bị gộp {merged.coord}: không gộp ô trong bảng chấm điểm", where=f"sheet '{SHEET}'"))
    records = []
    for code, r in rows_map.items():
        where = f"sheet '{SHEET}', ô A{r}"
        if str(ws[f"A{r}"].value) != code:
            problems.append(
                Problem(
                    file,
                    f"dòng {r} phải là mã {code} nhưng đang là '{ws[f'A{r}'].value}': dòng đã bị di chuyển, thêm hoặc xóa",
                    code,
                    where,
                )
            )
            continue
        if code not in cs.leaf_codes:
            continue
        cells = {col: ws[f"{col}{r}"] for col in input_cols}
        formulas = [col for col, cell in cells.items() if cell.data_type == "f"]
        for col in formulas:
            problems.append(
                Problem(file, f"ô chứa công thức ({cells[col].value}); chỉ nhập giá trị", code, f"sheet '{SHEET}', ô {col}{r}")
            )
        if formulas:
            continue
        records.append(_record(cs, code, cells, r, unit, stage))
    frame = pd.DataFrame([rec for rec in records if rec is not None])
    if frame.empty:
        frame = pd.DataFrame(columns=["unit", "code", "stage", "value", "na", "note", "_where"])
    scored = frame[~frame["value"].map(is_blank)] if len(frame) else frame
    resolved = None
    try:
        resolved = engine.resolve(scored.assign(period=period), cs, file=file)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    rows = _changed(store, period, unit, stage, frame, resolved)
    if not dry_run and len(rows):
        store.save_scores(period, rows, author=author or f"nhập từ tệp {file}", action=f"import:{file}"[:50])
    return Imported(file, period, unit, len(rows), stored=not dry_run)


def _changed(store: Store, period: str, unit: str, stage: str, frame: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """Rows whose points, N/A or note differ from the store: the same answer written another
    way ("có" / "Có", "17/20" / 17 and 20) is not a change and leaves no log entry."""
    stored = {r.code: r for r in store.scores(period, unit, stage).itertuples()}
    points = dict(zip(resolved["code"], resolved["points"].tolist(), strict=True))
    na = dict(zip(resolved["code"], resolved["na"].tolist(), strict=True))
    keep = []
    for rec in frame.to_dict("records"):
        old = stored.get(rec["code"])
        new_points, new_na = points.get(rec["code"]), bool(na.get(rec["code"], False))
        if old is None:
            keep.append(rec["code"] in points or bool(rec["note"]))
            continue
        old_points = None if pd.isna(old.points) else float(old.points)
        new_points = None if new_points is None or pd.isna(new_points) else float(new_points)
        same_points = old_points == new_points or (None not in (old_points, new_points) and abs(old_points - new_points) < 1e-9)
        same_value = new_na or _canon(old.value) == _canon(rec["value"])
        keep.append(not (same_points and same_value and bool(old.na) == new_na and (old.note or "") == rec["note"]))
    return frame[keep].drop(columns="_where")


def _canon(value: Any) -> str:
    """A declared value in one spelling: 'Có' = 'có', 17/20 = {'done': 17, 'planned': 20}, 95.2 = '95.2%'."""
    if isinstance(value, dict):
        value = f"{value.get('done')}/{value.get('planned')}"
    if value is None:
        return ""
    parts = []
    for part in str(value).strip().lower().rstrip("%").split("/"):
        try:
            parts.append(f"{float(part.replace(',', '.')):g}")
        except ValueError:
            parts.append(part.strip())
    return "/".join(parts)


def _record(cs: CriteriaSet, code: str, cells: dict[str, Any], r: int, unit: str, stage: str) -> dict[str, Any] | None:
    node = cs[code]
    value, planned = cells[VALUE].value, cells[PLANNED].value
    na = str(cells[NA_COL].value or "").strip().lower() in {"x", "có"}
    note = str(cells[NOTE].value or "").strip()
    if node.rule.kind == "percent" and node.rule.input == "pair" and not na and not (is_blank(value) and is_blank(planned)):
        value = (
            {"done": value, "planned": planned}
            if not (is_blank(value) or is_blank(planned))
            else f"{value or ''}/{planned or ''}"
        )
    return {
        "unit": unit,
        "code": code,
        "stage": stage,
        "value": "N/A" if na else value,
        "na": False,
        "note": note,
        "_where": f"sheet '{SHEET}', ô {VALUE}{r}",
    }


def _open(path: Path) -> Workbook:
    file = path.name
    if not path.exists():
        raise ProblemsError([Problem(file, "không tìm thấy tệp")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ProblemsError([Problem(file, f"tệp quá lớn ({size / 1e6:.1f} MB; tối đa {MAX_FILE_BYTES / 1e6:.0f} MB)")])
    if path.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(path):
        raise ProblemsError([Problem(file, "không phải tệp Excel .xlsx (hãy lưu lại bằng Excel dưới dạng .xlsx)")])
    try:
        return load_workbook(path, data_only=False)  # openpyxl parses with defusedxml when it is installed
    except Exception as exc:
        raise ProblemsError([Problem(file, f"không đọc được tệp Excel: {exc}")]) from None


def is_template(path: str | Path) -> bool:
    """An xlsx made by `template` (it carries the hidden metadata sheet)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(path):
        return False
    book = load_workbook(path, read_only=True)
    try:
        return META in book.sheetnames
    finally:
        book.close()


def import_any(
    store: Store,
    path: str | Path,
    period: str | None,
    stage: str | None = None,
    author: str | None = None,
    dry_run: bool = False,
) -> Imported:
    """A filled template (it knows its period and unit) or else a plain table of `period`."""
    path = Path(path)
    if path.exists() and not is_template(path) and path.suffix.lower() in {".csv", ".xlsx"}:
        return import_table(store, path, period, stage=stage, author=author, dry_run=dry_run)
    return import_file(store, path, stage=stage, author=author, dry_run=dry_run)


def import_table(
    store: Store, path: str | Path, period: str | None, stage: str | None = None, author: str | None = None, dry_run: bool = False
) -> Imported:
    """A plain long or wide table (as `cchc score` reads), for units enrolled in one period."""
    from cchc_widgets.files.score_tables import read_scores

    path = Path(path)
    file = path.name
    if period is None:
        raise ProblemsError([Problem(file, "bảng không phải mẫu phiếu: cần --period để biết kỳ đánh giá")])
    cs = store.criteria_for(period)
    data = read_scores(path, cs, period=period)
    frame = data.scores
    if stage is not None:
        frame = frame.assign(stage=stage)
    enrolled = set(store.units(period)["id"])
    unknown = sorted(set(frame["unit"]) - enrolled)
    if unknown:
        raise ProblemsError([Problem(file, f"đơn vị '{u}' không tham gia kỳ '{period}'") for u in unknown])
    units = sorted(set(frame["unit"]))
    if not dry_run and len(frame):
        store.save_scores(
            period, frame.drop(columns="period"), author=author or f"nhập từ tệp {file}", action=f"import:{file}"[:50]
        )
    return Imported(file, period, ", ".join(units), len(frame), stored=not dry_run)
