"""A criteria set from a flat table (CSV or xlsx, first sheet): `code, parent, name,
max_points` and optional `rule, evidence, allow_na, kind, in_denominator`; its settings in
`# key: value` lines or a `settings` sheet (`flat_settings`). It ends in the same checks as
the YAML form (`criteria_build`), so a designer gets the same report either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cchc_widgets.core.criteria_build import RawNode, build_set
from cchc_widgets.core.criteria_model import CriteriaSet
from cchc_widgets.core.criteria_schema import property_problems, rule_schema_problems
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.flat_settings import SETTINGS_SHEETS, is_settings_header, preamble_settings, read_settings
from cchc_widgets.core.numbers import parse_decimal
from cchc_widgets.core.rule_text import parse_rule_text
from cchc_widgets.core.rules import RuleInputError
from cchc_widgets.core.tables import read_sheet, read_table, sheet_names
from cchc_widgets.core.text import folded
from cchc_widgets.core.vocabulary import is_no, is_yes

FLAT_REQUIRED = ("code", "parent", "name", "max_points")
FLAT_OPTIONAL = ("rule", "evidence", "allow_na", "submit_incomplete", "kind", "in_denominator")
FLAT_KINDS = {
    "bonus": "bonus",
    "thưởng": "bonus",
    "điểm thưởng": "bonus",
    "penalty": "penalty",
    "trừ": "penalty",
    "điểm trừ": "penalty",
    "survey": "survey",
    "khảo sát": "survey",
    "câu hỏi khảo sát": "survey",
}


CLASSES_SHEET = "classes"


def _flat_settings(path: Path, table: Any, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, str]]:
    """The YAML keys a flat set's settings give (`flat_settings`): in a CSV the `# key: value`
    lines above the header; in an xlsx a sheet `settings` (key, value: every row a setting,
    after a header row if there is one, `is_settings_header`) and, as before, a sheet
    `classes` (label, min). Returns them with where each was said."""
    file = str(path)
    if path.suffix.lower() == ".csv":
        lines = preamble_settings(table.preamble)
    else:
        names = sheet_names(path)
        sheet = next((n for n in names if folded(n) in SETTINGS_SHEETS), None)
        lines = []
        if sheet is not None:
            rows = read_sheet(path, sheet).rows()
            lines = [(row.text("A"), row.text("B"), row.where("A")) for row in rows if row.text("A")]
            if lines and is_settings_header(*lines[0][:2]):
                lines = lines[1:]
    meta, wheres, found = read_settings(lines, file)
    problems.extend(found)
    if path.suffix.lower() == ".xlsx" and CLASSES_SHEET in sheet_names(path) and "classes" not in meta:
        meta["classes"] = _classes_sheet(path, problems)
    return meta, wheres


def _classes_sheet(path: Path, problems: list[Problem]) -> list[dict[str, Any]]:
    """Class bands of a flat xlsx: a sheet named `classes` with the columns label, min.
    Highest band first, as in YAML."""
    file = str(path)
    bands: list[dict[str, Any]] = []
    sheet = read_table(path, CLASSES_SHEET)
    if "label" not in sheet.columns or "min" not in sheet.columns:
        problems.append(Problem(file, "sheet 'classes' cần hai cột label và min", where=f"sheet '{CLASSES_SHEET}'"))
        return bands
    for row in sheet.rows():
        try:
            if not row.text("label"):
                raise RuleInputError("thiếu tên hạng")
            bands.append({"label": row.text("label"), "min": parse_decimal(row.raw("min"), "ngưỡng xếp loại")})
        except RuleInputError as exc:
            problems.append(Problem(file, str(exc), where=row.where("min")))
    return bands


def _flat_outside(
    row: Any,
    table: Any,
    code: str,
    name: str,
    max_points: float,
    kind_text: str,
    file: str,
    adjustments: list[dict[str, Any]],
    survey_items: list[dict[str, Any]],
    problems: list[Problem],
) -> None:
    """A flat row with a `kind`: a bonus or penalty item (outside the tree: no parent, no
    rule) or a survey item (its `parent`, if any, the domain its points are added to)."""
    kind = FLAT_KINDS.get(folded(kind_text))
    rule_given = "rule" in table.columns and row.text("rule")
    if kind is None:
        said = f"kind phải là bonus (điểm thưởng), penalty (điểm trừ) hoặc survey (khảo sát); đang là '{kind_text}'"
        problems.append(Problem(file, said, code, row.where("kind")))
    elif kind == "survey":
        if rule_given:
            problems.append(Problem(file, "câu hỏi khảo sát được chấm theo đáp án: để trống rule", code, row.where("rule")))
        item = {"code": code, "name": name, "max_points": max_points}
        survey_items.append({**item, "domain": row.text("parent")} if row.text("parent") else item)
    elif row.text("parent") or rule_given:
        problems.append(Problem(file, "điểm thưởng/điểm trừ nằm ngoài cây: để trống parent và rule", code, row.where("kind")))
    else:
        denominator = row.text("in_denominator") if "in_denominator" in table.columns else ""
        counted = _yes_no(denominator, "in_denominator", code, row.where("in_denominator"), file, problems)
        adjustments.append({"code": code, "name": name, "kind": kind, "max_points": max_points, "in_denominator": counted})


def _yes_no(text: str, column: str, code: str, where: str, file: str, problems: list[Problem]) -> bool:
    """A yes/no cell: True for yes, a problem named by row and column for anything but yes or no."""
    if text and not (is_yes(text) or is_no(text)):
        problems.append(Problem(file, f"{column} phải là có/không; đang là '{text}'", code, where))
    return is_yes(text)


def load_flat(path: Path) -> CriteriaSet:
    """A set from a flat table: every row and setting read, every problem of the file listed
    at once (`criteria_build.build_set` adds the checks the YAML form gets)."""
    file = str(path)
    table = read_table(path)  # raises ProblemsError for unreadable files
    missing = [c for c in FLAT_REQUIRED if c not in table.columns]
    if missing:
        raise ProblemsError([Problem(file, "thiếu cột bắt buộc " + ", ".join(f"'{c}'" for c in missing), where=table.sheet)])
    problems: list[Problem] = []
    raws: list[RawNode] = []
    adjustments: list[dict[str, Any]] = []
    survey_items: list[dict[str, Any]] = []
    for row in table.rows():
        code = row.text("code")
        if not code:
            if any(row.text(c) for c in FLAT_REQUIRED):
                problems.append(Problem(file, "thiếu mã", where=row.where("code")))
            continue
        name = row.text("name")
        if not name:
            problems.append(Problem(file, "thiếu tên", code, row.where("name")))
        max_points = _max_points(row, code, file, problems)
        rule = _row_rule(row.text("rule") if "rule" in table.columns else "", row.where("rule"), code, file, problems)
        kind_text = row.text("kind") if "kind" in table.columns else ""
        if kind_text:
            _flat_outside(row, table, code, name, max_points, kind_text, file, adjustments, survey_items, problems)
            continue
        yes_no = {
            column: _yes_no(row.text(column).lower(), column, code, row.where(column), file, problems)
            if column in table.columns
            else False
            for column in ("allow_na", "submit_incomplete")
        }
        raws.append(
            RawNode(
                code=code,
                name=name,
                max_points=max_points,
                parent=row.text("parent") or None,
                rule=rule,
                evidence=row.text("evidence") if "evidence" in table.columns else "",
                allow_na=yes_no["allow_na"],
                submit_incomplete=yes_no["submit_incomplete"],
                where=row.where("code"),
            )
        )
    if not raws and not problems:
        problems.append(Problem(file, "bảng không có mục nào"))
    meta = _meta(path, table, survey_items, adjustments, problems)
    try:
        cs = build_set(raws, meta, file)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return cs


def _max_points(row: Any, code: str, file: str, problems: list[Problem]) -> float:
    """A row's max points: a number over 0, else a problem named by its cell (and 0, so reading goes on)."""
    max_text = row.text("max_points")
    try:
        max_points = float(max_text.replace(",", "."))
        if not max_points > 0:
            raise ValueError
    except ValueError:
        problems.append(Problem(file, f"điểm tối đa phải là số lớn hơn 0; đang là '{max_text}'", code, row.where("max_points")))
        return 0.0
    return max_points


