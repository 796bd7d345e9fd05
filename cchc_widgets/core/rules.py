"""Scoring rules: pure functions from what a unit declares to the points it earns.

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

EPS = 1e-9


class RuleInputError(ValueError):
    """What a person declared cannot be scored; the message is shown to that person."""


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
NA_WORDS = {"na", "n/a", "kad", "không áp dụng", "khong ap dung", "not applicable"}


def is_na(value: Any) -> bool:
    """True for the N/A marker and for the words people type for it."""
    if value is NA:
        return True
    return isinstance(value, str) and value.strip().lower() in NA_WORDS


def is_blank(value: Any) -> bool:
    """Nothing declared: None, NaN or an empty cell."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_number(value: Any, what: str = "giá trị") -> float:
    """A number from a cell or field; accepts the Vietnamese decimal comma ("1,5")."""
    if isinstance(value, bool):
        raise RuleInputError(f"{what} phải là một số, không phải có/không")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise RuleInputError(f"{what} phải là một số; đã nhập '{value}'") from None
    else:
        raise RuleInputError(f"{what} phải là một số; đã nhập '{value}'")
    if math.isnan(number) or math.isinf(number):
        raise RuleInputError(f"{what} phải là một số hữu hạn")
    return number


def fmt_number(x: float) -> str:
    return f"{x:g}".replace(".", ",")


@dataclass(frozen=True)
class Rule:
    """Common surface of every rule type; subclasses set `kind`."""

    kind: ClassVar[str] = ""

    def score(self, declared: Any, max_points: float) -> float:
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
            f"quy tắc cho {fmt_number(p)} điểm, vượt điểm tối đa {fmt_number(max_points)}" for p in reach if p > max_points + EPS
        ]
        out += [f"quy tắc cho điểm âm ({fmt_number(p)})" for p in reach if p < -EPS]
        if reach and max(reach) < max_points - EPS:
            out.append(
                f"mức cao nhất của quy tắc là {fmt_number(max(reach))} điểm, không đạt được điểm tối đa {fmt_number(max_points)}"
            )
        return out

    def check_points(self, points: float, max_points: float) -> None:
        """Refuse points given directly that this rule could never give."""
        if points < -EPS:
            raise RuleInputError(f"điểm không được âm; đã nhập {fmt_number(points)}")
        if points > max_points + EPS:
            raise RuleInputError(f"điểm {fmt_number(points)} vượt điểm tối đa {fmt_number(max_points)}")
        reach = self.reachable(max_points)
        if reach is not None and not any(abs(points - p) <= 1e-6 for p in reach):
            allowed = ", ".join(fmt_number(p) for p in sorted(set(reach)))
            raise RuleInputError(f"điểm {fmt_number(points)} không có trong quy tắc chấm (chỉ nhận: {allowed})")

    def describe(self, max_points: float) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


YES_WORDS = {"có", "co", "yes", "y", "x", "true", "1", "đạt", "dat"}
NO_WORDS = {"không", "khong", "no", "n", "false", "0", "không đạt", "khong dat"}


@dataclass(frozen=True)
class YesNoRule(Rule):
    kind: ClassVar[str] = "yesno"
    yes_points: float | None = None  # None: the item's max
    no_points: float = 0.0

    def _yes(self, max_points: float) -> float:
        return max_points if self.yes_points is None else self.yes_points

    def score(self, declared: Any, max_points: float) -> float:
        if isinstance(declared, bool):
            answer = declared
        elif isinstance(declared, int | float) and declared in (0, 1):
            answer = bool(declared)
        elif isinstance(declared, str) and declared.strip().lower() in YES_WORDS:
            answer = True
        elif isinstance(declared, str) and declared.strip().lower() in NO_WORDS:
            answer = False
        else:
            raise RuleInputError(f"chọn Có hoặc Không; đã nhập '{declared}'")
        return self._yes(max_points) if answer else self.no_points

    def reachable(self, max_points: float) -> tuple[float, ...]:
        return (self._yes(max_points), self.no_points)

    def describe(self, max_points: float) -> str:
        return f"Có: {fmt_number(self._yes(max_points))} điểm; Không: {fmt_number(self.no_points)} điểm"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        if self.yes_points is not None:
            out["yes_points"] = self.yes_points
        if self.no_points:
            out["no_points"] = self.no_points
        return out


@dataclass(frozen=True)
class Level:
    label: str
    points: float


@dataclass(frozen=True)
class LevelsRule(Rule):
    kind: ClassVar[str] = "levels"
    levels: tuple[Level, ...] = ()

    def score(self, declared: Any, max_points: float) -> float:
        wanted = str(declared).strip().casefold() if not is_blank(declared) else ""
        for level in self.levels:
            if level.label.strip().casefold() == wanted:
                return level.points
        options = "; ".join(level.label for level in self.levels)
        raise RuleInputError(f"'{declared}' không phải một mức của tiêu chí; chọn: {options}")

    def reachable(self, max_points: float) -> tuple[float, ...]:
        return tuple(level.points for level in self.levels)

    def problems(self, max_points: float) -> list[str]:
        labels = [level.label.strip().casefold() for level in self.levels]
        dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
        out = [f"mức '{lab}' bị lặp" for lab in dupes]
        return out + super().problems(max_points)

    def describe(self, max_points: float) -> str:
        return "; ".join(f"{lv.label}: {fmt_number(lv.points)} điểm" for lv in self.levels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "levels": [{"label": lv.label, "points": lv.points} for lv in self.levels],
        }


