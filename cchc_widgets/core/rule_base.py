"""What every scoring rule offers, and what a declared answer is before a rule reads it.

A declared answer may be blank or "không áp dụng" whatever the rule; `canonical` settles those
before the rule's own `parse`, so that each rule kind (`core.rules`) reads only real input and
every caller — the form, the files, the engine, the what-if — stores and scores the same form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from cchc_widgets.core.errors import RuleInputError
from cchc_widgets.core.numbers import format_number, show_number
from cchc_widgets.core.text import clean_text, folded
from cchc_widgets.core.vocabulary import NA_WORDS, NOT_APPLICABLE

EPS = 1e-9


class NotApplicable:
    """The declared answer "không áp dụng": the item leaves the unit's denominator."""

    _instance: NotApplicable | None = None

    def __new__(cls) -> NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"


NA = NotApplicable()


def is_na(value: Any, word: str = "") -> bool:
    """True for the N/A marker, for the words people type for it and for `word`: a criteria
    set's own (`na_label`), which our tables print where an item does not apply."""
    if value is NA:
        return True
    return isinstance(value, str) and (folded(value) in NA_WORDS or (bool(word) and folded(value) == folded(word)))


def is_blank(value: Any) -> bool:
    """Nothing declared: None, NaN or an empty cell."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def is_unanswered(value: Any) -> bool:
    """Nothing declared: a blank (`is_blank`), or a done/planned pair with both parts blank."""
    return is_blank(value) or (isinstance(value, dict) and all(is_blank(v) for v in value.values()))


@dataclass(frozen=True)
class Rule:
    """Common surface of every rule type; subclasses set `kind`.

    A rule describes its own input so that no caller switches on its kind: how a declared
    value is read (`parse`, to one canonical value), scored (`points`), shown (`show`), put
    into form inputs (`input_spec`, `input_values`), and what a person would type at a given
    quality (`example`, the demo). Its Excel cells are the template's business
    (`files.rule_cells`): core knows no spreadsheet.
    """

    kind: ClassVar[str] = ""
    counts: ClassVar[bool] = False  # a declared number is a count, whole: `1,234` in a file is 1234, never 1,234

    def parse(self, declared: Any) -> Any:
        """The canonical form of what a person declared, or `RuleInputError`."""
        raise NotImplementedError

    def points(self, value: Any, max_points: float) -> float:
        """Points of a canonical value (`parse`'s output)."""
        raise NotImplementedError

    def score(self, declared: Any, max_points: float) -> float:
        return self.points(self.parse(declared), max_points)

    def show(self, value: Any) -> str:
        """A canonical value as a person reads it."""
        return format_number(value, decimals=4) if isinstance(value, int | float) else str(value)

    def value_for_points(self, points: float) -> Any:
        """The declared value that stands for points given directly (a score table), if the
        rule's input is points; None when points do not tell what was declared."""
        return None

    def input_spec(self, max_points: float) -> dict[str, Any]:
        """The control the form draws: `widget` is choice, pair or number, with its labels and bounds."""
        raise NotImplementedError

    def input_values(self, value: Any) -> list[str]:
        """The text each input of `input_spec` shows for a canonical value."""
        return [format_number(value, decimals=4, group=False)]

    def example(self, u: float, planned: int, max_points: float) -> str:
        """What a unit of quality `u` (0–1) would type: better as `u` grows (the demo's generator)."""
        raise NotImplementedError

    def reachable(self, max_points: float) -> tuple[float, ...] | None:
        """The points this rule can give, or None when any value in [0, max] can occur."""
        raise NotImplementedError

    def problems(self, max_points: float) -> list[str]:
        """What in the rule's parameters does not fit the item's maximum."""
        reach = self.reachable(max_points)
        if reach is None:
            return []
        out = [
            f"quy tắc cho {show_number(p)} điểm, vượt điểm tối đa {show_number(max_points)}"
            for p in reach
            if p > max_points + EPS
        ]
        out += [f"quy tắc cho điểm âm ({show_number(p)})" for p in reach if p < -EPS]
        if reach and max(reach) < max_points - EPS:
            highest = show_number(max(reach))
            out.append(f"mức cao nhất của quy tắc là {highest} điểm, không đạt được điểm tối đa {show_number(max_points)}")
        return out

    def check_points(self, points: float, max_points: float) -> None:
        """Refuse points given directly that this rule could never give."""
        if points < -EPS:
            raise RuleInputError(f"điểm không được âm; đã nhập {show_number(points)}")
        if points > max_points + EPS:
            said = f"điểm {show_number(points)} vượt điểm tối đa {show_number(max_points)}"
            if self.counts:  # a number of people or documents given where points go (a wide table has no other place)
                said += "; mục này chấm theo số lượng: số lượng ghi ở cột 'value' của bảng dạng dọc (period, unit, code, value)"
            raise RuleInputError(said)
        reach = self.reachable(max_points)
        if reach is not None and not any(abs(points - p) <= 1e-6 for p in reach):
            allowed = ", ".join(show_number(p) for p in sorted(set(reach)))
            raise RuleInputError(f"điểm {show_number(points)} không có trong quy tắc chấm (chỉ nhận: {allowed})")

    def describe(self, max_points: float) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        raise NotImplementedError


def canonical(rule: Rule, declared: Any, allow_na: bool) -> Any:
    """The one stored form of a declared answer (`NA` for "không áp dụng"), or `RuleInputError`."""
    if is_na(declared):
        if not allow_na:
            raise RuleInputError(f"tiêu chí này không cho phép chọn {NOT_APPLICABLE}")
        return NA
    if is_unanswered(declared):
        raise RuleInputError("chưa nhập giá trị")
    return rule.parse(clean_text(declared))


def stored_answer(rule: Rule, value: Any, allow_na: bool) -> Any:
    """A stored declared value read by its rule: its canonical form, or None when there is none
    to use — nothing stored, "không áp dụng", or text the rule no longer reads (stores written
    before values were kept canonical hold text like '92.5%')."""
    if value is None:
        return None
    try:
        got = canonical(rule, value, allow_na)
    except RuleInputError:
        return None
    return None if got is NA else got


def score_declared(rule: Rule, declared: Any, max_points: float, allow_na: bool) -> float | NotApplicable:
    """Points for one declared answer, honouring "không áp dụng" where the item allows it."""
    value = canonical(rule, declared, allow_na)
    return NA if value is NA else rule.points(value, max_points)
