"""The what-if app in a real browser against a real Voilà server."""

import io
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e


def open_app(page, server, period="2016"):
    page.goto(server.url.replace("scoring.ipynb", "whatif.ipynb") + f"?period={period}")
    page.wait_for_selector(".cchc-wi-slider-8")
    return page


def kernel_has_read_all_before(page):
    """A round trip that changes nothing (the scenario's YAML comes back as a download): the
    kernel reads a page's messages in order, so anything a dismissed dialog let through would
    have been written by then."""
    with page.expect_download():
        page.click(".cchc-wi-export")


def test_slider_moves_ranks_and_charts(page, server):
    open_app(page, server)
    assert page.locator(".cchc-wi-row").count() == 19
    assert page.locator(".cchc-wi-shift-chart circle.cchc-wi-alt").count() == 19
    assert page.locator(".cchc-wi-uncertainty-chart line.cchc-wi-interval").count() == 19
    assert set(page.locator(".cchc-wi-delta").all_inner_texts()) == {"0"}
    page.fill(".cchc-wi-slider-3", "2.5")
    page.wait_for_function("() => [...document.querySelectorAll('.cchc-wi-delta')].some(td => td.textContent !== '0')")
    assert "40 điểm" in page.inner_text(".cchc-wi-group[data-code='3'] .cchc-wi-max")  # (14 + 2 survey) × 2.5
    assert "Spearman ρ = 1" not in page.inner_text(".cchc-wi-spearman")
    page.click(".cchc-wi-reset")
    page.wait_for_function("() => [...document.querySelectorAll('.cchc-wi-delta')].every(td => td.textContent === '0')")


def test_save_scenario_reopen_and_export(page, server, tmp_path):
    open_app(page, server)
    page.fill(".cchc-wi-slider-6", "0.5")
    page.wait_for_function(
        "() => document.querySelector('.cchc-wi-group[data-code=\"6\"] .cchc-wi-max').textContent.includes('4 điểm')"
    )
    page.fill(".cchc-wi-name", "Giảm tài chính công")
    page.fill(".cchc-wi-author", "Nhóm phương pháp")
    page.click(".cchc-wi-save")
    page.wait_for_selector(".cchc-wi-scenarios option[value='Giảm tài chính công']", state="attached")
    open_app(page, server)  # next week: a fresh page
    page.select_option(".cchc-wi-scenarios", "Giảm tài chính công")
    page.click(".cchc-wi-load")
    page.wait_for_function("() => document.querySelector('.cchc-wi-slider-6').value === '0.5'")
    with page.expect_download() as info:
        page.click(".cchc-wi-export")
    doc = yaml.safe_load(Path(info.value.path()).read_text(encoding="utf-8"))
    assert doc["name"] == "Giảm tài chính công"
    assert doc["weights"] == {"6": 0.5}
    assert doc["author"] == "Nhóm phương pháp"


def test_results_workbook_from_the_whatif_app_includes_scenarios(page, server):
    from openpyxl import load_workbook

    open_app(page, server)
    page.fill(".cchc-wi-name", "Kịch bản tải về")
    page.click(".cchc-wi-save")
    page.wait_for_selector(".cchc-wi-scenarios option[value='Kịch bản tải về']", state="attached")
    page.select_option(".cchc-wi-scenarios", "Kịch bản tải về")
    page.click(".cchc-wi-mark")  # a draft until marked: only marked scenarios are published
    option = ".cchc-wi-scenarios option[value='Kịch bản tải về']"
    page.wait_for_function("(sel) => document.querySelector(sel).textContent.includes('trong báo cáo')", arg=option)
    with page.expect_download() as info:
        page.click(".cchc-wi-workbook")
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book.sheetnames[-2:] == ["Kịch bản", "Thông tin"]
    sheet = book["Kịch bản"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    # saved from the departments' page, it weighs their set: compared in their section only, though
    # its (empty) weights would fit the districts' set too
    assert [r[:2] for r in rows if "Kịch bản tải về" in r] == [["Sở, ban, ngành", "Kịch bản tải về"]]


def test_overwriting_and_deleting_ask_first(page, server):
    from cchc_widgets.store.database import Store

    store = Store(f"sqlite:///{server.db}", evidence_dir=server.data_dir / "evidence")
    open_app(page, server)
    page.fill(".cchc-wi-slider-2", "2")
    page.fill(".cchc-wi-name", "Hỏi trước")
    page.click(".cchc-wi-save")
    page.wait_for_selector(".cchc-wi-scenarios option[value='Hỏi trước']", state="attached")
    assert store.scenario("Hỏi trước").weights == {"2": 2.0}
    page.fill(".cchc-wi-slider-2", "3")
    page.wait_for_function("() => document.querySelector('.cchc-wi-slider-2').value === '3'")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click(".cchc-wi-save")
    kernel_has_read_all_before(page)
    assert "Ghi đè?" in asked[0]
    assert store.scenario("Hỏi trước").weights == {"2": 2.0}  # said no: nothing replaced
    page.evaluate("() => { document.querySelector('.cchc-wi-notice').textContent = ''; }")
    page.once("dialog", lambda d: d.accept())
    page.click(".cchc-wi-save")
    page.wait_for_function("() => document.querySelector('.cchc-wi-notice').textContent.includes('bản nháp')")
    assert store.scenario("Hỏi trước").weights == {"2": 3.0}
    page.select_option(".cchc-wi-scenarios", "Hỏi trước")
    page.once("dialog", lambda d: d.dismiss())
    page.click(".cchc-wi-delete")
    kernel_has_read_all_before(page)
    assert "Hỏi trước" in set(store.scenarios()["name"])
    page.once("dialog", lambda d: d.accept())
    page.click(".cchc-wi-delete")
    page.wait_for_selector(".cchc-wi-scenarios option[value='Hỏi trước']", state="detached")
    assert "Hỏi trước" not in set(store.scenarios()["name"])
    store.close()
