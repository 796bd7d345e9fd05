"""What an office runs by, below the pages: every unit's progress from the store, the checklist
that refuses an unfinished submission on every path while every path still saves scores as
typed, and the confirmations of wide actions counted from the store when asked."""

import csv
import io
import os
import re
import subprocess
import sys
import unicodedata
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.app.widgets import ScoringForm
from cchc_widgets.app.widgets.progress_board import ProgressBoard
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services import access, confirmations, progress
from cchc_widgets.services.access import actor_of
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import REFERENCE, cchc_here

PERIOD, UNIT, LATE = "2017", "so-tu-phap", "so-y-te"
PDF = b"%PDF-1.4\n" + b"0" * 64


def three_of_seventy(store, unit=LATE):
    """`unit` keeps 3 self-assessed items, two earning points on items that name evidence, no
    file and no explanation: the unit that tries to submit too early."""
    cs = store.criteria_for(PERIOD)
    own = store.scores(PERIOD, unit, "self").set_index("code")
    proving = [c for c in cs.leaf_codes if cs[c].evidence and own.loc[c, "points"] > 0][:2]
    keep = [*proving, next(c for c in cs.leaf_codes if c not in proving)]
    rows = [{"unit": unit, "code": c, "clear": True} for c in cs.leaf_codes if c not in keep]
    rows += [{"unit": unit, "code": c, "value": own.loc[c, "value"], "note": ""} for c in keep[:2]]
    Writer(store).save_scores(Scope(PERIOD, unit, "self"), pd.DataFrame(rows), "Đơn vị", "python")
    return keep


def test_progress_counts_every_unit_from_the_store(demo, stopped_clock):
    stopped_clock("2026-12-07T03:00:00+00:00")
    lacking = three_of_seventy(demo)[:2]
    access.add_account(demo, "tuphap", "Trần Thị Pháp", "unit", [UNIT], None, console("test"))
    access.set_stage(demo, PERIOD, "self", access.OPEN, date(2026, 12, 31), console("test"))
    access.submit(demo, actor_of(demo, "tuphap"), PERIOD, UNIT)
    table = progress.progress(demo, PERIOD).set_index("unit")
    assert len(table) == 19 + 10  # the demo's departments and districts
    district = table.loc["huyen-nam-po"]
    assert district["leaves"] == 42  # counted against its own block's set, not the departments' 70
    assert district["lacking"] == 0  # its notes explain where the evidence is kept, as the departments' do
    late, done = table.loc[LATE], table.loc[UNIT]
    assert (late["scored"], late["unscored"], late["lacking"], late["leaves"]) == (3, 67, 2, 70)
    assert pd.isna(late["submitted_at"])
    assert late["deadline"] == date(2026, 12, 31)  # the self-assessment's: it has not submitted
    assert done["submitted_by"] == "Trần Thị Pháp"  # a person's name, not the login
    assert done["submitted_at"] == datetime(2026, 12, 7, 10, 0)  # the province's time (UTC+7)
    assert (done["scored"], done["appraised"], done["lacking"]) == (70, 70, 0)
    assert progress.summary(table) == {"units": 29, "submitted": 1, "appraised": 12 + 6, "unreasoned": 0}
    found = progress.checklist(demo, PERIOD, LATE)
    assert [c for c, _ in found.lacking] == lacking
    assert len(found.unscored) == 67
    assert not found.ok


