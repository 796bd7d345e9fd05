"""The rules' reading of scores: each row's stage, item, declared value and points checked
against its criterion, and its points computed — on plain columns (lists and arrays).

One reading serves two layouts: `resolve` lays the rows out as the engine's long frame (files,
Python, the what-ifs), `resolve_records` as plain rows (the write door, where a form's edit is
one row). The checks themselves build no table: a one-row frame cost a form's save about 5 ms
of pandas before any rule ran, and a file's thousands of rows need no Series per check either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.rules import NA, RuleInputError, canonical, is_blank
from cchc_widgets.core.vocabulary import APPRAISAL, stage_of

NA_VALUE = "N/A"  # the declared value stored for "không áp dụng"
KEY = ["period", "unit"]
LONG_COLUMNS = [*KEY, "code", "stage", "value", "points", "na", "note"]  # the long form of scores, resolved
FILE = "<dữ liệu>"


@dataclass(frozen=True)
class Reading:
    """Rows as the rules read them, in their order: the canonical stage, points (NaN when N/A or
    none), the N/A flag, the declared value in its canonical form, and which rows carry a score."""

    stage: list[str]
    points: np.ndarray
    na: np.ndarray
    values: list[Any]
    scored: np.ndarray


def resolve(scores: pd.DataFrame, cs: CriteriaSet, file: str = FILE) -> pd.DataFrame:
    """Checked leaf scores with points computed from declared values.

    Returns columns period, unit, code, stage, value, points (NaN when N/A), na, note.
    Raises `ProblemsError` naming every bad row; nothing is half-resolved.
    """
    frame = _with_defaults(scores)
    columns = {name: frame[name].tolist() for name in ("period", "unit", "code", "stage", "value", "na")}
    if "_where" in frame.columns:
        columns["_where"] = frame["_where"].tolist()
    got = read(columns, frame["points"], cs, file)
    frame["stage"] = pd.Series(got.stage, index=frame.index, dtype=object)
    frame["points"] = got.points
    frame["na"] = got.na
    frame["value"] = pd.Series(got.values, index=frame.index, dtype=object)
    return frame.loc[got.scored, LONG_COLUMNS].reset_index(drop=True)


def resolve_records(records: Sequence[Mapping[str, Any]], cs: CriteriaSet, file: str = FILE) -> list[dict[str, Any]]:
    """`resolve` for rows the write door already typed (unit, code and stage text, na a bool;
    period, value, points and _where optional): each scored row as unit, code, stage, value,
    points (NaN when N/A), na — the values as given, never through a frame's column types."""
    columns = {
        "period": ["" if _missing(rec.get("period")) else str(rec["period"]) for rec in records],
        **{name: [rec[name] for rec in records] for name in ("unit", "code", "stage", "na")},
        **{name: [rec.get(name) for rec in records] for name in ("value", "_where")},
    }
    got = read(columns, [rec.get("points") for rec in records], cs, file)
    return [
        {"unit": unit, "code": code, "stage": stage, "value": value, "points": float(points), "na": bool(na)}
        for unit, code, stage, value, points, na, scored in zip(
            columns["unit"], columns["code"], got.stage, got.values, got.points, got.na, got.scored, strict=True
        )
        if scored
    ]


def read(columns: Mapping[str, list[Any]], points: Sequence[Any], cs: CriteriaSet, file: str) -> Reading:
    """The rules' reading of rows given as columns (period, unit, code, stage, value, na and
    optionally _where, as `_with_defaults` types them) and their `points` as given; raises
    `ProblemsError` naming every bad row, in the order the checks run."""
    problems: list[Problem] = []
    where = _Where(columns.get("_where"))
    stages = _stages(columns["stage"], columns["code"], where, file, problems)
    known = _known_rows(columns, stages, cs, where, file, problems)
    given, na, values = _points(columns, points, cs, known, where, file, problems)
    if problems:
        raise ProblemsError(problems)
    given[na] = np.nan
    return Reading(stages, given, na, values, ~np.isnan(given) | na)


