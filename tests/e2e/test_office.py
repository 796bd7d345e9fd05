"""What an office runs by, tried as its people do on a real `cchc serve` with accounts: a unit
with 3 of 70 items scored trying to submit on a 390×844 phone, a complete unit submitting
while the administrator watches the progress table at 1366×768, the administrator finalising
too early, reopening, removing a second account, and an appraiser's home. Screenshots are kept
under exports/test-artefacts/buoi-lam-viec/ for a look."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.services import access
from cchc_widgets.services.permissions import console
from cchc_widgets.store.database import Store
from tests.artefacts import artefacts
from tests.test_progress import three_of_seventy

from .conftest import demo_copy, serving
from .test_sign_in import PASSWORDS as SIGNED_IN

pytestmark = pytest.mark.e2e

PERIOD, UNIT, LATE = "2017", "so-tu-phap", "so-y-te"
PASSWORDS = {**SIGNED_IN, "yte": "mat-khau-y-te-1"}
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


def prepared_store(demo_template, root):
    """The demo 2017 with both stages open (self until 31/12/2030), Sở Y tế back to 3 of 70
    items, two units in a second ranking group, and an account for each person."""
    db = demo_copy(demo_template, root)
    store = Store(f"sqlite:///{db}", evidence_dir=root / "data" / "evidence")
    three_of_seventy(store)
    units = store.units(PERIOD)
    other = units[units["id"].isin([LATE, "vp-ubnd"])][["id", "name"]].assign(group="Cơ quan khác")
    store.add_units(other, period=PERIOD)
    access.add_account(store, "tuphap", "Trần Thị Pháp", "unit", [UNIT], PASSWORDS["tuphap"], console("test"))
    access.add_account(store, "yte", "Hoàng Y Tế", "unit", [LATE], PASSWORDS["yte"], console("test"))
    access.add_account(store, "thamdinh", "Lê Văn Định", "appraiser", [UNIT, LATE], PASSWORDS["thamdinh"], console("test"))
    access.add_account(store, "quantri", "Phạm Quản Trị", "admin", [], PASSWORDS["quantri"], console("test"))
    access.add_account(store, "moi", "Đỗ Văn Mới", "appraiser", ["ban-dan-toc"], PASSWORDS["moi"], console("test"))
    access.set_stage(store, PERIOD, "self", access.OPEN, pd.Timestamp("2030-12-31").date(), console("test"))
    access.set_stage(store, PERIOD, "appraisal", access.OPEN, None, console("test"))
    store.close()
    return db


@pytest.fixture(scope="module")
def office(demo_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("office")
    with serving(prepared_store(demo_template, root), root, auth=("--auth", "accounts")) as srv:
        srv.screens = artefacts("buoi-lam-viec")
        yield srv


def store_of(server) -> Store:
    return Store(f"sqlite:///{server.db}", evidence_dir=server.data_dir / "evidence")


def opened(browser, server, login, size, query="", admin=False):
    """A person's own browser profile at `size`, signed in on the scoring (or admin) page."""
    page = browser.new_context(viewport=size, accept_downloads=True).new_page()
    page.set_default_timeout(60000)
    url = server.url.replace("scoring.ipynb", "admin.ipynb") if admin else server.url
    page.goto(f"{url}{query}")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORDS[login])
    page.click("button[type=submit]")
    return page


