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
        if size == PHONE:  # it sticks, so it must leave the rows room: 187 px of 844 before the phone styles
            assert bottom - top <= 0.17 * height, f"the header takes {bottom - top:.0f} px of a {height} px screen"
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


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390x844", "1366x768"])
def test_the_whatif_page_fits_the_window(browser, server, size):
    width, _height = size
    with window(browser, size) as page:
        page.goto(f"http://127.0.0.1:{server.port}/voila/render/whatif.ipynb")
        page.wait_for_selector(".cchc-wi-node input")
        page.wait_for_selector(".cchc-wi-grid")
        parts = ".cchc-wi-node input, .cchc-wi-value, .cchc-wi-saving button, .cchc-wi-buttons button"
        parts += ", .cchc-wi-charts svg, .cchc-wi-table"
        where = "(e) => { const r = e.getBoundingClientRect(); return [e.className.baseVal ?? e.className, r.left, r.right]; }"
        boxes = page.eval_on_selector_all(parts, f"els => els.map({where})")
        outside = [(name, left, right) for name, left, right in boxes if left < 0 or right > width + 0.5]
        assert outside == [], f"cut at {width} px: {outside[:5]}"
        scroll_width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        assert scroll_width <= width, "the page scrolls sideways"


def test_a_refusal_is_said_until_it_is_put_right(page, server):
    """«Chưa lưu» counts the refused rows: a later save elsewhere does not hide it, putting the
    refused row right clears it."""
    open_form(page, server)
    row = ".cchc-row-7-2-1"
    page.fill(f"{row} .cchc-planned", "20")
    page.fill(f"{row} .cchc-done", "30")  # more done than planned: refused
    page.press(f"{row} .cchc-done", "Tab")
    page.wait_for_selector(f"{row}.cchc-invalid")
    before = page.inner_text(".cchc-row-1-5-2 .cchc-row-points")
    page.fill(".cchc-row-1-5-2 .cchc-input", "1")  # the demo has 2: the points change when the save is answered
    page.press(".cchc-row-1-5-2 .cchc-input", "Tab")
    page.wait_for_function("(was) => document.querySelector('.cchc-row-1-5-2 .cchc-row-points').innerText !== was", arg=before)
    # the later save's answer has come (its points show): the header still counts the refused row
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent === 'Chưa lưu: 1 ô bị từ chối'")
    assert page.input_value(f"{row} .cchc-done") == "30"  # what was typed stays, to be put right
    page.fill(f"{row} .cchc-done", "15")
    page.press(f"{row} .cchc-done", "Tab")
    page.wait_for_selector(f"{row}:not(.cchc-invalid)")
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")


def test_half_a_pair_is_said_unsaved_not_shown_as_saved(page, server):
    """Done without planned (or planned without done) cannot be saved: leaving the pair says so
    on the row and in the header; the second number saves both."""
    open_form(page, server)
    row = ".cchc-row-7-2-1"
    page.fill(f"{row} .cchc-done", "")
    page.fill(f"{row} .cchc-planned", "")
    page.press(f"{row} .cchc-planned", "Tab")  # both empty: the score is withdrawn, a save like any other
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")
    page.fill(f"{row} .cchc-done", "5")
    page.press(f"{row} .cchc-done", "Tab")  # to the planned box: still inside the pair, nothing said yet
    assert "Chưa lưu" not in page.inner_text(f"{row} .cchc-field-error")
    page.press(f"{row} .cchc-planned", "Tab")  # out of the pair with one number
    page.wait_for_selector(f"{row}.cchc-invalid")
    assert page.inner_text(f"{row} .cchc-field-error").startswith("Chưa lưu: nhập cả «")
    assert page.text_content(".cchc-saved") == "Chưa lưu: 1 ô bị từ chối"
    page.fill(f"{row} .cchc-planned", "10")
    page.press(f"{row} .cchc-planned", "Tab")
    page.wait_for_selector(f"{row}:not(.cchc-invalid)")
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")
