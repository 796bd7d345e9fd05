"""A criteria set built from nodes as read: the semantic checks every form of a set goes
through (codes, parents, maxima against their children, rules against their max, the survey,
bonus and penalty items, classes), every problem listed at once; and the nested document form
(`load_dict`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cchc_widgets.core.criteria_model import (
    DEFAULT_SURVEY_ANSWERS,
    Adjustment,
    ClassBand,
    CriteriaSet,
    Node,
    Survey,
    SurveyGroup,
    SurveyItem,
    survey_codes_of,
)
from cchc_widgets.core.criteria_schema import schema_problems
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import show_number
from cchc_widgets.core.rules import FREE_POINTS, rule_from_dict
from cchc_widgets.core.text import each_text, plain


@dataclass
class RawNode:
    """A node as read, before checks: where it came from is kept for messages."""

    code: str
    name: str
    max_points: float
    parent: str | None
    rule: dict[str, Any] | None = None
    evidence: str = ""
    allow_na: bool = False
    submit_incomplete: bool = False
    where: str | None = None


def _flatten(nodes: list[dict[str, Any]], parent: str | None, out: list[RawNode]) -> None:
    for item in nodes:
        out.append(
            RawNode(
                code=item["code"],
                name=item["name"],
                max_points=float(item["max_points"]),
                parent=parent,
                rule=item.get("rule"),
                evidence=item.get("evidence", ""),
                allow_na=bool(item.get("allow_na", False)),
                submit_incomplete=bool(item.get("submit_incomplete", False)),
            )
        )
        _flatten(item.get("children", []), item["code"], out)


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def build_set(raws: list[RawNode], meta: dict[str, Any], file: str) -> CriteriaSet:
    """Semantic checks over raw nodes, then the immutable set; raises with every problem.

    Each check is a step that adds what it finds and goes on, so that one reading names every
    problem of the file, in the order of the file's parts (tree, survey, bonus and penalty
    items, maxima, total, classes)."""
    problems: list[Problem] = []

    def add(message: str, code: str | None = None, where: str | None = None) -> None:
        problems.append(Problem(file, message, code, where))

    by_code, children = _tree(raws, add)
    survey = _survey(meta.pop("survey", None), by_code, add)
    adjustments = _adjustments(meta.pop("adjustments", None) or (), set(by_code) | set(survey_codes_of(survey)), add)
    # inside the 100, a survey item's max is part of its node's max (and of the total)
    inside: dict[str | None, float] = {}
    if survey is not None and survey.within_total:
        for item in survey.items:
            inside[item.domain] = inside.get(item.domain, 0.0) + item.max_points
    levels = _levels(by_code, add)
    _check_maxima(by_code, children, inside, add)
    _check_total(meta.get("total_points"), by_code, inside, add)
    classes = _classes(meta.pop("classes", []) or [], add)
    if problems:
        raise ProblemsError(problems)

    nodes = {
        raw.code: Node(
            code=raw.code,
            name=raw.name,
            max_points=raw.max_points,
            parent=raw.parent,
            level=levels[raw.code],
            children=tuple(children[raw.code]),
            rule=rule_from_dict(raw.rule) if not children[raw.code] else FREE_POINTS,
            has_rule=bool(raw.rule) and not children[raw.code],
            evidence=raw.evidence,
            allow_na=raw.allow_na,
            submit_incomplete=raw.submit_incomplete and not children[raw.code],
        )
        for raw in _preorder(by_code, children)
    }
    return CriteriaSet(
        id=str(meta.pop("id")),
        name=str(meta.pop("name")),
        version=str(meta.pop("version")),
        nodes=nodes,
        classes=classes,
        survey=survey,
        meta=meta,
        adjustments=adjustments,
    )


Add = Callable[..., None]  # build_set's `add(message, code=None, where=None)`


def _tree(raws: list[RawNode], add: Add) -> tuple[dict[str, RawNode], dict[str, list[str]]]:
    """Nodes by code (the first of a repeated code) and each node's children, in file order."""
    by_code: dict[str, RawNode] = {}
    for raw in raws:
        if raw.code in by_code:
            add("mã bị trùng: mã này đã dùng cho một mục khác", raw.code, raw.where)
        else:
            by_code[raw.code] = raw
    children: dict[str, list[str]] = {code: [] for code in by_code}
    for raw in by_code.values():
        if raw.parent is None:
            continue
        if raw.parent not in by_code:
            add(f"mục cha '{raw.parent}' không có trong bộ tiêu chí", raw.code, raw.where)
        else:
            children[raw.parent].append(raw.code)
    return by_code, children


def _survey(doc: dict[str, Any] | None, by_code: dict[str, RawNode], add: Add) -> Survey | None:
    """The survey part: its codes apart from the tree's, its domains in the tree, its groups once each."""
    if not doc:
        return None
    answers = {str(k): float(v) for k, v in (doc.get("answers") or DEFAULT_SURVEY_ANSWERS).items()}
    items = tuple(SurveyItem(str(i["code"]), str(i["name"]), float(i["max_points"]), i.get("domain")) for i in doc["items"])
    seen: set[str] = set()
    for item in items:
        if item.code in by_code or item.code in seen:
            add("mã câu hỏi khảo sát trùng với một mã khác", item.code)
        seen.add(item.code)
        if item.domain is not None and item.domain not in by_code:
            add(f"câu hỏi khảo sát gắn với mục '{item.domain}' không có trong bộ tiêu chí", item.code)
    groups = tuple(SurveyGroup(str(g["id"]), str(g["name"]), float(g["weight"])) for g in doc.get("groups") or ())
    names = [g.id.casefold() for g in groups] + [g.name.casefold() for g in groups]
    for label in sorted({n for n in names if names.count(n) > 1}):
        add(f"nhóm người trả lời '{label}' bị lặp")
    return Survey(
        answers,
        items,
        within_total=bool(doc.get("within_total", False)),
        without_answers=str(doc.get("without_answers", "rescale")),
        groups=groups,
    )


