"""The change log is for people (issue 27): actions by their Vietnamese names, a person's full
name beside the login, blanks rather than «nan», evidence files with name, size and who,
filters by the words people type, and a download an office can work in (real dates in the
province's time at 23:30 UTC, unit names, a named sheet, widths, frozen header, filter)."""

from datetime import date, datetime

from openpyxl import load_workbook

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.core.vocabulary import ACTION_NAMES
from cchc_widgets.services import access
from cchc_widgets.services.access import actor_of
from cchc_widgets.services.audit import change_log
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import cchc_here

UNIT = "so-tu-phap"
PDF = b"%PDF-1.4\n" + b"0" * 3000


def _a_day_of_work(demo) -> None:
    """An administrator, a unit officer with a name, a file added and withdrawn, a submission,
    a period reopened: every kind of event, some with no unit and no stage."""
    access.add_account(demo, "quantri", "Nguyễn Văn Quản", "admin", [], None, console("cài đặt"))
    access.add_account(demo, "tuphap", "Trần Thị Pháp", "unit", [UNIT], None, console("quantri"))
    officer = actor_of(demo, "tuphap")
    scope = Scope("2017", UNIT, "self")
    kept = Writer(demo, officer).add_evidence(scope, "1.5.2", "quyet-dinh.pdf", PDF, None)
    Writer(demo, officer).remove_evidence(scope, kept, None)
    access.set_stage(demo, "2017", "self", access.OPEN, None, console("quantri"))
    access.submit(demo, officer, "2017", UNIT)


def test_the_page_names_actions_people_and_units_and_never_says_nan(demo, stopped_clock):
    stopped_clock("2030-12-06T23:30:00+00:00")  # after the demo was made; the province is on 07/12 already
    _a_day_of_work(demo)
    admin = actor_of(demo, "quantri")
    page = AdminSession(demo, admin, "2017")
    rows = page.state()["log"]
    assert all("nan" not in str(v).lower().split() for r in rows for v in r.values())
    assert {r["action_name"].split(" (")[0] for r in rows} <= set(ACTION_NAMES.values())  # no English code left
    account = next(r for r in rows if r["action"] == "account" and "(tuphap)" in r["reason"])
    assert account["reason"] == "Trần Thị Pháp (tuphap): Cán bộ đơn vị; đơn vị: Sở Tư pháp"  # names and roles, no codes
    assert (account["name"], account["author"], account["unit_name"], account["stage"]) == ("Nguyễn Văn Quản", "quantri", "", "")
    assert account["at"].startswith("07/12/2030 06:30")

    page.filters = {"action": "nộp"}
    assert [(r["action_name"], r["name"], r["author"], r["unit_name"]) for r in page.state()["log"]] == [
        ("Nộp tự đánh giá", "Trần Thị Pháp", "tuphap", "Sở Tư pháp")
    ]
    page.filters = {"author": "thị pháp"}  # part of a full name, any case
    found = page.state()["log"]
    assert {r["action_name"] for r in found} == {"Tải tài liệu kiểm chứng lên", "Gỡ tài liệu kiểm chứng", "Nộp tự đánh giá"}
    files = [(r["action_name"], r["old"], r["new"]) for r in found if r["code"] == "1.5.2"]
    assert files == [
        ("Gỡ tài liệu kiểm chứng", "quyet-dinh.pdf (2,9 KB)", ""),
        ("Tải tài liệu kiểm chứng lên", "", "quyet-dinh.pdf (2,9 KB)"),
    ]
    page.filters = {"author": "tuphap"}  # the login finds the same rows
    assert len(page.state()["log"]) == len(found)


def test_the_download_is_a_workbook_an_office_works_in(demo, stopped_clock, tmp_path):
    stopped_clock("2030-12-06T23:30:00+00:00")
    _a_day_of_work(demo)
    page = AdminSession(demo, actor_of(demo, "quantri"), "2017")
    page.filters = {"unit": UNIT}
    path = tmp_path / "nhat-ky.xlsx"
    path.write_bytes(page.log_xlsx())
    sheet = load_workbook(path)["Nhật ký"]
    header = [c.value for c in sheet[1]]
    assert header == ["Thời gian", "Người", "Tài khoản", "Thao tác", "Đơn vị", "Mã", "Giai đoạn", "Cũ", "Mới", "Lý do"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:J{sheet.max_row}"
    assert sheet.column_dimensions["E"].width >= 20
    submitted = next(r for r in sheet.iter_rows(min_row=2) if r[3].value == "Nộp tự đánh giá")
    assert isinstance(submitted[0].value, datetime)
    assert submitted[0].value == datetime(2030, 12, 7, 6, 30)  # the province's time, not the server's 23:30
    assert submitted[0].number_format == "dd/mm/yyyy hh:mm:ss"
    assert [c.value for c in submitted[1:5]] == ["Trần Thị Pháp", "tuphap", "Nộp tự đánh giá", "Sở Tư pháp"]
    assert all(c.value != "nan" for r in sheet.iter_rows(min_row=2) for c in r)


def test_the_command_line_log_reads_the_same(demo, tmp_path):
    _a_day_of_work(demo)
    shown = cchc_here("log", "--period", "2017", "--unit", UNIT, db=demo.url)
    assert shown.returncode == 0, shown.stderr
    assert "Nộp tự đánh giá" in shown.stdout
    assert "Trần Thị Pháp" in shown.stdout
    assert "nan" not in shown.stdout.split()
    out = tmp_path / "log.xlsx"
    assert cchc_here("log", "--period", "2017", "--out", out, db=demo.url).returncode == 0
    book = load_workbook(out)
    assert book.sheetnames == ["Nhật ký"]
    assert isinstance(book["Nhật ký"]["A2"].value, datetime)


def test_reopening_a_unit_and_reopening_the_period_read_apart(demo):
    _a_day_of_work(demo)
    access.reopen(demo, "2017", UNIT, "nộp nhầm bản cũ", console("quantri"))
    access.finalise(demo, "2017", console("quantri"))
    access.reopen(demo, "2017", None, "sai sót khi chốt", console("quantri"))
    page = AdminSession(demo, actor_of(demo, "quantri"), "2017")
    page.filters = {"action": "mở lại"}
    shown = [(r["action_name"], r["unit_name"], r["reason"]) for r in page.state()["log"]]
    assert sorted(shown) == [
        ("Mở lại bản tự đánh giá đã nộp", "Sở Tư pháp", "nộp nhầm bản cũ"),
        ("Mở lại kỳ đã chốt", "", "sai sót khi chốt"),
    ]


def test_a_stage_closed_early_is_logged_with_the_day_it_closed(demo, stopped_clock):
    stopped_clock("2030-12-06T23:30:00+00:00")  # already 07/12 in the province
    access.set_stage(demo, "2017", "self", access.OPEN, date(2031, 1, 31), console("quantri"))
    access.set_stage(demo, "2017", "self", access.CLOSED, date(2031, 1, 31), console("quantri"))
    log = change_log(demo, "2017")
    assert log.loc[log["action"] == "stage-open", "reason"].tolist() == ["đến hết ngày 31/01/2031"]
    closed = log.loc[log["action"] == "stage-closed", "reason"].tolist()
    assert closed == ["đóng ngày 07/12/2030 (hạn đã đặt: đến hết ngày 31/01/2031)"]