def within_width(page, selector, width):
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_a_unit_with_3_of_70_on_a_phone_cannot_submit(browser, office):
    page = opened(browser, office, "yte", PHONE, f"?unit={LATE}&period={PERIOD}&stage=self")
    page.wait_for_selector(".cchc-progress-text")
    line = page.inner_text(".cchc-progress-text")
    assert line.startswith("Đã chấm 3/70 · 2 mục thiếu tài liệu kiểm chứng · chưa nộp, hạn 31/12/2030"), line
    assert page.is_visible(".cchc-progress-text")
    assert within_width(page, ".cchc-progress", PHONE["width"])  # readable on the phone, not cut
    assert page.locator(".cchc-head .cchc-submit").count() == 0  # «Nộp» is not in the sticky header
    page.click(".cchc-submit-box .cchc-submit")
    page.wait_for_selector(".cchc-submit-dialog[open]")
    summary = page.inner_text(".cchc-checklist-summary")
    assert "Chưa nộp được: còn 67 mục chưa chấm, 2 mục thiếu tài liệu kiểm chứng" in summary
    assert page.locator(".cchc-checklist-unscored li").count() == 67
    assert page.is_disabled(".cchc-submit-confirm")
    assert within_width(page, ".cchc-submit-dialog", PHONE["width"])
    page.screenshot(path=str(office.screens / "unit-phone-checklist.png"))

    link = page.locator(".cchc-checklist-lacking .cchc-checklist-item").first
    code = link.get_attribute("data-code")
    link.click()  # the item opens the form's filter at its row
    page.wait_for_selector(".cchc-submit-dialog:not([open])", state="attached")
    assert page.get_attribute(".cchc-filter-no_evidence", "aria-pressed") == "true"
    row = f".cchc-row-{code.replace('.', '-')}"
    assert page.is_visible(row)
    assert "Thiếu tài liệu kiểm chứng" in page.inner_text(f"{row} .cchc-badge")
    page.screenshot(path=str(office.screens / "unit-phone-lacking-filter.png"))

    # a forged click on the greyed-out «Nộp» meets the write door's refusal
    page.click(".cchc-submit-box .cchc-submit")
    page.eval_on_selector(".cchc-submit-confirm", "b => { b.disabled = false; b.click(); }")
    page.wait_for_selector(".cchc-report-refused")
    assert "Sở Y tế chưa nộp được: 67 mục chưa chấm, 2 mục thiếu tài liệu kiểm chứng" in page.inner_text(".cchc-report")
    s = store_of(office)
    assert LATE not in s.submissions(PERIOD)
    s.close()
    page.close(run_before_unload=True)


def test_removing_a_file_asks_first_naming_it(browser, office):
    """«×» beside an evidence file opens the form's own dialog naming the file (no native
    confirm): «Thôi» keeps it, «Gỡ tài liệu» removes it."""
    page = opened(browser, office, "yte", PHONE, f"?unit={LATE}&period={PERIOD}&stage=self")
    native = []
    page.on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    row = ".cchc-row-1-1-1"
    page.wait_for_selector(f"{row} .cchc-upload", state="attached")
    pdf = {"name": "Kế hoạch CCHC 2017.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% ke hoach\n"}
    page.set_input_files(f"{row} .cchc-upload", files=[pdf])
    page.wait_for_selector(f"{row} .cchc-file")
    page.click(f"{row} .cchc-file-remove")
    page.wait_for_selector(".cchc-confirm-dialog[open]")
    assert "Gỡ tệp «Kế hoạch CCHC 2017.pdf»" in page.inner_text(".cchc-confirm-dialog")
    assert within_width(page, ".cchc-confirm-dialog", PHONE["width"])
    page.screenshot(path=str(office.screens / "unit-phone-remove-file.png"))
    page.click(".cchc-confirm-cancel")
    assert page.locator(".cchc-confirm-dialog[open]").count() == 0
    assert page.locator(f"{row} .cchc-file").count() == 1  # kept
    page.click(f"{row} .cchc-file-remove")
    page.click(".cchc-confirm-dialog[open] .cchc-confirm-go")
    page.wait_for_selector(f"{row} .cchc-no-files")
    assert native == []
    s = store_of(office)
    assert s.evidence_history(PERIOD, LATE)["removed_by"].notna().sum() == 1
    s.close()
    page.close(run_before_unload=True)