def test_a_unit_with_3_of_70_cannot_submit_on_any_path(demo):
    three_of_seventy(demo)
    access.add_account(demo, "yte", "Hoàng Y Tế", "unit", [LATE], None, console("test"))
    access.set_stage(demo, PERIOD, "self", access.OPEN, None, console("test"))
    with pytest.raises(ProblemsError, match="Sở Y tế chưa nộp được: 67 mục chưa chấm, 2 mục thiếu tài liệu kiểm chứng"):
        access.submit(demo, actor_of(demo, "yte"), PERIOD, LATE)
    ran = cchc_here("submit", "--period", PERIOD, "--unit", LATE, db=demo.url)
    assert ran.returncode == 1
    assert "Sở Y tế chưa nộp được: 67 mục chưa chấm" in ran.stderr
    assert ": chưa chấm: " in ran.stderr  # each item named by its code
    form = ScoringForm(demo, PERIOD, LATE, "self", actor_of(demo, "yte"))
    form.sent = []
    form.send = lambda content, buffers=None: form.sent.append(content)
    assert form.state["checklist"]["ok"] is False
    assert len(form.state["checklist"]["unscored"]) == 67
    form._on_message(form, {"type": "submit"}, [])  # what a forged click would send
    report = form.sent[-1]
    assert report["type"] == "report"
    assert report["ok"] is False
    assert "67 mục chưa chấm" in report["message"]
    assert demo.submissions(PERIOD) == {}
    refused = demo.events(PERIOD)
    assert (refused["action"] == "refused").sum() == 3  # the account's, the console's and the form's, logged
    # each logged as a line a person reads in the change log: the count and the first codes, not 69 items in one cell
    head = "Sở Y tế chưa nộp được: 67 mục chưa chấm, 2 mục thiếu tài liệu kiểm chứng; mã "
    for reason in refused.loc[refused["action"] == "refused", "detail"]:
        assert reason.startswith(head), reason
        assert reason.endswith(" … và 64 mục nữa"), reason
        assert len(reason.removeprefix(head).split(", ")) == 5


def test_analysts_frames_and_files_are_not_refused_for_evidence(demo, tmp_path):
    """Score now, attach later: a point on an item that names evidence, without a file or a
    note, goes in through a frame, a file import and the form alike."""
    cs = demo.criteria_for(PERIOD)
    code = next(c for c in cs.leaf_codes if cs[c].evidence and cs[c].max_points >= 1)
    frame = pd.DataFrame([{"unit": "u1", "code": code, "stage": "self", "points": 1.0}])
    form = ScoringForm.from_frame(frame, REFERENCE, unit="u1")
    assert form.session.row(code)["lacking"] == "Thiếu tài liệu kiểm chứng"
    assert form.state["counts"]["no_evidence"] == 1
    table = tmp_path / "bang-diem.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["unit", "code", "stage", "points", "note"], [LATE, code, "self", "1", ""]])
    ran = cchc_here("import", table, "--period", PERIOD, "--author", "Phân tích", db=demo.url)
    assert ran.returncode == 0, ran.stderr
    assert progress.progress(demo, PERIOD).set_index("unit").loc[LATE, "lacking"] >= 1


def test_the_stamp_moves_with_whatever_the_table_shows(demo):
    scope = Scope(PERIOD, LATE, "self")
    writer = Writer(demo)
    kept: list[int] = []
    changes = [
        lambda: writer.save_scores(scope, pd.DataFrame([{"unit": LATE, "code": "1.1.2", "value": "Không"}]), "A", "python"),
        lambda: kept.append(writer.add_evidence(scope, "1.5.2", "bien-ban.pdf", PDF, "A")),
        lambda: writer.remove_evidence(scope, kept[0], "A"),
        lambda: access.set_stage(demo, PERIOD, "self", access.OPEN, None, console("test")),
        lambda: access.submit(demo, None, PERIOD, UNIT),
    ]
    for change in changes:  # each kind of change moves the mark
        before = progress.period_stamp(demo, PERIOD)
        assert progress.period_stamp(demo, PERIOD) == before  # nothing moved: the same mark
        change()
        assert progress.period_stamp(demo, PERIOD) != before


