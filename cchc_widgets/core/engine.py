"""The scoring engine: pure pandas/numpy from a long frame of scores to results.

Input is long (period · unit · code · stage with points, a declared value or N/A), so the
same functions serve the CLI, the store, the widgets and the what-ifs. Aggregation is one
matrix product (leaf points × a leaf→node membership matrix), which is what keeps a
thousand units fast. The rules' reading of each row (`resolve`) lives in `core.resolution`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cchc_widgets.core.criteria import ClassBand, CriteriaSet
from cchc_widgets.core.numbers import half_up
from cchc_widgets.core.resolution import KEY, resolve
from cchc_widgets.core.text import says_something
from cchc_widgets.core.vocabulary import APPRAISAL, STAGES, SURVEY

TOTAL = "total"
Columns = pd.DataFrame | Mapping[str, Sequence[Any]]  # resolved rows: a frame, or plain columns of the same names


def scored_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """Stored rows that carry a score (points or N/A), as the engine's resolved frame: they were
    checked against the period's criteria set when saved, so they are aggregated as they are."""
    return scores[scores["points"].notna() | scores["na"]].reset_index(drop=True)


def final_scores(resolved: pd.DataFrame) -> pd.DataFrame:
    """One row per period·unit·code: the appraisal where there is one, else the self-assessment."""
    order = resolved["stage"].map({s: i for i, s in enumerate(STAGES)})
    ranked = resolved.assign(_order=order).sort_values("_order", kind="stable")
    last = ranked.drop_duplicates(subset=[*KEY, "code"], keep="last")
    return last.drop(columns="_order").sort_index().reset_index(drop=True)


def membership(cs: CriteriaSet) -> tuple[list[str], np.ndarray]:
    """Codes of all nodes (then the survey items) and the scored-code × node 0/1 matrix: a leaf
    belongs to itself and its ancestors; a survey item to itself, its domain and the domain's ancestors."""
    codes = [*cs.nodes, *cs.survey_codes]
    col = {c: j for j, c in enumerate(codes)}
    matrix = np.zeros((len(cs.scored_codes), len(codes)))
    for i, leaf in enumerate(cs.leaf_codes):
        for code in (leaf, *cs.ancestors(leaf)):
            matrix[i, col[code]] = 1.0
    for i, item in enumerate(cs.survey.items if cs.survey is not None else (), start=len(cs.leaf_codes)):
        for code in (item.code, *((item.domain, *cs.ancestors(item.domain)) if item.domain else ())):
            matrix[i, col[code]] = 1.0
    return codes, matrix


