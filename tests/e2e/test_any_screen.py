"""The scoring form on a phone and on a laptop, and finding what is left: every row's input and
points inside the window with no sideways scrolling, the header in view at the bottom of the
tree, and the filters showing just the rows the kernel flags."""

import contextlib

import pytest

from tests.e2e.test_scoring_app import open_form, store_of

pytestmark = pytest.mark.e2e

PHONE, LAPTOP = (390, 844), (1366, 768)


@contextlib.contextmanager
def window(browser, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(30000)
    try:
        yield page
    finally:
        page.close(run_before_unload=True)  # the page shuts its kernel down, as a person leaving does
        context.close()


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390x844", "1366x768"])
def test_every_row_fits_the_window_and_the_header_stays_in_view(browser, server, size):
    width, height = size
    with window(browser, size) as page:
        open_form(page, server, stage="appraisal")
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('.cchc-row')].map((row) => {
                 const box = (sel) => { const r = row.querySelector(sel).getBoundingClientRect(); return [r.left, r.right]; };
                 return [row.dataset.code, box('.cchc-input'), box('.cchc-points'), box('.cchc-note')];
               })"""
        )
        assert len(boxes) == 70
        outside = [(code, parts) for code, *parts in boxes if any(left < 0 or right > width + 0.5 for left, right in parts)]
        assert outside == [], f"cut at {width} px: {outside[:5]}"
        scroll_width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        assert scroll_width <= width, "the page scrolls sideways"
        page.locator(".cchc-row-8-5-1").scroll_into_view_if_needed()
        top, bottom = page.evaluate(
            "() => { const r = document.querySelector('.cchc-head').getBoundingClientRect(); return [r.top, r.bottom]; }"
        )
        assert 0 <= top <= 20, f"the header's top at {top} after scrolling to the last row"
        assert bottom < height
        assert page.is_visible(".cchc-total")


def test_filters_show_what_is_left(page, server):
    store = store_of(server)
    own = store.scores("2016", "so-tu-phap", "self").set_index("code")
    appraised = store.scores("2016", "so-tu-phap", "appraisal").set_index("code")
    store.close()
    both = own.index.intersection(appraised.index)
    differ = {
        c
        for c in both
        if abs(own.loc[c, "points"] - appraised.loc[c, "points"]) > 1e-9 or own.loc[c, "na"] != appraised.loc[c, "na"]
    }
    assert differ, "the demo's appraisal changes some scores"
    open_form(page, server, period="2016", stage="appraisal")
    page.click(".cchc-filter-differs")
    visible = page.eval_on_selector_all(".cchc-row:not([hidden])", "rows => rows.map((r) => r.dataset.code)")
    assert set(visible) == differ
    marked = "rows => rows.every((r) => r.classList.contains('cchc-row-differs'))"
    assert page.eval_on_selector_all(".cchc-row:not([hidden])", marked)
    assert page.get_attribute(".cchc-filter-differs", "aria-pressed") == "true"
    assert f"({len(differ)})" in page.inner_text(".cchc-filter-differs")
    page.click(".cchc-filter-todo")  # everything appraised: nothing left, and the page says so
    assert page.eval_on_selector_all(".cchc-row:not([hidden])", "rows => rows.length") == 0
    assert page.is_visible(".cchc-filter-empty")
    page.click(".cchc-filter-all")
    assert page.eval_on_selector_all(".cchc-row:not([hidden])", "rows => rows.length") == 70
