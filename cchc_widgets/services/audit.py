"""The change log as people read it: every score change, survey answer, evidence file and
workflow or account event of a period (who, when, what, old → new, why), for `cchc log`, the
row history in the form and the administrator's page and download.

People read names, not codes: an action by its Vietnamese name (`vocabulary.ACTION_NAMES`),
a person by the account's full name beside the login, a unit by its name, a time in the
province's zone, and a blank where the store holds nothing (never «nan»)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from cchc_widgets.core import clock
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.text import folded
from cchc_widgets.core.vocabulary import NOT_APPLICABLE, SELF, SURVEY, WINDOW_LABELS, action_name
from cchc_widgets.store.database import Store

# the columns a person reads (terminal, downloads), in order, with their headings, capitalised as
# every other table's
LOG_COLUMNS = {
    "at": "Thời gian",
    "name": "Người",
    "author": "Tài khoản",
    "action_name": "Thao tác",
    "unit_name": "Đơn vị",
    "code": "Mã",
    "stage": "Giai đoạn",
    "old": "Cũ",
    "new": "Mới",
    "reason": "Lý do",
}
# every column `change_log` returns: the read ones, plus the codes filters and pages work by
# (`action`, `unit`) and `when`, the instant itself (a date in a workbook, not text)
FRAME_COLUMNS = [
    *("at", "when", "author", "name", "action", "action_name", "unit", "unit_name"),
    *("code", "stage", "old", "new", "reason"),
]
LOG_SHEET = "Nhật ký"
WIDTHS = {"at": 20, "name": 24, "author": 14, "action_name": 28, "unit_name": 30, "reason": 40}
LOG_WIDTHS = {LOG_COLUMNS[key]: width for key, width in WIDTHS.items()}

LOGGED_STAGES = {**WINDOW_LABELS, SURVEY: "Khảo sát"}


def change_log(store: Store, period: str, unit: str | None = None, code: str | None = None) -> pd.DataFrame:
    """Every kind of change of a period in time order: scores and replies, survey answers,
    evidence files added and removed (name and size), workflow and account events. Time,
    person (login and full name), action (code and name), unit (id and name), code, stage,
    old → new, reason (the note, or the reason given to reopen)."""
    rows = [_logged(r) for r in store.change_log(period, unit).itertuples()]
    files = store.evidence_history(period, unit)
    rows += [_file_row(f.uploaded_at, f.author, "evidence", f, "", _file(f)) for f in files.itertuples()]
    rows += [
        _file_row(f.removed_at, f.removed_by, "evidence-removed", f, _file(f), "")
        for f in files.itertuples()
        if _text(f.removed_by) and not pd.isna(f.removed_at)
    ]
    events = store.events(period)
    if unit is not None:
        events = events[events["unit"] == unit]
    rows += [
        {
            "at": e.at,
            "author": e.login,
            "action": e.action,
            "unit": _text(e.unit),
            "code": "",
            "stage": LOGGED_STAGES.get(_text(e.stage), _text(e.stage)),
            "old": "",
            "new": "",
            "reason": _text(e.detail),
        }
        for e in events.itertuples()
    ]
    frame = pd.DataFrame(rows, columns=[c for c in FRAME_COLUMNS if c not in ("when", "name", "action_name", "unit_name")])
    if code is not None:
        frame = frame[frame["code"] == code]
    frame["when"] = pd.to_datetime(frame["at"], utc=True, format="mixed").dt.tz_convert(clock.zone())
    frame = frame.sort_values("when", kind="stable")
    frame["at"] = frame["when"].dt.strftime("%d/%m/%Y %H:%M:%S")
    names = store.account_names()
    units = store.unit_names(period)
    for column in ("author", "action", "unit", "code", "stage", "old", "new", "reason"):
        frame[column] = frame[column].map(_text)
    # a person by the account's name beside its login; a name typed where no one signed in
    # (a laptop's «Người chấm», a file's author) is the person, with no login beside it
    frame["name"] = frame["author"].map(lambda a: names.get(a, a))
    frame["author"] = frame["author"].where(frame["author"].isin(names.keys()), "")
    # a reopening without a unit is of the finalised period: the same code, told apart for people
    period_wide = (frame["action"] == "reopen") & (frame["unit"] == "")
    frame["action_name"] = frame["action"].where(~period_wide, "reopen-period").map(action_name)
    frame["unit_name"] = frame["unit"].map(lambda u: units.get(u, u))
    return frame[FRAME_COLUMNS].reset_index(drop=True)


def filtered(frame: pd.DataFrame, action: str = "", person: str = "") -> pd.DataFrame:
    """Rows whose action name holds `action` and whose person (full name or login) holds
    `person`, as people type them (any case): «nộp» finds «Nộp tự đánh giá»."""
    keep = pd.Series(True, index=frame.index)
    if folded(action):
        keep &= frame["action_name"].map(folded).str.contains(folded(action), regex=False)
    if folded(person):
        who = frame["name"].map(folded) + "\n" + frame["author"].map(folded)
        keep &= who.str.contains(folded(person), regex=False)
    return frame[keep]


def log_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The log as people read it: the read columns under their Vietnamese headings."""
    return frame[list(LOG_COLUMNS)].rename(columns=LOG_COLUMNS)


def log_xlsx(frame: pd.DataFrame) -> bytes:
    """The log as a workbook an office works in: real dates (the province's time) that sort
    and filter, unit names, a named sheet, readable widths, the header frozen and filtered."""
    from cchc_widgets.files.tables_out import xlsx_bytes

    table = log_table(frame)
    table[LOG_COLUMNS["at"]] = [when.to_pydatetime().replace(tzinfo=None) for when in frame["when"]]
    return xlsx_bytes(table, sheet=LOG_SHEET, widths=LOG_WIDTHS)


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


def _file(f: Any) -> str:
    """An evidence file as the log names it: its name and size («quyet-dinh.pdf (12,5 KB)»)."""
    try:
        size = float(f.size)
    except (TypeError, ValueError):
        return f.filename
    if pd.isna(size):
        return f.filename
    if size < 1024:
        return f"{f.filename} ({int(size)} B)"
    scaled, unit = (size / 1024, "KB") if size < 1024**2 else (size / 1024**2, "MB")
    return f"{f.filename} ({format_number(scaled, 1)} {unit})"


def _text(value: Any) -> str:
    """Logged text, or "" where the log holds none (NULL reads back as None or NaN)."""
    return value if isinstance(value, str) else ""


def _file_row(at: Any, author: str, action: str, f: Any, old: str, new: str) -> dict[str, Any]:
    """An evidence file added or removed: it belongs to the unit's self-assessment."""
    return {
        "at": at,
        "author": _text(author),
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
