"""The results workbook as a province prints and files it: a cover with the official heading
from the document settings, every sheet titled and set up for A4 landscape with its header
row repeated, unit sheets named by the units' names as Excel allows, figures as numbers with
the set's places, N/A as the set's word, survey cells blank where no survey came back."""

import io
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.app.scoring_session import ScoringSession
from cchc_widgets.core import clock
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.report.results_workbook import results_workbook
from cchc_widgets.report.workbook_sheets import sheet_names
from cchc_widgets.services.demo import demo_units
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import two_manual_items

FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@pytest.fixture
def at_23_30_utc():
    """23:30 UTC on 31 January: already 1 February in the province."""
    clock.stop_at(pd.Timestamp("2027-01-31T23:30:00Z").to_pydatetime())
    yield
    clock.run_again()


def test_demo_book_has_a_cover_titles_and_print_setup(demo, at_23_30_utc):
    book = load_workbook(io.BytesIO(results_workbook(demo, "2017")))
    cover = book["Bìa"]
    assert book.sheetnames[0] == "Bìa"
    cells = [[c.value for c in row] for row in cover.iter_rows()]
    assert cells[0] == ["UBND TỈNH ĐIỆN BIÊN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert cells[1] == ["SỞ NỘI VỤ", "Độc lập - Tự do - Hạnh phúc"]
    assert cells[2][0].replace("\u00a0", " ").strip() == "Số:       /BC-SNV".strip()  # the Sở's own number under the Sở
    assert cells[2][1] == "Điện Biên, ngày 01 tháng 02 năm 2027"  # the province's date, not UTC's 31/01
    flat = [v for row in cells for v in row if v]
    assert "SỔ KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH — NĂM 2017" in flat
    assert "06:30 ngày 01/02/2027" in flat
    assert flat[-4:] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "(ký, ghi rõ họ tên, đóng dấu)", "Nguyễn Văn A"]
    for ws in book.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.page_setup.orientation == "landscape", ws.title
        assert (ws.page_setup.fitToWidth or 1) == 1, ws.title  # absent is 1 page wide (ECMA-376's default)
        assert ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert len(ws.title) <= 31
        assert not FORBIDDEN.search(ws.title)
        if ws.title != "Bìa":
            assert ws.print_title_rows == "$2:$2", ws.title  # the header row on every page
            assert ws.freeze_panes == "A3", ws.title
            assert "— Năm 2017" in ws["A1"].value, ws.title
            assert ws["A1"].font.b
    assert "Sở Nông nghiệp và Phát triển…" in book.sheetnames  # a name past 31 characters, cut at a word
    assert len({t.casefold() for t in book.sheetnames}) == len(book.sheetnames)
    unit = book["Sở Tư pháp"]
    # its block and what its set is, as its annex says them (the demo's period has two blocks)
    assert unit["A1"].value == "Kết quả chấm điểm của Sở Tư pháp — khối Sở, ban, ngành (phân bổ điểm tham khảo) — Năm 2017"
    assert [c.value for c in unit[2]][:3] == ["Mã", "Nội dung", "Điểm tối đa"]