def test_the_download_is_a_named_sheet_with_dates(demo, stopped_clock):
    stopped_clock("2026-12-07T03:00:00+00:00")
    access.set_stage(demo, PERIOD, "self", access.OPEN, date(2026, 12, 31), console("test"))
    access.submit(demo, None, PERIOD, UNIT)
    board = ProgressBoard(demo, None, PERIOD)
    content, buffers = board.download("xlsx")
    assert content["name"] == f"tien-do-{PERIOD}.xlsx"
    book = load_workbook(io.BytesIO(buffers[0]))
    assert book.sheetnames == ["Tiến độ"]
    ws = book["Tiến độ"]
    headers = [c.value for c in ws[1]]
    # two blocks: each unit's block and ranking group, as the page shows both
    assert headers[:5] == ["Đơn vị", "Khối", "Nhóm", "Đã tự chấm", "Thiếu tài liệu kiểm chứng"]
    rows = {r[0]: dict(zip(headers, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["Sở Tư pháp"]["Nộp lúc"] == datetime(2026, 12, 7, 10, 0)  # a real date, not text
    assert rows["Sở Y tế"]["Hạn"] == datetime(2026, 12, 31)
    assert rows["Sở Y tế"]["Đã tự chấm"] == "70/70"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:J{len(rows) + 1}"
    assert ws.column_dimensions["A"].width > len("Sở Nông nghiệp và Phát triển nông thôn")
    content, buffers = board.download("csv")
    text = buffers[0].decode("utf-8-sig")
    lines = {line.split(",")[0]: line for line in text.splitlines()}
    # submitted: its deadline is now the appraisal's, which has none
    both = '"Sở, ban, ngành","Sở, ban, ngành"'  # its block and its group
    assert lines["Sở Tư pháp"] == f"Sở Tư pháp,{both},70/70,0,07/12/2026 10:00,quản trị (dòng lệnh),70/70,0,"
    assert lines["Sở Y tế"].endswith(",31/12/2026")


def test_the_download_writes_what_the_filters_show(demo):
    """The page's «Nhóm» (and «Khối») filter comes with the download: the file holds the units
    shown, says which filter in its name, and has both the block and the group columns."""
    units = demo.units(PERIOD)
    other = units[units["id"].isin([LATE, "vp-ubnd"])][["id", "name"]].assign(group="Cơ quan khác")
    demo.add_units(other, period=PERIOD)
    board = ProgressBoard(demo, None, PERIOD)
    board.send = lambda content, buffers=None: sent.append((content, buffers))
    sent = []
    board._on_message(board, {"type": "download", "format": "xlsx", "group": "Cơ quan khác", "block": ""}, [])
    ((content, buffers),) = sent
    assert content["name"] == f"tien-do-{PERIOD}-nhom-co-quan-khac.xlsx"
    ws = load_workbook(io.BytesIO(buffers[0]))["Tiến độ"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Đơn vị", "Khối", "Nhóm"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["Sở Y tế", "Văn phòng UBND tỉnh"]
    sent.clear()
    board._on_message(board, {"type": "download", "format": "csv", "group": "", "block": "huyen"}, [])
    ((content, buffers),) = sent
    assert content["name"] == f"tien-do-{PERIOD}-khoi-ubnd-cap-huyen.csv"
    assert len(buffers[0].decode("utf-8-sig").splitlines()) == 1 + 10  # the districts and towns only


def test_an_appraiser_sees_the_units_given_to_them(demo):
    access.add_account(demo, "thamdinh", "Lê Văn Định", "appraiser", [UNIT, LATE], None, console("test"))
    board = ProgressBoard(demo, actor_of(demo, "thamdinh"), PERIOD)
    assert [r["unit"] for r in board.state["rows"]] == [UNIT, LATE]
    before = board.state
    board._follow()
    assert board.state is before  # nothing moved: nothing sent again
    three_of_seventy(demo)
    board._follow()
    assert {r["unit"]: r["scored"] for r in board.state["rows"]} == {UNIT: 70, LATE: 3}


def test_cchc_progress_prints_the_table(demo, tmp_path):
    three_of_seventy(demo)
    ran = cchc_here("progress", "--period", PERIOD, db=demo.url)
    assert ran.returncode == 0, ran.stderr
    assert "Kỳ 2017: đã nộp 0/29 · thẩm định xong 18/29" in ran.stdout
    line = next(x for x in ran.stdout.splitlines() if "Sở Y tế" in x)
    assert "3/70" in line
    assert max(map(len, ran.stdout.splitlines())) <= 120  # a terminal's width: short headings, explained below
    assert "Thiếu TLKC: mục có điểm nhưng thiếu tài liệu kiểm chứng" in ran.stdout
    out = tmp_path / "tien-do.xlsx"
    assert cchc_here("progress", "--out", out, db=demo.url).returncode == 0
    assert load_workbook(out).sheetnames == ["Tiến độ"]


def display_width(line: str) -> int:
    """Columns a terminal gives a line: a combining mark none, a wide (East Asian) character two."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.mark.external  # a real cchc process
def test_cchc_progress_fits_120_columns_with_submissions(demo):
    """Submitted units bring their time and submitter: the table still fits a terminal of 120
    columns, leaving out what the file keeps and saying so."""
    access.set_stage(demo, PERIOD, "self", access.OPEN, date(2030, 1, 31), console("test"))
    access.add_account(demo, "tuphap", "Nguyễn Thị Phương Thảo Hoàng", "unit", [UNIT], None, console("test"))
    access.submit(demo, actor_of(demo, "tuphap"), PERIOD, UNIT)
    for unit in ("ban-dan-toc", "huyen-nam-po", "so-cong-thuong"):
        access.submit(demo, None, PERIOD, unit)
    demo.close()
    command = [sys.executable, "-m", "cchc_widgets.cli", "--db", demo.url, "progress", "--period", PERIOD]
    ran = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    assert ran.returncode == 0, ran.stderr
    widest = max(ran.stdout.splitlines(), key=display_width)
    assert display_width(widest) <= 120, widest
    line = next(x for x in ran.stdout.splitlines() if "Sở Tư pháp" in x)
    assert re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", line)  # when it submitted
    assert "ghi bảng đầy đủ bằng --out" in ran.stdout


def test_finalising_with_nothing_submitted_says_so(store, small_doc):
    from cchc_widgets.core.criteria import load_dict

    store.add_period("2020", "Năm 2020", load_dict(small_doc))
    store.add_units(pd.DataFrame({"id": ["u1", "u2"], "name": ["Sở Một", "Sở Hai"]}), period="2020")
    what = confirmations.what(store, "2020", "finalise")
    assert what["lines"][0].startswith("Chưa đơn vị nào nộp và chưa đơn vị nào được thẩm định xong")
    assert "đã nộp 0/2 đơn vị · thẩm định xong 0/2 đơn vị · 0 dòng khác nhau chưa có lý do" in what["lines"][1]
    assert what["reason"] is False


def test_each_wide_action_says_what_it_changes(demo):
    access.add_account(demo, "quantri", "Phạm Quản Trị", "admin", [], None, console("test"))
    access.add_account(demo, "thamdinh", "Lê Văn Định", "appraiser", [UNIT], None, console("test"))
    access.set_stage(demo, PERIOD, "self", access.OPEN, date(2030, 1, 31), console("test"))
    access.submit(demo, None, PERIOD, UNIT)
    admin = AdminSession(demo, actor_of(demo, "quantri"), PERIOD)
    finalise = admin.confirmation("finalise")
    assert "Còn 28 đơn vị chưa nộp và 11 đơn vị chưa thẩm định xong." in finalise["lines"]
    reopen = admin.confirmation("reopen_unit", UNIT)
    assert reopen["reason"] is True
    assert reopen["lines"][0].startswith("Sở Tư pháp: nộp lúc ")
    assert reopen["lines"][0].endswith(
        ", người nộp: quản trị (dòng lệnh). Sau khi mở lại, đơn vị sửa được bản tự đánh giá và phải nộp lại."
    )
    assert "))" not in " ".join(reopen["lines"])  # no brackets around a name that holds its own
    remove = admin.confirmation("remove_account", "thamdinh")
    assert remove["lines"][0] == "Lê Văn Định (thamdinh), Thẩm định viên: Sở Tư pháp."
    close = admin.confirmation("close_stage", "self")
    assert (
        close["lines"][0]
        == "Đóng giai đoạn tự đánh giá (hạn đến hết ngày 31/01/2030): từ lúc này không ai ghi được vào giai đoạn này."
    )
    assert close["lines"][1] == "28/29 đơn vị chưa nộp sẽ không sửa được bản tự đánh giá nữa."
    access.add_account(demo, "quantri", "Phạm Quản Trị", "reader", [], None, console("test"))  # no longer an administrator
    with pytest.raises(ProblemsError, match="chỉ quản trị viên"):
        admin.confirmation("finalise")


def test_a_submission_names_its_person_not_the_login(demo):
    """The unit's header after submitting and the administrator's «Đơn vị đã nộp» table say
    who submitted by the account's full name, as the progress table does (issue 27)."""
    from cchc_widgets.app.scoring_session import ScoringSession

    access.add_account(demo, "tuphap", "Trần Thị Pháp", "unit", [UNIT], None, console("test"))
    access.set_stage(demo, PERIOD, "self", access.OPEN, None, console("test"))
    access.submit(demo, actor_of(demo, "tuphap"), PERIOD, UNIT)
    header = ScoringSession(demo, PERIOD, UNIT, "self").access()["submitted"]
    assert header.startswith("Đã nộp bản tự đánh giá lúc ")
    assert header.endswith("(Trần Thị Pháp)")
    (row,) = AdminSession(demo, None, PERIOD).state()["submitted"]
    assert (row["name"], row["by"]) == ("Sở Tư pháp", "Trần Thị Pháp")
