"""The scoring app in a real browser against a real Voilà server and SQLite file."""

import io
import time
from pathlib import Path

import pytest

from cchc_widgets.core import engine
from cchc_widgets.core.numbers import format_number, parse_decimal
from cchc_widgets.services.results import score_period
from cchc_widgets.store.database import Store

pytestmark = pytest.mark.e2e

UNIT, PERIOD = "so-tu-phap", "2017"


def number(text: str) -> float:
    return float(text.strip().replace(".", "").replace(",", "."))


def open_form(page, server, unit=UNIT, period=PERIOD, stage="self", author="Nguyễn Văn A"):
    page.goto(f"{server.url}?unit={unit}&period={period}&stage={stage}")
    page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    page.fill(".cchc-author", author)
    return page


def points(typed: str) -> str:
    """Points a person typed as the row shows them: the demo set's two places (`2,5` → `2,50`)."""
    return format_number(parse_decimal(typed), 2, fixed=True)


def row(code: str) -> str:
    return f".cchc-row-{code.replace('.', '-')}"


def wait_points(page, code, expected: str):
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel).textContent === want",
        arg=[f"{row(code)} .cchc-row-points", expected],
    )
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")


def store_of(server) -> Store:
    return Store(f"sqlite:///{server.db}", evidence_dir=server.data_dir / "evidence")


def test_an_item_that_does_not_apply_reads_as_the_sets_word(page, server):
    """Issue 28: N/A written as the set's word everywhere — on screen too: an appraiser sees the
    unit's N/A item as «KAD» in its points and in the unit's own value beside it, as the sheet,
    the workbook and the report print it; the box a person ticks still reads «Không áp dụng»
    (issue 27: no unexplained abbreviation on a control)."""
    open_form(page, server, period="2016", stage="appraisal")
    s = store_of(server)
    word = s.criteria_for("2016").na_label
    s.close()
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel).textContent === want", arg=[f"{row('2.4.3')} .cchc-row-points", word]
    )
    assert page.inner_text(f"{row('2.4.3')} .cchc-self-value") == word
    assert page.is_checked(f"{row('2.4.3')} .cchc-na")
    assert page.inner_text(f"{row('2.4.3')} .cchc-na-label").strip() == "Không áp dụng"
    assert "Không áp dụng" not in page.inner_text(f"{row('2.4.3')} .cchc-other")


def test_score_every_rule_type_and_see_the_total(page, server):
    open_form(page, server)
    assert page.inner_text(".cchc-unit-name") == "Sở Tư pháp"
    start = number(page.inner_text(".cchc-total"))
    page.select_option(f"{row('1.1.1')} select.cchc-input", "Ban hành chậm")  # levels
    wait_points(page, "1.1.1", "0,50")  # the set's two places, as the header and every table
    assert number(page.inner_text(".cchc-total")) == pytest.approx(start - 0.5)
    page.select_option(f"{row('1.1.2')} select.cchc-input", "Không")  # yes/no
    wait_points(page, "1.1.2", "0,00")
    page.fill(f"{row('1.1.4')} .cchc-done", "19")  # percentage from done/planned
    page.fill(f"{row('1.1.4')} .cchc-planned", "20")
    page.press(f"{row('1.1.4')} .cchc-planned", "Tab")
    wait_points(page, "1.1.4", "2,00")
    page.fill(f"{row('2.2.2')} .cchc-input", "100")  # percentage
    page.press(f"{row('2.2.2')} .cchc-input", "Tab")
    wait_points(page, "2.2.2", "1,00")
    page.fill(f"{row('1.2.1')} .cchc-input", "4")  # count against 4 required
    page.press(f"{row('1.2.1')} .cchc-input", "Tab")
    wait_points(page, "1.2.1", "1,00")
    page.fill(f"{row('1.5.2')} .cchc-input", "3,5")  # manual points on a 0.5 step, with a decimal comma
    page.press(f"{row('1.5.2')} .cchc-input", "Tab")
    wait_points(page, "1.5.2", "3,50")
    page.check(f"{row('1.3.3')} .cchc-na")  # not applicable
    s = store_of(server)
    word = s.criteria_for(PERIOD).na_label
    s.close()
    assert word == "KAD"  # the demo set declares none: the default, as provincial tables write it
    wait_points(page, "1.3.3", word)  # the value: the set's word, as the sheet, workbook and report print it…
    assert page.get_attribute(f"{row('1.3.3')} .cchc-row-points", "title") == "Không áp dụng"  # …written out on hover
    assert page.inner_text(f"{row('1.3.3')} .cchc-na-label").strip() == "Không áp dụng"  # the box's label stays in words

    s = store_of(server)
    stored = s.scores(PERIOD, UNIT, "self").set_index("code")
    assert stored.loc["1.1.1", "value"] == "Ban hành chậm"
    assert stored.loc["1.1.1", "author"] == "Nguyễn Văn A"
    assert stored.loc["1.1.4", "value"] == {"done": 19, "planned": 20}
    assert stored.loc["1.5.2", "value"] == 3.5
    assert bool(stored.loc["1.3.3", "na"])
    expected = engine.score(s.scores(PERIOD, UNIT, "self"), s.criteria_for(PERIOD)).results.iloc[0]
    assert number(page.inner_text(".cchc-total")) == pytest.approx(expected["total"])
    assert page.inner_text(".cchc-index").startswith(f"{expected['index']:.3f}".rstrip("0").replace(".", ",")[:5])
    s.close()


