"""Every app widget answers its page's heartbeat (page.js `watchConnection` pings every 2 s and
says the connection is lost without a pong), and a ping changes nothing the page shows."""

import pytest

from cchc_widgets.app.widgets.admin_app import AdminApp
from cchc_widgets.app.widgets.criteria_editor import CriteriaEditor
from cchc_widgets.app.widgets.progress_board import ProgressBoard
from cchc_widgets.app.widgets.scoring_form import ScoringForm
from cchc_widgets.app.widgets.whatif_app import WhatIfApp

BUILT = {
    "scoring": lambda store: ScoringForm(store, "2017", "so-tu-phap"),
    "whatif": lambda store: WhatIfApp(store, "2017"),
    "criteria": lambda store: CriteriaEditor.reference(),
    "admin": lambda store: AdminApp(store, None, "2017"),
    "progress": lambda store: ProgressBoard(store, None, "2017"),
}


@pytest.mark.parametrize("app", BUILT)
def test_a_ping_is_answered_and_changes_nothing(demo, app):
    widget = BUILT[app](demo)
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)
    widget.alert = "Một thông báo đang hiện"
    widget._on_message(widget, {"type": "ping"}, [])
    assert sent == [{"type": "pong"}]
    assert widget.alert == "Một thông báo đang hiện"  # what the page says stays said
