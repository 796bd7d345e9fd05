"""The appraiser's page in a real browser: a difference the unit made after an agreeing
appraisal is marked «Khác, chưa có lý do» in the kernel's words; a reason pasted from Word
(Shift+Enter: a vertical tab) is saved with a newline and the mark becomes «Khác tự đánh giá»."""

import pandas as pd
import pytest

from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store

pytestmark = pytest.mark.e2e

UNIT, PERIOD = "so-tu-phap", "2017"  # the demo's 2017 appraisal agrees with the unit on 1.1.2 (Có), with no note
ROW = ".cchc-row-1-1-2"


def test_a_difference_without_a_reason_is_marked_and_a_pasted_reason_clears_it(page, server):
    store = Store(f"sqlite:///{server.db}", evidence_dir=server.data_dir / "evidence")
    lowered = {"unit": UNIT, "code": "1.1.2", "stage": "self", "value": "Không", "note": ""}
    Writer(store).save_scores(Scope(PERIOD, UNIT, "self"), pd.DataFrame([lowered]), "Đơn vị", "test")
    page.goto(f"{server.url}?unit={UNIT}&period={PERIOD}&stage=appraisal")
    page.wait_for_selector(f"{ROW} .cchc-input")
    page.fill(".cchc-author", "Tổ thẩm định")
    assert page.inner_text(f"{ROW} .cchc-badge").strip() == "Khác, chưa có lý do"
    page.click(".cchc-filter-differs")  # counted under «Khác tự đánh giá»
    assert page.is_visible(ROW)
    page.fill(f"{ROW} .cchc-note", "Đơn vị tự hạ điểm\x0bgiữ kết quả thẩm định")
    page.press(f"{ROW} .cchc-note", "Tab")
    page.wait_for_function(
        "sel => document.querySelector(sel).textContent.trim() === 'Khác tự đánh giá'", arg=f"{ROW} .cchc-badge"
    )
    reason = store.scores(PERIOD, UNIT, "appraisal").set_index("code").loc["1.1.2", "note"]
    assert reason == "Đơn vị tự hạ điểm\ngiữ kết quả thẩm định"
    store.close()
