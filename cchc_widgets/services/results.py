"""A period's results from what is stored: the one place that turns stored rows into the
engine's resolved frame (survey points included) and scores it with the period's own set."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.survey import item_points, with_survey
from cchc_widgets.files.unit_tables import ranking
from cchc_widgets.store.database import Store

if TYPE_CHECKING:
    from cchc_widgets.core.whatif import Comparison


def survey_points(store: Store, period: str, unit: str | None = None) -> pd.DataFrame:
    """Survey points per unit · item (`survey.item_points`) from the stored responses."""
    return item_points(store.survey_responses(period, unit), store.criteria_for(period))


def resolved(store: Store, period: str, unit: str | None = None) -> pd.DataFrame:
    """The period's scored rows (points or N/A) as the engine's resolved frame, with the
    survey points (stage `survey`, one row per unit · item) when there are responses.

    Every stored score was checked against this period's criteria set when it was saved
    (`services.writes`), so it is not re-scored here; note-only rows are left out.
    """
    return with_survey(engine.scored_rows(store.scores(period=period, unit=unit)), survey_points(store, period, unit))


def ranking_of(store: Store, period: str) -> pd.DataFrame:
    """How the period's units are ranked: unit, group, ranked (the engine's `units`)."""
    return ranking(store.units(period))


def score_period(store: Store, period: str) -> engine.Scored:
    """The engine's results for a period, from what is stored, with its own criteria set
    and its units' ranking groups."""
    return engine.aggregate(resolved(store, period), store.criteria_for(period), units=ranking_of(store, period))


def under_other_set(store: Store, period: str, other: CriteriaSet) -> Comparison:
    """The period as published beside the same declarations scored with `other`, a layout
    of the same tree (survey inside the 100 instead of on top, other maxima or rules): the
    declared values rescored by its rules (`whatif.carried`), the stored survey answers
    turned into its survey points, the same ranking groups."""
    from cchc_widgets.core import whatif  # SciPy: not for the scoring page, which imports this module

    cs = store.criteria_for(period)
    ranking = ranking_of(store, period)
    base = engine.aggregate(resolved(store, period), cs, units=ranking)
    scores = whatif.carried(engine.scored_rows(store.scores(period=period)), cs, other)
    answers = store.survey_responses(period)
    if other.survey is not None and len(answers):
        answers = answers[answers["item"].isin(other.survey_codes)]
        unknown = sorted({g for g in answers["group"] if other.survey.groups and other.survey.group_of(g) is None})
        if unknown:
            raise ProblemsError(
                [Problem(f"bộ tiêu chí {other.id}", f"phiếu khảo sát có nhóm bộ này không cân: {', '.join(unknown)}")]
            )
    rescored = engine.resolve(scores, other, f"điểm kỳ {period} theo bộ {other.id}")
    alt = engine.aggregate(with_survey(rescored, item_points(answers, other)), other, units=ranking)
    return whatif.compare(base, alt)