def test_the_administrator_runs_the_period_by_the_progress_table(browser, office):
    admin = opened(browser, office, "quantri", LAPTOP, f"?period={PERIOD}", admin=True)
    admin.wait_for_selector(".cchc-pb-table .cchc-pb-row")
    assert admin.locator(".cchc-pb-row").count() == 19 + 10  # the demo's departments and districts
    assert "Đã nộp 0/29" in admin.inner_text(".cchc-pb-summary")
    district = admin.locator(".cchc-pb-row[data-unit='huyen-nam-po']")
    assert district.locator(".cchc-pb-scored").inner_text() == "42/42"  # counted on its own block's set
    late = admin.locator(f".cchc-pb-row[data-unit='{LATE}']")
    assert late.locator(".cchc-pb-scored").inner_text() == "3/70"
    assert late.locator(".cchc-pb-lacking").inner_text() == "2"
    assert late.locator(".cchc-pb-deadline").inner_text() == "31/12/2030"
    href = late.locator(".cchc-pb-link").get_attribute("href")
    assert href.endswith(f"scoring.ipynb?unit={LATE}&period={PERIOD}&stage=self")
    admin.click(".cchc-pb-sort-scored")  # fewest scored first
    assert admin.locator(".cchc-pb-row").first.get_attribute("data-unit") == LATE
    admin.select_option(".cchc-pb-group-select", "Cơ quan khác")
    assert sorted(admin.eval_on_selector_all(".cchc-pb-row", "rs => rs.map(r => r.dataset.unit)")) == [LATE, "vp-ubnd"]
    with admin.expect_download() as info:  # what is shown is what is written, and the file says which group
        admin.click(".cchc-pb-download-xlsx")
    assert info.value.suggested_filename == f"tien-do-{PERIOD}-nhom-co-quan-khac.xlsx"
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes()))["Tiến độ"]
    assert [c.value for c in sheet[1]][:3] == ["Đơn vị", "Khối", "Nhóm"]
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["Sở Y tế", "Văn phòng UBND tỉnh"]
    with admin.expect_download() as info:
        admin.click(".cchc-pb-download-csv")
    assert info.value.suggested_filename == f"tien-do-{PERIOD}-nhom-co-quan-khac.csv"
    assert len(info.value.path().read_text(encoding="utf-8-sig").splitlines()) == 1 + 2
    admin.select_option(".cchc-pb-group-select", "")
    assert district.locator(".cchc-pb-block").inner_text() == "UBND cấp huyện"  # each unit's block, as the files say it
    admin.select_option(".cchc-pb-block-select", "huyen")  # one block's units, as `cchc progress --block huyen`
    shown = admin.eval_on_selector_all(".cchc-pb-row", "rs => rs.map(r => r.dataset.unit)")
    assert len(shown) == 10
    assert all(u.startswith(("huyen-", "tx-", "tp-")) for u in shown)
    admin.select_option(".cchc-pb-block-select", "")
    with admin.expect_download() as info:
        admin.click(".cchc-pb-download-xlsx")
    book = load_workbook(io.BytesIO(info.value.path().read_bytes()))
    assert book.sheetnames == ["Tiến độ"]

    # too early: the confirmation counts what is missing; cancelled, nothing changes
    admin.click(".cchc-ad-finalise")
    admin.wait_for_selector(".cchc-ad-confirm[open]")
    said = admin.inner_text(".cchc-ad-confirm")
    assert "Còn 29 đơn vị chưa nộp và 11 đơn vị chưa thẩm định xong." in said
    assert "đã nộp 0/29 đơn vị · thẩm định xong 18/29 đơn vị · 0 dòng khác nhau chưa có lý do" in said
    admin.screenshot(path=str(office.screens / "admin-1366-finalise-too-early.png"))
    admin.click(".cchc-ad-confirm-cancel")
    assert admin.locator(".cchc-ad-confirm *").count() == 0  # nothing of it outlives the answer

    # the complete unit submits from its phone; the administrator's table follows live
    unit = opened(browser, office, "tuphap", PHONE, f"?unit={UNIT}&period={PERIOD}&stage=self")
    unit.wait_for_selector(".cchc-submit-box:not([hidden]) .cchc-submit")
    unit.click(".cchc-submit-box .cchc-submit")
    assert unit.is_enabled(".cchc-submit-confirm")
    unit.click(".cchc-submit-confirm")
    unit.wait_for_selector(".cchc-report-ok")
    assert "Đã nộp bản tự đánh giá" in unit.inner_text(".cchc-report")
    assert "đã nộp lúc" in unit.inner_text(".cchc-progress-text")
    assert unit.locator(".cchc-submit-box").is_hidden()
    unit.close(run_before_unload=True)
    admin.wait_for_function("() => document.querySelector('.cchc-pb-summary').textContent.includes('Đã nộp 1/29')")
    submitted = admin.locator(f".cchc-pb-row[data-unit='{UNIT}'] .cchc-pb-submitted_at").inner_text()
    assert submitted.endswith("· Trần Thị Pháp")  # the person's name
    first = lambda: admin.locator(".cchc-pb-row").first.get_attribute("data-unit")  # noqa: E731
    admin.click(".cchc-pb-sort-submitted_at")  # «Nộp lúc ▲»: the one that submitted, the blanks after it
    assert admin.inner_text(".cchc-pb-sort-submitted_at").endswith("▲")
    assert first() == UNIT
    admin.click(".cchc-pb-sort-submitted_at")  # ▼: the blanks still last, as a spreadsheet sorts
    assert admin.inner_text(".cchc-pb-sort-submitted_at").endswith("▼")
    assert first() == UNIT

    # reopening the unit: its own reason field, required, emptied after use
    admin.wait_for_selector(".cchc-ad-reopen-unit")
    admin.click(".cchc-ad-reopen-unit")
    admin.wait_for_selector(".cchc-ad-confirm[open] .cchc-ad-confirm-reason")
    assert "Sở Tư pháp: nộp lúc" in admin.inner_text(".cchc-ad-confirm")
    assert admin.is_disabled(".cchc-ad-confirm-go")
    admin.fill(".cchc-ad-confirm-reason", "-")  # a dash says nothing: refused, in the page's own words
    admin.click(".cchc-ad-confirm-go")
    admin.wait_for_function("() => document.querySelector('.cchc-ad-alert').textContent.includes('lý do')")
    refused = admin.inner_text(".cchc-ad-alert")
    assert "mở lại cần lý do (ô «Lý do»)" in refused
    assert "--reason" not in refused
    admin.click(".cchc-ad-reopen-unit")
    admin.wait_for_selector(".cchc-ad-confirm[open] .cchc-ad-confirm-reason")
    admin.fill(".cchc-ad-confirm-reason", "Đơn vị xin sửa lỗi nhập 1.1.4")
    admin.click(".cchc-ad-confirm-go")
    admin.wait_for_function("() => document.querySelector('.cchc-ad-notice').textContent.includes('Đã mở lại')")

    # finalising, then reopening the period: a fresh, empty reason field of its own
    admin.click(".cchc-ad-finalise")
    admin.wait_for_selector(".cchc-ad-confirm[open]")
    admin.click(".cchc-ad-confirm-go")
    admin.wait_for_selector(".cchc-ad-reopen-period")
    # the finalised period's stages: read only, nothing offered beside «Kỳ đã chốt… chỉ xem»
    assert "chỉ xem" in admin.inner_text(".cchc-ad-stages")
    assert admin.locator(".cchc-ad-stages button").count() == 0
    assert admin.is_disabled(".cchc-ad-until-self")
    admin.click(".cchc-ad-reopen-period")
    admin.wait_for_selector(".cchc-ad-confirm[open] .cchc-ad-confirm-reason")
    assert admin.input_value(".cchc-ad-confirm-reason") == ""  # the unit's reason is not carried over
    assert "Mở lại Năm 2017 (đã chốt lúc" in admin.inner_text(".cchc-ad-confirm")
    admin.fill(".cchc-ad-confirm-reason", "Công bố lại sau khiếu nại")
    admin.click(".cchc-ad-confirm-go")
    admin.wait_for_selector(".cchc-ad-finalise")

    # a second account removed, after being told whose it is
    admin.click(".cchc-ad-accounts tr:has-text('Đỗ Văn Mới') .cchc-ad-remove")
    admin.wait_for_selector(".cchc-ad-confirm[open]")
    assert "Đỗ Văn Mới (moi), Thẩm định viên: Ban Dân tộc." in admin.inner_text(".cchc-ad-confirm")
    admin.click(".cchc-ad-confirm-go")
    admin.wait_for_function("() => !document.querySelector('.cchc-ad-accounts').textContent.includes('Đỗ Văn Mới')")

    # closing the self-assessment early says who it shuts out; cancelled
    admin.click(".cchc-ad-close-self")
    admin.wait_for_selector(".cchc-ad-confirm[open]")
    said = admin.inner_text(".cchc-ad-confirm")
    assert "(hạn đến hết ngày 31/12/2030)" in said
    assert "29/29 đơn vị chưa nộp sẽ không sửa được bản tự đánh giá nữa." in said
    admin.screenshot(path=str(office.screens / "admin-1366-close-stage.png"))
    admin.click(".cchc-ad-confirm-cancel")

    # the districts' self-assessment closed alone: the stage controls follow the block chosen
    admin.select_option(".cchc-ad-block", "huyen")
    admin.click(".cchc-ad-close-self")
    admin.wait_for_selector(".cchc-ad-confirm[open]")
    said = admin.inner_text(".cchc-ad-confirm")
    assert "Đóng giai đoạn tự đánh giá cho khối UBND cấp huyện" in said
    assert "10/10 đơn vị chưa nộp" in said
    admin.click(".cchc-ad-confirm-go")
    admin.wait_for_function("() => document.querySelector('.cchc-ad-stages').textContent.includes('Tự đánh giá: đã đóng')")
    admin.select_option(".cchc-ad-block", "")
    admin.wait_for_function("() => document.querySelector('.cchc-ad-stages').textContent.includes('Tự đánh giá: đang mở')")

    s = store_of(office)
    reasons = s.events(PERIOD).query("action == 'reopen'")["detail"].tolist()
    assert reasons == ["Đơn vị xin sửa lỗi nhập 1.1.4", "Công bố lại sau khiếu nại"]
    assert s.final(PERIOD) is None
    assert s.account("moi") is None
    assert s.stages(PERIOD)["self"]["state"] == access.OPEN
    assert s.block_stages(PERIOD)["huyen"]["self"]["state"] == access.CLOSED
    s.close()
    admin.close(run_before_unload=True)


