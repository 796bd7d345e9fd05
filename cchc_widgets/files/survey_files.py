"""Survey response files: read one whole against the period's survey and units, and make the
empty response sheet people fill.

One row per respondent × item: the unit the respondent judged, the respondent's id (the
form number), their group, the item code and the answer (A–D). Headers may be Vietnamese or
English; messages name the column as the person wrote it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.tables import Row, read_table
from cchc_widgets.core.vocabulary import block_label
from cchc_widgets.files.tables_out import inert, print_setup

COLUMNS = ("unit", "respondent", "group", "item", "answer")
HEADERS = {
    "unit": ("unit", "đơn vị", "mã đơn vị"),
    "respondent": ("respondent", "phiếu", "mã phiếu", "số phiếu", "người trả lời"),
    "group": ("group", "nhóm", "nhóm đối tượng", "đối tượng"),
    "item": ("item", "câu hỏi", "mã câu hỏi", "câu"),
    "answer": ("answer", "trả lời", "đáp án", "phương án"),
    "period": ("period", "kỳ", "năm"),
}
COLUMN_NAMES = {"unit": "đơn vị", "respondent": "phiếu", "group": "nhóm", "item": "câu hỏi", "answer": "trả lời"}


def read_responses(path: str | Path, sets: Mapping[str, CriteriaSet], period: str, blocks: Mapping[str, str]) -> pd.DataFrame:
    """A response file checked whole against the period's survey and units.

    `blocks`: the period's units, each with its block; `sets`: each block's criteria set (a
    period of one set: one block). Each unit's answers are read against its own block's
    survey — its items, answers and groups — so a district's answer to a department-only
    item is refused naming the row, the unit and the item. Returns unit, respondent, group,
    item, answer (answers upper-cased as the set spells them). Raises with every problem,
    each naming the file, the cell and the item code.
    """
    table = read_table(path)
    named = _named(table.columns)
    file = Path(path).name
    sheet = f"sheet '{table.sheet}'" if table.sheet else None
    if all(cs.survey is None for cs in sets.values()):
        raise ProblemsError([Problem(file, f"bộ tiêu chí của kỳ '{period}' không có phần khảo sát (survey)")])
    missing = [c for c in COLUMNS if c not in named]
    if missing:
        wanted = ", ".join(f"'{COLUMN_NAMES[c]}' ({c})" for c in missing)
        raise ProblemsError([Problem(file, f"thiếu cột {wanted}", where=sheet or "dòng 1")])
    strangers = next(b for b, cs in sets.items() if cs.survey is not None)  # reads a unit outside the period
    problems: list[Problem] = []
    records = []
    seen: dict[tuple[str, str, str], str] = {}
    groups: dict[tuple[str, str], tuple[str, str]] = {}
    for row in table.rows():
        values = {c: row.text(named[c]) for c in COLUMNS}
        item = values["item"]

        def where(column: str, row: Row = row) -> str:
            return row.where(named[column])

        other = row.text(named["period"]) if "period" in named else ""
        if other and other != period:
            problems.append(Problem(file, f"dòng của kỳ '{other}', không phải kỳ '{period}'", item, where("period")))
            continue
        blank = [c for c in COLUMNS if not values[c]]
        for c in blank:
            problems.append(Problem(file, f"thiếu {COLUMN_NAMES[c]}", item or None, where(c)))
        if blank:
            continue
        if values["unit"] not in blocks:
            problems.append(Problem(file, f"đơn vị '{values['unit']}' không tham gia kỳ '{period}'", item, where("unit")))
        block = blocks.get(values["unit"], strangers)
        cs = sets[block]
        if cs.survey is None or item not in cs.survey_codes:
            problems.append(Problem(file, _not_asked(values["unit"], block, item, cs, len(sets) > 1), item, where("item")))
        if cs.survey is None:  # its block asks nothing: no answer of it to read
            continue
        answer = {a.strip().upper(): a for a in cs.survey.answers}.get(values["answer"].upper())
        if answer is None:
            options = ", ".join(cs.survey.answers)
            problems.append(
                Problem(file, f"câu trả lời '{values['answer']}' không hợp lệ; chọn {options}", item, where("answer"))
            )
        key = (values["unit"], values["respondent"], item)
        if key in seen:
            problems.append(
                Problem(
                    file,
                    f"phiếu '{values['respondent']}' của đơn vị '{values['unit']}' trả lời câu này hai lần "
                    f"(lần đầu ở {seen[key]})",
                    item,
                    where("respondent"),
                )
            )
        seen.setdefault(key, where("respondent"))
        values = _grouped(values, where("group"), cs, groups, file, problems)
        records.append({**values, "answer": answer})
    if problems:
        raise ProblemsError(problems)
    if not records:
        raise ProblemsError([Problem(file, "tệp không có câu trả lời nào", where=sheet)])
    return pd.DataFrame(records, columns=list(COLUMNS))


def _not_asked(unit: str, block: str, item: str, cs: CriteriaSet, several: bool) -> str:
    """The refusal of an answer to an item the unit's survey does not ask: in a period of
    several blocks it names the unit and its block, whose set may ask other items than the
    other blocks' (or none)."""
    if not several:
        return f"câu hỏi '{item}' không có trong phiếu khảo sát (có: {', '.join(cs.survey_codes)})"
    own = f"có: {', '.join(cs.survey_codes)}" if cs.survey is not None else "không có phần khảo sát"
    return (
        f"câu hỏi '{item}' không có trong phiếu khảo sát của đơn vị '{unit}' "
        f"(khối {block_label(block)}, bộ tiêu chí '{cs.id}': {own})"
    )


