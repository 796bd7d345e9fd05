"""The DataFrames behind the charts and the report of a period, and the facts a decision cites.

Read from the store once, computed with the engine; charts and notebooks only compose these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cchc_widgets.core import engine, whatif
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.numbers import format_number
from cchc_widgets.report.published import UNAPPRAISED, own_totals, published_ranking, published_scoring
from cchc_widgets.services.access import record_line
from cchc_widgets.services.results import blocks_of, one_block
from cchc_widgets.services.results import resolved as stored_resolved
from cchc_widgets.store.database import Store


@dataclass(frozen=True)
class PeriodView:
    period: str
    period_name: str
    cs: CriteriaSet
    names: dict[str, str]
    results: pd.DataFrame  # unit, name, points per domain, total, max, index, rank, class
    components: pd.DataFrame  # unit + each domain's index (%)
    criteria_pct: pd.DataFrame  # units × second-level criteria, % of applicable max (NaN when all N/A)
    self_appraised: pd.DataFrame  # unit, self, appraised totals, for units with an appraisal
    differences: pd.DataFrame  # every sub-criterion whose appraisal differs, with the reason
    record: str = ""  # frozen with a checksum, or still open to change (services.access.record_line)
    surveyed: frozenset[str] = frozenset()  # units with survey answers: the others have no survey points to print
    appraised: frozenset[str] = frozenset()  # units with an appraisal: the others are printed unranked (`published`)
    block: str = ""  # the block of units the view is of (so, huyen …; "" in a period of one set)
    label: str = ""  # the block as a page names it (`block_label`)

    def marked_names(self) -> dict[str, str]:
        """Names as printed beside results: «Sở Xây dựng (chưa thẩm định)» for a unit without
        an appraisal, so its self-assessed figures are never read as appraised."""
        return {u: f"{n} ({UNAPPRAISED.lower()})" if u not in self.appraised else n for u, n in self.names.items()}

    def judged(self) -> pd.DataFrame:
        """The results a distribution of published indices counts: the appraised units', or
        every unit's while none is appraised yet (their self-assessments, marked elsewhere)."""
        return self.results[self.results["unit"].isin(self.appraised)] if self.appraised else self.results

    @property
    def unappraised(self) -> list[str]:
        """Units printed with their self-assessment, no rank and no class, in the results' order."""
        return [u for u in self.results["unit"] if u not in self.appraised]

    @property
    def domains(self) -> dict[str, str]:
        return {c: self.cs[c].name for c in self.cs.top_codes}


def block_views(store: Store, period: str) -> list[PeriodView]:
    """A view of each block of the period's units, in the decision's order (one in a period of
    one set): each block is reported on its own set, as an annex of its own."""
    resolved = stored_resolved(store, period)
    return [period_view(store, period, resolved, b.block) for b in blocks_of(store, period)]


def period_view(store: Store, period: str, resolved: pd.DataFrame | None = None, block: str | None = None) -> PeriodView:
    """Everything a report needs about a period's block (the first when not named: a period of
    one set has one), `resolved`: the period's stored scores, if read already."""
    chosen, resolved = one_block(store, period, block, resolved)
    cs = chosen.cs
    periods = store.periods().set_index("id")
    names = store.unit_names(period)
    scored, results, appraised = published_scoring(resolved, cs, chosen.ranking)
    results = results.drop(columns="period")
    results = results.sort_values(["rank", "unit"]).reset_index(drop=True)
    results.insert(1, "name", results["unit"].map(names))
    components = scored.component_index().drop(columns="period")
    level2 = scored.nodes[scored.nodes["level"] == min(2, cs.depth)]
    criteria_pct = level2.pivot(index="unit", columns="code", values="index").loc[
        results["unit"], list(dict.fromkeys(level2["code"]))
    ]
    own = own_totals(resolved, cs)
    appraised_units = resolved.loc[resolved["stage"] == "appraisal", "unit"].unique()
    # compare like with like: the self-assessment has no survey, bonus or penalty points
    final = results.set_index("unit")["subtotal" if "subtotal" in results.columns else "total"]
    if "survey" in results.columns:
        final = final - results.set_index("unit")["survey"]
    self_appraised = pd.DataFrame(
        {
            "unit": appraised_units,
            "self": own.reindex(appraised_units).to_numpy(),
            "appraised": final.reindex(appraised_units).to_numpy(),
        }
    )
    diff = engine.differences(resolved)
    return PeriodView(
        period,
        str(periods.loc[period, "name"]),
        cs,
        names,
        results,
        components,
        criteria_pct,
        self_appraised,
        diff[diff["changed"]].reset_index(drop=True),
        record_line(store, period),
        frozenset(resolved.loc[resolved["stage"] == engine.SURVEY, "unit"]),
        appraised,
        chosen.block,
        chosen.label,
    )


