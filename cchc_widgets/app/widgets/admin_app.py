"""The administrator's page: a thin view over `AdminSession` (one anywidget model)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import traitlets

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.app.widgets.dispatch import dispatch
from cchc_widgets.app.widgets.page import page_module, page_style
from cchc_widgets.core.errors import CchcError
from cchc_widgets.files.tables_out import XLSX_MIME
from cchc_widgets.services.access import Actor
from cchc_widgets.store.database import Store

FAILURE = "Lỗi hệ thống, thao tác chưa được lưu ({name}); báo cho người quản lý hệ thống."  # anything but a refusal (`dispatch`)
HERE = Path(__file__).resolve().parent


Handler = Callable[[Any, dict[str, Any], list[bytes]], None]  # (the app, the page's message, its files)


# ------------------------------------------------------------ what the page sends, by its `type`


def _said(app: AdminApp, notice: str) -> None:
    """What an action did, sent with the page it speaks of in one message: set one after the
    other, the notice reached the page first and was drawn over the state before the action
    (for a moment «Đã mở kỳ 2018» beside the period selector still at 2017 — what a person, or
    a test reading the selector once the notice shows, then saw)."""
    state = app.session.state()
    with app.hold_sync():
        app.notice, app.state = notice, state


def _ping(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    """The page's heartbeat: what changed elsewhere is drawn again."""
    app.send({"type": "pong"})
    if app.session.changed():
        app.state = app.session.state()


def _period(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    app.session.period = str(content.get("period"))
    app.session.filters = {}
    app.state = app.session.state()


def _account(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    units = [str(u) for u in content.get("units", [])]
    login, name, role = (str(content.get(key, "")) for key in ("login", "name", "role"))
    app.session.save_account(login, name, role, units, str(content.get("password", "")))
    _said(app, f"Đã lưu tài khoản {content.get('login', '')}.")


def _remove(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    app.session.remove_account(str(content.get("login", "")))
    _said(app, f"Đã gỡ tài khoản {content.get('login', '')}.")


def _stage(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    app.session.set_stage(str(content.get("stage")), bool(content.get("open")), str(content.get("until") or ""))
    _said(app, "Đã lưu giai đoạn.")


def _stage_block(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    """The block whose stages the page shows and sets ("": every block)."""
    app.session.block = str(content.get("block") or "")
    app.state = app.session.state()


def _reopen(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    app.session.reopen(content.get("unit") or None, str(content.get("reason", "")))
    _said(app, "Đã mở lại; lý do được ghi vào nhật ký.")


def _finalise(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    _said(app, f"Đã chốt kết quả; mã kiểm tra {app.session.finalise()}.")


def _filters(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    app.session.filters = {k: str(v) for k, v in content.get("filters", {}).items() if v}
    app.state = app.session.state()


def _ask(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    """A wide action: what it will change, counted now, before it is done."""
    what = app.session.confirmation(str(content.get("kind", "")), content.get("target") or None)
    app.send({"type": "confirm", **what})


def _new_units(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    """A units table for the new period: the form offers a set for each of its blocks."""
    app.session.new.take_units(str(content.get("name", "")), bytes(buffers[0]) if buffers else b"")
    app.state = app.session.state()


def _open_period(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    """A new period with a set per block: the sets uploaded come as files, one per named block."""
    s = app.session
    sent = [str(b) for b in content.get("files", [])]
    names = [str(n) for n in content.get("names", [])]
    files = {b: (n, bytes(data)) for b, n, data in zip(sent, names, buffers, strict=False)}
    chosen = {str(b): str(c) for b, c in (content.get("sets") or {}).items()}
    period = str(content.get("period", ""))
    opened = s.new.open(s.period, period, str(content.get("name", "")), chosen, files)
    s.period, s.filters = period.strip(), {}
    _said(app, opened)


def _download(app: AdminApp, content: dict[str, Any], buffers: list[bytes]) -> None:
    s = app.session
    app.send({"type": "file", "name": f"nhat-ky-{s.period}.xlsx", "mime": XLSX_MIME}, [s.log_xlsx()])


class AdminApp(anywidget.AnyWidget):
    _esm = page_module(HERE / "admin_app.js")
    _css = page_style(HERE / "admin_app.css")
    # every kind of message the page sends, and what answers it (tests/test_widget_messages.py reads the JavaScript)
    MESSAGES: ClassVar[dict[str, Handler]] = {
        "ping": _ping,
        "period": _period,
        "account": _account,
        "remove": _remove,
        "stage": _stage,
        "stage_block": _stage_block,
        "reopen": _reopen,
        "finalise": _finalise,
        "filters": _filters,
        "ask": _ask,
        "download": _download,
        "new_units": _new_units,
        "open_period": _open_period,
    }

    state = traitlets.Dict().tag(sync=True)
    alert = traitlets.Unicode("").tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)

    def __init__(self, store: Store, actor: Actor | None = None, period: str | None = None) -> None:
        super().__init__()
        self.session = AdminSession(store, actor, period)
        self.on_msg(self._on_message)
        self.state = self.session.state()

    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[bytes]) -> None:
        """A page's message to its handler (`MESSAGES`); a refusal becomes the page's alert, and
        the page is redrawn from the store. Anything but the heartbeat clears what the page said before."""
        dispatch(self, content, buffers, refused=self._refused, failure=FAILURE)

    def _refused(self, exc: CchcError) -> None:
        state = self.session.state()
        with self.hold_sync():  # the refusal with the page it refers to, in one message (see `_said`)
            self.notice, self.alert, self.state = "", str(exc), state
