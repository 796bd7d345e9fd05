"""Every app widget answers its page's messages the same way (`widgets.dispatch`): a kind it
did not declare is dropped; a refusal is shown in the widget's own words; anything else is
logged with its traceback and shown as the widget's «Lỗi hệ thống …» line — never raised into
the kernel's message loop, where the person would see nothing at all."""

import pytest

from cchc_widgets.app.widgets.admin_app import AdminApp
from cchc_widgets.app.widgets.criteria_editor import CriteriaEditor
from cchc_widgets.app.widgets.progress_board import ProgressBoard
from cchc_widgets.app.widgets.scoring_form import ScoringForm
from cchc_widgets.app.widgets.whatif_app import WhatIfApp
from cchc_widgets.core.errors import Problem, ProblemsError

# each app, and what its alert says when a handler fails (its own wording, kept as it was)
BUILT = {
    "scoring": (
        lambda store: ScoringForm(store, "2017", "so-tu-phap"),
        "Lỗi hệ thống, thao tác chưa được lưu (RuntimeError); báo cho quản trị viên.",
    ),
    "whatif": (lambda store: WhatIfApp(store, "2017"), "Lỗi hệ thống: RuntimeError: hỏng giữa chừng"),
    "criteria": (lambda store: CriteriaEditor.reference(), "Lỗi hệ thống: RuntimeError"),
    "admin": (
        lambda store: AdminApp(store, None, "2017"),
        "Lỗi hệ thống, thao tác chưa được lưu (RuntimeError); báo cho người quản lý hệ thống.",
    ),
    "progress": (lambda store: ProgressBoard(store, None, "2017"), "Lỗi hệ thống (RuntimeError); báo cho quản trị viên."),
}
# a refusal, as each app shows it: in its alert, or (the scoring form) beside the field
REFUSED = {
    "scoring": None,
    "whatif": "không được đổi",
    "criteria": "1.1: không được đổi",
    "admin": "tệp: mã 1.1: không được đổi",
    "progress": "tệp: mã 1.1: không được đổi",
}


def _raises(exc):
    def handler(*_args):
        raise exc

    return handler


def _widget(store, app):
    widget = BUILT[app][0](store)
    widget.sent = []
    widget.send = lambda content, buffers=None: widget.sent.append(content)
    widget.MESSAGES = {
        **type(widget).MESSAGES,
        "broken": _raises(RuntimeError("hỏng giữa chừng")),
        "refused": _raises(ProblemsError([Problem("tệp", "không được đổi", "1.1")])),
    }
    return widget


@pytest.mark.parametrize("app", BUILT)
def test_a_failing_handler_is_logged_and_shown_in_the_apps_words(demo, app, capsys):
    widget = _widget(demo, app)
    widget._on_message(widget, {"type": "broken"}, [])
    assert widget.alert == BUILT[app][1]
    logged = capsys.readouterr().err
    assert "Traceback" in logged
    assert "RuntimeError: hỏng giữa chừng" in logged  # the log has the whole story


@pytest.mark.parametrize("app", BUILT)
def test_a_refusal_is_shown_in_the_apps_words_and_an_undeclared_kind_changes_nothing(demo, app, capsys):
    widget = _widget(demo, app)
    widget.alert = "Một thông báo đang hiện"
    widget._on_message(widget, {"type": "no-such-kind"}, [])
    assert (widget.alert, widget.sent) == ("Một thông báo đang hiện", [])
    assert "kiểu tin nhắn không khai báo 'no-such-kind', bỏ qua" in capsys.readouterr().err  # said in the server's log
    widget._on_message(widget, {"type": "refused", "code": "1.1"}, [])
    if REFUSED[app] is None:  # beside the field the message names
        message = str(ProblemsError([Problem("tệp", "không được đổi", "1.1")]))
        assert widget.sent[-1] == {"type": "field_error", "code": "1.1", "message": message, "kind": "refused"}
    else:
        assert widget.alert == REFUSED[app]
