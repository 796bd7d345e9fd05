"""The change log as people read it: every score change, survey answer, evidence file and
workflow or account event of a period (who, when, what, old → new, why), for `cchc log`, the
row history in the form and the administrator's page and download."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from cchc_widgets.core import clock
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.vocabulary import NOT_APPLICABLE, SELF, SURVEY, WINDOW_LABELS
from cchc_widgets.store.database import Store

LOG_COLUMNS = {
    "at": "thời gian",
    "author": "người",
    "action": "thao tác",
    "unit": "đơn vị",
    "code": "mã",
    "stage": "giai đoạn",
    "old": "cũ",
    "new": "mới",
    "reason": "lý do",
}


LOGGED_STAGES = {**WINDOW_LABELS, SURVEY: "Khảo sát"}


def change_log(store: Store, period: str, unit: str | None = None, code: str | None = None) -> pd.DataFrame:
    """Every kind of change of a period in time order: scores and replies, survey answers,
    evidence files added and removed, workflow and account events. Time, user, action, unit,
    code, stage, old → new, reason (the note, or the reason given to reopen)."""
    rows = [_logged(r) for r in store.change_log(period, unit).itertuples()]
    files = store.evidence_history(period, unit)
    rows += [_file_row(f.uploaded_at, f.author, "evidence", f, "", f.filename) for f in files.itertuples()]
    rows += [
        _file_row(f.removed_at, f.removed_by, "evidence-removed", f, f.filename, "")
        for f in files.itertuples()
        if f.removed_by is not None and not pd.isna(f.removed_at)
    ]
    events = store.events(period)
    if unit is not None:
        events = events[events["unit"] == unit]
    rows += [
        {
            "at": e.at,
            "author": e.login,
            "action": e.action,
            "unit": e.unit or "",
            "code": "",
            "stage": LOGGED_STAGES.get(e.stage, e.stage or ""),
            "old": "",
            "new": "",
            "reason": e.detail,
        }
        for e in events.itertuples()
    ]
    frame = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    if code is not None:
        frame = frame[frame["code"] == code]
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="mixed")
    frame = frame.sort_values("at", kind="stable")
    frame["at"] = frame["at"].dt.tz_convert(clock.zone()).dt.strftime("%d/%m/%Y %H:%M:%S")
    return frame.reset_index(drop=True)


def _logged(r: Any) -> dict[str, Any]:
    """One row of the store's score log: a score or a reply (values kept as JSON), or a survey
    answer (kept as the text «respondent: answer»)."""
    if r.stage == SURVEY:
        old, new = _text(r.old_value), _text(r.new_value)
    else:
        old, new = shown(r.old_value, r.old_points, r.old_na), shown(r.new_value, r.new_points, r.new_na)
    return {
        "at": r.at,
        "author": r.author,
        "action": r.action,
        "unit": r.unit,
        "code": r.code,
        "stage": LOGGED_STAGES.get(r.stage, r.stage),
        "old": old,
        "new": new,
        "reason": _text(r.new_note),
    }


def _text(value: Any) -> str:
    """Logged text, or "" where the log holds none (NULL reads back as None or NaN)."""
    return value if isinstance(value, str) else ""


def _file_row(at: Any, author: str, action: str, f: Any, old: str, new: str) -> dict[str, Any]:
    """An evidence file added or removed: it belongs to the unit's self-assessment."""
    return {
        "at": at,
        "author": author,
        "action": action,
        "unit": f.unit,
        "code": f.code,
        "stage": LOGGED_STAGES[SELF],
        "old": old,
        "new": new,
        "reason": "",
    }


def shown(value: Any, points: Any, na: Any) -> str:
    """A logged score as a person reads it: 'Có (1 điểm)', '17/20 (0,85 điểm)', 'KAD'."""
    if na is True or na == 1:
        return NOT_APPLICABLE
    answer = json.loads(value) if isinstance(value, str) else None
    if isinstance(answer, dict):
        answer = "/".join(format_number(v) if isinstance(v, int | float) else str(v) for v in answer.values())
    elif isinstance(answer, int | float) and not isinstance(answer, bool):
        answer = format_number(answer)
    has_points = points is not None and not pd.isna(points)
    if answer is None:
        return f"{format_number(points)} điểm" if has_points else ""
    return f"{answer} ({format_number(points)} điểm)" if has_points else str(answer)
