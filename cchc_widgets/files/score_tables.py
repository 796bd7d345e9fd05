"""Score files as people keep them: long (`unit, code, points`) or wide (a `unit` column
and one column per criterion code), in CSV or xlsx.

In the wide form a number is points, a word for N/A marks the item not applicable, and
other text is what the unit declared (a level's label, "có"/"không", "85%", "17/20") and is
scored by the item's rule. Columns for non-leaf codes and a `total` column are published
subtotals: they are not scored, they are checked (`engine.check_subtotals`); so are the
results a published table prints beside them — index, rank, rank in the group, class, under
their English ids or Vietnamese headings (`engine.compare_printed`).

Numbers are read by the file's own convention (`numbers.decide_column`): a column's
unambiguous numbers, the item's maximum and the CSV's separator and quoting decide a number
with two readings; only one that stays ambiguous is refused, where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.engine import TOTAL, resolve
from cchc_widgets.core.errors import Problem, ProblemsError, RuleInputError
from cchc_widgets.core.numbers import decide_column, parse_decimal
from cchc_widgets.core.rules import is_na
from cchc_widgets.core.tables import Row, read_table
from cchc_widgets.core.vocabulary import is_yes, printed_column

LONG_OPTIONAL = ("period", "stage", "points", "value", "na", "note")
WIDE_META = ("unit", "period", "stage", "name", "unit_name")


@dataclass(frozen=True)
class ScoresFile:
    """Leaf scores checked by the engine (`engine.resolve` output), published subtotals
    (period, unit, code, value) and printed results (period, unit, code: one of
    `vocabulary.PRINTED`, value as printed)."""

    scores: pd.DataFrame
    given: pd.DataFrame
    rows: pd.DataFrame  # the leaf rows as read (with `_where`; note None where the file has none): what an import writes
    printed: pd.DataFrame


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
        scores, given, problems = _long(rows, table.columns, cs, file)
        printed = []
    else:
        scores, given, printed, problems = _wide(rows, table.columns, cs, file)
    for row in rows:
        if not row.text("unit"):
            problems.append(Problem(file, "thiếu mã đơn vị", where=row.where("unit")))
    scores = [s for s in scores if s[1]]
    scores_df = pd.DataFrame(scores, columns=["period", "unit", "code", "stage", "points", "value", "na", "note", "_where"])
    given_df = pd.DataFrame(given, columns=["period", "unit", "code", "value"])
    printed_df = pd.DataFrame(printed, columns=["period", "unit", "code", "value"])
    if period is not None:
        has_period = scores_df["period"].astype(bool).any()
        if has_period:
            scores_df = scores_df[scores_df["period"] == period]
            given_df = given_df[given_df["period"] == period]
            printed_df = printed_df[printed_df["period"] == period]
            if scores_df.empty and not problems:
                raise ProblemsError([Problem(file, f"không có dòng nào của kỳ '{period}'")])
        else:
            scores_df["period"] = period
            given_df["period"] = period
            printed_df["period"] = period
    try:
        resolved = resolve(scores_df, cs, file)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return ScoresFile(
        resolved, given_df.reset_index(drop=True), scores_df.reset_index(drop=True), printed_df.reset_index(drop=True)
    )


def _decided(
    rows: list[Row], column: str, what: str, maxima: list[float | None] | None, file: str, code: str | None = None
) -> tuple[list, dict[int, Problem]]:
    """A column's cells with numbers of two readings decided by the file's convention
    (`numbers.decide_column`), and a problem, where it is, for each row whose cell stays
    ambiguous (`code`: the column's criterion, else the row's)."""
    cells = [row.raw(column) for row in rows]
    marks = [row.decimal_mark(column) for row in rows]
    out, refused = decide_column(cells, what, marks, maxima)
    return out, {i: Problem(file, message, code or rows[i].text("code"), rows[i].where(column)) for i, message in refused.items()}


def _long(rows: list[Row], columns: tuple[str, ...], cs: CriteriaSet, file: str) -> tuple[list, list, list[Problem]]:
    if "points" not in columns and "value" not in columns and "na" not in columns:
        raise ProblemsError([Problem(file, "bảng dạng dọc cần cột 'points' (điểm) hoặc 'value' (giá trị kê khai)")])
    maxima = [cs.entries[code].max_points if (code := row.text("code")) in cs.entries else None for row in rows]
    points_read, ambiguous = _decided(rows, "points", "điểm", maxima, file)
    values_read, ambiguous_values = _decided(rows, "value", "giá trị", None, file)
    problems = [*ambiguous.values(), *ambiguous_values.values()]
    out = []
    for i, (row, points, value) in enumerate(zip(rows, points_read, values_read, strict=True)):
        if i in ambiguous or i in ambiguous_values:
            continue
        na = is_yes(row.text("na")) or is_na(points)
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
                value,
                na,
                row.text("note") if "note" in columns else None,  # no note column: the stored note stays
                row.where("points" if "points" in columns else "value"),
            )
        )
    return out, [], problems


def _wide(rows: list[Row], columns: tuple[str, ...], cs: CriteriaSet, file: str) -> tuple[list, list, list, list[Problem]]:
    problems = []
    printed_cols = {c: printed for c in columns if c and (printed := printed_column(c))}
    code_cols = [c for c in columns if c and c not in WIDE_META and c not in printed_cols]
    for col in code_cols:
        if col != TOTAL and col not in cs.nodes and col not in cs.entries:
            problems.append(
                Problem(file, f"cột '{col}' không phải mã tiêu chí của bộ '{cs.id}'", where=rows[0].where(col) if rows else None)
            )
    if problems:
        raise ProblemsError(problems)
    scores, given = [], []
    columns_read, ambiguous = {}, {}
    for col in code_cols:
        columns_read[col], ambiguous[col] = _decided(rows, col, "điểm", [_maximum(cs, col)] * len(rows), file, col)
        problems.extend(ambiguous[col].values())
    printed = []
    for col, what in printed_cols.items():  # checked, not refused: what stays ambiguous is compared as printed
        limit = len(rows) if "rank" in what else cs.index_cap
        cells = [row.raw(col) for row in rows] if what == "class" else _decided(rows, col, what, [limit] * len(rows), file)[0]
        printed += [
            (row.text("period"), row.text("unit"), what, cell) for row, cell in zip(rows, cells, strict=True) if cell is not None
        ]
    for i, row in enumerate(rows):
        period, unit, stage = row.text("period"), row.text("unit"), row.text("stage") or None
        for col in code_cols:
            cell = columns_read[col][i]
            if cell is None or i in ambiguous[col]:
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
    return scores, given, printed, problems


def _maximum(cs: CriteriaSet, column: str) -> float:
    """The most a wide table's column can hold: an item's or a subtotal's max; for the total,
    the set's whole and every bonus cap."""
    if column == TOTAL:
        return cs.max_points + sum(a.max_points for a in cs.adjustments if a.kind == "bonus")
    return (cs.entries[column] if column in cs.entries else cs.nodes[column]).max_points