@dataclass(frozen=True)
class Band:
    lower: float
    upper: float
    points: float


@dataclass(frozen=True)
class PercentRule(Rule):
    """Percentage bands. `closed="left"`: lower ≤ p < upper (the band ending at 100 takes
    100); `closed="right"`: lower < p ≤ upper (the band starting at 0 takes 0)."""

    kind: ClassVar[str] = "percent"
    bands: tuple[Band, ...] = ()
    closed: str = "left"
    input: str = "percent"
    done_label: str = ""
    planned_label: str = ""

    def percentage(self, declared: Any) -> float:
        if isinstance(declared, dict):
            done = parse_number(declared.get("done"), "số đã thực hiện")
            planned = parse_number(declared.get("planned"), "tổng số theo kế hoạch")
            if done < 0 or planned < 0:
                raise RuleInputError("số đã thực hiện và tổng số không được âm")
            if planned == 0:
                raise RuleInputError(
                    "tổng số theo kế hoạch bằng 0: không tính được tỷ lệ (nếu tiêu chí không phát sinh, chọn Không áp dụng)"
                )
            if done > planned:
                raise RuleInputError(f"số đã thực hiện ({fmt_number(done)}) lớn hơn tổng số ({fmt_number(planned)})")
            return 100.0 * done / planned
        if isinstance(declared, str) and "/" in declared:
            done, _, planned = declared.partition("/")
            return self.percentage({"done": done, "planned": planned})
        text = declared.strip().rstrip("%") if isinstance(declared, str) else declared
        pct = parse_number(text, "tỷ lệ (%)")
        if pct < 0:
            raise RuleInputError(f"tỷ lệ không được âm; đã nhập {fmt_number(pct)}")
        if pct > 100 + EPS:
            raise RuleInputError(f"tỷ lệ không được vượt 100 %; đã nhập {fmt_number(pct)}")
        return pct

    def points_for_percentage(self, pct: float) -> float:
        for i, band in enumerate(self.bands):
            last = i == len(self.bands) - 1
            first = i == 0
            if self.closed == "left":
                if band.lower - EPS <= pct and (pct < band.upper - EPS or (last and pct <= band.upper + EPS)):
                    return band.points
            elif (pct > band.lower + EPS or (first and pct >= band.lower - EPS)) and pct <= band.upper + EPS:
                return band.points
        raise RuleInputError(f"tỷ lệ {fmt_number(pct)} % không thuộc khoảng nào của thang điểm")

    def score(self, declared: Any, max_points: float) -> float:
        return self.points_for_percentage(self.percentage(declared))

    def reachable(self, max_points: float) -> tuple[float, ...]:
        return tuple(band.points for band in self.bands)

    def problems(self, max_points: float) -> list[str]:
        out: list[str] = []
        bands = sorted(self.bands, key=lambda b: (b.lower, b.upper))
        if bands and abs(bands[0].lower) > EPS:
            out.append(f"các khoảng tỷ lệ phải bắt đầu từ 0 %, đang bắt đầu từ {fmt_number(bands[0].lower)} %")
        if bands and abs(bands[-1].upper - 100) > EPS:
            out.append(f"các khoảng tỷ lệ phải kết thúc ở 100 %, đang kết thúc ở {fmt_number(bands[-1].upper)} %")
        for i, band in enumerate(bands):
            edge = (i == len(bands) - 1 and self.closed == "left") or (i == 0 and self.closed == "right")
            if band.upper < band.lower - EPS or (band.upper <= band.lower + EPS and not edge):
                out.append(f"khoảng {fmt_number(band.lower)}–{fmt_number(band.upper)} % rỗng hoặc ngược")
        for prev, nxt in itertools.pairwise(bands):
            if nxt.lower > prev.upper + EPS:
                out.append(f"hở khoảng: không có điểm cho tỷ lệ từ {fmt_number(prev.upper)} đến {fmt_number(nxt.lower)} %")
            elif nxt.lower < prev.upper - EPS:
                first = f"{fmt_number(prev.lower)}–{fmt_number(prev.upper)} %"
                second = f"{fmt_number(nxt.lower)}–{fmt_number(nxt.upper)} %"
                out.append(f"chồng khoảng: {first} và {second}")
        return out + super().problems(max_points)

    def describe(self, max_points: float) -> str:
        parts = []
        last = len(self.bands) - 1
        for i, band in enumerate(self.bands):
            if band.lower == band.upper:
                span = f"{fmt_number(band.lower)} %"
            elif self.closed == "left":
                below = "" if i == last else "dưới "
                span = f"từ {fmt_number(band.lower)} đến {below}{fmt_number(band.upper)} %"
            elif i == 0:
                span = f"đến {fmt_number(band.upper)} %"
            else:
                span = f"trên {fmt_number(band.lower)} đến {fmt_number(band.upper)} %"
            parts.append(f"{span}: {fmt_number(band.points)} điểm")
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


