"""The administrator's page (Sở Nội vụ): accounts and their units, a period's stages with
their dates, submissions, finalising, and the change log with filters.

Every action goes through `services.access` (and is logged there) after `require_admin`
has checked, at that moment, that the signed-in account is still an administrator: the
page's buttons are only a way to ask.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from cchc_widgets.app.period_form import PeriodForm
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import ACTION_NAMES, ROLES, WINDOW_LABELS, block_label
from cchc_widgets.services import access, confirmations, progress
from cchc_widgets.services.access import Actor
from cchc_widgets.services.audit import change_log, filtered, log_xlsx
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import local_time
from cchc_widgets.store.database import Store

LOG_SHOWN = 300  # newest rows of the filtered log the page lists; the download has them all


class AdminSession:
    def __init__(self, store: Store, actor: Actor | None, period: str | None = None) -> None:
        self.store, self.actor = store, actor
        self.by = access.require_admin(store, actor, "mở trang quản trị")
        periods = list(store.periods()["id"])
        if not periods:
            raise ProblemsError([Problem(store.where, "kho dữ liệu chưa có kỳ đánh giá nào")])
        self.period = period if period in periods else periods[-1]
        self.filters: dict[str, str] = {}
        self.block = ""  # the block whose stages the page shows and sets ("": every block)
        self.stamp: tuple[Any, ...] | None = None  # the period's mark when the page last read it
        self.new = PeriodForm(store, actor)  # the form that opens a new period

    def changed(self) -> bool:
        """Whether the period moved since the page last read it (a submission, a score, a file):
        asked at the page's heartbeat, as the scoring form asks for its unit."""
        return progress.period_stamp(self.store, self.period) != self.stamp

    def _admin(self, doing: str) -> str:
        return access.require_admin(self.store, self.actor, doing)

    # ------------------------------------------------------------ what the page shows

    def state(self) -> dict[str, Any]:
        store, period = self.store, self.period
        self.stamp = progress.period_stamp(store, period)  # first: a change landing meanwhile is seen next time
        workflow = access.Workflow.of(store, period)
        blocks = [b for b in store.blocks(period) if b]
        if self.block not in blocks:  # a period of one set, or another period's block
            self.block = ""
        names = store.unit_names(period)
        accounts = store.accounts()
        people = dict(zip(accounts["login"], accounts["name"], strict=True))  # a submitter named as progress names them
        log = self.log()
        return {
            "period": period,
            "periods": store.periods()[["id", "name"]].values.tolist(),
            "roles": [[k, v] for k, v in ROLES.items()],
            "units": [[k, v] for k, v in names.items()],
            "accounts": [
                {**r, "role_label": ROLES.get(r["role"], r["role"]), "units": [u for u in r["units"].split(",") if u]}
                for r in accounts.to_dict("records")
            ],
            "blocks": [["", "Mọi khối"], *([b, block_label(b)] for b in blocks)] if len(blocks) > 1 else [],
            "block": self.block,
            "stages": [
                {
                    "stage": stage,
                    "label": label,
                    "state": workflow.describe(stage, self.block),
                    "open": workflow.stage_open(stage, self.block) and workflow.row(stage, self.block) is not None,
                    "until": _iso((workflow.row(stage, self.block) or {}).get("until")),
                }
                for stage, label in WINDOW_LABELS.items()
            ],
            "submitted": [
                {
                    "unit": u,
                    "name": names.get(u, u),
                    "by": people.get(r["submitted_by"], r["submitted_by"]),
                    "at": local_time(r["submitted_at"]),
                }
                for u, r in sorted(workflow.submitted.items())
            ],
            "record": access.record_line(store, period),
            "final": workflow.final is not None,
            "filters": self.filters,
            "action_names": list(ACTION_NAMES.values()),
            "log": log.head(LOG_SHOWN).drop(columns="when").to_dict("records"),
            "log_total": len(log),
            "new_period": self.new.state(period),
        }

    def log(self) -> pd.DataFrame:
        """The period's change log, newest first, with the page's filters applied: the person
        and the action as people type them (part of a name or login, part of an action's name)."""
        f = self.filters
        frame = change_log(self.store, self.period, f.get("unit") or None, f.get("code") or None)
        frame = filtered(frame, f.get("action", ""), f.get("author", ""))
        return frame.iloc[::-1].reset_index(drop=True)

    def log_xlsx(self) -> bytes:
        self._admin("tải nhật ký")
        return log_xlsx(self.log())

    # ------------------------------------------------------------ what the administrator does

    def save_account(self, login: str, name: str, role: str, units: list[str], password: str) -> None:
        access.add_account(self.store, login, name, role, units, password or None, self._who())

    def remove_account(self, login: str) -> None:
        self._admin("quản lý tài khoản")  # first: a refusal is the news, not what was asked
        if self.actor is not None and login == self.actor.login:
            raise ProblemsError([Problem("tài khoản", "không tự gỡ tài khoản đang đăng nhập")])
        access.remove_account(self.store, login, self._who())

    def set_stage(self, stage: str, open_: bool, until: str) -> None:
        self._admin("mở hoặc đóng giai đoạn")  # first: a refusal is the news, not a bad date
        day = None
        if until:
            try:
                day = date.fromisoformat(until)
            except ValueError:
                raise ProblemsError([Problem("ngày", f"ngày '{until}' không hợp lệ")]) from None
        state = access.OPEN if open_ else access.CLOSED
        access.set_stage(self.store, self.period, stage, state, day, self._who(), self.block or None)

    def reopen(self, unit: str | None, reason: str) -> None:
        access.reopen(self.store, self.period, unit or None, reason, self._who(), field="ô «Lý do»")

    def finalise(self) -> str:
        return access.finalise(self.store, self.period, self._who())

    def _who(self) -> Actor:
        """Who the verbs act as: the signed-in account (asked again by each verb), or the console."""
        return self.actor if self.actor is not None else console(self.by)

    def confirmation(self, kind: str, target: str | None = None) -> dict[str, Any]:
        """What a wide or irreversible action will change, counted now (`confirmations.what`)."""
        self._admin("quản trị kỳ đánh giá")
        return confirmations.what(self.store, self.period, kind, target, self.block)


def _iso(day: Any) -> str:
    return "" if day is None else str(day)[:10]
