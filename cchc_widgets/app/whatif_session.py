"""A methodology designer's what-if session over one period: the logic behind the what-if app.

Weights are multipliers keyed by code (1 = the criteria set's own max). Every change
rebuilds the comparison with the baseline and a quick rank-uncertainty run around the
current weights; saving keeps every parameter in the store.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cchc_widgets.core import engine, sensitivity, whatif
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.text import clean_text
from cchc_widgets.report.published import appraised_units, as_published, published_ranking
from cchc_widgets.services.access import Actor
from cchc_widgets.services.results import blocks_of, one_block
from cchc_widgets.services.writes import Writer
from cchc_widgets.store.database import Store

LIVE_SAMPLES = 4000  # uncertainty samples per slider move: ~10 ms for 19 units


class WhatIfSession:
    """One block of one period's units at a time (`block`: so, huyen …; the first when not
    named): weights are a set's, and two sets' units are never ranked together."""

    def __init__(self, store: Store, period: str | None = None, actor: Actor | None = None, block: str | None = None) -> None:
        self.actor = actor  # who saves scenarios (the administrator, when people sign in)
        periods = list(store.periods()["id"])
        if not periods:
            raise ProblemsError([Problem(store.where, "kho dữ liệu chưa có kỳ đánh giá nào")])
        if period is not None and period not in periods:
            raise ProblemsError([Problem(store.where, f"không có kỳ '{period}' (có: {', '.join(periods)})")])
        self.store, self.period = store, period or periods[-1]
        chosen, self.resolved = one_block(store, self.period, block)
        # the units not appraised unranked and marked «Chưa thẩm định», as the ranking publishes them
        self.appraised = appraised_units(self.resolved)
        self.block, self.cs, self.ranking = chosen.block, chosen.cs, published_ranking(chosen.ranking, self.appraised)
        self.blocks = {b.block: b.label for b in blocks_of(store, self.period)}  # the page's choice when several
        self.base = as_published(engine.aggregate(self.resolved, self.cs, units=self.ranking), self.appraised)
        self.base_max = whatif.apply(self.cs, whatif.Scenario("")).node_max  # a domain's max includes its survey items
        self.names = store.unit_names(self.period)
        self.weights: dict[str, float] = {}
        self.rules: dict[str, Any] = {}
        self.scenario_name = ""
        self.description = ""
        self.author = ""
        self.samples = LIVE_SAMPLES

    def nodes(self, parent: str | None = None) -> list[dict[str, Any]]:
        """The nodes a designer can weigh: domains, or the children of one node (on demand),
        followed by the survey items added to it."""
        codes = self.cs.top_codes if parent is None else self.cs[parent].children
        out = [{"code": c, "name": self.cs[c].name, "max": self.base_max[c], "leaf": self.cs[c].is_leaf} for c in codes]
        items = self.cs.survey.items if self.cs.survey is not None and parent is not None else ()
        out += [
            {"code": i.code, "name": f"Khảo sát: {i.name}", "max": self.base_max[i.code], "leaf": True}
            for i in items
            if i.domain == parent
        ]
        return out

    def scenario(self, name: str = "", description: str = "", author: str = "") -> whatif.Scenario:
        weights = {c: w for c, w in self.weights.items() if abs(w - 1) > 1e-12}
        return whatif.Scenario(
            name or self.scenario_name or "kịch bản",
            description,
            author,
            weights=weights,
            rules=dict(self.rules),
            block=self.block,  # whose set it weighs: `cchc scenarios list` says it
        )

    def set_weights(self, weights: dict[str, float]) -> None:
        for code, value in weights.items():
            if code not in self.cs.nodes and code not in self.cs.survey_codes:
                raise ProblemsError([Problem("trọng số", f"mã '{code}' không có trong bộ tiêu chí", code)])
            if not np.isfinite(value) or value < 0:
                raise ProblemsError([Problem("trọng số", f"trọng số phải là số không âm; đang là {value}", code)])
        self.weights = {**self.weights, **{c: float(v) for c, v in weights.items()}}

    def equal_weights(self) -> None:
        """Every domain the same max (total ÷ number of domains); lower levels as in the set."""
        share = sum(self.base_max[c] for c in self.cs.top_codes) / len(self.cs.top_codes)
        self.weights = {c: share / self.base_max[c] for c in self.cs.top_codes}

    def reset(self) -> None:
        self.weights, self.rules = {}, {}
        self.scenario_name = self.description = self.author = ""

    def result(self) -> tuple[dict[str, Any], whatif.Comparison]:
        """What the page shows (comparison rows, correlations, class changes, new maxima and
        rank uncertainty), and the comparison itself."""
        sc = self.scenario()
        applied = whatif.apply(self.cs, sc)  # the new maxima the page shows (well under a millisecond)
        alt = as_published(whatif.run(self.resolved, self.cs, sc, self.ranking), self.appraised)  # as `cchc whatif` scores it
        cmp = whatif.compare(self.base, alt)
        unc = sensitivity.uncertainty(alt, self.cs, samples=self.samples, noise=0.25, seed=0).set_index("unit")
        rows = []
        for rec in cmp.table.itertuples():
            u = unc.loc[rec.unit] if rec.unit in unc.index else None  # a unit not ranked has no rank to vary
            rows.append(
                {
                    "unit": rec.unit,
                    "name": self.names.get(rec.unit, rec.unit),
                    "total_base": rec.total_base,
                    "index_base": _num(rec.index_base),
                    "rank_base": _int(rec.rank_base),
                    "class_base": rec.class_base,
                    "total_alt": rec.total_alt,
                    "index_alt": _num(rec.index_alt),
                    "rank_alt": _int(rec.rank_alt),
                    "class_alt": rec.class_alt,
                    "delta": _int(rec.delta_rank),
                    "median": None if u is None else int(u["median_rank"]),
                    "q05": None if u is None else int(u["q05"]),
                    "q95": None if u is None else int(u["q95"]),
                    "shift": None if u is None else float(u["mean_abs_shift"]),
                }
            )
        return {
            "rows": rows,
            "spearman": _num(cmp.spearman),
            "kendall": _num(cmp.kendall),
            "class_changes": cmp.class_changes,
            "node_max": {c: applied.node_max[c] for c in self.cs.nodes if not self.cs[c].is_leaf or self.cs[c].parent is None},
            "total_max": float(applied.leaf_scale @ np.array(self.cs.scored_max)),
            "weights": dict(self.weights),
            "rules": sorted(self.rules),
            "samples": self.samples,
        }, cmp

    def save(self, name: str, description: str, author: str, replace: bool = False) -> None:
        name = clean_text(name or "")
        if not name:  # the name a person typed: never a default one
            raise ProblemsError([Problem("kịch bản", "đặt tên cho kịch bản trước khi lưu")])
        author = self.actor.author if self.actor is not None else clean_text(author or "")
        Writer(self.store, self.actor).save_scenario(self.scenario(name, clean_text(description or ""), author), replace)
        self.scenario_name, self.description, self.author = name, clean_text(description or ""), author

    def delete(self, name: str) -> None:
        """Delete a saved scenario (the administrator's, when people sign in: `Writer` decides)."""
        Writer(self.store, self.actor).delete_scenario(name)

    def mark(self, name: str, for_report: bool) -> None:
        """Put a saved scenario in the report, or back among the drafts."""
        Writer(self.store, self.actor).mark_scenario(name, for_report)

    def load(self, name: str) -> None:
        sc = self.store.scenario(name)
        whatif.apply(self.cs, sc)  # refuse a scenario this period's criteria set cannot take
        weights = dict(sc.weights)
        for code, new_max in sc.max_points.items():
            weights[code] = new_max / self.base_max[code]
        self.weights, self.rules = weights, dict(sc.rules)
        self.scenario_name, self.description, self.author = sc.name, sc.description, sc.author

    def export_yaml(self) -> bytes:
        return self.scenario(self.scenario_name, self.description, self.author).to_yaml().encode("utf-8")


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def _int(x: Any) -> int | None:
    try:
        return None if x is None or np.isnan(float(x)) else int(x)
    except TypeError:
        return None