@dataclass(frozen=True)
class CountRule(Rule):
    """A count against a required number: points in proportion (capped at the max), or
    all-or-nothing when `mode="all"`."""

    kind: ClassVar[str] = "count"
    required: int = 1
    mode: str = "proportional"
    unit_label: str = ""

    def score(self, declared: Any, max_points: float) -> float:
        count = parse_number(declared, "số lượng")
        if count < 0:
            raise RuleInputError(f"số lượng không được âm; đã nhập {fmt_number(count)}")
        if count != int(count):
            raise RuleInputError(f"số lượng phải là số nguyên; đã nhập {fmt_number(count)}")
        done = min(int(count), self.required)
        if self.mode == "all":
            return max_points if done >= self.required else 0.0
        return max_points * done / self.required

    def reachable(self, max_points: float) -> tuple[float, ...]:
        if self.mode == "all":
            return (0.0, max_points)
        return tuple(max_points * k / self.required for k in range(self.required + 1))

    def describe(self, max_points: float) -> str:
        what = f" {self.unit_label}" if self.unit_label else ""
        if self.mode == "all":
            return f"Đủ {self.required}{what}: {fmt_number(max_points)} điểm; thiếu: 0 điểm"
        return f"Yêu cầu {self.required}{what}; điểm theo tỷ lệ số đạt được (tối đa {fmt_number(max_points)})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind, "required": self.required}
        if self.mode != "proportional":
            out["mode"] = self.mode
        if self.unit_label:
            out["unit_label"] = self.unit_label
        return out


@dataclass(frozen=True)
class ManualRule(Rule):
    """Points given by the scorer, optionally on a step (0.25, 0.5 …)."""

    kind: ClassVar[str] = "manual"
    step: float | None = None

    def score(self, declared: Any, max_points: float) -> float:
        points = parse_number(declared, "điểm")
        self.check_points(points, max_points)
        return points

    def reachable(self, max_points: float) -> tuple[float, ...] | None:
        if self.step is None:
            return None
        n = round(max_points / self.step)
        return tuple(k * self.step for k in range(n + 1))

    def problems(self, max_points: float) -> list[str]:
        if self.step is not None and abs(round(max_points / self.step) * self.step - max_points) > 1e-6:
            return [f"điểm tối đa {fmt_number(max_points)} không chia hết cho bước {fmt_number(self.step)}"]
        return []

    def describe(self, max_points: float) -> str:
        if self.step is None:
            return f"Chấm điểm từ 0 đến {fmt_number(max_points)}"
        return f"Chấm điểm từ 0 đến {fmt_number(max_points)}, bước {fmt_number(self.step)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        if self.step is not None:
            out["step"] = self.step
        return out


FREE_POINTS = ManualRule()
RULE_TYPES: dict[str, type[Rule]] = {cls.kind: cls for cls in (YesNoRule, LevelsRule, PercentRule, CountRule, ManualRule)}


def rule_from_dict(data: dict[str, Any] | None) -> Rule:
    """Build a rule from its (schema-valid) dict; no rule means free points in [0, max]."""
    if not data:
        return FREE_POINTS
    kind = data["type"]
    if kind == "yesno":
        return YesNoRule(yes_points=data.get("yes_points"), no_points=float(data.get("no_points", 0)))
    if kind == "levels":
        return LevelsRule(tuple(Level(str(lv["label"]), float(lv["points"])) for lv in data["levels"]))
    if kind == "percent":
        return PercentRule(
            bands=tuple(Band(float(b["from"]), float(b["to"]), float(b["points"])) for b in data["bands"]),
            closed=data.get("closed", "left"),
            input=data.get("input", "percent"),
            done_label=data.get("done_label", ""),
            planned_label=data.get("planned_label", ""),
        )
    if kind == "count":
        return CountRule(
            required=int(data["required"]),
            mode=data.get("mode", "proportional"),
            unit_label=data.get("unit_label", ""),
        )
    if kind == "manual":
        step = data.get("step")
        return ManualRule(step=None if step is None else float(step))
    raise ValueError(f"unknown rule type {kind!r}")  # the schema rules this out


def score_declared(rule: Rule, declared: Any, max_points: float, allow_na: bool) -> float | NotApplicable:
    """Points for one declared answer, honouring "không áp dụng" where the item allows it."""
    if is_na(declared):
        if not allow_na:
            raise RuleInputError("tiêu chí này không cho phép chọn Không áp dụng")
        return NA
    if is_blank(declared):
        raise RuleInputError("chưa nhập giá trị")
    return rule.score(declared, max_points)