def previous_period(store: Store, period: str) -> str | None:
    ids = list(store.periods()["id"])
    i = ids.index(period)
    return ids[i - 1] if i > 0 else None


def movers(view: PeriodView, before: PeriodView) -> pd.DataFrame:
    """Units in both periods: rank and index before and now, rank change (positive = up).

    A rank change compares like with like: when the periods rank different sets of units (19
    appraised one year, 12 the next), 15th of 19 and 7th of 12 say nothing about a move, so the
    change is counted on the ranks among the units ranked in both periods (`common_before`,
    `common_now`), and `attrs["among"]` says how many they are (None when the sets are the same).
    """
    a = before.results.set_index("unit")[["rank", "index"]]
    b = view.results.set_index("unit")[["rank", "index"]]
    both = a.merge(b, left_index=True, right_index=True, suffixes=("_before", "_now"))
    ranked = both["rank_before"].notna() & both["rank_now"].notna()
    both["common_before"] = both["rank_before"].where(ranked).rank(method="min").astype("Int64")
    both["common_now"] = both["rank_now"].where(ranked).rank(method="min").astype("Int64")
    both["rank_gain"] = (both["common_before"] - both["common_now"]).astype("Int64")
    both["index_change"] = both["index_now"] - both["index_before"]
    both.insert(0, "name", both.index.map(view.names))
    out = both.sort_values(["rank_gain", "index_change"], ascending=False).reset_index()
    same = int(ranked.sum()) == before.results["rank"].notna().sum() == view.results["rank"].notna().sum()
    out.attrs["among"] = None if same else int(ranked.sum())
    return out


def _pct(x: float, decimals: int) -> str:
    return format_number(x, decimals, fixed=True) + " %"