class _Where:
    """Where row `i` was read, for messages: its `_where` text, else its line."""

    def __init__(self, wheres: list[Any] | None) -> None:
        self.wheres = wheres

    def __getitem__(self, i: int) -> str:
        given = self.wheres[i] if self.wheres is not None else None
        return given if isinstance(given, str) else f"dòng {i + 1}"


def _with_defaults(scores: pd.DataFrame) -> pd.DataFrame:
    """A copy of `scores` with every column `resolve` reads, of the type it reads it as."""
    frame = scores.reset_index(drop=True).copy()
    for column, default in (("period", ""), ("stage", "self"), ("note", ""), ("value", None), ("na", False)):
        if column not in frame.columns:
            frame[column] = default
    if "points" not in frame.columns:
        frame["points"] = np.nan
    frame["period"] = frame["period"].fillna("").astype(str)
    frame["unit"] = frame["unit"].astype(str)
    frame["code"] = frame["code"].astype(str)
    frame["note"] = frame["note"].fillna("").astype(str)
    frame["na"] = frame["na"].fillna(False).astype(bool)
    frame["value"] = frame["value"].astype(object)
    return frame


def _missing(value: Any) -> bool:
    """An empty cell, as pandas' `isna` reads one cell of a column of objects (None and text
    first: a file's hundred thousand cells are read one by one)."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    if isinstance(value, float):
        return math.isnan(value)
    return np.ndim(value) == 0 and bool(pd.isna(value))


def _stages(raw: list[Any], codes: list[Any], where: _Where, file: str, problems: list[Problem]) -> list[str]:
    """Each row's stage by its canonical id (an unknown one is a problem, and `self` meanwhile);
    each distinct cell read once (a file has two stages in a hundred thousand rows)."""
    read = {given: stage_of("self" if _missing(given) else str(given)) for given in dict.fromkeys(raw)}
    stages = [read[given] for given in raw]
    for i in [i for i, stage in enumerate(stages) if stage is None]:
        text = f"giai đoạn '{raw[i]}' không có; dùng self (tự đánh giá) hoặc appraisal (thẩm định)"
        problems.append(Problem(file, text, codes[i], where[i]))
        stages[i] = "self"
    return stages


def _known_rows(
    columns: Mapping[str, list[Any]], stages: list[str], cs: CriteriaSet, where: _Where, file: str, problems: list[Problem]
) -> np.ndarray:
    """Which rows name an item one scores (the problems of those that do not, of a bonus or
    penalty outside the appraisal, and of a cell given twice)."""
    codes, entries, adjusting = columns["code"], cs.entries, cs.adjustment_codes
    known = np.array([code in entries for code in codes], dtype=bool)
    for i in np.flatnonzero(~known):
        text = "là mục tổng hợp; chỉ chấm điểm các mục lá" if codes[i] in cs.nodes else "không có trong bộ tiêu chí"
        problems.append(Problem(file, f"mã '{codes[i]}' {text}", codes[i], where[i]))

    outside = [i for i, code in enumerate(codes) if code in adjusting and stages[i] != APPRAISAL] if adjusting else []
    for i in outside:  # a bonus or penalty outside the appraisal
        problems.append(
            Problem(
                file,
                "điểm thưởng/điểm trừ do người thẩm định nhập (giai đoạn appraisal), đơn vị không tự chấm"
                " (bảng của kết quả thẩm định: cột stage = appraisal, hoặc --stage appraisal)",
                codes[i],
                where[i],
            )
        )

    for i in np.flatnonzero(_repeated([columns["period"], columns["unit"], codes, stages]) & known):
        text = f"điểm của đơn vị '{columns['unit'][i]}' cho mã này bị nhập hai lần"
        problems.append(Problem(file, text, codes[i], where[i]))
    return known


def _repeated(columns: list[list[Any]]) -> np.ndarray:
    """Rows whose cells, column by column, an earlier row already holds (two empty cells are
    one): each column factorised, the row's codes folded into one number per row."""
    rows = np.zeros(len(columns[0]), dtype=np.int64)
    if len(rows) < 2:  # a form's one row repeats nothing: no table of it
        return rows.astype(bool)
    for column in columns:
        cells, distinct = pd.factorize(np.asarray(column, dtype=object))  # an empty cell: -1
        rows, _ = pd.factorize(rows * (len(distinct) + 1) + cells + 1)  # renumbered: never past the row count
    repeated = np.ones(len(rows), dtype=bool)
    repeated[np.unique(rows, return_index=True)[1]] = False
    return repeated


