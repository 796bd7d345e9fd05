"""Survey responses (điều tra xã hội học) → survey points per unit: the maths only.

A response file (`files.survey_files`) has one row per respondent × item: the unit the respondent judged, the
respondent's id (the form number), their group (leaders of HĐND/MTTQ, of other departments,
of districts…), the item code and the answer (A–D). Each item's points are its max × the
mean share of the answers given for the unit, with the answer weights of the period's
criteria set (default A 100 % · B 60 % · C 20 % · D 0 %). Every respondent counts once —
unless the set weighs its respondent groups (`survey.groups`): then the share is the
weighted mean of each group's mean share, over the groups that answered.
"""

from __future__ import annotations

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.vocabulary import SURVEY


def item_points(responses: pd.DataFrame, cs: CriteriaSet) -> pd.DataFrame:
    """Per period · unit · item: respondents, mean share (%) and points = max × share / 100."""
    columns = ["period", "unit", "code", "respondents", "share", "points"]
    if cs.survey is None or responses.empty:
        return pd.DataFrame(columns=columns)
    item_max = {i.code: i.max_points for i in cs.survey.items}
    frame = _with_share(responses, cs)
    keys = ["period", "unit", "item"]
    out = frame.groupby(keys, sort=True).agg(respondents=("respondent", "nunique"), share=("share", "mean"))
    if cs.survey.groups:
        weight = {g.id: g.weight for g in cs.survey.groups}
        by_group = frame.groupby([*keys, "group"], sort=True)["share"].mean().reset_index()
        by_group["w"] = by_group["group"].map(lambda g: weight[cs.survey.group_of(g).id])
        by_group["ws"] = by_group["w"] * by_group["share"]
        sums = by_group.groupby(keys, sort=True)[["ws", "w"]].sum()
        out["share"] = sums["ws"] / sums["w"]
    out = out.reset_index().rename(columns={"item": "code"})
    out["points"] = out["code"].map(item_max) * out["share"] / 100.0
    return out[columns]


def group_shares(responses: pd.DataFrame, cs: CriteriaSet) -> pd.DataFrame:
    """Mean share (%) per unit · item (index) and respondent group (columns): how groups differ."""
    if cs.survey is None or responses.empty:
        return pd.DataFrame()
    frame = _with_share(responses, cs)
    return frame.pivot_table(index=["unit", "item"], columns="group", values="share", aggfunc="mean", sort=True)


def _with_share(responses: pd.DataFrame, cs: CriteriaSet) -> pd.DataFrame:
    weights = {a.upper(): w for a, w in cs.survey.answers.items()}
    return responses.assign(share=responses["answer"].str.upper().map(weights))


def with_survey(resolved: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """A resolved frame with survey points (`item_points`) added as stage `survey` rows."""
    if points.empty:
        return resolved
    extra = points[["period", "unit", "code", "points"]].assign(stage=SURVEY, value=None, na=False, note="")
    return pd.concat([resolved, extra], ignore_index=True)
