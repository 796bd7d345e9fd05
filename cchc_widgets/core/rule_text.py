"""The one-line rule syntax of flat tables and the criteria editor
(`levels: Đúng hạn=1; Chậm=0.5; Không=0`), read (`parse_rule_text`) and written (`rule_text`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cchc_widgets.core.vocabulary import NO, YES, is_no, is_yes


def parse_rule_text(text: str) -> dict[str, Any]:
    """The compact rule syntax of flat tables, e.g. `levels: Đúng hạn=1; Chậm=0.5; Không=0`,
    `percent right pair: 0-70=0; 70-90=1; 90-100=2`, `count: 4`, `manual: 0.25`, `yesno`,
    or the rule as JSON. Raises ValueError with a Vietnamese message."""
    text = text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"quy tắc dạng JSON không đọc được: {exc.msg}") from None
    head, _, body = text.partition(":")
    words = head.strip().lower().split()
    if not words:
        raise ValueError("quy tắc trống")
    kind = words[0]
    if kind not in READERS:
        raise ValueError(f"loại quy tắc '{kind}' không có; dùng yesno, levels, percent, count hoặc manual")
    return READERS[kind](_Line(text, set(words[1:]), body))


@dataclass(frozen=True)
class _Line:
    """One rule line as written: `kind flags: body`, its whole text kept for messages."""

    text: str
    flags: set[str]
    body: str

    def number(self, s: str) -> float:
        try:
            return float(s.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"'{s.strip()}' không phải là số trong quy tắc '{self.text}'") from None

    def pairs(self) -> list[tuple[str, float]]:
        """The body's `label=points` parts, in order."""
        out = []
        for part in (p.strip() for p in self.body.split(";")):
            if not part:
                continue
            label, eq, pts = part.rpartition("=")
            if not eq:
                raise ValueError(f"thiếu '=điểm' ở '{part}' trong quy tắc '{self.text}'")
            out.append((label.strip(), self.number(pts)))
        return out


def _yesno(line: _Line) -> dict[str, Any]:
    rule: dict[str, Any] = {"type": "yesno"}
    for label, pts in line.pairs():  # `yesno: có=2; không=0.5` sets the points of each answer
        if is_yes(label):
            rule["yes_points"] = pts
        elif is_no(label):
            rule["no_points"] = pts
        else:
            raise ValueError(f"'{label}' không phải có/không trong quy tắc '{line.text}'")
    return rule


def _percent(line: _Line) -> dict[str, Any]:
    bands = []
    for span, pts in line.pairs():
        lo, dash, hi = span.partition("-")
        if not dash:
            raise ValueError(f"khoảng '{span}' phải có dạng từ-đến, ví dụ 70-90")
        bands.append({"from": line.number(lo), "to": line.number(hi), "points": pts})
    rule: dict[str, Any] = {"type": "percent", "bands": bands}
    if "right" in line.flags:
        rule["closed"] = "right"
    if "pair" in line.flags:
        rule["input"] = "pair"
    return rule


def _count(line: _Line) -> dict[str, Any]:
    rule: dict[str, Any] = {"type": "count", "required": int(line.number(line.body))}
    if "all" in line.flags:
        rule["mode"] = "all"
    return rule


READERS: dict[str, Callable[[_Line], dict[str, Any]]] = {
    "yesno": _yesno,
    "levels": lambda line: {"type": "levels", "levels": [{"label": lab, "points": p} for lab, p in line.pairs()]},
    "percent": _percent,
    "count": _count,
    "manual": lambda line: {"type": "manual", "step": line.number(line.body)} if line.body.strip() else {"type": "manual"},
}


def rule_text(rule: dict[str, Any]) -> str:
    """A rule document in the compact syntax `parse_rule_text` reads (what a designer edits in
    one line); JSON where the syntax cannot say it (labels with `;`, count unit labels, the
    labels of a done/planned pair)."""

    def number(x: float) -> str:
        return f"{float(x):g}"

    kind = rule.get("type")
    plain = json.dumps(rule, ensure_ascii=False)
    if kind == "yesno":
        points = [(YES, rule["yes_points"])] if "yes_points" in rule else []
        points += [(NO, rule["no_points"])] if rule.get("no_points") else []
        return "yesno" + (": " + "; ".join(f"{label}={number(p)}" for label, p in points) if points else "")
    if kind == "levels":
        if any(";" in lv["label"] or not lv["label"].strip() for lv in rule["levels"]):
            return plain
        return "levels: " + "; ".join(f"{lv['label']}={number(lv['points'])}" for lv in rule["levels"])
    if kind == "percent":
        if rule.get("done_label") or rule.get("planned_label"):
            return plain
        flags = "".join(
            f" {flag}" for flag, on in (("right", rule.get("closed") == "right"), ("pair", rule.get("input") == "pair")) if on
        )
        bands = "; ".join(f"{number(b['from'])}-{number(b['to'])}={number(b['points'])}" for b in rule["bands"])
        return f"percent{flags}: {bands}"
    if kind == "count" and not rule.get("unit_label"):
        return ("count all" if rule.get("mode") == "all" else "count") + f": {int(rule['required'])}"
    if kind == "manual":
        return "manual" + (f": {number(rule['step'])}" if rule.get("step") else "")
    return plain