def _declared(value: Any) -> bool:
    """Something declared in a value cell: not empty, not blank text."""
    return not is_blank(value) and not _missing(value)


def _numbers(given: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Points as numbers (NaN: none given) and which cells hold something that is no number, as
    pandas' `to_numeric` reads them; plain numbers (a form's, a file's numeric column) read
    without a Series."""
    if not isinstance(given, pd.Series):
        if all(p is None or type(p) in (int, float) for p in given):
            return np.array([np.nan if p is None else p for p in given], dtype=float), np.zeros(len(given), dtype=bool)
        given = pd.Series(list(given), dtype=object)
    points = pd.to_numeric(given, errors="coerce").to_numpy(dtype=float, copy=True)
    return points, given.notna().to_numpy() & np.isnan(points)


def _points(
    columns: Mapping[str, list[Any]],
    given: Sequence[Any],
    cs: CriteriaSet,
    known: np.ndarray,
    where: _Where,
    file: str,
    problems: list[Problem],
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Each row's points, N/A flag and declared value in its canonical form: a declared value
    scored by its item's rule, points given directly checked against what the rule can give."""
    entries, codes, declared = cs.entries, columns["code"], columns["value"]
    points, bad_points = _numbers(given)
    has_value = np.array([v is not None and _declared(v) for v in declared], dtype=bool)
    na = np.array(columns["na"], dtype=bool)
    values = list(declared)

    for i in np.flatnonzero(has_value & known):
        node = entries[codes[i]]
        try:
            value = canonical(node.rule, declared[i], node.allow_na)
            if value is not NA:
                points[i] = node.rule.points(value, node.max_points)
        except RuleInputError as exc:
            problems.append(Problem(file, str(exc), node.code, where[i]))
            continue
        if value is NA:
            na[i], points[i] = True, np.nan
            value = NA_VALUE
        values[i] = value
    shown = given if isinstance(given, pd.Series) else None
    for i in np.flatnonzero(bad_points & ~has_value):
        typed = shown.iat[i] if shown is not None else given[i]
        problems.append(Problem(file, f"điểm phải là một số; đã nhập '{typed}'", codes[i], where[i]))

    for code, rows in _by_code(codes, np.flatnonzero(known & ~has_value & ~na & ~np.isnan(points))):
        node = entries[code]
        for i in _unreachable(node, points[rows], rows):
            try:
                node.rule.check_points(points[i], node.max_points)
            except RuleInputError as exc:
                problems.append(Problem(file, str(exc), code, where[i]))
    for i in np.flatnonzero(na & known):
        if not entries[codes[i]].allow_na:
            problems.append(Problem(file, "tiêu chí này không cho phép chọn Không áp dụng", codes[i], where[i]))
    return points, na, values


def _by_code(codes: list[Any], rows: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """`rows` grouped by their code, codes in sorted order (as the checks always said them)."""
    if not len(rows):
        return []
    groups, names = pd.factorize(np.asarray(codes, dtype=object)[rows])
    bounds = np.cumsum(np.bincount(groups, minlength=len(names)))[:-1]
    split = np.split(rows[np.argsort(groups, kind="stable")], bounds)
    return sorted(zip(names, split, strict=True), key=lambda pair: pair[0])


def _unreachable(node: Any, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows whose points this node's rule can never give (checked as arrays, per code)."""
    bad = (values < -1e-9) | (values > node.max_points + 1e-9)
    reach = node.rule.reachable(node.max_points)
    if reach is not None:
        near = np.abs(values[:, None] - np.asarray(reach, dtype=float)[None, :]) <= 1e-6
        bad |= ~near.any(axis=1)
    return rows[bad]
