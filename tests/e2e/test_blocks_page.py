"""A district of the demo (block `huyen`) opens its scoring form on its own, illustrative
criteria set in a real browser, and what it types is saved and scored against that set."""

import pytest

from cchc_widgets.core import engine
from cchc_widgets.store.database import Store
from tests.e2e.test_scoring_app import number, row, wait_points

pytestmark = pytest.mark.e2e

UNIT, PERIOD = "huyen-nam-po", "2017"


def test_a_districts_form_shows_its_own_sets_items_and_saves(page, server):
    page.goto(f"{server.url}?unit={UNIT}&period={PERIOD}&stage=self")
    page.wait_for_selector(f"{row('8.3.2')} .cchc-input")  # the district set's last item
    page.fill(".cchc-author", "Lò Văn Bình")
    assert page.inner_text(".cchc-unit-name") == "Huyện Nậm Pồ"
    assert "bộ tiêu chí minh họa" in page.inner_text(".cchc-set")  # the page says the set is illustrative
    assert page.locator(".cchc-row").count() == 42  # its 42 items, not the departments' 70
    assert page.locator(row("8.5.1")).count() == 0  # a department's item is not on a district's form
    assert "Tỷ lệ hồ sơ TTHC cấp xã được giải quyết đúng hạn" in page.inner_text(row("8.2.2"))
    page.fill(f"{row('8.2.2')} .cchc-input", "95")  # was 84,1 %: 90–100 % gives half of 3
    page.press(f"{row('8.2.2')} .cchc-input", "Tab")
    wait_points(page, "8.2.2", "1,50")
    page.select_option(f"{row('8.3.1')} select.cchc-input", "Thực hiện một phần")  # a level of the district set only
    wait_points(page, "8.3.1", "1,00")

    store = Store(f"sqlite:///{server.db}", evidence_dir=server.data_dir / "evidence")
    stored = store.scores(PERIOD, UNIT, "self").set_index("code")
    assert stored.loc["8.2.2", "value"] == 95
    assert stored.loc["8.2.2", "points"] == 1.5
    assert stored.loc["8.3.1", "value"] == "Thực hiện một phần"
    assert stored.loc["8.3.1", "author"] == "Lò Văn Bình"
    district = store.criteria_for(PERIOD, unit=UNIT)
    assert district.id == "dien-bien-huyen-minh-hoa"
    expected = engine.score(store.scores(PERIOD, UNIT, "self"), district).results.iloc[0]
    assert number(page.inner_text(".cchc-total")) == pytest.approx(expected["total"])
    store.close()


def test_a_districts_form_on_a_phone_says_its_set_is_illustrative_in_a_badge(page, server):
    """A phone hides the set's long name (its sticky header keeps the first criterion on the
    first screen); a short badge still says the district set is illustrative, the departments'
    that its points are a reference allocation."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}?unit={UNIT}&period={PERIOD}&stage=self")
    page.wait_for_selector(".cchc-head .cchc-set", state="attached")
    assert not page.is_visible(".cchc-set")  # the whole name: no room for it
    assert page.is_visible(".cchc-set-tag")
    assert page.inner_text(".cchc-set-tag") == "bộ tiêu chí minh họa"
    box = page.locator(".cchc-set-tag").bounding_box()
    assert box["height"] <= 20  # a badge, not another block of the header
    assert box["x"] + box["width"] <= 390  # within the screen
    page.goto(f"{server.url}?unit=so-noi-vu&period={PERIOD}&stage=self")
    page.wait_for_selector(".cchc-head .cchc-set", state="attached")
    assert page.inner_text(".cchc-set-tag") == "phân bổ điểm tham khảo"
    page.set_viewport_size({"width": 1366, "height": 768})
    assert page.is_visible(".cchc-set")  # a wide screen shows the whole name, which says it already
    assert not page.is_visible(".cchc-set-tag")