def test_invalid_input_is_refused_in_vietnamese_and_not_saved(page, server):
    open_form(page, server)
    s = store_of(server)
    before = s.scores(PERIOD, UNIT).set_index(["code", "stage"]).loc[("7.2.1", "self")]
    page.fill(f"{row('7.2.1')} .cchc-planned", "20")  # below the 38 already declared as done
    page.fill(f"{row('7.2.1')} .cchc-done", "30")
    page.press(f"{row('7.2.1')} .cchc-done", "Tab")
    page.wait_for_selector(f"{row('7.2.1')}.cchc-invalid")
    assert "lớn hơn tổng số" in page.inner_text(f"{row('7.2.1')} .cchc-field-error")
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Chưa lưu')")
    after = s.scores(PERIOD, UNIT).set_index(["code", "stage"]).loc[("7.2.1", "self")]
    assert after["value"] == before["value"]
    assert after["version"] == before["version"]
    s.close()


def test_a_decimal_comma_is_a_decimal_and_an_ambiguous_number_is_refused(page, server):
    """`9,5` typed in a percentage box is 9.5 % (it was once saved as 95); `1.234` is refused."""
    open_form(page, server)
    s = store_of(server)
    page.fill(f"{row('2.2.2')} .cchc-input", "9,5")
    page.press(f"{row('2.2.2')} .cchc-input", "Tab")
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")
    stored = s.scores(PERIOD, UNIT, "self").set_index("code").loc["2.2.2"]
    assert stored["value"] == 9.5
    assert page.input_value(f"{row('2.2.2')} .cchc-input") == "9,5"
    version = stored["version"]
    page.fill(f"{row('1.2.1')} .cchc-input", "1.234")
    page.press(f"{row('1.2.1')} .cchc-input", "Tab")
    page.wait_for_selector(f"{row('1.2.1')}.cchc-invalid")
    assert "có thể là 1234 hoặc 1,234" in page.inner_text(f"{row('1.2.1')} .cchc-field-error")
    assert s.scores(PERIOD, UNIT, "self").set_index("code").loc["2.2.2", "version"] == version
    s.close()


