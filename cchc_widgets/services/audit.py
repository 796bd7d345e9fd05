"""The change log as people read it: every score change and every workflow event of a period
(who, when, what, old → new, why), for `cchc log`, the row history in the form and the
administrator's download."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from cchc_widgets.core import clock
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.vocabulary import NOT_APPLICABLE, WINDOW_LABELS
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


def change_log(store: Store, period: str, unit: str | None = None, code: str | None = None) -> pd.DataFrame:
    """Score changes and workflow events of a period in time order: time, user, action, unit,
    code, stage, old → new, reason (the note, or the reason given to reopen)."""
    scores = store.change_log(period, unit)
    rows = [
        {
            "at": r.at,
            "author": r.author,
            "action": r.action,
            "unit": r.unit,
            "code": r.code,
            "stage": WINDOW_LABELS.get(r.stage, r.stage),
            "old": shown(r.old_value, r.old_points, r.old_na),
            "new": shown(r.new_value, r.new_points, r.new_na),
            "reason": r.new_note or "",
        }
        for r in scores.itertuples()
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
            "stage": WINDOW_LABELS.get(e.stage, e.stage or ""),
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
