"""The administrator's page: a thin view over `AdminSession` (one anywidget model)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.app.widgets.page import page_module, page_style
from cchc_widgets.core.errors import CchcError
from cchc_widgets.files.tables_out import XLSX_MIME
from cchc_widgets.services.access import Actor
from cchc_widgets.store.database import Store

HERE = Path(__file__).resolve().parent


class AdminApp(anywidget.AnyWidget):
    _esm = page_module(HERE / "admin_app.js")
    _css = page_style(HERE / "admin_app.css")

    state = traitlets.Dict().tag(sync=True)
    alert = traitlets.Unicode("").tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)

    def __init__(self, store: Store, actor: Actor | None = None, period: str | None = None) -> None:
        super().__init__()
        self.session = AdminSession(store, actor, period)
        self.on_msg(self._on_message)
        self.state = self.session.state()

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: list[bytes]) -> None:
        kind = content.get("type")
        s = self.session
        try:
            if kind == "ping":  # the page's heartbeat: a submission or a change elsewhere shows here too
                self.send({"type": "pong"})  # (what the page says — a refusal, a notice — stays said)
                if s.changed():
                    self.state = s.state()
                return
            self.alert = ""
            if kind == "period":
                s.period = str(content.get("period"))
                s.filters = {}
            elif kind == "account":
                units = [str(u) for u in content.get("units", [])]
                s.save_account(
                    str(content.get("login", "")),
                    str(content.get("name", "")),
                    str(content.get("role", "")),
                    units,
                    str(content.get("password", "")),
                )
                self.notice = f"Đã lưu tài khoản {content.get('login', '')}."
            elif kind == "remove":
                s.remove_account(str(content.get("login", "")))
                self.notice = f"Đã gỡ tài khoản {content.get('login', '')}."
            elif kind == "stage":
                s.set_stage(str(content.get("stage")), bool(content.get("open")), str(content.get("until") or ""))
                self.notice = "Đã lưu giai đoạn."
            elif kind == "reopen":
                s.reopen(content.get("unit") or None, str(content.get("reason", "")))
                self.notice = "Đã mở lại; lý do được ghi vào nhật ký."
            elif kind == "finalise":
                self.notice = f"Đã chốt kết quả; mã kiểm tra {s.finalise()}."
            elif kind == "filters":
                s.filters = {k: str(v) for k, v in content.get("filters", {}).items() if v}
            elif kind == "ask":  # a wide action: what it will change, counted now, before it is done
                what = s.confirmation(str(content.get("kind", "")), content.get("target") or None)
                self.send({"type": "confirm", **what})
                return
            elif kind == "download":
                self.send({"type": "file", "name": f"nhat-ky-{s.period}.xlsx", "mime": XLSX_MIME}, [s.log_xlsx()])
                return
            self.state = s.state()
        except CchcError as exc:
            self.notice = ""
            self.alert = str(exc)
            self.state = s.state()
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            self.alert = f"Lỗi hệ thống, thao tác chưa được lưu ({type(exc).__name__}); báo cho người quản lý hệ thống."