def test_side_by_side_a_colleagues_change_arrives_and_nothing_is_overwritten(page, server):
    """Two people on one unit. A change by one shows in the other's page within seconds, with
    who made it; a row the second person is editing that changes underneath them is marked with
    both values, a save from the stale version is refused, and keeping one's own value is a
    deliberate choice. The row's history lists both."""
    s = store_of(server)
    stored = s.scores(PERIOD, UNIT, "self").set_index("code")
    new = "2,5" if stored.loc["1.5.2", "points"] != 2.5 else "2"
    count = "3" if stored.loc["1.2.1", "value"] != 3 else "2"
    first = open_form(page, server, author="Người thứ nhất")
    second = open_form(page.context.new_page(), server, author="Người thứ hai")
    second.fill(f"{row('1.5.2')} .cchc-input", new)
    second.press(f"{row('1.5.2')} .cchc-input", "Tab")
    wait_points(second, "1.5.2", points(new))
    first.wait_for_function(
        "([sel, want]) => document.querySelector(sel).value === want", arg=[f"{row('1.5.2')} .cchc-input", new], timeout=10000
    )
    first.wait_for_function(  # the notice is its own message, a moment after the row's
        "() => document.querySelector('.cchc-notice').textContent.includes('Người thứ hai vừa lưu 1.5.2')", timeout=10000
    )

    first.fill(f"{row('1.2.1')} .cchc-note", "Đang ghi giải trình")  # typing, not yet sent
    second.fill(f"{row('1.2.1')} .cchc-input", count)
    second.press(f"{row('1.2.1')} .cchc-input", "Tab")
    first.wait_for_selector(f"{row('1.2.1')} .cchc-keep-mine", timeout=10000)
    assert "Người thứ hai vừa lưu giá trị khác" in first.inner_text(f"{row('1.2.1')} .cchc-changed")
    assert first.input_value(f"{row('1.2.1')} .cchc-note") == "Đang ghi giải trình"  # what is typed stays
    first.press(f"{row('1.2.1')} .cchc-note", "Tab")  # sent from the version the page had: refused
    first.wait_for_selector(f"{row('1.2.1')}.cchc-invalid")
    assert "đã được Người thứ hai sửa" in first.inner_text(f"{row('1.2.1')} .cchc-field-error")
    assert s.scores(PERIOD, UNIT, "self").set_index("code").loc["1.2.1", "author"] == "Người thứ hai"
    first.click(f"{row('1.2.1')} .cchc-keep-mine")
    first.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")
    kept = s.scores(PERIOD, UNIT, "self").set_index("code").loc["1.2.1"]
    assert (kept["author"], kept["note"]) == ("Người thứ nhất", "Đang ghi giải trình")

    first.click(f"{row('1.2.1')} .cchc-history-button")
    first.wait_for_selector(f"{row('1.2.1')} .cchc-history-table")
    history = first.inner_text(f"{row('1.2.1')} .cchc-history-table")
    assert history.index("Người thứ nhất") < history.index("Người thứ hai")  # newest first
    assert "Đang ghi giải trình" in history
    s.close()