def test_demo_book_writes_na_as_kad_and_no_survey_as_blank(demo):
    book = load_workbook(io.BytesIO(results_workbook(demo, "2017")))
    scores = demo.scores("2017")
    departments = scores["unit"].isin(demo_units("so")["id"])  # the block whose set has a survey column
    na = scores[scores["na"].astype(bool) & (scores["stage"] == "appraisal") & departments].iloc[0]
    name = demo.unit_names("2017")[na["unit"]]
    sheet = book[name]
    header = [c.value for c in sheet[2]]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == na["code"])
    assert row[header.index("Điểm thẩm định")].value == "KAD"
    assert row[header.index("Điểm đạt")].value == "KAD"
    cs = demo.criteria_for("2017", unit=na["unit"])  # the set of the unit's block
    assert row[header.index("Điểm tối đa")].value == cs[na["code"]].max_points  # its maximum, not KAD
    for r in sheet.iter_rows(min_row=3):  # 2017 has no survey answers: every survey cell blank
        assert r[header.index("Điểm khảo sát")].value is None
    leaf = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "1.1.1")
    assert leaf[header.index("Điểm đạt")].number_format == "0.00"
    summary = book["Tổng hợp — Sở, ban, ngành"]  # the block whose set has a survey
    sheader = [c.value for c in summary[2]]
    assert all(r[sheader.index("Điểm khảo sát")].value is None for r in summary.iter_rows(min_row=3))


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_set_with_three_places_and_its_own_na_word(store):
    doc = two_manual_items([("Tốt", 80), ("Khá", 0)], rounding={"decimals": 3}, na_label="K.A.D")
    doc["criteria"][0]["children"][1]["allow_na"] = True
    store.add_period("2024", "Năm 2024", load_dict(doc))
    names = ["Sở Lao động - Thương binh và Xã hội tỉnh", "Sở Lao động - Thương binh và Xã hội", "Tổng hợp"]
    store.add_units(pd.DataFrame({"id": ["u1", "u2", "u3"], "name": names}), period="2024")
    rows = pd.DataFrame(
        [
            {"unit": "u1", "code": "A1", "points": 46.25, "stage": "self"},
            {"unit": "u1", "code": "A2", "value": "N/A", "na": True, "stage": "self"},
            {"unit": "u2", "code": "A1", "points": 25.5, "stage": "self"},
            {"unit": "u2", "code": "A2", "points": 25.5, "stage": "self"},
            {"unit": "u3", "code": "A1", "points": 1, "stage": "self"},
        ]
    )
    Writer(store).save_scores(Scope("2024"), rows, "Người thử", "test")
    book = load_workbook(io.BytesIO(results_workbook(store, "2024")))
    assert book.sheetnames[2:5] == ["Sở Lao động - Thương binh và…", "Sở Lao động - Thương binh… (2)", "Tổng hợp (2)"]
    summary = book["Tổng hợp"]
    header = [c.value for c in summary[2]]
    first = [c for c in summary[3]]
    assert first[header.index("Chỉ số (%)")].value == 92.5
    assert first[header.index("Chỉ số (%)")].number_format == "0.000"
    # nobody appraised yet: the self-assessments ranked among themselves, every row marked, no class
    assert [first[header.index(h)].value for h in ("Hạng", "Tình trạng", "Xếp loại")] == [1, "Chưa thẩm định", "Chưa thẩm định"]
    assert any(str(r[0].value).startswith("«Chưa thẩm định»: chưa đơn vị nào") for r in summary.iter_rows(min_row=3))
    u1 = book["Sở Lao động - Thương binh và…"]
    by_code = {r[0].value: r for r in u1.iter_rows(min_row=3)}
    assert [c.value for c in by_code["A2"][2:6]] == [50, "Không áp dụng", "K.A.D", None]  # its maximum; N/A as the set says
    assert by_code["A1"][4].value == 46.25
    assert by_code["A1"][4].number_format == "0.000"


def test_units_without_an_appraisal_are_marked_and_not_ranked(demo):
    """2017's appraisal is under way (12 of 19 units): the other seven are printed with their
    self-assessment, marked «Chưa thẩm định», without a rank or a class, after the ranked ones;
    the cover says how many are appraised and counts as numbers."""
    book = load_workbook(io.BytesIO(results_workbook(demo, "2017")))
    departments = set(demo_units("so")["id"])
    appraised = set(demo.scores("2017").query("stage == 'appraisal'")["unit"]) & departments
    summary = book["Tổng hợp — Sở, ban, ngành"]  # the departments' annex: ranked among themselves
    header = [c.value for c in summary[2]]
    rows = [[c.value for c in r] for r in summary.iter_rows(min_row=3) if r[header.index("Mã đơn vị")].value]
    assert len(rows) == 19
    assert len(appraised) == 12
    col = {
        name: header.index(name) for name in ("Hạng", "Mã đơn vị", "Tình trạng", "Điểm thẩm định", "Điểm tự đánh giá", "Xếp loại")
    }
    for i, row in enumerate(rows):
        if row[col["Mã đơn vị"]] in appraised:
            assert i < 12
            assert row[col["Hạng"]] == i + 1
            assert row[col["Tình trạng"]] == "Đã thẩm định"
            assert isinstance(row[col["Điểm thẩm định"]], int | float)
            own = ScoringSession(demo, "2017", row[col["Mã đơn vị"]], "self").header()["total"]  # as the unit's form says
            assert row[col["Điểm tự đánh giá"]] == pytest.approx(own)  # its claim beside the appraisal
            assert row[col["Xếp loại"]] not in ("Chưa thẩm định", "—", None)
        else:
            assert i >= 12
            assert row[col["Hạng"]] == "—"
            assert row[col["Tình trạng"]] == row[col["Xếp loại"]] == "Chưa thẩm định"
            assert row[col["Điểm thẩm định"]] is None
            assert isinstance(row[col["Điểm tự đánh giá"]], int | float)
    notes = [r[0].value for r in summary.iter_rows(min_row=3) if r[0].value and str(r[0].value).startswith("«Chưa")]
    assert notes
    assert "điểm in là điểm tự đánh giá" in notes[0]
    waiting = next(u for u in demo.unit_names("2017") if u not in appraised)
    sheet = book[demo.unit_names("2017")[waiting]]
    assert "(chưa thẩm định: điểm đạt là điểm tự đánh giá)" in sheet["A1"].value
    cover = {r[0].value: r[1] for r in book["Bìa"].iter_rows() if r[0].value}
    assert cover["Số đơn vị"].value == 19 + 10
    assert cover["Số đơn vị"].data_type == "n"  # a number, not text
    assert cover["Số đơn vị — khối Sở, ban, ngành"].value == 19
    assert cover["Số đơn vị — khối UBND cấp huyện"].value == 10
    assert cover["Đã thẩm định"].value == 12 + 6
    assert "(bộ tiêu chí minh họa)" in cover["Bộ tiêu chí — khối UBND cấp huyện"].value  # the districts' set says so


