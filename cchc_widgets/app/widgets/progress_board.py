"""Progress at a glance: every unit of a period (those the account works on) with what it
scored, what lacks evidence, when and by whom it submitted, how far its appraisal is, the
differing rows still without a reason and its deadline. A thin view: `services.progress`
computes the table; this widget sends it to the page, follows the store as the scoring form
does (the page's heartbeat asks; `progress.period_stamp` says whether anything moved) and
hands out the table as CSV or xlsx.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import pandas as pd
import traitlets

from cchc_widgets.app.widgets.dispatch import dispatch
from cchc_widgets.app.widgets.page import page_module, page_style
from cchc_widgets.core.errors import CchcError
from cchc_widgets.core.text import ascii_name
from cchc_widgets.files.sheets import csv_text, sheet_bytes
from cchc_widgets.files.tables_out import XLSX_MIME
from cchc_widgets.services import progress
from cchc_widgets.services.access import Actor, refreshed
from cchc_widgets.store.database import Store

FAILURE = "Lỗi hệ thống ({name}); báo cho quản trị viên."  # anything but a refusal (`dispatch`)
HERE = Path(__file__).resolve().parent
SHEET = "Tiến độ"


Handler = Callable[[Any, dict[str, Any]], None]  # (the board, the page's message)


def _ping(board: ProgressBoard, content: dict[str, Any]) -> None:
    """The page's heartbeat: the table follows the store; what the page says stays said."""
    board.send({"type": "pong"})
    board._follow()


def _download(board: ProgressBoard, content: dict[str, Any]) -> None:
    """What the page shows is what is written: its «Khối» and «Nhóm» filters come along."""
    board.alert = ""
    kind = "csv" if content.get("format") == "csv" else "xlsx"
    board.send(*board.download(kind, str(content.get("group") or ""), str(content.get("block") or "")))


class ProgressBoard(anywidget.AnyWidget):
    """The table of one period; `show(period)` switches it (the admin page's period selector)."""

    _esm = page_module(HERE / "progress_board.js")
    _css = page_style(HERE / "progress_board.css")
    # every kind of message the page sends, and what answers it (tests/test_widget_messages.py reads the JavaScript)
    MESSAGES: ClassVar[dict[str, Handler]] = {"ping": _ping, "download": _download}

    state = traitlets.Dict().tag(sync=True)
    alert = traitlets.Unicode("").tag(sync=True)

    def __init__(self, store: Store, actor: Actor | None = None, period: str | None = None) -> None:
        super().__init__()
        self.store, self.actor = store, actor
        periods = list(store.periods()["id"])
        self.period = period if period in periods else (periods[-1] if periods else None)
        self.stamp: tuple[Any, ...] | None = None
        self.on_msg(self._on_message)
        self.refresh()

    def units(self) -> set[str] | None:
        """The units this account sees (None: every unit): an appraiser's assigned units, a
        unit officer's own; asked of the store each time (an assignment may change)."""
        if self.actor is None:
            return None
        now = refreshed(self.store, self.actor)
        if now is None:
            raise CchcError("phiên đăng nhập đã kết thúc hoặc tài khoản đã bị gỡ: tải lại trang để đăng nhập lại")
        units = now.units_read()
        return None if units is None else set(units)

    def table(self) -> pd.DataFrame:
        return progress.progress(self.store, self.period, self.units())

    def show(self, period: str) -> None:
        if period != self.period:
            self.period = period
            self.refresh()

    def refresh(self) -> None:
        """Read the table again and send it (and the stamp it was read at)."""
        if self.period is None:
            self.state = {}
            return
        self.stamp = progress.period_stamp(self.store, self.period)  # first: a change landing meanwhile is seen next time
        table = self.table()
        rows = table.astype(object).where(table.notna(), None).to_dict("records")
        for row in rows:
            at, day = row["submitted_at"], row["deadline"]
            row["submitted_at"] = None if at is None else f"{at:%Y-%m-%d %H:%M}"
            row["deadline"] = None if day is None else f"{day:%Y-%m-%d}"
        self.state = {
            "period": self.period,
            "rows": rows,
            "groups": sorted({r["group"] for r in rows if r["group"]}),
            "blocks": progress.blocks_shown(table),
            "summary": progress.summary(table),
            "columns": progress.COLUMNS,
        }

    def _follow(self) -> None:
        """A heartbeat: send the table again when the period moved since it was read."""
        if self.period is not None and progress.period_stamp(self.store, self.period) != self.stamp:
            self.refresh()

    def download(self, kind: str, group: str = "", block: str = "") -> tuple[dict[str, Any], list[bytes]]:
        """The table as `kind` (csv or xlsx), of the units of `group` and `block` ("": all) as
        the page's filters show them: what the page's buttons send to the browser. The file's
        name says which filter (`tien-do-2017-khoi-ubnd-cap-huyen-nhom-co-quan-khac.xlsx`)."""
        whole = self.table()
        frame = progress.readable_table(progress.chosen(whole, str(self.period), group, block), whole)
        name = "-".join([f"tien-do-{self.period}", *map(ascii_name, progress.chosen_words(group, block))])
        if kind == "csv":
            return {"type": "file", "name": f"{name}.csv", "mime": "text/csv"}, [csv_text(frame).encode("utf-8")]
        return {"type": "file", "name": f"{name}.xlsx", "mime": XLSX_MIME}, [sheet_bytes(frame, SHEET)]

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: list[bytes]) -> None:
        """A page's message to its handler (`MESSAGES`); a refusal becomes the page's alert."""
        dispatch(self, content, refused=lambda exc: setattr(self, "alert", str(exc)), failure=FAILURE, clears_alert=False)
