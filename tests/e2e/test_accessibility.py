"""Accessibility of the served pages, checked by axe-core (the `axe-playwright-python` package)
in real Chromium: no serious or critical violation on the landing, scoring (both stages) and
what-if pages; a Vietnamese page with a real title; the keyboard reaches the controls."""

import pytest

from tests.e2e.test_scoring_app import open_form

pytestmark = pytest.mark.e2e

SERIOUS = {"serious", "critical"}


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {v['nodes'][0]['target']}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def test_the_landing_page(page, server):
    page.goto(f"http://127.0.0.1:{server.port}/")
    assert page.get_attribute("html", "lang") == "vi"
    assert page.title() == "Chỉ số CCHC"
    assert violations(page) == []


@pytest.mark.parametrize("stage", ["self", "appraisal"])
def test_the_scoring_page(page, server, stage):
    open_form(page, server, period="2016", stage=stage)
    assert page.get_attribute("html", "lang") == "vi"
    assert page.title().startswith(("Tự đánh giá: Sở Tư pháp", "Thẩm định: Sở Tư pháp"))
    assert violations(page) == []
    unnamed = page.eval_on_selector_all(
        ".cchc-form input:not([type=hidden]), .cchc-form select, .cchc-form textarea, .cchc-form button",
        """els => els.filter((e) => {
             const label = e.getAttribute('aria-label') || (e.labels && e.labels.length && e.labels[0].textContent.trim())
               || e.title || e.textContent.trim() || e.placeholder;
             return !label;
           }).map((e) => e.className)""",
    )
    assert unnamed == []


def test_the_keyboard_reaches_a_row_and_the_focus_shows(page, server):
    open_form(page, server, period="2016", stage="self")
    page.focus(".cchc-row-1-1-1 .cchc-input")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused  # the next control of the row, reached by Tab
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_the_whatif_page(page, server):
    page.goto(f"http://127.0.0.1:{server.port}/voila/render/whatif.ipynb")
    page.wait_for_selector(".cchc-wi-node input")
    assert page.get_attribute("html", "lang") == "vi"
    assert page.title().startswith("Thử trọng số")
    assert violations(page) == []
