"""One person scoring one unit in one period and stage: the logic behind the scoring form.

The form widget only renders what this object returns and forwards what a person did. Every
accepted change is written through the store at once (with the version last read, so two
tabs cannot silently overwrite each other) and the view state is rebuilt from the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet, Node
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.rules import NA, RuleInputError, fmt_number, is_blank, is_na, score_declared
from cchc_widgets.files.evidence import LIMITS_TEXT, MAX_BYTES, EvidenceError
from cchc_widgets.store.database import ConflictError, Store, scored_rows, with_survey

STAGE_LABELS = {"self": "Tự đánh giá", "appraisal": "Thẩm định"}


class FieldError(ValueError):
    """A change refused at one field; the message is shown beside it and nothing is saved."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def show_value(value: Any) -> str:
    """A declared value as a person reads it."""
    if value is None:
        return ""
    if is_na(value):
        return "Không áp dụng"
    if isinstance(value, dict):
        return f"{value.get('done', '')}/{value.get('planned', '')}"
    return str(value)


@dataclass(frozen=True)
class Choice:
    id: str
    name: str


class ScoringSession:
    """State and actions of the scoring form for (period, unit, stage)."""

    def __init__(self, store: Store, period: str, unit: str, stage: str = "self") -> None:
        if stage not in engine.STAGES:
            raise ProblemsError([_problem(f"giai đoạn '{stage}' không có; chọn tự đánh giá hoặc thẩm định")])
        periods = store.periods()
        if period not in set(periods["id"]):
            raise ProblemsError([_problem(f"không có kỳ đánh giá '{period}'")])
        units = store.units(period)
        if unit not in set(units["id"]):
            raise ProblemsError([_problem(f"đơn vị '{unit}' không tham gia kỳ '{period}'")])
        self.store, self.period, self.unit, self.stage = store, period, unit, stage
        self.cs: CriteriaSet = store.criteria_for(period)
        self.unit_name = dict(zip(units["id"], units["name"], strict=True))[unit]
        self.period_name = dict(zip(periods["id"], periods["name"], strict=True))[period]
        self.saved_at: datetime | None = None
        self.reload()

    # ------------------------------------------------------------ reading

    def reload(self) -> None:
        """Read this unit's scores and files from the store (both stages)."""
        self.scores = self.store.scores(self.period, self.unit)
        self.files = self.store.evidence(self.period, self.unit)
        self.survey = self.store.survey_points(self.period, self.unit)
        self._by_key = {(r.code, r.stage): r for r in self.scores.itertuples()}
        self._files_by_code: dict[str, list[dict[str, Any]]] = {}
        for f in self.files.itertuples():
            self._files_by_code.setdefault(f.code, []).append({"id": int(f.id), "name": f.filename, "size": int(f.size)})

    def _score(self, code: str, stage: str) -> dict[str, Any] | None:
        rec = self._by_key.get((code, stage))
        if rec is None:
            return None
        points = _clean(rec.points)
        return {
            "value": rec.value,
            "shown": show_value(rec.value) if rec.value is not None else ("" if points is None else fmt_number(points)),
            "points": points,
            "na": bool(rec.na),
            "note": rec.note,
            "version": int(rec.version),
            "scored": points is not None or bool(rec.na),
            "author": rec.author,
        }

    def _scored(self, stage_view: str) -> engine.Scored:
        frame = scored_rows(self.scores)
        if stage_view == "self":  # the unit's own view: its self-assessment alone
            return engine.aggregate(frame[frame["stage"] == "self"], self.cs)
        return engine.aggregate(with_survey(frame, self.survey), self.cs)  # the final result, survey included

    def row(self, code: str) -> dict[str, Any]:
        """Everything the form shows for one sub-criterion."""
        node = self.cs[code]
        other = "appraisal" if self.stage == "self" else "self"
        return {
            "code": code,
            "name": node.name,
            "max": node.max_points,
            "path": [*reversed(self.cs.ancestors(code))],
            **_rule_view(node),
            "mine": self._score(code, self.stage),
            "other": self._score(code, other),
            "files": self._files_by_code.get(code, []),
        }

    def rows(self) -> list[dict[str, Any]]:
        return [self.row(code) for code in self.cs.leaf_codes]

    def header(self) -> dict[str, Any]:
        """Unit, period, stage, totals of this stage's view, class and completion."""
        scored = self._scored(self.stage)
        res = scored.results
        total = float(res["total"].iloc[0]) if len(res) else 0.0
        applicable = float(res["max"].iloc[0]) if len(res) else self.cs.max_points
        index = float(res["index"].iloc[0]) if len(res) and pd.notna(res["index"].iloc[0]) else None
        klass = res["class"].iloc[0] if len(res) else None
        with_points = self.stage != "self" and len(self.survey) and len(res)
        survey = float(res["survey"].iloc[0]) if with_points else None
        done = sum(1 for code in self.cs.leaf_codes if (s := self._score(code, self.stage)) and s["scored"])
        points = dict(zip(scored.nodes["code"], scored.nodes["points"].tolist(), strict=True))
        maxima = dict(zip(scored.nodes["code"], scored.nodes["max"].tolist(), strict=True))
        sections = {
            node.code: {
                "name": node.name,
                "points": points.get(node.code, 0.0),
                "max": maxima.get(node.code, node.max_points),
                "level": node.level,
            }
            for node in self.cs
            if not node.is_leaf or node.parent is None
        }
        return {
            "unit": self.unit,
            "unit_name": self.unit_name,
            "period": self.period,
            "period_name": self.period_name,
            "stage": self.stage,
            "stage_label": STAGE_LABELS[self.stage],
            "total": total,
            "max": applicable,
            "survey": survey,
            "has_survey": self.cs.survey is not None,
            "index": index,
            "class": klass,
            "done": done,
            "leaves": len(self.cs.leaf_codes),
            "completion": f"{done}/{len(self.cs.leaf_codes)} tiêu chí đã chấm",
            "sections": sections,
            "criteria_set": f"{self.cs.name} (phiên bản {self.cs.version})",
            "saved": f"Đã lưu lúc {self.saved_at:%H:%M:%S}" if self.saved_at else "Mọi thay đổi được lưu ngay khi nhập",
            "limits": LIMITS_TEXT,
            "max_bytes": MAX_BYTES,
        }

    # ------------------------------------------------------------ changing

    def edit(self, code: str, value: Any, note: str, author: str) -> None:
        """Save what a person entered for one sub-criterion, or refuse it with `FieldError`."""
        if code not in self.cs.leaf_codes:
            raise FieldError(code, f"mã '{code}' không phải tiêu chí chấm điểm")
        author = (author or "").strip()
        if not author:
            raise FieldError(code, "Nhập tên người chấm (ô «Người chấm» ở đầu trang) trước khi chấm")
        note = (note or "").strip()
        node = self.cs[code]
        current = self._score(code, self.stage)
        if is_blank(value) or (isinstance(value, dict) and all(is_blank(v) for v in value.values())):
            if not note:
                if current is not None:
                    self.store.clear_scores(self.period, [(self.unit, code, self.stage)], author)
                    self._saved()
                return
            value = None
        if value is not None:
            try:
                points = score_declared(node.rule, value, node.max_points, node.allow_na)
            except RuleInputError as exc:
                raise FieldError(code, str(exc)) from None
            if self.stage == "appraisal" and not note:
                own = self._score(code, "self")
                if own is None or not own["scored"]:
                    raise FieldError(code, "Đơn vị chưa tự chấm tiêu chí này: ghi lý do của điểm thẩm định")
                if (points is NA) != own["na"] or (points is not NA and abs(points - (own["points"] or 0)) > 1e-9):
                    raise FieldError(
                        code,
                        f"Điểm thẩm định khác điểm tự đánh giá ({own['shown'] or fmt_number(own['points'])}): "
                        "ghi lý do trước khi lưu",
                    )
            value = "N/A" if points is NA else value
        row = pd.DataFrame([{"unit": self.unit, "code": code, "stage": self.stage, "value": value, "note": note}])
        expected = {(self.unit, code, self.stage): current["version"] if current else 0}
        try:
            self.store.save_scores(self.period, row, author=author, action="form", expected_versions=expected)
        except ConflictError as exc:
            self.reload()
            raise FieldError(code, exc.problems[0].message) from None
        except ProblemsError as exc:
            raise FieldError(code, "; ".join(p.message for p in exc.problems)) from None
        self._saved()

    def add_evidence(self, code: str, filename: str, data: bytes, author: str) -> None:
        if not (author or "").strip():
            raise FieldError(code, "Nhập tên người chấm trước khi tải tài liệu lên")
        try:
            self.store.add_evidence(self.period, self.unit, code, filename, data, author.strip())
        except EvidenceError as exc:
            raise FieldError(code, str(exc)) from None
        self._saved()

    def remove_evidence(self, evidence_id: int, author: str) -> None:
        code = self._file_code(evidence_id)
        if not (author or "").strip():
            raise FieldError(code, "Nhập tên người chấm trước khi gỡ tài liệu")
        self.store.remove_evidence(evidence_id, author.strip())
        self._saved()

    def read_evidence(self, evidence_id: int) -> tuple[str, str, bytes]:
        self._file_code(evidence_id)  # only this unit's files, in this period
        return self.store.read_evidence(evidence_id)

    def _file_code(self, evidence_id: int) -> str:
        for code, files in self._files_by_code.items():
            if any(f["id"] == evidence_id for f in files):
                return code
        raise EvidenceError("tệp không thuộc đơn vị và kỳ đang mở")

    def _saved(self) -> None:
        self.saved_at = datetime.now().astimezone()
        self.reload()


def _problem(message: str) -> Problem:
    return Problem("cchc", message)


def _rule_view(node: Node) -> dict[str, Any]:
    """The input a rule needs, as plain data for the form."""
    rule = node.rule
    view: dict[str, Any] = {
        "kind": rule.kind if node.has_rule else "free",
        "how": rule.describe(node.max_points),
        "evidence": node.evidence,
        "allow_na": node.allow_na,
    }
    if rule.kind == "levels":
        view["options"] = [level.label for level in rule.levels]
    elif rule.kind == "percent":
        view.update(input=rule.input, done_label=rule.done_label or "Đã thực hiện", planned_label=rule.planned_label or "Tổng số")
    elif rule.kind == "count":
        view.update(required=rule.required, unit_label=rule.unit_label)
    elif rule.kind == "manual":
        view["step"] = rule.step
    return view