def _row_rule(text: str, where: str, code: str, file: str, problems: list[Problem]) -> dict[str, Any] | None:
    """A row's rule written as text (`rule_text`), checked against the rule schema; None when
    there is none or it is refused (the problems say why)."""
    if not text:
        return None
    try:
        rule = parse_rule_text(text)
    except ValueError as exc:
        problems.append(Problem(file, str(exc), code, where))
        return None
    refused = rule_schema_problems(rule)
    problems.extend(Problem(file, "quy tắc: " + said, code, where) for said in refused)
    return None if refused else rule


def _meta(
    path: Path, table: Any, survey_items: list[dict[str, Any]], adjustments: list[dict[str, Any]], problems: list[Problem]
) -> dict[str, Any]:
    """The set's settings (`flat_settings`) with the survey questions and bonus/penalty items the rows gave."""
    file = str(path)
    settings, wheres = _flat_settings(path, table, problems)
    meta: dict[str, Any] = {"id": path.stem, "name": path.stem, "version": "1", **settings}
    if survey_items:
        meta["survey"] = {**meta.get("survey", {}), "items": survey_items}
    elif "survey" in meta:
        message = "có cài đặt khảo sát nhưng bảng không có câu hỏi khảo sát (dòng có kind = khảo sát)"
        problems.append(Problem(file, message, where=wheres["survey"]))
        del meta["survey"]
    for key in (k for k in settings if k in meta):
        problems.extend(Problem(file, text, where=wheres.get(key)) for text in property_problems(key, meta.get(key)))
    if adjustments:
        meta["adjustments"] = adjustments
    return meta
