"""Edits of a criteria set's document, as a methodology designer makes them in the editor.

Each function takes the nested document (`CriteriaSet.to_dict()`, or parsed YAML) and returns
a changed copy; the caller then validates it with `criteria.load_dict`, so a draft may be
invalid between edits and the designer sees every problem with the messages of
`cchc validate`. What keeps the arithmetic a spreadsheet user expects: a node with children
has the sum of its children's maxima (recomputed up the tree after every edit), and changing
a node's max — or its weight, a multiplier on that max — scales everything under it,
rule points included, so the rules still reach the new max.
"""

from __future__ import annotations

import copy
from typing import Any

from cchc_widgets.core.criteria import parse_rule_text
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import parse_decimal, show_number
from cchc_widgets.core.rules import RuleInputError
from cchc_widgets.core.text import clean_text

WHERE = "bộ tiêu chí đang sửa"
FIELDS = ("name", "max_points", "weight", "rule", "allow_na", "evidence")


def empty_document(set_id: str = "bo-tieu-chi-moi", name: str = "Bộ tiêu chí mới") -> dict[str, Any]:
    """A set with no criteria yet: where a designer starts from nothing."""
    return {"id": set_id, "name": name, "version": "1", "criteria": []}


def _refuse(message: str, code: str | None = None) -> ProblemsError:
    return ProblemsError([Problem(WHERE, message, code)])