def test_an_appraiser_lands_on_their_units_progress(browser, office):
    page = opened(browser, office, "thamdinh", LAPTOP)
    page.wait_for_selector(".cchc-pb-table .cchc-pb-row")
    assert page.eval_on_selector_all(".cchc-pb-row", "rs => rs.map(r => r.dataset.unit)") == [UNIT, LATE]  # by name
    page.wait_for_selector(".cchc-row-1-1-1 .cchc-input")  # the form below it
    page.screenshot(path=str(office.screens / "appraiser-1366.png"))
    phone = opened(browser, office, "thamdinh", PHONE)
    phone.wait_for_selector(".cchc-pb-table .cchc-pb-row")
    assert within_width(phone, ".cchc-pb-row", PHONE["width"])  # a card per unit on the phone
    cell = phone.locator(f".cchc-pb-row[data-unit='{LATE}'] .cchc-pb-scored")
    assert cell.inner_text() == "3/70"
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Đã tự chấm: "'  # each figure named
    phone.screenshot(path=str(office.screens / "appraiser-phone.png"))
    phone.close(run_before_unload=True)
    page.close(run_before_unload=True)


def test_an_appraiser_opening_a_units_link_on_a_phone_meets_its_form_first(browser, office):
    """A unit named in the address (the table's link, a colleague's): that unit's form comes
    first, its first criterion on the phone's first screen, the progress table after the form."""
    page = opened(browser, office, "thamdinh", PHONE, f"?unit={LATE}&period={PERIOD}&stage=appraisal")
    page.wait_for_selector(".cchc-row .cchc-input")
    page.wait_for_selector(".cchc-pb-table .cchc-pb-row", state="attached")
    page.screenshot(path=str(office.screens / "appraiser-phone-unit-link.png"))
    first = page.evaluate("() => document.querySelector('.cchc-row .cchc-input').getBoundingClientRect().bottom")
    assert first <= PHONE["height"], f"the first criterion's input ends at {first:.0f} px"
    after = page.evaluate(
        "() => !!(document.querySelector('.cchc-form').compareDocumentPosition(document.querySelector('.cchc-progress-board'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert after, "the progress table comes before the unit's form"
    page.close(run_before_unload=True)
