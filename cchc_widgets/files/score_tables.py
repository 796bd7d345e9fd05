"""Score files as people keep them: long (`unit, code, points`) or wide (a `unit` column
and one column per criterion code), in CSV or xlsx.

In the wide form a number is points, a word for N/A marks the item not applicable, and
other text is what the unit declared (a level's label, "có"/"không", "85%", "17/20") and is
scored by the item's rule. Columns for non-leaf codes and a `total` column are published
subtotals: they are not scored, they are checked (`engine.check_subtotals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.engine import TOTAL, resolve
from cchc_widgets.core.errors import Problem, ProblemsError, RuleInputError
from cchc_widgets.core.numbers import parse_decimal
from cchc_widgets.core.rules import is_na
from cchc_widgets.core.tables import Row, read_table
from cchc_widgets.core.vocabulary import is_yes

LONG_OPTIONAL = ("period", "stage", "points", "value", "na", "note")
WIDE_META = ("unit", "period", "stage", "name", "unit_name")


@dataclass(frozen=True)
class ScoresFile:
    """Leaf scores checked by the engine (`engine.resolve` output) and published subtotals
    (period, unit, code, value)."""

    scores: pd.DataFrame
    given: pd.DataFrame
    rows: pd.DataFrame  # the leaf rows as read (with `_where`; note None where the file has none): what an import writes


def read_scores(path: str | Path, cs: CriteriaSet, period: str | None = None) -> ScoresFile:
    """Read a long or wide score file and check every score against the criteria set;
    `period` fills a missing period column or filters by it. Raises with every problem of
    the file (layout, cells and rules) at once."""
    table = read_table(path)
    file = table.file
    if "unit" not in table.columns:
        raise ProblemsError([Problem(file, "thiếu cột 'unit' (mã đơn vị)", where=table.sheet and f"sheet '{table.sheet}'")])
    rows = table.rows()
    if not rows:  # a header alone would "save" nothing for no unit: say so instead
        raise ProblemsError([Problem(file, "tệp chỉ có dòng tiêu đề, không có dòng điểm nào")])
    if "code" in table.columns:
        scores, given, problems = _long(rows, table.columns, file)
    else:
        scores, given, problems = _wide(rows, table.columns, cs, file)
    for row in rows:
        if not row.text("unit"):
            problems.append(Problem(file, "thiếu mã đơn vị", where=row.where("unit")))
    scores = [s for s in scores if s[1]]
    scores_df = pd.DataFrame(scores, columns=["period", "unit", "code", "stage", "points", "value", "na", "note", "_where"])
    given_df = pd.DataFrame(given, columns=["period", "unit", "code", "value"])
    if period is not None:
        has_period = scores_df["period"].astype(bool).any()
        if has_period:
            scores_df = scores_df[scores_df["period"] == period]
            given_df = given_df[given_df["period"] == period]
            if scores_df.empty and not problems:
                raise ProblemsError([Problem(file, f"không có dòng nào của kỳ '{period}'")])
        else:
            scores_df["period"] = period
            given_df["period"] = period
    try:
        resolved = resolve(scores_df, cs, file)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return ScoresFile(resolved, given_df.reset_index(drop=True), scores_df.reset_index(drop=True))


def _long(rows: list[Row], columns: tuple[str, ...], file: str) -> tuple[list, list, list[Problem]]:
    if "points" not in columns and "value" not in columns and "na" not in columns:
        raise ProblemsError([Problem(file, "bảng dạng dọc cần cột 'points' (điểm) hoặc 'value' (giá trị kê khai)")])
    out, problems = [], []
    for row in rows:
        na = is_yes(row.text("na")) or is_na(row.raw("points"))
        points = row.raw("points")
        if points is not None and not na:
            try:
                points = parse_decimal(points, "điểm")
            except RuleInputError as exc:
                problems.append(Problem(file, str(exc), row.text("code"), row.where("points")))
                continue
        elif na:
            points = None
        out.append(
            (
                row.text("period"),
                row.text("unit"),
                row.text("code"),
                row.text("stage") or None,  # none given: the stage the import is for
                points,
                row.raw("value"),
                na,
                row.text("note") if "note" in columns else None,  # no note column: the stored note stays
                row.where("points" if "points" in columns else "value"),
            )
        )
    return out, [], problems


def _wide(rows: list[Row], columns: tuple[str, ...], cs: CriteriaSet, file: str) -> tuple[list, list, list[Problem]]:
    problems = []
    code_cols = [c for c in columns if c and c not in WIDE_META]
    for col in code_cols:
        if col != TOTAL and col not in cs.nodes and col not in cs.entries:
            problems.append(
                Problem(file, f"cột '{col}' không phải mã tiêu chí của bộ '{cs.id}'", where=rows[0].where(col) if rows else None)
            )
    if problems:
        raise ProblemsError(problems)
    scores, given = [], []
    for row in rows:
        period, unit, stage = row.text("period"), row.text("unit"), row.text("stage") or None
        for col in code_cols:
            cell = row.raw(col)
            if cell is None:
                continue
            leaf = col in cs.entries  # a leaf, or a bonus or penalty item
            if leaf and is_na(cell):
                scores.append((period, unit, col, stage, None, None, True, None, row.where(col)))
                continue
            try:
                number = parse_decimal(cell, "điểm")
            except RuleInputError as exc:
                if leaf:  # text in a leaf column is a declared value for its rule
                    scores.append((period, unit, col, stage, None, cell, False, None, row.where(col)))
                else:
                    problems.append(Problem(file, str(exc), col, row.where(col)))
                continue
            if leaf:
                scores.append((period, unit, col, stage, number, None, False, None, row.where(col)))
            else:
                given.append((period, unit, col, number))
    return scores, given, problems
