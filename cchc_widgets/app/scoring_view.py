"""What the scoring form shows of what a `ScoringSession` read: a row's score as the page
writes it, and the header (the totals of the stage's view, the sections, what is left, the
unit's progress in one line).

Apart from the session, whose job is to read the store and to change it: these functions only
read the session's state, so the look of the page changes here and the path every write takes
stays where it is.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet, declared_text
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.vocabulary import APPRAISAL, SELF, STAGE_LABELS, SURVEY, page_words, set_qualifier
from cchc_widgets.files.evidence import LIMITS_TEXT, MAX_BYTES
from cchc_widgets.services.access import Workflow
from cchc_widgets.services.progress import LACKING
from cchc_widgets.services.writes import local_time


class ScoringSession(Protocol):
    """What these functions read of `scoring_session.ScoringSession` (named, not imported: the
    session imports this module)."""

    cs: CriteriaSet
    period: str
    period_name: str
    unit: str
    unit_name: str
    stage: str
    saved_at: datetime | None
    by_key: dict[tuple[str, str], Any]  # (code, stage) → the unit's stored row, both stages
    survey: pd.DataFrame
    workflow: Workflow

    def person(self, login: str) -> str: ...
    def flags(self, code: str) -> list[str]: ...
    def access(self) -> dict[str, Any]: ...


ADJUSTMENTS = "±"  # the section of bonus and penalty items, after the tree


def shown_score(s: ScoringSession, code: str, stage: str) -> dict[str, Any] | None:
    """One stage's score of a row as the page shows it (None: never scored at that stage)."""
    rec = s.by_key.get((code, stage))
    if rec is None:
        return None
    node = s.cs.entries[code]
    points = _clean(rec.points)
    value, shown = declared_text(node, rec.value, points, bool(rec.na))
    if value is None and points is not None and not rec.na:  # points given directly: the input the rule has for them
        value = node.rule.value_for_points(points)
    inputs = [] if value is None else node.rule.input_values(value)
    return {
        "shown": shown,
        "inputs": inputs,
        "points": points,
        "points_shown": points_shown(s.cs, node.kind, points, bool(rec.na)),
        "na": bool(rec.na),
        "note": rec.note,
        "version": int(rec.version),
        "scored": points is not None or bool(rec.na),
        "author": s.person(rec.author),
    }


def points_shown(cs: CriteriaSet, kind: str | None, points: float | None, na: bool) -> str:
    """Points as the row shows them, with the set's places as the header's totals and every
    printed table (0,50; 2,500): a row never reads 8,3335 under a domain of 8,334. An item that
    does not apply shows the set's word."""
    if na:
        return cs.na_label
    return "" if points is None else _signed(kind, points, cs.decimals)


def header(s: ScoringSession) -> dict[str, Any]:
    """Unit, period, stage, totals of this stage's view, class and completion."""
    scored = _scored(s)
    got = len(scored.total) > 0  # a unit with nothing scored has no figures yet
    total = float(scored.total[0]) if got else 0.0
    applicable = float(scored.whole[0]) if got else s.cs.max_points
    index = float(scored.index[0]) if got and not math.isnan(scored.index[0]) else None
    klass = engine.class_labels(engine.ranked_on(scored.index, s.cs), s.cs.classes)[0] if got else None
    with_points = s.stage != SELF and len(s.survey) and got
    survey = float(scored.points[0, len(s.cs.leaf_codes) :].sum()) if with_points else None
    sections = _sections(s.cs, scored)
    counts = _counts(s, sections)
    done = len(s.cs.leaf_codes) - counts["todo"]
    # an appraisal under way: its total takes the unit's own points where nothing is appraised
    # yet, so it is provisional and gives no class (a class is the appraisal's verdict)
    provisional = s.stage == APPRAISAL and done < len(s.cs.leaf_codes)
    if provisional:
        klass = None
    adjusted = _adjustments(s, scored, sections)
    return {
        "unit": s.unit,
        "unit_name": s.unit_name,
        "period": s.period,
        "period_name": s.period_name,
        "stage": s.stage,
        "stage_label": STAGE_LABELS[s.stage],
        "total": total,
        "max": applicable,
        "survey": survey,
        "has_survey": s.cs.survey is not None,
        # the appraisal's bonus and penalty points, when the set has them (the unit's own total has none)
        "bonus": adjusted["bonus"] if s.cs.adjustments and s.stage != SELF else None,
        "penalty": adjusted["penalty"] if s.cs.adjustments and s.stage != SELF else None,
        "index": index,
        "class": klass,
        "provisional": provisional,
        "done": done,
        "leaves": len(s.cs.leaf_codes),
        "completion": f"{done}/{len(s.cs.leaf_codes)} tiêu chí đã chấm",
        "progress": progress_line(s, done if s.stage == SELF else _self_done(s), counts["no_evidence"]),
        "counts": counts,
        "sections": sections,
        "criteria_set": f"{s.cs.name} (phiên bản {s.cs.version})",
        "criteria_tag": set_qualifier(s.cs),
        "decimals": s.cs.decimals,
        "na_label": s.cs.na_label,
        "saved": f"Đã lưu lúc {s.saved_at:%H:%M:%S}" if s.saved_at else "Mọi thay đổi được lưu ngay khi nhập",
        "limits": LIMITS_TEXT,
        "max_bytes": MAX_BYTES,
        "words": page_words(),
        "explain_missing_evidence": s.cs.explain_missing_evidence,
        **s.access(),
    }


