"""What-if scenarios: give any node a new max (or a weight multiplier), or a leaf a new rule,
keyed by criteria code — never by position — and compare the results with the baseline.

A unit's points on a node scale with the node's new max; a changed rule rescores units from
what they declared. Changes apply from the deepest level up, so a domain's new max is its
final max even when some of its criteria were changed too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet, rule_schema_problems
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import parse_decimal, show_number
from cchc_widgets.core.rules import NA, RuleInputError, is_blank, rule_from_dict, score_declared
from cchc_widgets.core.text import clean_text


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    author: str = ""
    max_points: Mapping[str, float] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    rules: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    block: str = ""  # the block of units whose set it was checked against (so, huyen …): "" when one set

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "description": self.description, "author": self.author}
        if self.block:  # a scenario of one set's period reads as before
            out["block"] = self.block
        for key in ("max_points", "weights"):  # plain floats (a numpy float is not YAML)
            if getattr(self, key):
                out[key] = {str(k): float(v) for k, v in getattr(self, key).items()}
        if self.rules:
            out["rules"] = {str(k): v for k, v in self.rules.items()}
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)


def scenario_from_dict(doc: Any, file: str = "<kịch bản>") -> Scenario:
    """A scenario from its document form; raises `ProblemsError` naming every bad entry."""
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise ProblemsError([Problem(file, "kịch bản phải là một mục có các trường (name, weights …)")])
    known = {"name", "description", "author", "block", "max_points", "weights", "rules"}
    for key in sorted(set(doc) - known):
        problems.append(Problem(file, f"trường không được biết: '{key}' (dùng {', '.join(sorted(known))})"))
    name = clean_text(str(doc.get("name") or ""))
    if not name:
        problems.append(Problem(file, "kịch bản cần tên ('name')"))
    numbers: dict[str, dict[str, float]] = {}
    for key in ("max_points", "weights"):
        numbers[key] = {}
        section = doc.get(key) or {}
        if not isinstance(section, dict):
            problems.append(Problem(file, f"'{key}' phải là danh sách mã: giá trị"))
            continue
        for code, value in section.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(Problem(file, f"{key}: giá trị phải là một số; đang là {value!r}", str(code)))
            else:
                numbers[key][str(code)] = float(value)
    rules = doc.get("rules") or {}
    if not isinstance(rules, dict):
        problems.append(Problem(file, "'rules' phải là danh sách mã: quy tắc"))
        rules = {}
    if problems:
        raise ProblemsError(problems)
    return Scenario(
        name=name,
        description=clean_text(str(doc.get("description") or "")),
        author=clean_text(str(doc.get("author") or "")),
        max_points=numbers["max_points"],
        weights=numbers["weights"],
        rules={str(k): v for k, v in rules.items()},
        block=clean_text(str(doc.get("block") or "")),
    )


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    if not path.exists():
        raise ProblemsError([Problem(str(path), "không tìm thấy tệp")])
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProblemsError([Problem(str(path), f"tệp YAML không đọc được: {exc}")]) from None
    return scenario_from_dict(doc, str(path))


@dataclass(frozen=True)
class Applied:
    """A scenario applied to a criteria set: each leaf's scale factor and every node's new max."""

    leaf_scale: np.ndarray
    node_max: dict[str, float]
    rules: dict[str, Any]


def apply(cs: CriteriaSet, sc: Scenario, file: str = "<kịch bản>") -> Applied:
    """Check the scenario against `cs` (every problem at once) and work out the new maxima."""
    problems = _code_problems(cs, sc, file)
    rules = _new_rules(cs, sc, file, problems)
    if problems:
        raise ProblemsError(problems)
    scale, node_max = _new_maxima(cs, sc, file, problems)
    if problems:
        raise ProblemsError(problems)
    return Applied(scale, node_max, rules)


def _code_problems(cs: CriteriaSet, sc: Scenario, file: str) -> list[Problem]:
    """Codes the set does not have, a code given both a max and a weight, a max not over 0, a weight below 0."""
    problems: list[Problem] = []
    for key in ("max_points", "weights", "rules"):
        known = cs.nodes if key == "rules" else {*cs.nodes, *cs.survey_codes}  # a survey item can be weighed too
        for code in getattr(sc, key):
            if code not in known:
                problems.append(Problem(file, f"{key}: mã '{code}' không có trong bộ tiêu chí '{cs.id}'", code))
    for code in set(sc.max_points) & set(sc.weights):
        problems.append(Problem(file, "dùng 'max_points' hoặc 'weights' cho một mã, không dùng cả hai", code))
    for code, value in sc.max_points.items():
        if value <= 0:
            problems.append(Problem(file, f"điểm tối đa mới phải lớn hơn 0; đang là {show_number(value)}", code))
    for code, value in sc.weights.items():
        if value < 0:
            problems.append(Problem(file, f"trọng số không được âm; đang là {show_number(value)}", code))
    return problems


def _new_rules(cs: CriteriaSet, sc: Scenario, file: str, problems: list[Problem]) -> dict[str, Any]:
    """The scenario's rules by leaf code, each checked against the schema and its leaf's max."""
    rules = {}
    for code, rule in sc.rules.items():
        if code not in cs.nodes:
            continue
        if not cs[code].is_leaf:
            problems.append(Problem(file, "chỉ đổi quy tắc của mục lá", code))
            continue
        errors = rule_schema_problems(rule)
        problems += [Problem(file, "quy tắc: " + text, code) for text in errors]
        if not errors:
            rules[code] = rule_from_dict(rule)
            problems += [Problem(file, text, code) for text in rules[code].problems(cs[code].max_points)]
    return rules


def _new_maxima(cs: CriteriaSet, sc: Scenario, file: str, problems: list[Problem]) -> tuple[np.ndarray, dict[str, float]]:
    """Each leaf's scale factor and every node's new max, the deepest changes first."""
    codes, member = engine.membership(cs)
    leaf_max = np.array(cs.scored_max)
    scale = np.ones(len(cs.scored_codes))
    changes = {**{c: ("max", v) for c, v in sc.max_points.items()}, **{c: ("weight", v) for c, v in sc.weights.items()}}
    for code in sorted(changes, key=lambda c: -(cs[c].level if c in cs.nodes else cs.depth + 1)):  # survey items first
        under = member[:, codes.index(code)] > 0
        current = float((leaf_max * scale)[under].sum())
        kind, value = changes[code]
        target = value if kind == "max" else value * current
        if current == 0 and target > 0:
            problems.append(Problem(file, "mục này đã về 0 điểm do các mục con có trọng số 0; không thể đặt lại điểm", code))
            continue
        if current > 0:
            scale[under] *= target / current
    node_max = dict(zip(codes, (leaf_max * scale) @ member, strict=True))
    if sum(node_max[c] for c in cs.top_codes) <= 0:
        problems.append(Problem(file, "tổng trọng số bằng 0: không còn mục nào được tính điểm"))
    return scale, node_max


def rescore(resolved: pd.DataFrame, cs: CriteriaSet, applied: Applied) -> pd.DataFrame:
    """Leaf scores with changed rules applied to what each unit declared."""
    if not applied.rules:
        return resolved
    frame = resolved.copy()
    problems = []
    for i in np.flatnonzero(frame["code"].isin(list(applied.rules)).to_numpy()):
        rec = frame.iloc[i]
        if rec["na"]:
            continue
        node = cs[rec["code"]]
        if is_blank(rec["value"]):
            text = f"đơn vị '{rec['unit']}' chỉ có điểm, không có giá trị kê khai để chấm lại theo quy tắc mới"
            problems.append(Problem("kịch bản", text, node.code))
            continue
        try:
            points = score_declared(applied.rules[node.code], rec["value"], node.max_points, node.allow_na)
        except RuleInputError as exc:
            problems.append(Problem("kịch bản", f"đơn vị '{rec['unit']}': {exc}", node.code))
            continue
        frame.iat[i, frame.columns.get_loc("points")] = np.nan if points is NA else points
    if problems:
        raise ProblemsError(problems)
    return frame


def carried(scores: pd.DataFrame, old: CriteriaSet, new: CriteriaSet) -> pd.DataFrame:
    """Scores made under `old` as `new` reads them: another criteria set with the same codes
    (an edited draft, another layout of the same tree). A declared level, answer, percentage
    or count is scored by the new rule; points — given directly, or declared under a manual
    rule — keep their share of the max (double a criterion's max, its points double).
    Bonus and penalty items keep their share of the cap. Codes `new` does not have are left
    out; survey rows are left to be recomputed."""
    kept = scores[scores["code"].astype(str).isin(new.entries)].copy()
    codes = kept["code"].astype(str)
    factor = codes.map(lambda c: new.entries[c].max_points / old.entries[c].max_points if c in old.entries else 1.0).to_numpy()
    if "points" in kept.columns:
        kept["points"] = pd.to_numeric(kept["points"], errors="coerce") * factor
    if "value" in kept.columns:
        manual = codes.map(lambda c: new.entries[c].rule.kind == "manual").to_numpy()
        kept["value"] = [_scaled_points(v, f) if m else v for v, f, m in zip(kept["value"], factor, manual, strict=True)]
    return kept


def _scaled_points(value: Any, factor: float) -> Any:
    """Points declared under a manual rule, times `factor`; anything else (blank, N/A) as is."""
    if factor == 1.0 or is_blank(value):
        return value
    try:
        return parse_decimal(value, "điểm") * factor
    except RuleInputError:
        return value


def run(resolved: pd.DataFrame, cs: CriteriaSet, sc: Scenario, units: pd.DataFrame | None = None) -> engine.Scored:
    """Score resolved leaf scores under a scenario (`units`: ranking groups, as the engine)."""
    applied = apply(cs, sc)
    return engine.aggregate(rescore(resolved, cs, applied), cs, leaf_scale=applied.leaf_scale, units=units)


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame  # per unit: baseline and scenario total, index, rank, class; delta_rank
    spearman: float
    kendall: float
    class_changes: int

    def ranks(self, names: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The comparison as a designer reads it, largest moves first: unit, name, rank,
        new_rank, delta_rank, index, new_index, class, new_class."""
        t = self.table
        names = names or {}
        return pd.DataFrame(
            {
                "unit": t["unit"],
                "name": t["unit"].map(lambda u: names.get(u, u)),
                "rank": t["rank_base"],
                "new_rank": t["rank_alt"],
                "delta_rank": t["delta_rank"],
                "index": t["index_base"],
                "new_index": t["index_alt"],
                "class": t["class_base"],
                "new_class": t["class_alt"],
            }
        )


def compare(base: engine.Scored, alt: engine.Scored) -> Comparison:
    """Baseline beside scenario, one row per unit, sorted by |Δrank| (largest moves first)."""
    cols = ["period", "unit", "total", "index", "rank", "class"]
    table = base.results[cols].merge(alt.results[cols], on=["period", "unit"], suffixes=("_base", "_alt"))
    table["delta_rank"] = (table["rank_alt"] - table["rank_base"]).astype("Int64")
    table["class_changed"] = table["class_base"].fillna("") != table["class_alt"].fillna("")
    table = table.iloc[np.lexsort((table["rank_alt"].to_numpy(), -table["delta_rank"].abs().to_numpy(dtype=float)))]
    ok = table["rank_base"].notna() & table["rank_alt"].notna()
    a, b = table.loc[ok, "rank_base"].astype(float), table.loc[ok, "rank_alt"].astype(float)
    if ok.sum() > 1 and a.nunique() > 1 and b.nunique() > 1:
        rho, tau = rank_correlations(a.to_numpy(), b.to_numpy())
    else:
        rho = tau = 1.0 if a.equals(b) else float("nan")
    return Comparison(table.reset_index(drop=True), rho, tau, int(table["class_changed"].sum()))


def rank_correlations(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Spearman's ρ (Pearson's r of the average ranks) and Kendall's τ-b (ties in either
    ranking leave a pair out of that side's count) of two rankings: what `scipy.stats`'
    spearmanr and kendalltau give (a test holds them to it), without the 60 MB and the second
    that importing scipy.stats costs every what-if kernel. All pairs at once: fine for the
    hundreds of units a province ranks."""
    ra, rb = pd.Series(a).rank().to_numpy(), pd.Series(b).rank().to_numpy()
    rho = float(np.corrcoef(ra, rb)[0, 1])
    da, db = np.sign(a[:, None] - a[None, :]), np.sign(b[:, None] - b[None, :])
    tau = float((da * db).sum() / np.sqrt((da * da).sum() * (db * db).sum()))
    return rho, tau
