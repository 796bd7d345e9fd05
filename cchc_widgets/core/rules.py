"""Scoring rules: pure functions from what a unit declares to the points it earns.

Each rule kind is here; what they all share (the `Rule` surface, "không áp dụng", a blank
answer, the canonical form) is in `core.rule_base` and read from here as before.

A rule is data (it comes from the criteria file), so each rule is a frozen dataclass built
from a plain dict. Scoring never guesses: input a person could not mean (text in a number,
a negative count, more than 100 %, points above the maximum) raises `RuleInputError` with a
Vietnamese message that the scoring form can show beside the field.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, ClassVar

from cchc_widgets.core.errors import RuleInputError
from cchc_widgets.core.numbers import format_number, parse_decimal, show_number, whole
from cchc_widgets.core.rule_base import (
    EPS,
    NA,
    NotApplicable,
    Rule,
    canonical,
    is_blank,
    is_na,
    is_unanswered,
    score_declared,
    stored_answer,
)
from cchc_widgets.core.text import clean_text, folded
from cchc_widgets.core.vocabulary import NO, YES, is_no, is_yes

__all__ = [
    "EPS",
    "NA",
    "NotApplicable",
    "Rule",
    "RuleInputError",
    "canonical",
    "is_blank",
    "is_na",
    "is_unanswered",
    "rule_from_dict",
    "score_declared",
    "stored_answer",
]


@dataclass(frozen=True)
class YesNoRule(Rule):
    kind: ClassVar[str] = "yesno"
    yes_points: float | None = None  # None: the item's max
    no_points: float = 0.0

    def _yes(self, max_points: float) -> float:
        return max_points if self.yes_points is None else self.yes_points

    def parse(self, declared: Any) -> str:
        if isinstance(declared, bool) or (isinstance(declared, int | float) and declared in (0, 1)):
            return YES if declared else NO
        if is_yes(declared):
            return YES
        if is_no(declared):
            return NO
        raise RuleInputError(f"chọn {YES} hoặc {NO}; đã nhập '{clean_text(declared)}'")

    def points(self, value: Any, max_points: float) -> float:
        return self._yes(max_points) if value == YES else self.no_points

    def input_spec(self, max_points: float) -> dict[str, Any]:
        return {"widget": "choice", "choices": [YES, NO], "placeholder": "— chọn —"}

    def input_values(self, value: Any) -> list[str]:
        return [value]

    def example(self, u: float, planned: int, max_points: float) -> str:
        return "có" if u > 0.3 else "không"

    def reachable(self, max_points: float) -> tuple[float, ...]:
        return (self._yes(max_points), self.no_points)

    def describe(self, max_points: float) -> str:
        return f"{YES}: {show_number(self._yes(max_points))} điểm; {NO}: {show_number(self.no_points)} điểm"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        if self.yes_points is not None:
            out["yes_points"] = self.yes_points
        if self.no_points:
            out["no_points"] = self.no_points
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> YesNoRule:
        return cls(yes_points=data.get("yes_points"), no_points=float(data.get("no_points", 0)))


@dataclass(frozen=True)
class Level:
    label: str
    points: float


@dataclass(frozen=True)
class LevelsRule(Rule):
    kind: ClassVar[str] = "levels"
    levels: tuple[Level, ...] = ()

    def parse(self, declared: Any) -> str:
        wanted = folded(str(declared)) if not is_blank(declared) else ""
        for level in self.levels:
            if folded(level.label) == wanted:
                return level.label
        options = "; ".join(level.label for level in self.levels)
        raise RuleInputError(f"'{clean_text(declared)}' không phải một mức của tiêu chí; chọn: {options}")

    def points(self, value: Any, max_points: float) -> float:
        return next(level.points for level in self.levels if level.label == value)

    def input_spec(self, max_points: float) -> dict[str, Any]:
        return {"widget": "choice", "choices": [lv.label for lv in self.levels], "placeholder": "— chọn mức —"}

    def input_values(self, value: Any) -> list[str]:
        return [value]

    def example(self, u: float, planned: int, max_points: float) -> str:
        ordered = sorted(self.levels, key=lambda lv: -lv.points)
        return ordered[min(len(ordered) - 1, int((1 - u) * len(ordered) * 0.9))].label

    def reachable(self, max_points: float) -> tuple[float, ...]:
        return tuple(level.points for level in self.levels)

    def problems(self, max_points: float) -> list[str]:
        labels = [folded(level.label) for level in self.levels]
        dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
        out = [f"mức '{lab}' bị lặp" for lab in dupes]
        return out + super().problems(max_points)

    def describe(self, max_points: float) -> str:
        return "; ".join(f"{lv.label}: {show_number(lv.points)} điểm" for lv in self.levels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "levels": [{"label": lv.label, "points": lv.points} for lv in self.levels],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LevelsRule:
        return cls(tuple(Level(clean_text(str(lv["label"])), float(lv["points"])) for lv in data["levels"]))


@dataclass(frozen=True)
class Band:
    lower: float
    upper: float
    points: float


@dataclass(frozen=True)
class PercentRule(Rule):
    """Percentage bands. `closed="left"`: lower ≤ p < upper (the band ending at 100 takes
    100); `closed="right"`: lower < p ≤ upper (the band starting at 0 takes 0). With
    `input="pair"` the unit declares done and planned counts; the canonical value is then
    `{"done": n, "planned": m}`, else the percentage itself."""

    kind: ClassVar[str] = "percent"
    bands: tuple[Band, ...] = ()
    closed: str = "left"
    input: str = "percent"
    done_label: str = ""
    planned_label: str = ""

    @property
    def pair(self) -> bool:
        return self.input == "pair"

    def parse(self, declared: Any) -> float | dict[str, int | float]:
        if isinstance(declared, str) and "/" in declared:
            done, _, planned = declared.partition("/")
            declared = {"done": done, "planned": planned}
        if isinstance(declared, dict):
            done = parse_decimal(declared.get("done"), "số đã thực hiện")
            planned = parse_decimal(declared.get("planned"), "tổng số theo kế hoạch")
            if done < 0 or planned < 0:
                raise RuleInputError("số đã thực hiện và tổng số không được âm")
            if done != int(done) or planned != int(planned):  # counts of documents, tasks, products
                given = f"{show_number(done)}/{show_number(planned)}"
                raise RuleInputError(f"số đã thực hiện và tổng số là số đếm, phải là số nguyên; đã nhập {given}")
            if planned == 0:
                raise RuleInputError(
                    "tổng số theo kế hoạch bằng 0: không tính được tỷ lệ (nếu tiêu chí không phát sinh, chọn Không áp dụng)"
                )
            if done > planned:
                raise RuleInputError(f"số đã thực hiện ({show_number(done)}) lớn hơn tổng số ({show_number(planned)})")
            return {"done": whole(done), "planned": whole(planned)}
        text = clean_text(declared).rstrip("%").strip() if isinstance(declared, str) else declared
        pct = parse_decimal(text, "tỷ lệ (%)")
        if pct < 0:
            raise RuleInputError(f"tỷ lệ không được âm; đã nhập {show_number(pct)}")
        if pct > 100 + EPS:
            raise RuleInputError(f"tỷ lệ không được vượt 100 %; đã nhập {show_number(pct)}")
        return whole(pct)

    def percentage(self, value: Any) -> float:
        if isinstance(value, dict):
            return 100.0 * value["done"] / value["planned"]
        return float(value)

    def points_for_percentage(self, pct: float) -> float:
        for i, band in enumerate(self.bands):
            last = i == len(self.bands) - 1
            first = i == 0
            if self.closed == "left":
                if band.lower - EPS <= pct and (pct < band.upper - EPS or (last and pct <= band.upper + EPS)):
                    return band.points
            elif (pct > band.lower + EPS or (first and pct >= band.lower - EPS)) and pct <= band.upper + EPS:
                return band.points
        raise RuleInputError(f"tỷ lệ {show_number(pct)} % không thuộc khoảng nào của thang điểm")

    def points(self, value: Any, max_points: float) -> float:
        return self.points_for_percentage(self.percentage(value))

    def show(self, value: Any) -> str:
        if isinstance(value, dict):
            return f"{format_number(value['done'], 4)}/{format_number(value['planned'], 4)}"
        return f"{format_number(value, 4)} %"

    def input_spec(self, max_points: float) -> dict[str, Any]:
        if self.pair:
            labels = [self.done_label or "Đã thực hiện", self.planned_label or "Tổng số"]
            return {"widget": "pair", "labels": labels, "min": 0}
        return {"widget": "number", "min": 0, "max": 100, "suffix": "%", "placeholder": "%"}

    def input_values(self, value: Any) -> list[str]:
        if isinstance(value, dict):
            return [format_number(value["done"], 4, group=False), format_number(value["planned"], 4, group=False)]
        if self.pair:  # a percentage declared in a file for a done/planned item: shown as it was given
            return [format_number(value, 4, group=False), "100"]
        return [format_number(value, 4, group=False)]

    def example(self, u: float, planned: int, max_points: float) -> str:
        share = min(1.0, 0.55 + 0.5 * u)
        if self.pair:
            return f"{round(planned * share)}/{planned}"
        return f"{round(100 * share, 1):g}%"

    def reachable(self, max_points: float) -> tuple[float, ...]:
        return tuple(band.points for band in self.bands)

    def problems(self, max_points: float) -> list[str]:
        out: list[str] = []
        bands = sorted(self.bands, key=lambda b: (b.lower, b.upper))
        if bands and abs(bands[0].lower) > EPS:
            out.append(f"các khoảng tỷ lệ phải bắt đầu từ 0 %, đang bắt đầu từ {show_number(bands[0].lower)} %")
        if bands and abs(bands[-1].upper - 100) > EPS:
            out.append(f"các khoảng tỷ lệ phải kết thúc ở 100 %, đang kết thúc ở {show_number(bands[-1].upper)} %")
        for i, band in enumerate(bands):
            edge = (i == len(bands) - 1 and self.closed == "left") or (i == 0 and self.closed == "right")
            if band.upper < band.lower - EPS or (band.upper <= band.lower + EPS and not edge):
                out.append(f"khoảng {show_number(band.lower)}–{show_number(band.upper)} % rỗng hoặc ngược")
        for prev, nxt in itertools.pairwise(bands):
            if nxt.lower > prev.upper + EPS:
                out.append(f"hở khoảng: không có điểm cho tỷ lệ từ {show_number(prev.upper)} đến {show_number(nxt.lower)} %")
            elif nxt.lower < prev.upper - EPS:
                first = f"{show_number(prev.lower)}–{show_number(prev.upper)} %"
                second = f"{show_number(nxt.lower)}–{show_number(nxt.upper)} %"
                out.append(f"chồng khoảng: {first} và {second}")
        return out + super().problems(max_points)

    def describe(self, max_points: float) -> str:
        parts = []
        last = len(self.bands) - 1
        for i, band in enumerate(self.bands):
            if band.lower == band.upper:
                span = f"{show_number(band.lower)} %"
            elif self.closed == "left":
                below = "" if i == last else "dưới "
                span = f"từ {show_number(band.lower)} đến {below}{show_number(band.upper)} %"
            elif i == 0:
                span = f"đến {show_number(band.upper)} %"
            else:
                span = f"trên {show_number(band.lower)} đến {show_number(band.upper)} %"
            parts.append(f"{span}: {show_number(band.points)} điểm")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        if self.input != "percent":
            out["input"] = self.input
        if self.done_label:
            out["done_label"] = self.done_label
        if self.planned_label:
            out["planned_label"] = self.planned_label
        if self.closed != "left":
            out["closed"] = self.closed
        out["bands"] = [{"from": b.lower, "to": b.upper, "points": b.points} for b in self.bands]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PercentRule:
        return cls(
            bands=tuple(Band(float(b["from"]), float(b["to"]), float(b["points"])) for b in data["bands"]),
            closed=data.get("closed", "left"),
            input=data.get("input", "percent"),
            done_label=clean_text(data.get("done_label", "")),
            planned_label=clean_text(data.get("planned_label", "")),
        )


@dataclass(frozen=True)
class CountRule(Rule):
    """A count against a required number: points in proportion (capped at the max), or
    all-or-nothing when `mode="all"`."""

    kind: ClassVar[str] = "count"
    counts: ClassVar[bool] = True
    required: int = 1
    mode: str = "proportional"
    unit_label: str = ""

    def parse(self, declared: Any) -> int:
        count = parse_decimal(declared, "số lượng")
        if count < 0:
            raise RuleInputError(f"số lượng không được âm; đã nhập {show_number(count)}")
        if count != int(count):
            raise RuleInputError(f"số lượng phải là số nguyên; đã nhập {show_number(count)}")
        return int(count)

    def points(self, value: Any, max_points: float) -> float:
        done = min(int(value), self.required)
        if self.mode == "all":
            return max_points if done >= self.required else 0.0
        return max_points * done / self.required

    def input_spec(self, max_points: float) -> dict[str, Any]:
        what = f"số {self.unit_label} " if self.unit_label else ""
        return {"widget": "number", "min": 0, "integer": True, "placeholder": f"{what}(yêu cầu {self.required})"}

    def example(self, u: float, planned: int, max_points: float) -> str:
        return str(min(self.required, round(self.required * (0.4 + 0.7 * u))))

    def reachable(self, max_points: float) -> tuple[float, ...]:
        if self.mode == "all":
            return (0.0, max_points)
        return tuple(max_points * k / self.required for k in range(self.required + 1))

    def describe(self, max_points: float) -> str:
        what = f" {self.unit_label}" if self.unit_label else ""
        if self.mode == "all":
            return f"Đủ {self.required}{what}: {show_number(max_points)} điểm; thiếu: 0 điểm"
        return f"Yêu cầu {self.required}{what}; điểm theo tỷ lệ số đạt được (tối đa {show_number(max_points)})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind, "required": self.required}
        if self.mode != "proportional":
            out["mode"] = self.mode
        if self.unit_label:
            out["unit_label"] = self.unit_label
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CountRule:
        return cls(
            required=int(data["required"]),
            mode=data.get("mode", "proportional"),
            unit_label=clean_text(data.get("unit_label", "")),
        )


@dataclass(frozen=True)
class ManualRule(Rule):
    """Points given by the scorer, optionally on a step (0.25, 0.5 …)."""

    kind: ClassVar[str] = "manual"
    step: float | None = None

    def parse(self, declared: Any) -> int | float:
        return whole(parse_decimal(declared, "điểm"))

    def points(self, value: Any, max_points: float) -> float:
        points = float(value)
        self.check_points(points, max_points)
        return points

    def value_for_points(self, points: float) -> Any:
        return whole(points)

    def input_spec(self, max_points: float) -> dict[str, Any]:
        return {"widget": "number", "min": 0, "max": max_points, "step": self.step, "placeholder": "điểm"}

    def example(self, u: float, planned: int, max_points: float) -> str:
        step = self.step or 0.25
        return f"{math.floor(max_points * min(1.0, 0.3 + 0.8 * u) / step) * step:g}"

    def reachable(self, max_points: float) -> tuple[float, ...] | None:
        if self.step is None:
            return None
        n = round(max_points / self.step)
        return tuple(k * self.step for k in range(n + 1))

    def problems(self, max_points: float) -> list[str]:
        if self.step is not None and abs(round(max_points / self.step) * self.step - max_points) > 1e-6:
            return [f"điểm tối đa {show_number(max_points)} không chia hết cho bước {show_number(self.step)}"]
        return []

    def describe(self, max_points: float) -> str:
        if self.step is None:
            return f"Chấm điểm từ 0 đến {show_number(max_points)}"
        return f"Chấm điểm từ 0 đến {show_number(max_points)}, bước {show_number(self.step)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        if self.step is not None:
            out["step"] = self.step
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ManualRule:
        step = data.get("step")
        return cls(step=None if step is None else float(step))


FREE_POINTS = ManualRule()
RULE_TYPES: dict[str, type[Rule]] = {cls.kind: cls for cls in (YesNoRule, LevelsRule, PercentRule, CountRule, ManualRule)}


def rule_from_dict(data: dict[str, Any] | None) -> Rule:
    """Build a rule from its (schema-valid) dict; no rule means free points in [0, max]."""
    if not data:
        return FREE_POINTS
    return RULE_TYPES[data["type"]].from_dict(data)
