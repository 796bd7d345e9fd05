"""A store built from DataFrames, for the widget kit in JupyterLab: an analyst hands a frame of
scores and a criteria set to `ScoringForm.from_frame` and gets a form without a database file.

The store is SQLite in memory (its evidence folder a scratch folder in the data directory,
removed with the store), and the frame enters it through the one write path, so a bad row is
refused with the same messages as an imported file and nothing of the frame is half-loaded.
Text in its `points` and `value` columns (what pandas leaves as text: `1,5`, `1.907` beside
`1.5`) is read as a file's numbers are (`numbers.decide_column`), without a separator to go
by: the item's maximum and the column's unambiguous numbers decide.
"""

from __future__ import annotations

import shutil
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError, RuleInputError
from cchc_widgets.core.numbers import AmbiguousNumber, decide_column, parse_decimal
from cchc_widgets.core.rules import is_blank, is_na
from cchc_widgets.core.text import clean_text
from cchc_widgets.services.permissions import SYSTEM
from cchc_widgets.services.writes import ReasonsMissing, Scope, Writer
from cchc_widgets.store.config import data_dir
from cchc_widgets.store.database import Store

FRAME = "<DataFrame>"  # how messages name the frame a person passed
PERIOD = "du-lieu"  # the period of a frame that names none
PERIOD_NAME = "Dữ liệu từ DataFrame"
AUTHOR = "Python"  # who wrote the frame's rows, unless the caller says


@dataclass(frozen=True)
class FrameStore:
    store: Store
    period: str
    units: tuple[str, ...]


def criteria_of(criteria: CriteriaSet | str | Path) -> CriteriaSet:
    return criteria if isinstance(criteria, CriteriaSet) else load_criteria(criteria)


def _period_of(scores: pd.DataFrame, period: str | None) -> tuple[str, pd.DataFrame]:
    named = sorted(scores["period"].dropna().astype(str).unique()) if "period" in scores.columns else []
    if period is None:
        if len(named) > 1:
            raise ProblemsError([Problem(FRAME, f"dữ liệu có {len(named)} kỳ ({', '.join(named)}): chọn một kỳ bằng period=…")])
        period = named[0] if named else PERIOD
    elif named and period not in named:
        raise ProblemsError([Problem(FRAME, f"dữ liệu không có kỳ '{period}' (có: {', '.join(named)})")])
    rows = scores[scores["period"].astype(str) == period] if named else scores
    return str(period), rows.drop(columns=[c for c in ("period",) if c in rows.columns])


def _placed(scores: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The frame with where each row is, for every refusal that names a row: its place in the
    frame as given (1 for the first, as a file's rows are counted) and its unit, by name where
    `names` knows it; a `_where` the caller already set is kept."""
    if "_where" in scores.columns:
        return scores
    units = [names.get(u, u) for u in scores["unit"].astype(str)]
    return scores.assign(_where=[f"dòng {i} (đơn vị {unit})" for i, unit in enumerate(units, start=1)])


def numbers_read(rows: pd.DataFrame, cs: CriteriaSet) -> pd.DataFrame:
    """The frame with the text of its `points` column read as numbers and the numbers of two
    readings in its `value` column decided (`numbers.decide_column`: the item's maximum, a
    count's whole number, the item's and the column's own numbers); refuses, naming row and
    column, what stays ambiguous or is no number."""
    out = rows.reset_index(drop=True).copy()
    codes = out["code"].astype(str).tolist()
    problems = []
    for column, what in (("points", "điểm"), ("value", "giá trị")):
        if column not in out.columns or pd.api.types.is_numeric_dtype(out[column]):
            continue  # numbers pandas read are numbers
        items = [cs.entries.get(c) for c in codes]
        maxima = [None if item is None else item.max_points for item in items] if column == "points" else None
        counts = [item is not None and item.rule.counts for item in items] if column == "value" else None
        cells, refused = decide_column(out[column].tolist(), what, maxima=maxima, counts=counts, items=codes)
        for i, message in refused.items():
            problems.append(Problem(FRAME, message, codes[i], f"dòng {i + 1}, cột '{column}'"))
        if column == "points":
            for i, cell in enumerate(cells):
                if i in refused or not isinstance(cell, str) or is_na(cell) or is_blank(cell):  # as before: the write path says
                    continue
                try:
                    cells[i] = parse_decimal(cell, what)
                except AmbiguousNumber:
                    continue
                except RuleInputError as exc:
                    problems.append(Problem(FRAME, str(exc), codes[i], f"dòng {i + 1}, cột '{column}'"))
        out[column] = pd.Series(cells, dtype=object)
    if problems:
        raise ProblemsError(problems)
    return out


def frame_store(
    scores: pd.DataFrame,
    criteria: CriteriaSet | str | Path,
    period: str | None = None,
    units: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    author: str = AUTHOR,
) -> FrameStore:
    """An in-memory store holding one period: the frame's units (named from `units`, columns
    id, name, when given), its scores in the engine's long form (unit, code, stage, value |
    points | na, note; a `period` column picks the period) and optional survey responses
    (unit, respondent, group, item, answer)."""
    cs = criteria_of(criteria)
    if "unit" not in scores.columns or "code" not in scores.columns:
        raise ProblemsError([Problem(FRAME, "bảng điểm cần các cột unit và code (dạng dài: đơn vị · mã · giai đoạn)")])
    names = dict(zip(units["id"].astype(str), units["name"].astype(str), strict=True)) if units is not None else {}
    period, rows = _period_of(_placed(scores, names), period)
    period = clean_text(period)  # as the store keeps it (the rows' units are cleaned by the write path)
    ids = list(dict.fromkeys(rows["unit"].astype(str)))
    if units is not None:
        ids += [u for u in units["id"].astype(str) if u not in ids]
    if not ids:
        raise ProblemsError([Problem(FRAME, "bảng điểm không có đơn vị nào")])
    scratch = data_dir() / "scratch" / uuid.uuid4().hex
    store = Store("sqlite://", evidence_dir=scratch)  # SQLite in memory: no database file
    weakref.finalize(store, shutil.rmtree, scratch, True)
    writer = Writer(store, SYSTEM)
    units = pd.DataFrame({"id": ids, "name": [names.get(u, u) for u in ids], "group": "", "ranked": True})
    writer.set_up_period(period, PERIOD_NAME if period == PERIOD else f"Kỳ {period}", cs, units)  # names cleaned as they enter
    if len(rows):
        try:
            writer.save_scores(Scope(period), numbers_read(rows, cs), author, "frame", file=FRAME)
        except ReasonsMissing as exc:  # an analyst's frame may lack every reason: said once, then row by row
            head = f"{len(exc.problems)} dòng có điểm cần lý do mà cột note chưa ghi lý do; từng dòng như sau"
            raise ProblemsError([Problem(FRAME, head), *exc.problems]) from None
    if survey is not None and len(survey):
        _, answers = _period_of(survey, period)
        writer.save_survey(period, answers, author, source=FRAME)
    return FrameStore(store, period, tuple(ids))
