"""One clock and names, not logins (issue 27), in real Chromium: the server's machine on UTC,
the product's clock stopped at 23:30 UTC (already 06:30 the next day in the province). Two
officers of one unit on one server: the page's «Đã lưu lúc», a colleague's notice, a
conflict's message and the row's history all say the province's time and the person's name."""

import os

import pytest

from cchc_widgets.services import access
from cchc_widgets.services.permissions import console
from cchc_widgets.store.database import Store

from .conftest import serving
from .test_sign_in import PASSWORDS, PERIOD, UNIT, prepared_store, sign_in

pytestmark = pytest.mark.e2e

INSTANT = "2026-12-07T23:30:00+00:00"  # the province's 08/12/2026 06:30
SECOND = ("tuphap2", "Nguyễn Thị Hai", "mat-khau-tu-phap-2")


def _row(code: str) -> str:
    return f".cchc-row-{code.replace('.', '-')}"


def _signed_in(browser, server, login, password):
    page = browser.new_context().new_page()
    page.set_default_timeout(30000)
    sign_in(page, server, login, password, f"?unit={UNIT}&period={PERIOD}&stage=self")
    page.wait_for_selector(f"{_row('8.5.1')} .cchc-input")
    return page


def test_the_provinces_time_and_peoples_names(browser, demo_template, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("CCHC_CLOCK", INSTANT)
    db = prepared_store(demo_template, tmp_path)
    store = Store(f"sqlite:///{db}")
    access.add_account(store, SECOND[0], SECOND[1], "unit", [UNIT], SECOND[2], console("test"))
    store.close()
    assert os.environ["TZ"] == "UTC"
    with serving(db, tmp_path, auth=("--auth", "accounts")) as server:
        mine = _signed_in(browser, server, "tuphap", PASSWORDS["tuphap"])
        theirs = _signed_in(browser, server, SECOND[0], SECOND[2])

        mine.fill(f"{_row('1.5.2')} .cchc-input", "2,5")
        mine.press(f"{_row('1.5.2')} .cchc-input", "Tab")
        mine.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu lúc')")
        assert mine.inner_text(".cchc-saved").startswith("Đã lưu lúc 06:30:00")  # not the server's 23:30

        theirs.fill(f"{_row('1.1.4')} .cchc-input", "1")
        theirs.press(f"{_row('1.1.4')} .cchc-input", "Tab")
        mine.wait_for_function(
            "() => document.querySelector('.cchc-notice').textContent.includes('Nguyễn Thị Hai vừa lưu 1.1.4')", timeout=15000
        )

        mine.fill(f"{_row('1.2.1')} .cchc-note", "Giải trình của tôi")  # typed, not yet sent
        theirs.fill(f"{_row('1.2.1')} .cchc-input", "2")
        theirs.press(f"{_row('1.2.1')} .cchc-input", "Tab")
        mine.wait_for_selector(f"{_row('1.2.1')} .cchc-keep-mine", timeout=15000)
        assert "Nguyễn Thị Hai vừa lưu giá trị khác" in mine.inner_text(f"{_row('1.2.1')} .cchc-changed")
        mine.press(f"{_row('1.2.1')} .cchc-note", "Tab")  # from the version the page had: refused, said with name and time
        mine.wait_for_selector(f"{_row('1.2.1')}.cchc-invalid")
        said = mine.inner_text(f"{_row('1.2.1')} .cchc-field-error")
        assert "đã được Nguyễn Thị Hai sửa lúc 06:30 08/12/2026" in said
        assert "tuphap2" not in said

        mine.click(f"{_row('1.2.1')} .cchc-history-button")
        mine.wait_for_selector(f"{_row('1.2.1')} .cchc-history-table")
        history = mine.inner_text(f"{_row('1.2.1')} .cchc-history-table")
        assert "08/12/2026 06:30:00" in history
        assert "Nguyễn Thị Hai" in history
        assert "tuphap2" not in history
