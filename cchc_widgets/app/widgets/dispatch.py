"""A page's message to its widget's handler: one way for every app.

Each widget declares its handlers in `MESSAGES` (keyed by the message's `type`); this looks the
handler up (an undeclared kind changes nothing, and is logged: a page and its widget that
disagree show in the server's log), clears the page's alert unless the message is the
heartbeat (a ping must not wipe what the page is saying), calls it, and turns what goes wrong
into words for the page: a refusal (`CchcError` and its kin) by the widget's own `refused`, in
its own wording; anything else is logged with its traceback and shown as the widget's «Lỗi hệ
thống …» line, so a bug never passes silently and never reaches the person as a traceback.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from cchc_widgets.core.errors import CchcError


def dispatch(
    widget: Any,
    content: dict[str, Any],
    *extra: Any,
    refused: Callable[[Any], None],
    failure: str,
    refusal: type[CchcError] = CchcError,
    clears_alert: bool = True,
) -> None:
    """Answer one message: `widget.MESSAGES[type](widget, content, *extra)`.

    `refused` shows a refusal (a `refusal`: `CchcError` unless the widget names a narrower
    kind, `ProblemsError` whose problems it lists); `failure` is the alert for anything else, with `{name}` (the
    exception's class) and `{exc}` (its message) filled in. `clears_alert=False`: the widget
    keeps its alert until it says otherwise (it shows refusals beside the field).
    """
    kind = content.get("type")
    handler = widget.MESSAGES.get(kind)
    if handler is None:
        print(f"{type(widget).__name__}: kiểu tin nhắn không khai báo {kind!r}, bỏ qua", file=sys.stderr)
        return
    try:
        if clears_alert and kind != "ping":  # the heartbeat: what the page says stays said
            widget.alert = ""
        handler(widget, content, *extra)
    except refusal as exc:
        refused(exc)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        widget.alert = failure.format(name=type(exc).__name__, exc=exc)
