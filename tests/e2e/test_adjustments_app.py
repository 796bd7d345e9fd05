"""Bonus and penalty points in a real browser: the appraiser enters a penalty in the form's own
section (refused without a reason), the header and the store follow, and the unit reads it
with its reason in its own view without being able to change it."""

import pytest

from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store
from tests.conftest import REPO
from tests.e2e.conftest import demo_copy, serving
from tests.e2e.test_scoring_app import number, open_form, row, wait_points

pytestmark = pytest.mark.e2e

UNIT, PERIOD = "so-tu-phap", "2025"
EXAMPLE = REPO / "criteria" / "examples" / "dien-bien-thuong-tru.yaml"


@pytest.fixture(scope="module")
def server(demo_template, tmp_path_factory):
    """The demo with a 2025 period under the example set that has bonus and penalty items, the
    unit's 2017 self-assessment carried into it."""
    root = tmp_path_factory.mktemp("adjusted")
    db = demo_copy(demo_template, root)
    store = Store(f"sqlite:///{db}", evidence_dir=root / "data" / "evidence")
    store.add_period(PERIOD, "Năm 2025", load_criteria(EXAMPLE))
    store.add_units(store.units("2017")[["id", "name"]], period=PERIOD)
    own = store.scores("2017", UNIT, "self")[["unit", "code", "stage", "value", "na", "note"]]
    Writer(store).save_scores(Scope(PERIOD), own, "Sở Tư pháp", "test")
    store.close()
    with serving(db, root) as srv:
        yield srv


def test_the_appraiser_enters_a_penalty_with_a_reason_and_the_unit_reads_it(page, server):
    open_form(page, server, period=PERIOD, stage="appraisal", author="Tổ thẩm định Sở Nội vụ")
    assert "Điểm thưởng, điểm trừ" in page.inner_text(".cchc-section-summary >> nth=-1")
    before = number(page.inner_text(".cchc-total"))
    page.fill(f"{row('P1')} .cchc-input", "1,5")
    page.press(f"{row('P1')} .cchc-input", "Tab")
    page.wait_for_selector(f"{row('P1')}.cchc-invalid")
    assert "điểm trừ cần ghi lý do" in page.inner_text(f"{row('P1')} .cchc-field-error")
    page.fill(f"{row('P1')} .cchc-note", "Chậm gửi báo cáo quý II")
    page.press(f"{row('P1')} .cchc-note", "Tab")
    wait_points(page, "P1", "−1,50")
    assert number(page.inner_text(".cchc-total")) == pytest.approx(before - 1.5, abs=0.01)
    assert "trừ −1,5" in page.inner_text(".cchc-adjustments")

    open_form(page, server, period=PERIOD, stage="self")
    assert not page.is_visible(f"{row('P1')} .cchc-input")  # read, not entered, in the unit's view
    assert page.is_disabled(f"{row('P1')} .cchc-input")
    assert not page.is_visible(f"{row('P1')} .cchc-note")
    assert page.inner_text(f"{row('P1')} .cchc-row-points") == "−1,50"
    assert page.inner_text(f"{row('P1')} .cchc-appraisal-value") == "−1,50 điểm"
    assert "Chậm gửi báo cáo quý II" in page.inner_text(f"{row('P1')} .cchc-appraisal-reason")
