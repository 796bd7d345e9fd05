"""Which units a published result ranks: those the Sở Nội vụ has appraised.

The province publishes appraised results (par-methodology.md, the yearly workflow: units
score themselves, an appraisal team re-scores every sub-criterion, then the province
publishes totals, indices, ranks and classes). A unit whose appraisal has not been entered
has only its own claim: printing it with a rank and a class would present a self-assessment
as the province's verdict. So every printed result (report, results workbook) keeps such a
unit in its tables with its self-assessed points, marked «Chưa thẩm định», and gives it no
class; a ranking compares like with like, so while some units are appraised the others take
no rank and no place from them, and a period where no unit is appraised yet is ranked on
the self-assessments alone, every row marked.
"""

from __future__ import annotations

import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.vocabulary import APPRAISAL, SELF
from cchc_widgets.services.results import by_block, each_block
from cchc_widgets.store.database import Store

UNAPPRAISED = "Chưa thẩm định"
UNAPPRAISED_KEY = (
    "«Chưa thẩm định»: đơn vị chưa được thẩm định, điểm in là điểm tự đánh giá của đơn vị; "
    "không xếp hạng, không xếp loại cho đến khi có kết quả thẩm định."
)
NONE_APPRAISED_KEY = (
    "«Chưa thẩm định»: chưa đơn vị nào được thẩm định, điểm in là điểm tự đánh giá; hạng là hạng theo "
    "điểm tự đánh giá, chưa xếp loại cho đến khi có kết quả thẩm định."
)


def unappraised_key(units: set[str] | frozenset[str], appraised: frozenset[str]) -> str:
    """What «Chưa thẩm định» in a table means: nothing when every unit is appraised."""
    if not set(units) - appraised:
        return ""
    return UNAPPRAISED_KEY if appraised else NONE_APPRAISED_KEY


def appraised_units(resolved: pd.DataFrame) -> frozenset[str]:
    """Units whose appraisal covers every item they scored themselves, in the period's resolved
    frame: an appraisal under way (2 of 70 items re-scored) leaves the unit's own points standing
    for the other 68, which is not yet the province's verdict."""
    codes = resolved.groupby(["unit", "stage"])["code"].agg(frozenset).to_dict()
    return frozenset(
        unit
        for unit in resolved["unit"].unique()
        if codes.get((unit, APPRAISAL)) and codes.get((unit, SELF), frozenset()) <= codes[(unit, APPRAISAL)]
    )


def own_scoring(scores: pd.DataFrame, cs: CriteriaSet) -> engine.Scored:
    """Every unit scored on its own self-assessment alone (no survey, bonus or penalty points:
    those come with the appraisal): the claim printed beside the appraisal, node by node."""
    return engine.aggregate(scores[scores["stage"] == SELF], cs)


def own_totals(scores: pd.DataFrame, cs: CriteriaSet) -> pd.Series:
    """Each unit's total on its own self-assessment (`own_scoring`), indexed by unit."""
    return own_scoring(scores, cs).results.set_index("unit")["total"]


def published_ranking(units: pd.DataFrame, done: frozenset[str]) -> pd.DataFrame:
    """The engine's `units` (unit, group, ranked) with every unit not appraised (`done`:
    `appraised_units`) left out of the ranking (scored, not ranked), once any unit is appraised."""
    if not done:
        return units  # nobody appraised yet: the self-assessments ranked among themselves, marked
    return units.assign(ranked=units["ranked"].astype(bool) & units["unit"].isin(done))


def without_verdict(results: pd.DataFrame, done: frozenset[str]) -> pd.DataFrame:
    """The engine's results with no class for a unit not appraised (its rank is already empty
    when it was scored with `published_ranking`)."""
    out = results.copy()
    out["class"] = out["class"].astype(object).where(out["unit"].isin(done), None)
    return out


def published_scoring(
    scores: pd.DataFrame, cs: CriteriaSet, ranking: pd.DataFrame
) -> tuple[engine.Scored, pd.DataFrame, frozenset[str]]:
    """A period scored as the province publishes it: the engine's scoring with the ranking of
    appraised units only, its results without a class for the others, and the units appraised
    (found once) — what the report, the workbook and `cchc ranking` all print."""
    done = appraised_units(scores)
    scored = engine.aggregate(scores, cs, units=published_ranking(ranking, done))
    return scored, without_verdict(scored.results, done), done


def published_results(store: Store, period: str) -> tuple[pd.DataFrame, frozenset[str]]:
    """A period's published results (`published_scoring`, each block on its own set and ranked
    within itself, a `block` column) from what is stored, and the units appraised."""
    parts, done = [], frozenset()
    for block, rows in each_block(store, period):
        _, results, appraised = published_scoring(rows, block.cs, block.ranking)
        parts.append((block, results))
        done |= appraised
    return by_block(parts), done


def as_published(scored: engine.Scored, done: frozenset[str]) -> engine.Scored:
    """A scoring (scored with `published_ranking`) with «Chưa thẩm định» where a unit not
    appraised would have its class, as `cchc ranking` prints it: what a what-if compares, so
    its baseline ranks and classes are the published ones and a scenario is read beside them."""
    results = scored.results.copy()
    results["class"] = results["class"].astype(object).where(results["unit"].isin(done), UNAPPRAISED)
    return engine.Scored(results=results, nodes=scored.nodes)