def facts(view: PeriodView, before: PeriodView | None = None, top: int = 3) -> list[str]:
    """Plain sentences for the report and the decision: leaders, domains, movers, appraisal cuts.
    Every figure with the set's decimals, trailing zeros kept (-10,50 điểm, 83,335 %), as the
    tables beside them print it: a sentence never reads otherwise than its table."""
    places = view.cs.decimals
    res = view.results.dropna(subset=["rank"])
    out = []
    if res.empty:
        return [f"Chưa có đơn vị nào được thẩm định trong {view.period_name}: chưa xếp hạng, chưa xếp loại."]
    first, last = res.iloc[0], res.iloc[-1]
    out.append(
        f"Dẫn đầu {view.period_name}: {first['name']} (chỉ số {_pct(first['index'], places)}, xếp loại {first['class'] or '—'}); "
        f"thấp nhất: {last['name']} ({_pct(last['index'], places)})."
    )
    leaders = res["name"].head(top)  # as many as are ranked, when fewer: «2 đơn vị đứng đầu», not «3 …» naming two
    out.append(f"{len(leaders)} đơn vị đứng đầu: {', '.join(leaders)}.")
    counts = res["class"].fillna("chưa xếp loại").value_counts()
    order = [c.label for c in view.cs.classes] + ["chưa xếp loại"]
    out.append("Xếp loại: " + ", ".join(f"{int(counts[c])} {c}" for c in order if c in counts) + f" (trên {len(res)} đơn vị).")
    waiting = view.unappraised
    if waiting and not view.appraised:
        out.append("Chưa đơn vị nào được thẩm định: hạng theo điểm tự đánh giá, chưa xếp loại.")
    elif waiting:
        listed = ", ".join(view.names.get(u, u) for u in waiting)
        out.append(
            f"{len(waiting)} đơn vị {UNAPPRAISED.lower()} ({listed}): in điểm tự đánh giá, không xếp hạng, không xếp loại."
        )
    means = view.components[list(view.domains)].mean()
    strong, weak = means.idxmax(), means.idxmin()
    out.append(
        f"Lĩnh vực mạnh nhất: {strong}. {view.domains[strong]} (chỉ số trung bình {_pct(means[strong], places)}); "
        f"yếu nhất: {weak}. {view.domains[weak]} ({_pct(means[weak], places)})."
    )
    moved = movers(view, before) if before is not None else None
    moves = moved.dropna(subset=["rank_gain"]) if moved is not None else None  # ranked in both
    if before is not None and len(moves):
        among = moved.attrs["among"]
        within = f" trong {among} đơn vị được xếp hạng cả hai năm" if among else ""
        up, down = moves.iloc[0], moves.iloc[-1]
        if up["rank_gain"] > 0:
            out.append(
                f"Tăng hạng nhiều nhất so với {before.period_name}: {up['name']} "
                f"(+{int(up['rank_gain'])} bậc, hạng{within} {int(up['common_before'])} → {int(up['common_now'])})."
            )
        if down["rank_gain"] < 0:
            out.append(
                f"Giảm hạng nhiều nhất: {down['name']} ({int(down['rank_gain'])} bậc, "
                f"hạng{within} {int(down['common_before'])} → {int(down['common_now'])})."
            )
    if len(view.self_appraised):
        cut = (view.self_appraised["appraised"] - view.self_appraised["self"]).to_numpy()
        order_idx = np.argsort(cut)[:top]
        parts = [
            f"{view.names.get(view.self_appraised['unit'].iloc[i], '')} ({format_number(cut[i], places, fixed=True)} điểm)"
            for i in order_idx
            if cut[i] < 0
        ]
        if parts:
            out.append("Điểm thẩm định thấp hơn tự đánh giá nhiều nhất: " + "; ".join(parts) + ".")
    return out


def scenario_comparisons(
    store: Store,
    period: str,
    limit: int = 3,
    resolved: pd.DataFrame | None = None,
    block: str | None = None,
    published: tuple[engine.Scored, frozenset[str]] | None = None,
) -> list[tuple[whatif.Scenario, whatif.Comparison]]:
    """Scenarios marked for the report applied to this period's block (the first when not
    named; those its criteria set can take and not made for another block: a districts'
    scenario weighting domain 1 would fit the departments' codes too); drafts are left out.
    `published`: the block's published scoring and its appraised units (`published_scoring`),
    when the caller has scored them already — the results workbook has, for its own sheets."""
    chosen, resolved = one_block(store, period, block, resolved)
    cs = chosen.cs
    if published is None:
        scored, _, done = published_scoring(resolved, cs, chosen.ranking)
        published = scored, done
    base, done = published
    ranking = published_ranking(chosen.ranking, done)
    out = []
    for name in store.scenarios(for_report=True)["name"]:
        scenario = store.scenario(name)
        if scenario.block and chosen.block and scenario.block != chosen.block:
            continue
        try:
            out.append((scenario, whatif.compare(base, whatif.run(resolved, cs, scenario, ranking))))
        except ProblemsError:
            continue  # written for another criteria set
        if len(out) == limit:
            break
    return out