def test_sheet_names_follow_excels_rules():
    wanted = {"a": "Phòng [Kế hoạch]: tài chính/ngân sách?", "b": "'Ban'", "c": "history", "d": "x" * 40, "e": "X" * 40}
    names = sheet_names(wanted, {"Bìa"})
    assert names["a"] == "Phòng _Kế hoạch__ tài…"  # cut after a whole word
    assert names["b"] == "Ban"  # an apostrophe may not open or close a sheet's name
    assert names["c"] == "history (2)"  # Excel keeps «History» for itself
    assert names["d"] == "x" * 30 + "…"
    assert names["e"] == "X" * 26 + "… (2)"  # Excel compares names without case
    assert all(len(n) <= 31 for n in names.values())


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_points_declared_directly_read_as_the_printed_sheet_prints_them(store):
    """An item scored by its points («4,5», «7»: a manual item, a score table's number) shows
    them under «Giá trị kê khai», as the printed sheet does (was empty: issue 28's audit)."""
    from cchc_widgets.app.scoring_sheet import sheet_html

    store.add_period("2024", "Năm 2024", load_dict(two_manual_items([("Tốt", 80), ("Khá", 0)])))
    store.add_units(pd.DataFrame({"id": ["u1"], "name": ["Sở Thử"]}), period="2024")
    rows = pd.DataFrame(
        [{"unit": "u1", "code": "A1", "points": 4.5, "stage": "self"}, {"unit": "u1", "code": "A2", "points": 7, "stage": "self"}]
    )
    Writer(store).save_scores(Scope("2024"), rows, "Người thử", "test")
    sheet = load_workbook(io.BytesIO(results_workbook(store, "2024")))["Sở Thử"]
    column = [c.value for c in sheet[2]].index("Giá trị kê khai")
    declared = {r[0].value: r[column].value for r in sheet.iter_rows(min_row=3)}
    assert (declared["A1"], declared["A2"], declared["A"]) == ("4,5", "7", None)  # a domain declares nothing
    printed = sheet_html(ScoringSession(store, "2024", "u1", "self"))
    assert ">4,5<" in printed
    assert ">7<" in printed


def test_no_garbage_collection_walks_the_process_while_the_book_is_built(demo):
    """The build's hundred thousand live objects set off full collections that walked every
    object of the process, a fifth of the workbook's CPU (issue 25): the collector is held off
    while it is built, runs again afterwards, and stays off for a caller that turned it off."""
    import gc

    passes = []

    def seen(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        results_workbook(demo, "2017")
        assert len(passes) <= 1  # at most the young objects' pass when the collector is back, none while building
        assert 2 not in passes
        assert gc.isenabled()
        gc.disable()
        results_workbook(demo, "2017")
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.callbacks.remove(seen)