def _grouped(
    values: dict[str, str],
    where: str,
    cs: CriteriaSet,
    groups: dict[tuple[str, str], tuple[str, str]],
    file: str,
    problems: list[Problem],
) -> dict[str, str]:
    """A row with its group as the set names it (its id, when the set weighs groups: every
    response must name one of them); a respondent's rows all name the same group (`groups`
    keeps the first one met, and where)."""
    item = values["item"]
    if cs.survey is not None and cs.survey.groups:
        declared = cs.survey.group_of(values["group"] or "")
        if declared is None:
            known = "; ".join(f"{g.id} ({g.name})" for g in cs.survey.groups)
            problems.append(Problem(file, f"nhóm '{values['group']}' không có trong bộ tiêu chí; dùng: {known}", item, where))
        else:
            values = {**values, "group": declared.id}
    first_group, first_where = groups.setdefault((values["unit"], values["respondent"]), (values["group"], where))
    if first_group != values["group"]:
        said = f"phiếu '{values['respondent']}' ghi nhóm '{values['group']}' nhưng ở {first_where} là '{first_group}'"
        problems.append(Problem(file, said, item, where))
    return values


def response_template(cs: CriteriaSet, units: pd.DataFrame, period: str, block: str = "", rows: int = 2000) -> bytes:
    """An empty response sheet (the first sheet, as `read_responses` reads it) with lists for
    unit, item, answer (and group, when the set weighs groups), and a guide sheet naming every
    item, answer weight, group and unit; `block`: the block's label its title names, in a
    period of several (each block its own sheet of its own items)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    if cs.survey is None:
        raise ProblemsError([Problem(f"kỳ {period}", f"bộ tiêu chí của kỳ '{period}' không có phần khảo sát (survey)")])
    book = Workbook()
    ws = book.active
    ws.title = "Phiếu khảo sát"
    ws.append(["Đơn vị", "Phiếu", "Nhóm", "Câu hỏi", "Trả lời"])
    widths = [22, 10, 34, 10, 10]
    for cell, width in zip(ws[1], widths, strict=True):
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, widths, header_row=1)
    guide = book.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 80
    print_setup(guide, [14, 80])  # a guide read top to bottom: no header row to repeat
    lines = [
        [f"Phiếu khảo sát Chỉ số CCHC — kỳ {period}" + (f" — khối {block}" if block else "")],
        ["Mỗi dòng ở sheet 'Phiếu khảo sát' là một câu trả lời: đơn vị được đánh giá, số phiếu, nhóm người trả lời, mã câu hỏi,"],
        ["đáp án. Một phiếu trả lời mỗi câu một lần. Nhập bằng `cchc survey import` hoặc nút «Nhập phiếu khảo sát» (thẩm định)."],
        [],
        ["Đáp án", "Tỷ lệ số điểm của câu"],
        *[[answer, f"{weight:g} %"] for answer, weight in cs.survey.answers.items()],
        [],
        ["Câu hỏi", "Nội dung (điểm tối đa; lĩnh vực được cộng)"],
        *[[i.code, f"{i.name} ({i.max_points:g} điểm{f'; lĩnh vực {i.domain}' if i.domain else ''})"] for i in cs.survey.items],
        [],
        *(
            [
                ["Nhóm", "Người trả lời (trọng số của nhóm)"],
                *[[g.id, f"{g.name} (trọng số {g.weight:g})"] for g in cs.survey.groups],
                [],
            ]
            if cs.survey.groups
            else []
        ),
        ["Mã đơn vị", "Tên đơn vị"],
    ]
    for line in lines:
        guide.append(line)
    first_unit = guide.max_row + 1
    for unit in units.itertuples():
        guide.append([inert(unit.id), inert(unit.name)])
    for row in guide.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # names and texts stay text, whatever they start with
    for row in guide.iter_rows(min_row=1, max_row=first_unit - 1):
        if row[0].value in {"Đáp án", "Câu hỏi", "Nhóm", "Mã đơn vị"} or row[0].row == 1:
            for cell in row:
                cell.font = Font(bold=True)

    def choose(column: str, formula: str, what: str) -> None:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
        dv.errorTitle, dv.error = "Giá trị không hợp lệ", f"Chọn {what} trong danh sách"
        ws.add_data_validation(dv)
        dv.add(f"{column}2:{column}{rows + 1}")

    choose("A", f"'Hướng dẫn'!$A${first_unit}:$A${guide.max_row}", "một mã đơn vị")
    if cs.survey.groups:  # the set weighs its groups: answers must name one
        choose("C", f'"{",".join(g.id for g in cs.survey.groups)}"', "một mã nhóm")
    choose("D", f'"{",".join(cs.survey_codes)}"', "một mã câu hỏi")
    choose("E", f'"{",".join(cs.survey.answers)}"', "một đáp án")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _named(columns: tuple[str, ...]) -> dict[str, str]:
    """Our column name → the file's header (Vietnamese or English), so messages name the
    column as the person wrote it."""
    lookup = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
    out: dict[str, str] = {}
    for header in columns:
        name = lookup.get(header.strip().lower())
        if name is not None:
            out.setdefault(name, header)
    return out
