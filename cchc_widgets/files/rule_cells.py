"""A rule's answer in a scoring template's cells: which cells hold it, how they read back, and
the Excel data validation that limits them.

Core's rules know what a person declares, not where a spreadsheet keeps it; the template is
the only place with cells, so this lives beside it. One entry per rule kind (`RULE_TYPES`):
a kind without its validation here is a test failure, not a template without limits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cchc_widgets.core.numbers import show_number, whole
from cchc_widgets.core.rules import PercentRule, Rule, is_blank
from cchc_widgets.core.vocabulary import NO, YES

Validation = dict[str, dict[str, Any]]  # template column (`value`, `planned`) → openpyxl DataValidation arguments


def cells(rule: Rule, value: Any) -> tuple[Any, Any]:
    """(value cell, planned cell) of the template for a canonical value: a done/planned pair
    fills both, anything else the value cell alone."""
    if isinstance(value, dict):
        return value["done"], value["planned"]
    return (whole(value) if isinstance(value, int | float) else value, None)


def from_cells(rule: Rule, value: Any, planned: Any) -> Any:
    """What the template's cells declare (blank when nothing was entered). A done/planned item
    with one part blank reads as "5/" so that the rule refuses it by name rather than taking
    the value cell for a percentage."""
    if not (isinstance(rule, PercentRule) and rule.pair) or (is_blank(value) and is_blank(planned)):
        return value
    if is_blank(value) or is_blank(planned):
        return f"{'' if is_blank(value) else value}/{'' if is_blank(planned) else planned}"
    return {"done": value, "planned": planned}


def excel_validation(rule: Rule, max_points: float) -> Validation:
    """Data validation per template column: openpyxl `DataValidation` arguments, or
    `{"choices": [...]}` for a list kept on the hidden lists sheet."""
    return VALIDATIONS[rule.kind](rule, max_points)


def _number(kind: str, low: float, high: float | None, error: str) -> dict[str, Any]:
    if high is None:
        return {"type": kind, "operator": "greaterThanOrEqual", "formula1": str(low), "error": error}
    return {"type": kind, "operator": "between", "formula1": str(low), "formula2": str(high), "error": error}


WHOLE = _number("whole", 0, None, "Nhập số nguyên không âm")


def _percent(rule: Any, max_points: float) -> Validation:
    if rule.pair:
        return {"value": WHOLE, "planned": WHOLE}
    return {"value": _number("decimal", 0, 100, "Nhập tỷ lệ từ 0 đến 100")}


def _points(rule: Any, max_points: float) -> Validation:
    return {"value": _number("decimal", 0, max_points, f"Nhập điểm từ 0 đến {show_number(max_points)}")}


VALIDATIONS: dict[str, Callable[[Any, float], Validation]] = {
    "yesno": lambda rule, max_points: {"value": {"choices": [YES, NO]}},
    "levels": lambda rule, max_points: {"value": {"choices": [level.label for level in rule.levels]}},
    "percent": _percent,
    "count": lambda rule, max_points: {"value": WHOLE},
    "manual": _points,
}