def _adjustments(docs: Any, taken: set[str], add: Add) -> tuple[Adjustment, ...]:
    """Bonus and penalty items, each under a code no other part uses."""
    adjustments = tuple(
        Adjustment(str(a["code"]), str(a["name"]), str(a["kind"]), float(a["max_points"]), bool(a.get("in_denominator")))
        for a in docs
    )
    for adjustment in adjustments:
        if adjustment.code in taken:
            add("mã điểm thưởng/điểm trừ trùng với một mã khác", adjustment.code)
        taken.add(adjustment.code)
    return adjustments


def _levels(by_code: dict[str, RawNode], add: Add) -> dict[str, int]:
    """Each node's depth (1 for a domain); a node in a loop of parents has none and is named."""
    levels: dict[str, int] = {}
    for code, raw in by_code.items():
        chain, parent = {code}, raw.parent
        while parent is not None and parent in by_code:
            if parent in chain:
                add("mục cha tạo thành vòng lặp (một mục là cha của chính nó)", code, raw.where)
                break
            chain.add(parent)
            parent = by_code[parent].parent
        else:
            levels[code] = len(chain)
    return levels


def _check_maxima(
    by_code: dict[str, RawNode], children: dict[str, list[str]], inside: dict[str | None, float], add: Add
) -> None:
    """A parent's max is its children's (and its survey items') sum and it has no rule; a leaf's
    rule fits its max."""
    for code, raw in by_code.items():
        kids = children[code]
        if kids:
            total = sum(by_code[k].max_points for k in kids) + inside.get(code, 0.0)
            if not _near(total, raw.max_points):
                survey_part = f" và khảo sát {show_number(inside[code])} điểm" if code in inside else ""
                parts = f"{show_number(round(total, 6))}: {', '.join(kids)}{survey_part}"
                add(f"điểm tối đa {show_number(raw.max_points)} khác tổng điểm các mục con ({parts})", code, raw.where)
            if raw.rule:
                add("mục có mục con không được có quy tắc chấm (chỉ mục lá được chấm)", code, raw.where)
        elif code in inside:
            add("câu hỏi khảo sát tính trong tổng điểm phải gắn với một mục có mục con", code, raw.where)
        elif raw.rule is not None:
            for text in rule_from_dict(raw.rule).problems(raw.max_points):
                add(text, code, raw.where)


def _check_total(declared: float | None, by_code: dict[str, RawNode], inside: dict[str | None, float], add: Add) -> None:
    """The domains' maxima (and survey items inside the total with no domain) add up to `total_points`."""
    tops = [r for r in by_code.values() if r.parent is None]
    whole = sum(r.max_points for r in tops) + inside.get(None, 0.0)
    if declared is not None and not _near(whole, declared):
        add(
            f"tổng điểm các lĩnh vực là {show_number(round(whole, 6))}, "
            f"khác tổng khai báo total_points = {show_number(declared)}"
        )


def _classes(docs: list[dict[str, Any]], add: Add) -> tuple[ClassBand, ...]:
    """Classes by thresholds going down, each label once."""
    classes = tuple(ClassBand(str(c["label"]), float(c["min"])) for c in docs)
    for prev, nxt in itertools.pairwise(classes):
        if nxt.min >= prev.min:
            add(
                f"các hạng xếp loại phải theo thứ tự ngưỡng giảm dần: '{nxt.label}' ({show_number(nxt.min)} %) "
                f"đứng sau '{prev.label}' ({show_number(prev.min)} %)"
            )
    labels = [c.label for c in classes]
    for label in sorted({lab for lab in labels if labels.count(lab) > 1}):
        add(f"hạng xếp loại '{label}' bị lặp")
    return classes


def _preorder(by_code: dict[str, RawNode], children: dict[str, list[str]]) -> list[RawNode]:
    out: list[RawNode] = []

    def visit(code: str) -> None:
        out.append(by_code[code])
        for kid in children[code]:
            visit(kid)

    for code, raw in by_code.items():
        if raw.parent is None:
            visit(code)
    return out


def load_dict(doc: Any, file: str = "<dữ liệu>", checked: bool = False) -> CriteriaSet:
    """A criteria set from its nested document form (parsed YAML/JSON). `checked`: the document
    is a validated set's own `to_dict()` (as the store keeps it), so the JSON Schema pass is
    skipped; the set is still rebuilt and checked for consistency. Its texts lose control and
    invisible characters (`text.plain`), also those of a set stored before that was done: names,
    rules and evidence reach every template, workbook and page."""
    doc = each_text(doc, plain)
    problems = [] if checked else schema_problems(doc, file)
    if problems:
        raise ProblemsError(problems)
    meta = {k: v for k, v in doc.items() if k != "criteria"}
    raws: list[RawNode] = []
    _flatten(doc["criteria"], None, raws)
    return build_set(raws, meta, file)