def test_evidence_upload_and_download(page, server, tmp_path):
    open_form(page, server)
    pdf = b"%PDF-1.4\n% Ke hoach CCHC nam 2017\n"
    page.set_input_files(
        f"{row('1.1.1')} .cchc-upload", files=[{"name": "Kế hoạch CCHC 2017.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    link = page.wait_for_selector(f"{row('1.1.1')} .cchc-file")
    assert link.inner_text() == "Kế hoạch CCHC 2017.pdf"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "Kế hoạch CCHC 2017.pdf"
    assert Path(download.path()).read_bytes() == pdf
    page.set_input_files(
        f"{row('1.1.2')} .cchc-upload", files=[{"name": "a.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}]
    )
    page.wait_for_selector(f"{row('1.1.2')}.cchc-invalid")
    assert "không thuộc loại được nhận" in page.inner_text(f"{row('1.1.2')} .cchc-field-error")


def test_reload_and_restart_show_what_was_entered(page, server):
    open_form(page, server)
    page.fill(f"{row('8.3.2')} .cchc-input", "1.5")
    page.press(f"{row('8.3.2')} .cchc-input", "Tab")
    wait_points(page, "8.3.2", "1,50")
    page.fill(f"{row('8.3.2')} .cchc-note", "Đã trang bị máy lấy số thứ tự")
    page.press(f"{row('8.3.2')} .cchc-note", "Tab")
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")
    total = page.inner_text(".cchc-total")
    for _ in range(2):
        page.reload()  # a new page gets a preheated kernel: it must still read the store as it is now
        page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
        assert page.input_value(f"{row('8.3.2')} .cchc-input") == "1,5"  # shown the Vietnamese way
        assert page.input_value(f"{row('8.3.2')} .cchc-note") == "Đã trang bị máy lấy số thứ tự"
        assert page.inner_text(".cchc-total") == total
    server.stop()
    server.start()
    open_form(page, server)
    assert page.input_value(f"{row('8.3.2')} .cchc-input") == "1,5"  # shown the Vietnamese way
    assert page.inner_text(".cchc-total") == total


def test_appraise_with_a_reason_and_the_unit_reads_it(page, server):
    s = store_of(server)
    own = s.scores(PERIOD, UNIT, "self").set_index("code").loc["2.2.1", "value"]
    different = "Không" if str(own).lower() == "có" else "Có"
    open_form(page, server, stage="appraisal", author="Tổ thẩm định Sở Nội vụ")
    assert "Đơn vị tự đánh giá" in page.inner_text(f"{row('2.2.1')} .cchc-other")
    page.select_option(f"{row('2.2.1')} select.cchc-input", different)
    page.wait_for_selector(f"{row('2.2.1')}.cchc-invalid")
    assert "ghi lý do" in page.inner_text(f"{row('2.2.1')} .cchc-field-error")
    page.fill(f"{row('2.2.1')} .cchc-note", "Kế hoạch không có trong hồ sơ")
    page.press(f"{row('2.2.1')} .cchc-note", "Tab")
    wait_points(page, "2.2.1", "0,00" if different == "Không" else "1,00")
    appraised = s.scores(PERIOD, UNIT, "appraisal").set_index("code").loc["2.2.1"]
    assert appraised["value"] == different
    assert appraised["note"] == "Kế hoạch không có trong hồ sơ"
    open_form(page, server, stage="self")
    assert "Kế hoạch không có trong hồ sơ" in page.inner_text(f"{row('2.2.1')} .cchc-appraisal-reason")
    s.close()


def test_selectors_switch_and_the_url_follows(page, server):
    open_form(page, server)
    page.select_option(".cchc-select-unit", "so-y-te")
    page.wait_for_function("() => document.querySelector('.cchc-unit-name').textContent === 'Sở Y tế'")
    assert "unit=so-y-te" in page.url
    assert "period=2017" in page.url
    page.select_option(".cchc-select-period", "2016")
    page.wait_for_function("() => location.search.includes('period=2016')")
    page.reload()
    page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    assert page.inner_text(".cchc-unit-name") == "Sở Y tế"
    assert "Năm 2016" in page.inner_text(".cchc-period")


def test_results_workbook_downloads_through_the_widget(page, server):
    from openpyxl import load_workbook

    open_form(page, server)
    with page.expect_download() as info:
        page.click(".cchc-export")
    assert info.value.suggested_filename == "ket-qua-cchc-2017.xlsx"
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book.sheetnames[:2] == ["Bìa", "Tổng hợp — Sở, ban, ngành"]  # the demo's first block, an annex of its own
    assert "Sở Tư pháp" in book.sheetnames
    assert "Tổng hợp — UBND cấp huyện" in book.sheetnames


def test_template_downloads_fills_and_imports_back(page, server, tmp_path):
    import json

    from openpyxl import load_workbook

    from cchc_widgets.files import templates as workbooks
    from cchc_widgets.services.imports import import_template

    open_form(page, server, unit="so-y-te")
    with page.expect_download() as info:
        page.click(".cchc-template")
    assert info.value.suggested_filename == "phieu-tu-danh-gia-so-y-te-2017.xlsx"
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    book = load_workbook(path)
    assert book[workbooks.sheet_name("self")].protection.sheet
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    s = store_of(server)
    own = s.scores(PERIOD, "so-y-te", "self").set_index("code")
    prefilled = book[workbooks.sheet_name("self")][f"{workbooks.VALUE}{rows['1.1.2']}"].value
    assert prefilled.casefold() == own.loc["1.1.2", "value"].casefold()  # the list's spelling ("Có")
    flipped = "Không" if prefilled == "Có" else "Có"
    book[workbooks.sheet_name("self")][f"{workbooks.VALUE}{rows['1.1.2']}"] = flipped
    book[workbooks.sheet_name("self")][f"{workbooks.NOTE}{rows['1.1.2']}"] = "Sửa trong Excel"
    book.save(path)
    assert import_template(s, path).rows == 1
    stored = s.scores(PERIOD, "so-y-te", "self").set_index("code").loc["1.1.2"]
    assert (stored["value"].casefold(), stored["note"]) == (flipped.casefold(), "Sửa trong Excel")
    s.close()
    open_form(page, server, unit="so-y-te")  # the form reads what the import stored
    assert page.input_value(f"{row('1.1.2')} select.cchc-input").casefold() == flipped.casefold()
    assert page.input_value(f"{row('1.1.2')} .cchc-note") == "Sửa trong Excel"


def test_appraisal_header_shows_survey_points(page, server):
    s = store_of(server)
    survey = score_period(s, "2016").results.set_index("unit").loc[UNIT, "survey"]
    s.close()
    open_form(page, server, period="2016", stage="appraisal")
    text = page.inner_text(".cchc-survey")
    assert number(text.split("gồm ")[1].split(" điểm")[0]) == pytest.approx(survey, abs=0.01)
    open_form(page, server, period="2016", stage="self")
    assert page.query_selector(".cchc-survey") is None  # the unit's own view has no survey points


def test_upload_filled_template_and_survey_in_the_browser(page, server, tmp_path):
    import json

    from openpyxl import load_workbook

    from cchc_widgets.files import templates as workbooks

    open_form(page, server, unit="so-tai-chinh", author="Chuyên viên Sở Tài chính")
    with page.expect_download() as info:
        page.click(".cchc-template")
    path = tmp_path / "phieu.xlsx"
    info.value.save_as(path)
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    prefilled = book[workbooks.sheet_name("self")][f"{workbooks.VALUE}{rows['1.1.2']}"].value
    book[workbooks.sheet_name("self")][f"{workbooks.VALUE}{rows['1.1.2']}"] = "có lẽ"  # not an answer of a yes/no item
    book.save(path)
    page.set_input_files(".cchc-import-scores-file", str(path))
    page.wait_for_selector(".cchc-report-refused")
    assert "không lưu gì (1 lỗi)" in page.inner_text(".cchc-report-message")
    assert "1.1.2" in page.inner_text(".cchc-report-problems")
    book[workbooks.sheet_name("self")][f"{workbooks.VALUE}{rows['1.1.2']}"] = prefilled
    book[workbooks.sheet_name("self")][f"{workbooks.VALUE}{rows['1.1.1']}"] = "Không ban hành"
    book.save(path)
    page.set_input_files(".cchc-import-scores-file", str(path))
    page.wait_for_selector(".cchc-report-ok >> text=tiêu chí thay đổi")
    assert page.input_value(f"{row('1.1.1')} select.cchc-input") == "Không ban hành"

    open_form(page, server, unit="so-tai-chinh", stage="appraisal", author="Tổ thẩm định")
    with page.expect_download() as info:
        page.click(".cchc-survey-template")
    survey = tmp_path / info.value.suggested_filename
    info.value.save_as(survey)
    sheet = load_workbook(survey)
    sheet["Phiếu khảo sát"].append(["so-tai-chinh", "1", "Xã", "KS5", "B"])
    sheet.save(survey)
    page.set_input_files(".cchc-import-survey-file", str(survey))
    page.wait_for_selector(".cchc-report-ok")
    page.wait_for_selector(".cchc-survey")
    assert number(page.inner_text(".cchc-survey").split("gồm ")[1].split(" điểm")[0]) == pytest.approx(1.2)


def test_a_closed_or_reloaded_page_leaves_no_kernel_behind(page, server):
    """A page view holds one kernel while it is open, and none once it is closed; reloading
    replaces the kernel instead of adding one (each used to stay until the 30-minute cull)."""
    before = server.settled_kernels()
    open_form(page, server)
    during = server.settled_kernels()
    assert during == before + 1  # the page's kernel (the pool refilled behind it)
    for _ in range(3):
        page.reload()
        page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    assert server.settled_kernels() == during
    other = page.context.new_page()
    open_form(other, server)
    assert server.settled_kernels() == during + 1
    other.close(run_before_unload=True)
    page.close(run_before_unload=True)
    start = time.monotonic()
    while server.kernels() > before and time.monotonic() - start < 60:
        time.sleep(0.5)
    assert server.kernels() == before, "a closed page's kernel must be shut down within 60 s"


def test_a_lost_connection_is_said_within_seconds(page, server):
    """The server dies under an open page: within 5 s (plus one heartbeat) the page says so and
    how to reload; a change typed afterwards is not reported as saving or saved."""
    open_form(page, server)
    try:
        server.stop()
        notice = page.wait_for_selector(".cchc-lost", state="visible", timeout=10000)
        assert "tải lại trang" in notice.inner_text().lower()
        points = page.inner_text(f"{row('1.5.2')} .cchc-row-points")
        page.fill(f"{row('1.5.2')} .cchc-input", "1,5")
        page.press(f"{row('1.5.2')} .cchc-input", "Tab")
        page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Chưa lưu')")
        assert page.inner_text(f"{row('1.5.2')} .cchc-row-points") == points  # nothing pretends to be counted
    finally:
        server.start()


def test_a_point_is_saved_as_typed_and_marked_until_its_evidence_comes(page, server):
    """Score now, attach later: a point without evidence or an explanation is saved at once,
    the row says «Thiếu tài liệu kiểm chứng» and the header counts it; a file (upload), an
    explanation (note) or «Không áp dụng» lifts the mark. A file that is itself refused does not."""
    unit = "so-noi-vu"
    open_form(page, server, unit=unit)
    s = store_of(server)

    def lacking(code):
        """Clear the note and score a point: saved, and marked."""
        page.fill(f"{row(code)} .cchc-note", "")
        page.press(f"{row(code)} .cchc-note", "Tab")
        page.select_option(f"{row(code)} select.cchc-input", "Có")
        page.wait_for_function(
            f"() => document.querySelector('{row(code)} .cchc-badge').textContent.includes('Thiếu tài liệu kiểm chứng')"
        )
        assert not page.locator(f"{row(code)}.cchc-invalid").count()
        stored = s.scores(PERIOD, unit, "self").set_index("code").loc[code]
        assert (stored["value"], stored["note"]) == ("Có", "")

    def proved(code):
        page.wait_for_function(
            f"() => !document.querySelector('{row(code)} .cchc-badge').textContent.includes('Thiếu tài liệu kiểm chứng')"
        )

    lacking("1.1.2")
    assert "Đã chấm 70/70 · 1 mục thiếu tài liệu kiểm chứng" in page.inner_text(".cchc-progress-text")
    pdf = {"name": "Kế hoạch CCHC.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% ke hoach\n"}
    page.set_input_files(f"{row('1.1.2')} .cchc-upload", files=[pdf])
    proved("1.1.2")

    lacking("1.1.3")
    page.fill(f"{row('1.1.3')} .cchc-note", "Kế hoạch lưu tại văn phòng Sở, chưa số hóa")
    page.press(f"{row('1.1.3')} .cchc-note", "Tab")
    proved("1.1.3")

    # a pair of numbers (done / planned), then «Không áp dụng»: nothing left to prove
    page.fill(f"{row('1.3.3')} .cchc-note", "")
    page.fill(f"{row('1.3.3')} .cchc-done", "7")
    page.fill(f"{row('1.3.3')} .cchc-planned", "7")
    page.press(f"{row('1.3.3')} .cchc-planned", "Tab")
    page.wait_for_function(
        "() => document.querySelector('.cchc-row-1-3-3 .cchc-badge').textContent.includes('Thiếu tài liệu kiểm chứng')"
    )
    page.check(f"{row('1.3.3')} .cchc-na")
    proved("1.3.3")
    assert bool(s.scores(PERIOD, unit, "self").set_index("code").loc["1.3.3", "na"])

    # a file that is itself refused brings nothing: the row stays marked
    lacking("1.1.3")
    page.set_input_files(f"{row('1.1.3')} .cchc-upload", files=[{"name": "a.exe", "mimeType": "text/plain", "buffer": b"MZ"}])
    page.wait_for_function(
        "() => document.querySelector('.cchc-row-1-1-3 .cchc-field-error').textContent.includes('không thuộc loại')"
    )
    assert "Thiếu tài liệu kiểm chứng" in page.inner_text(f"{row('1.1.3')} .cchc-badge")
    # the refused file is the row's news until the next file: a value saved meanwhile does not wipe it,
    # and the header does not count a refused file as a value left unsaved
    assert "ô bị từ chối" not in page.inner_text(".cchc-saved")
    page.select_option(f"{row('1.1.3')} select.cchc-input", "Không")
    page.wait_for_function(
        "() => !document.querySelector('.cchc-row-1-1-3 .cchc-badge').textContent.includes('Thiếu tài liệu kiểm chứng')"
    )
    page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.includes('Đã lưu')")
    assert "không thuộc loại" in page.inner_text(f"{row('1.1.3')} .cchc-field-error")
    assert s.scores(PERIOD, unit, "self").set_index("code").loc["1.1.3", "value"] == "Không"
    s.close()