def _scored(s: ScoringSession) -> engine.Sums:
    """The stage's view of the unit summed by the engine from the rows the page holds, as plain
    columns (the header is redrawn on every edit: no frame is built for one unit): the unit's
    own view its self-assessment alone; the appraisal's the final result, survey included.
    One key when anything is scored, none otherwise."""
    rows = [r for (_, stage), r in s.by_key.items() if is_scored(r) and (s.stage != SELF or stage == SELF)]
    columns = {
        "code": [r.code for r in rows],
        "stage": [r.stage for r in rows],
        "points": [r.points for r in rows],
        "na": [bool(r.na) for r in rows],
    }
    if s.stage != SELF and len(s.survey):
        items = s.survey["code"].tolist()
        columns["code"] += items
        columns["stage"] += [SURVEY] * len(items)
        columns["points"] += s.survey["points"].tolist()
        columns["na"] += [False] * len(items)
    n = len(columns["code"])
    return engine.sums(columns, s.cs, np.zeros(n, dtype=int), 1 if n else 0)


def _sections(cs: CriteriaSet, scored: engine.Sums) -> dict[str, dict[str, Any]]:
    """The header's line per domain and group of criteria: points of the applicable max."""
    got = len(scored.total) > 0
    points = dict(zip(scored.codes, scored.node_points[0].tolist(), strict=True)) if got else {}
    maxima = dict(zip(scored.codes, scored.node_max[0].tolist(), strict=True)) if got else {}
    return {
        node.code: {
            "name": node.name,
            "points": points.get(node.code, 0.0),
            "max": maxima.get(node.code, node.max_points),
            "level": node.level,
            # every item under it does not apply: the set's word, not «0 / 0»
            "na": node.max_points > 0 and maxima.get(node.code, node.max_points) == 0,
        }
        for node in cs
        if not node.is_leaf or node.parent is None
    }


def _counts(s: ScoringSession, sections: dict[str, dict[str, Any]]) -> dict[str, int]:
    """How many rows each filter shows; and, in `sections`, how many rows each domain has left."""
    counts = {"todo": 0, "no_evidence": 0, "differs": 0}
    for code in s.cs.leaf_codes:
        flags = s.flags(code)
        for flag in flags:
            counts[flag] += 1
        if "todo" in flags:  # a count per domain of what is left
            top = sections[s.cs.top_of(code)]
            top["left"] = top.get("left", 0) + 1
    return counts


def _adjustments(s: ScoringSession, scored: engine.Sums, sections: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The bonus and penalty points, and their section, when the set has them."""
    adjusted = {"bonus": 0.0, "penalty": 0.0}
    if s.cs.adjustments:
        if len(scored.total):
            adjusted = {"bonus": float(scored.bonus[0]), "penalty": float(scored.penalty[0])}
        shown = f"+{format_number(adjusted['bonus'], 4)} / −{format_number(adjusted['penalty'], 4)} điểm"
        if s.stage == SELF:  # the unit's own total has none: they come with the appraisal
            shown = "do người thẩm định nhập"
        sections[ADJUSTMENTS] = {"name": "Điểm thưởng, điểm trừ", "title": "Điểm thưởng, điểm trừ", "text": shown, "level": 1}
    return adjusted


def progress_line(s: ScoringSession, done: int, lacking: int) -> str:
    """The unit's progress in one line, shown on every screen (a phone too): scored, lacking
    evidence, submitted or the deadline of the stage it is in."""
    leaves, workflow = len(s.cs.leaf_codes), s.workflow
    parts = [f"Đã chấm {done}/{leaves}"]
    if lacking:
        parts.append(f"{lacking} mục {LACKING}")
    submitted = workflow.submitted.get(s.unit)
    if submitted is not None:
        parts.append(f"đã nộp lúc {local_time(submitted['submitted_at'])}")
    elif workflow.manages(block := workflow.block_of(s.unit)):
        until = (workflow.row(SELF, block) or {}).get("until")
        parts.append("chưa nộp" + ("" if until is None else f", hạn {pd.Timestamp(until):%d/%m/%Y}"))
    return " · ".join(parts)


def _self_done(s: ScoringSession) -> int:
    return sum(is_scored(s.by_key.get((code, SELF))) for code in s.cs.leaf_codes)


def is_scored(rec: Any) -> bool:
    """Whether a stored row carries a score (points or N/A)."""
    return rec is not None and (bool(rec.na) or not pd.isna(rec.points))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _signed(kind: str | None, points: float, decimals: int) -> str:
    """Points as a person reads them: a bonus adds (+2,00), a penalty subtracts (−2,00)."""
    shown = format_number(points, decimals, fixed=True)
    if not kind or round(points, decimals) == 0:
        return shown
    return ("+" if kind == "bonus" else "−") + shown