def _walk(nodes: list[dict[str, Any]], code: str, chain: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    for node in nodes:
        if str(node.get("code")) == code:
            return [*chain, node]
        found = _walk(node.get("children") or [], code, [*chain, node])
        if found:
            return found
    return None


def _chain(doc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """The node with this code and its ancestors, root first."""
    found = _walk(doc.get("criteria") or [], code, [])
    if found is None:
        raise _refuse(f"mã '{code}' không có trong bộ tiêu chí", code)
    return found


def _resum(doc: dict[str, Any], chain: list[dict[str, Any]]) -> None:
    """Each ancestor's max becomes the sum of its children's (nearest first), with the survey
    items it holds when the set puts the survey inside the total."""
    survey = doc.get("survey") or {}
    inside: dict[str, float] = {}
    if survey.get("within_total"):
        for item in survey.get("items") or []:
            inside[str(item.get("domain"))] = inside.get(str(item.get("domain")), 0.0) + float(item.get("max_points") or 0)
    for node in reversed(chain):
        kids = node.get("children")
        if kids:
            total = sum(float(k.get("max_points") or 0) for k in kids) + inside.get(str(node.get("code")), 0.0)
            node["max_points"] = round(total, 9)


def scaled_rule(rule: dict[str, Any], factor: float) -> dict[str, Any]:
    """The same rule for a max `factor` times larger: every point value it gives is scaled."""
    out = copy.deepcopy(rule)
    kind = out.get("type")
    if kind == "yesno":
        for key in ("yes_points", "no_points"):
            if key in out:
                out[key] = round(float(out[key]) * factor, 9)
    elif kind == "levels":
        for level in out.get("levels", []):
            level["points"] = round(float(level["points"]) * factor, 9)
    elif kind == "percent":
        for band in out.get("bands", []):
            band["points"] = round(float(band["points"]) * factor, 9)
    elif kind == "manual" and out.get("step"):
        out["step"] = round(float(out["step"]) * factor, 9)
    return out  # count rules give a share of the max: nothing to scale


def _scale(node: dict[str, Any], factor: float) -> None:
    node["max_points"] = round(float(node.get("max_points") or 0) * factor, 9)
    if node.get("rule"):
        node["rule"] = scaled_rule(node["rule"], factor)
    for kid in node.get("children") or []:
        _scale(kid, factor)


def _scale_survey_inside(doc: dict[str, Any], node: dict[str, Any], factor: float) -> None:
    """With the survey inside the total, the items a scaled node holds scale with it."""
    survey = doc.get("survey") or {}
    if not survey.get("within_total"):
        return
    under: set[str] = set()

    def collect(n: dict[str, Any]) -> None:
        under.add(str(n.get("code")))
        for kid in n.get("children") or []:
            collect(kid)

    collect(node)
    for item in survey.get("items") or []:
        if str(item.get("domain")) in under:
            item["max_points"] = round(float(item["max_points"]) * factor, 9)


def _number(value: Any, what: str, code: str) -> float:
    try:
        number = parse_decimal(value, what)
    except RuleInputError as exc:
        raise _refuse(str(exc), code) from None
    if not number > 0:
        raise _refuse(f"{what} phải lớn hơn 0; đang là {show_number(number)}", code)
    return number


def set_field(doc: dict[str, Any], code: str, field: str, value: Any) -> dict[str, Any]:
    """One edit of one node: name, max_points, weight (a multiplier on the max), rule (a rule
    document or its one-line text, e.g. `levels: Đúng hạn=1; Chậm=0,5`), allow_na, evidence.
    Refuses only what cannot be written down at all; the rest is for validation to judge."""
    new = copy.deepcopy(doc)
    chain = _chain(new, code)
    node = chain[-1]
    if field == "name":
        node["name"] = clean_text(str(value))
    elif field in ("max_points", "weight"):
        old = float(node.get("max_points") or 0)
        if field == "weight":
            factor = _number(value, "trọng số", code)
        else:
            target = _number(value, "điểm tối đa", code)
            factor = target / old if old > 0 else None
            if factor is None:
                node["max_points"] = target
        if factor is not None:
            _scale(node, factor)
            _scale_survey_inside(new, node, factor)
        _resum(new, chain[:-1])
    elif field == "rule":
        if node.get("children"):
            raise _refuse("mục có mục con không được có quy tắc chấm (chỉ mục lá được chấm)", code)
        if value in (None, ""):
            node.pop("rule", None)
        else:
            try:
                node["rule"] = parse_rule_text(value) if isinstance(value, str) else dict(value)
            except ValueError as exc:
                raise _refuse(str(exc), code) from None
    elif field == "allow_na":
        if value:
            node["allow_na"] = True
        else:
            node.pop("allow_na", None)
    elif field == "evidence":
        text = clean_text(str(value or ""))
        if text:
            node["evidence"] = text
        else:
            node.pop("evidence", None)
    else:
        raise _refuse(f"không sửa được '{field}'; sửa được: {', '.join(FIELDS)}", code)
    return new


def add_node(doc: dict[str, Any], parent: str | None, code: str, name: str, max_points: Any, rule: Any = None) -> dict[str, Any]:
    """A new domain (`parent=None`) or a child of `parent`. A leaf that gets a child becomes a
    group: its rule, evidence and N/A flag go, its max becomes its children's sum."""
    new = copy.deepcopy(doc)
    code = clean_text(str(code))
    if not code:
        raise _refuse("nhập mã cho mục mới")
    if _walk(new.get("criteria") or [], code, []) is not None:
        raise _refuse("mã bị trùng: mã này đã dùng cho một mục khác", code)
    node: dict[str, Any] = {"code": code, "name": clean_text(str(name)), "max_points": _number(max_points, "điểm tối đa", code)}
    if parent is None:
        new.setdefault("criteria", []).append(node)
    else:
        chain = _chain(new, parent)
        host = chain[-1]
        for key in ("rule", "evidence", "allow_na"):
            host.pop(key, None)
        host.setdefault("children", []).append(node)
        _resum(new, chain)
    if rule not in (None, ""):
        return set_field(new, code, "rule", rule)
    return new


def remove_node(doc: dict[str, Any], code: str) -> dict[str, Any]:
    """Remove a node and everything under it; the maxima above follow."""
    new = copy.deepcopy(doc)
    chain = _chain(new, code)
    siblings = chain[-2]["children"] if len(chain) > 1 else new["criteria"]
    siblings.remove(chain[-1])
    if len(chain) > 1 and not siblings:
        del chain[-2]["children"]  # a group without children is a leaf again, with its max kept
    else:
        _resum(new, chain[:-1])
    return new
