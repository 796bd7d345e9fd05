"""The criteria set as data: an immutable tree of codes, names, maxima and leaf rules, with
the bonus and penalty items, class bands and survey beside it (`CriteriaSet`).

What every layer reads of a set lives here; how a set is read and checked lives in
`criteria_build` (documents) and `criteria_flat` (tables), both behind `core.criteria`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cchc_widgets.core.numbers import format_number, show_number
from cchc_widgets.core.rules import FREE_POINTS, Rule, stored_answer
from cchc_widgets.core.vocabulary import HEADINGS, NOT_APPLICABLE

DEFAULT_SURVEY_ANSWERS = {"A": 100.0, "B": 60.0, "C": 20.0, "D": 0.0}
DEFAULT_DECIMALS = 2  # published figures when the set has no `rounding`
DEFAULT_NA_LABEL = "KAD"  # không áp dụng, as provincial tables write it


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    max_points: float
    parent: str | None
    level: int
    children: tuple[str, ...] = ()
    rule: Rule = FREE_POINTS
    has_rule: bool = False
    evidence: str = ""
    allow_na: bool = False
    kind: str = ""  # "" for the tree; "bonus" or "penalty" for an adjustment entered as a row
    # the unit may submit with this item unscored or without its evidence (`submit_incomplete: true`)
    submit_incomplete: bool = False

    @property
    def is_leaf(self) -> bool:
        return not self.children


ADJUSTMENT_KINDS = {kind: HEADINGS[kind] for kind in ("bonus", "penalty")}
ADJUSTMENT_HOW = {
    "bonus": "Điểm thưởng do người thẩm định nhập: cộng từ 0 đến {cap} điểm vào tổng, ghi lý do",
    "penalty": "Điểm trừ do người thẩm định nhập: số điểm bị trừ khỏi tổng, từ 0 đến {cap}, ghi lý do",
}


def how_to_score(node: Node) -> str:
    """What the form and the template say about entering a row: its rule, or for a bonus or
    penalty item who enters it and what the number means."""
    if node.kind:
        return ADJUSTMENT_HOW[node.kind].format(cap=show_number(node.max_points))
    return node.rule.describe(node.max_points)


def declared_text(node: Node, stored: Any, points: float | None, na: bool) -> tuple[Any, str]:
    """What a stored score declared, as a person reads it, beside the rule's canonical value
    (None when the rule does not read it): the form and the appraisal template say the same."""
    if na:
        return None, NOT_APPLICABLE
    value = stored_answer(node.rule, stored, node.allow_na)
    if value is not None:
        return value, node.rule.show(value)
    if points is not None:  # points given directly (a score table)
        return None, format_number(points, 4)
    return None, "" if stored is None else str(stored)


@dataclass(frozen=True)
class Adjustment:
    """A bonus or penalty item outside the tree (điểm thưởng, điểm trừ): the appraiser enters
    0 to `max_points` with a reason; a bonus adds them to the total, a penalty subtracts them.
    `in_denominator`: the cap is part of the max the index divides by (default: not)."""

    code: str
    name: str
    kind: str
    max_points: float
    in_denominator: bool = False

    @property
    def sign(self) -> float:
        return 1.0 if self.kind == "bonus" else -1.0

    def node(self) -> Node:
        """The item as a row to enter: points from 0 to the cap, typed as a number."""
        return Node(self.code, self.name, self.max_points, None, 0, kind=self.kind)


@dataclass(frozen=True)
class ClassBand:
    label: str
    min: float


@dataclass(frozen=True)
class SurveyItem:
    code: str
    name: str
    max_points: float
    domain: str | None = None


@dataclass(frozen=True)
class SurveyGroup:
    id: str
    name: str
    weight: float


@dataclass(frozen=True)
class Survey:
    answers: Mapping[str, float]
    items: tuple[SurveyItem, ...]
    within_total: bool = False  # each item's max is part of its domain's max (inside the 100)
    without_answers: str = "rescale"  # an unanswered item: out of the max ("rescale") or 0 points ("zero")
    groups: tuple[SurveyGroup, ...] = ()  # weighted respondent groups (empty: every respondent counts once)

    def group_of(self, label: str) -> SurveyGroup | None:
        """The declared group a response names, by id or by name."""
        wanted = label.strip().casefold()
        return next((g for g in self.groups if wanted in (g.id.casefold(), g.name.casefold())), None)


@dataclass(frozen=True)
class CriteriaSet:
    """A validated criteria set. Nodes are kept in document (pre-)order."""

    id: str
    name: str
    version: str
    nodes: Mapping[str, Node]
    classes: tuple[ClassBand, ...] = ()
    survey: Survey | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    adjustments: tuple[Adjustment, ...] = ()

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __getitem__(self, code: str) -> Node:
        return self.nodes[code]

    @cached_property
    def top_codes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self if n.parent is None)

    @cached_property
    def leaf_codes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self if n.is_leaf)

    @cached_property
    def survey_codes(self) -> tuple[str, ...]:
        return survey_codes_of(self.survey)

    @cached_property
    def adjustment_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.adjustments)

    @cached_property
    def entries(self) -> Mapping[str, Node]:
        """What a person enters points for, by code: the leaves, then the bonus and penalty
        items (as nodes outside the tree, `kind` set)."""
        out = {code: self.nodes[code] for code in self.leaf_codes}
        out.update((a.code, a.node()) for a in self.adjustments)
        return out

    @cached_property
    def adjustment_max(self) -> float:
        """What bonus and penalty items add to the max: the caps of those `in_denominator`."""
        return sum(a.max_points for a in self.adjustments if a.in_denominator)

    @property
    def index_cap(self) -> float | None:
        """The highest index (%) a unit reaches with bonus points (`index_cap`, default 100;
        None: no cap)."""
        return self.meta.get("index_cap", 100.0)

    @cached_property
    def scored_codes(self) -> tuple[str, ...]:
        """What the engine gives points to: the leaves, then the survey items (outside the tree)."""
        return self.leaf_codes + self.survey_codes

    @cached_property
    def scored_max(self) -> tuple[float, ...]:
        """Max points of each of `scored_codes`, in that order."""
        items = self.survey.items if self.survey is not None else ()
        return tuple(self.nodes[c].max_points for c in self.leaf_codes) + tuple(i.max_points for i in items)

    @cached_property
    def depth(self) -> int:
        return max(n.level for n in self)

    @property
    def max_points(self) -> float:
        """The set's whole: its domains (with the survey inside them when the survey is inside
        the total, plus items inside it that name no domain)."""
        loose = 0.0
        if self.survey is not None and self.survey.within_total:
            loose = sum(i.max_points for i in self.survey.items if i.domain is None)
        return sum(self.nodes[c].max_points for c in self.top_codes) + loose

    @property
    def decimals(self) -> int:
        """Decimal places of published figures (`rounding: {decimals: 3}`); two when the set
        does not say, as provinces publish (92,50 and 51,00: a figure's places never depend on
        its value, so columns line up and a reader never wonders whether 92,5 was cut)."""
        rounding = self.meta.get("rounding")
        return DEFAULT_DECIMALS if not rounding else int(rounding["decimals"])

    @property
    def na_label(self) -> str:
        """The word published for an item that does not apply to a unit (`na_label`, default
        «KAD», không áp dụng): written where its points would be, never 0, which would read as
        an item scored nothing."""
        return str(self.meta.get("na_label") or DEFAULT_NA_LABEL)

    @property
    def rank_on_rounded(self) -> bool:
        """Ranks and classes from the index as published (rounded), not the exact one."""
        rounding = self.meta.get("rounding")
        return bool(rounding) and rounding.get("rank_on") == "rounded"

    @property
    def overall_rank(self) -> bool:
        """Whether a rank across ranking groups is published beside each group's ranks
        (`overall_rank: true`); without it, a set ranked in groups prints group ranks only."""
        return bool(self.meta.get("overall_rank", False))

    @property
    def explain_missing_evidence(self) -> bool:
        """The set's rule that a self-assessed point on an item expecting evidence needs a file
        or an explanation (`explain_missing_evidence: true` in the set)."""
        return bool(self.meta.get("explain_missing_evidence", False))

    def ancestors(self, code: str) -> list[str]:
        """Codes above `code`, nearest first."""
        out = []
        parent = self.nodes[code].parent
        while parent is not None:
            out.append(parent)
            parent = self.nodes[parent].parent
        return out

    def top_of(self, code: str) -> str:
        chain = [code, *self.ancestors(code)]
        return chain[-1]

    def to_dict(self) -> dict[str, Any]:
        """The nested document form; `load_dict(cs.to_dict())` gives back an equal set."""

        def node_dict(node: Node) -> dict[str, Any]:
            out: dict[str, Any] = {"code": node.code, "name": node.name, "max_points": node.max_points}
            if node.children:
                out["children"] = [node_dict(self.nodes[c]) for c in node.children]
            else:
                if node.has_rule:
                    out["rule"] = node.rule.to_dict()
                if node.evidence:
                    out["evidence"] = node.evidence
                if node.allow_na:
                    out["allow_na"] = True
                if node.submit_incomplete:
                    out["submit_incomplete"] = True
            return out

        doc: dict[str, Any] = {"id": self.id, "name": self.name, "version": self.version}
        doc.update(self.meta)
        if self.classes:
            doc["classes"] = [{"label": c.label, "min": c.min} for c in self.classes]
        if self.survey is not None:
            survey = self.survey
            doc["survey"] = {"answers": dict(survey.answers)}
            if survey.within_total:
                doc["survey"]["within_total"] = True
            if survey.without_answers != "rescale":
                doc["survey"]["without_answers"] = survey.without_answers
            if survey.groups:
                doc["survey"]["groups"] = [vars(g).copy() for g in survey.groups]
            doc["survey"]["items"] = [{k: v for k, v in vars(item).items() if v is not None} for item in survey.items]
        if self.adjustments:
            doc["adjustments"] = [{k: v for k, v in vars(a).items() if k != "in_denominator" or v} for a in self.adjustments]
        doc["criteria"] = [node_dict(self.nodes[c]) for c in self.top_codes]
        return doc

    @cached_property
    def document(self) -> str:
        """`to_dict` as JSON text, keys sorted: what a store keeps of the set and what its
        checksum is taken of (written once per set: a notebook's frames share one)."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    @cached_property
    def checksum(self) -> str:
        return hashlib.sha256(self.document.encode("utf-8")).hexdigest()


def survey_codes_of(survey: Survey | None) -> tuple[str, ...]:
    return tuple(i.code for i in survey.items) if survey is not None else ()