def key_rows(resolved: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The (period, unit) keys in order of first appearance, and each row's key number.

    Factorised column by column and then as one integer per pair: no index of tuples, which
    is what a one-unit form pays on every edit and a thousand units pay once.
    """
    period_codes, periods = pd.factorize(resolved["period"])
    unit_codes, units = pd.factorize(resolved["unit"])
    width = max(len(units), 1)
    at, pairs = pd.factorize(period_codes.astype(np.int64) * width + unit_codes)
    keys = pd.DataFrame(
        {"period": np.asarray(periods, dtype=object)[pairs // width], "unit": np.asarray(units, dtype=object)[pairs % width]}
    )
    return keys, at


def leaf_matrices(resolved: Columns, cs: CriteriaSet, at: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """The final points and N/A matrices (keys × `cs.scored_codes`); `at`: each row's key
    number (`key_rows`).

    Stages are written in order, so an appraisal overwrites the self-assessment of the same
    cell: the "final score" rule as array assignment. Unscored leaves are 0 and applicable; a
    survey item without responses for a unit is left out of its max (the survey is optional:
    without it the unit is indexed on the appraised points alone), or counted as 0 when the
    set says `without_answers: zero`.
    """
    cols = pd.Index(cs.scored_codes).get_indexer(resolved["code"])
    kept = cols >= 0  # bonus and penalty items sit outside the tree: `adjustment_points`
    rows, cols = at[kept], cols[kept]
    values = np.nan_to_num(np.asarray(resolved["points"], dtype=float)[kept])
    flags = np.asarray(resolved["na"], dtype=bool)[kept]
    stages = np.asarray(resolved["stage"], dtype=object)[kept]
    points = np.zeros((n_keys, len(cs.scored_codes)))
    na = np.zeros_like(points, dtype=bool)
    if cs.survey is not None and cs.survey.without_answers == "rescale":
        na[:, len(cs.leaf_codes) :] = True  # "zero": an unanswered item counts as 0 of its max
    for stage in (*STAGES, SURVEY):
        pick = stages == stage
        points[rows[pick], cols[pick]] = values[pick]
        na[rows[pick], cols[pick]] = flags[pick]
    return points, na


def adjustment_points(resolved: Columns, cs: CriteriaSet, at: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Bonus and penalty points per key (both ≥ 0; the penalty is what is subtracted). Only
    the appraisal enters them (`resolve` refuses them at any other stage)."""
    bonus, penalty = np.zeros(n_keys), np.zeros(n_keys)
    if not cs.adjustments:
        return bonus, penalty
    codes = np.asarray(resolved["code"], dtype=object)
    bonuses = [a.code for a in cs.adjustments if a.kind == "bonus"]
    penalties = [a.code for a in cs.adjustments if a.kind != "bonus"]
    appraised = np.asarray(resolved["stage"], dtype=object) == APPRAISAL
    points = np.nan_to_num(np.asarray(resolved["points"], dtype=float))
    for total, kind in ((bonus, bonuses), (penalty, penalties)):
        pick = appraised & np.isin(codes, kind)
        np.add.at(total, at[pick], points[pick])
    return bonus, penalty


def adjusted(total: np.ndarray, whole: np.ndarray, net: np.ndarray, cs: CriteriaSet) -> tuple[np.ndarray, np.ndarray]:
    """Total and max once bonus minus penalty points (`net`) count: never below 0, the
    in-denominator caps added to the max. One rule for the results and the rank-uncertainty
    samples (any shape that broadcasts)."""
    return np.maximum(total + net, 0.0), whole + cs.adjustment_max


def capped(index: np.ndarray, cs: CriteriaSet) -> np.ndarray:
    """The index as far as the set's `index_cap` allows."""
    return index if cs.index_cap is None else np.minimum(index, cs.index_cap)


def rank_desc(values: pd.Series, groups: pd.Series | None = None) -> pd.Series:
    """High to low; ties share the best rank (1, 2, 2, 4). Float noise below 1e-9 is a tie.

    One value (a form's header aggregates its own unit on every edit) is first of its group, or
    unranked without an index: said without pandas' group-by, which cost that edit a fifth of its
    scoring."""
    if len(values) == 1 and (groups is None or pd.notna(groups.iat[0])):
        return pd.Series([pd.NA if pd.isna(values.iat[0]) else 1], index=values.index, dtype="Int64")
    cleared = pd.Series(half_up(values), index=values.index)
    ranked = (
        cleared.groupby(groups).rank(method="min", ascending=False)
        if groups is not None
        else cleared.rank(method="min", ascending=False)
    )
    return ranked.astype("Int64")


def classify(index: pd.Series, bands: tuple[ClassBand, ...]) -> pd.Series:
    """The class label of each index (%); none below the lowest band or without an index."""
    return pd.Series(class_labels(index.to_numpy(dtype=float), bands), index=index.index, dtype=object)


def class_labels(index: np.ndarray, bands: tuple[ClassBand, ...]) -> list[str | None]:
    """`classify` over an array: what a form's header asks for its one unit, without a Series."""
    if not bands:
        return [None] * len(index)
    ordered = sorted(bands, key=lambda b: b.min)
    values = half_up(index)
    pos = np.searchsorted(np.array([b.min for b in ordered]), values, side="right") - 1
    return [ordered[p].label if p >= 0 and not np.isnan(v) else None for p, v in zip(pos, values, strict=True)]


def ranked_on(index: np.ndarray, cs: CriteriaSet) -> np.ndarray:
    """The index that ranks and classes: rounded to the set's decimals when it says so, half up
    as the province publishes it (`half_up`: 85,175 is 85,18, ahead of an 85,17)."""
    return half_up(index, cs.decimals) if cs.rank_on_rounded else index


@dataclass(frozen=True)
class Sums:
    """The arithmetic of `aggregate` (keys × nodes: `codes`, the nodes then the survey items) before any
    frame is built: what a form's header reads for its one unit on every edit, and `aggregate` lays out."""

    codes: list[str]
    points: np.ndarray  # keys × `cs.scored_codes`: the final leaf (and survey item) points
    node_points: np.ndarray
    node_max: np.ndarray
    total: np.ndarray  # with bonus and penalty points, never below 0
    whole: np.ndarray  # the applicable max
    index: np.ndarray  # capped at the set's `index_cap`
    subtotal: np.ndarray  # before bonus and penalty points
    bonus: np.ndarray
    penalty: np.ndarray


def sums(resolved: Columns, cs: CriteriaSet, at: np.ndarray, n_keys: int, leaf_scale: np.ndarray | None = None) -> Sums:
    """Every node's points and applicable max, totals and indices of `n_keys` keys from resolved
    rows (a frame, or plain columns: code, stage, points, na; `at`: each row's key number)."""
    codes, member = membership(cs)
    points, na = leaf_matrices(resolved, cs, at, n_keys)
    leaf_max = np.array(cs.scored_max)
    if leaf_scale is not None:
        points = points * leaf_scale[None, :]
        leaf_max = leaf_max * leaf_scale
    applicable = np.where(na, 0.0, leaf_max[None, :])
    subtotal, whole = points.sum(axis=1), applicable.sum(axis=1)
    bonus, penalty = adjustment_points(resolved, cs, at, n_keys)
    total, whole = adjusted(subtotal, whole, bonus - penalty, cs) if cs.adjustments else (subtotal, whole)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(whole > 0, 100.0 * total / whole, np.nan)
    return Sums(codes, points, points @ member, applicable @ member, total, whole, capped(index, cs), subtotal, bonus, penalty)


@dataclass(frozen=True)
class Scored:
    """Results of one scoring run. `results`: one row per period·unit (points per top-level
    node, NaN where none of it applies, as its index; survey points when the set has a survey,
    total, applicable max, index %, rank, class); `nodes`: every node of every unit (points,
    applicable max, index %), survey items at level 0 (they sit outside the tree)."""

    results: pd.DataFrame
    nodes: pd.DataFrame

    def component_index(self) -> pd.DataFrame:
        """Each top-level node's index (%) per period·unit, one column per code."""
        top = self.nodes[self.nodes["level"] == 1]
        wide = top.pivot_table(index=KEY, columns="code", values="index", sort=False, dropna=False)
        return wide.reset_index().rename_axis(columns=None)


def ranking_columns(results: pd.DataFrame, index: pd.Series, units: pd.DataFrame | None) -> None:
    """`rank` (high to low over the ranked units of each period) and, given `units` (unit,
    group, ranked), `group` and `group_rank` (within the group). An unranked unit is scored
    and classed but gets no rank and takes none from the others."""
    if units is None:
        results["rank"] = rank_desc(index, results["period"])
        return
    info = units.set_index("unit")
    results["group"] = results["unit"].map(info["group"]).fillna("").astype(str)
    ranked = ~results["unit"].isin(info.index[~info["ranked"].astype(bool)])  # a unit not listed (a stranger) is ranked
    kept = index.where(ranked)
    results["rank"] = rank_desc(kept, results["period"])
    results["group_rank"] = rank_desc(kept, results["period"] + "\x1f" + results["group"])


def with_unscored(results: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nobody disappears: `results` with a row for every listed unit (`units`: unit, group,
    ranked) that has no scores in a period of the results — no figures, no rank, no class —
    and those units (period, unit, group, ranked). A total left empty is how a table knows
    the unit was never scored (a scored unit always has one, 0 or more)."""
    periods = results["period"].unique() if len(results) else np.array([""], dtype=object)
    have = set(zip(results["period"], results["unit"], strict=True))
    listed = units[["unit", "group", "ranked"]].itertuples(index=False)
    missing = pd.DataFrame(
        [(p, u, g, bool(r)) for p in periods for u, g, r in listed if (p, u) not in have],
        columns=["period", "unit", "group", "ranked"],
    )
    if missing.empty:
        return results, missing
    added = missing[["period", "unit", "group"] if "group" in results.columns else ["period", "unit"]]
    out = pd.concat([results, added.astype(object)], ignore_index=True)
    for column in ("rank", "group_rank"):
        if column in out.columns:
            out[column] = out[column].astype("Int64")
    return out, missing


def has_groups(results: pd.DataFrame) -> bool:
    """Whether a period's units are ranked in more than one group (tables then show the group
    and the rank within it)."""
    return "group" in results.columns and results["group"].nunique() > 1


def aggregate(
    resolved: pd.DataFrame, cs: CriteriaSet, leaf_scale: np.ndarray | None = None, units: pd.DataFrame | None = None
) -> Scored:
    """Points of every node, totals, indices, ranks and classes from resolved leaf scores
    (any stages; the final score of each cell is taken as `final_scores` describes).

    `leaf_scale` (one factor per scored code, in `cs.scored_codes` order) rescales each one's
    points and max together: how a what-if scenario gives a node a new max. Survey points
    (stage `SURVEY`) count in their domain and in the total. Bonus and penalty items (the
    appraisal's, `adjustment_points`) add to and subtract from the total, never below 0; an
    item `in_denominator` adds its cap to the max; the index stops at the set's `index_cap`.
    `units` (unit, group, ranked) ranks within groups and leaves unranked units out
    (`ranking_columns`).
    """
    key_frame, at = key_rows(resolved)
    got = sums(resolved, cs, at, len(key_frame), leaf_scale)
    with np.errstate(invalid="ignore", divide="ignore"):
        node_index = np.where(got.node_max > 0, 100.0 * got.node_points / got.node_max, np.nan)

    # the results are built whole, one frame from its columns (adding them one by one to a frame
    # cost a one-unit form most of its scoring time)
    columns: dict[str, Any] = {"period": key_frame["period"], "unit": key_frame["unit"]}
    applied = np.where(got.node_max > 0, got.node_points, np.nan)  # as the node's index: none where nothing of it applies
    for code in cs.top_codes:
        columns[code] = applied[:, got.codes.index(code)]
    if cs.survey is not None:
        columns["survey"] = got.points[:, len(cs.leaf_codes) :].sum(axis=1)
    if cs.adjustments:
        columns["subtotal"], columns["bonus"], columns["penalty"] = got.subtotal, got.bonus, got.penalty
    columns["total"], columns["max"], columns["index"] = got.total, got.whole, got.index
    results = pd.DataFrame(columns)
    ranked = pd.Series(ranked_on(got.index, cs), index=results.index)
    ranking_columns(results, ranked, units)
    results["class"] = classify(ranked, cs.classes)

    n_keys, n_nodes = got.node_points.shape
    nodes = pd.DataFrame(
        {
            "period": np.repeat(key_frame["period"].to_numpy(), n_nodes),
            "unit": np.repeat(key_frame["unit"].to_numpy(), n_nodes),
            "code": np.tile(got.codes, n_keys),
            "level": np.tile([cs[c].level if c in cs.nodes else 0 for c in got.codes], n_keys),
            "points": got.node_points.ravel(),
            "max": got.node_max.ravel(),
            "index": node_index.ravel(),
        }
    )
    return Scored(results=results, nodes=nodes)


def score(scores: pd.DataFrame, cs: CriteriaSet, file: str = "<dữ liệu>") -> Scored:
    """Everything from a long frame of scores: resolve, then aggregate (final stage per cell)."""
    return aggregate(resolve(scores, cs, file), cs)


def differences(resolved: pd.DataFrame) -> pd.DataFrame:
    """Self-assessment beside appraisal for every leaf that has both; `diff` = appraisal − self.
    `unreasoned`: they differ and the appraisal's reason says nothing — what a self-assessment
    changed after an agreeing appraisal leaves (a period without stages allows it)."""
    cols = [*KEY, "code", "points", "na", "value", "note"]
    own = resolved.loc[resolved["stage"] == "self", cols]
    appraised = resolved.loc[resolved["stage"] == "appraisal", cols]
    both = own.merge(appraised, on=[*KEY, "code"], suffixes=("_self", "_appraisal"))
    both = both.rename(columns={"note_appraisal": "reason", "note_self": "self_note"})
    both["diff"] = both["points_appraisal"].fillna(0) - both["points_self"].fillna(0)
    both["changed"] = (both["diff"].abs() > 1e-9) | (both["na_self"] != both["na_appraisal"])
    both["unreasoned"] = both["changed"] & ~both["reason"].map(says_something).astype(bool)
    return both[
        [
            *KEY,
            "code",
            "value_self",
            "points_self",
            "na_self",
            "self_note",
            "value_appraisal",
            "points_appraisal",
            "na_appraisal",
            "diff",
            "changed",
            "unreasoned",
            "reason",
        ]
    ]
