"""Roles, the year's workflow and sign-in tickets, held in the write layer on SQLite and
PostgreSQL: whatever path a write takes, the same account is refused the same way, and the
refusal is logged."""

from datetime import datetime, timedelta
from datetime import time as dt_time

import pandas as pd
import pytest

from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import EvidenceError, ProblemsError
from cchc_widgets.services import access
from cchc_widgets.services.access import actor_of
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store
from tests.conftest import cchc_here

UNITS = pd.DataFrame({"id": ["u1", "u2"], "name": ["Sở Một", "Sở Hai"]})
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def year(store, small_doc):
    """The small set, two units in 2020, and one account of each role."""
    store.add_period("2020", "Năm 2020", load_dict(small_doc))
    store.add_units(UNITS, period="2020")
    access.add_account(store, "quantri", "Quản Trị", "admin", [], "mat-khau-quan-tri", console("test"))
    access.add_account(store, "donvi1", "Cán Bộ Một", "unit", ["u1"], "mat-khau-don-vi", console("test"))
    access.add_account(store, "thamdinh", "Thẩm Định", "appraiser", ["u1"], None, console("test"))
    access.add_account(store, "xem", "Người Xem", "reader", [], None, console("test"))
    return store


def who(store, login):
    return actor_of(store, login)


def write(store, actor, unit="u1", stage="self", value="có", note="", code="L1", typed="tên gõ tay"):
    row = {"unit": unit, "code": code, "stage": stage, "value": value, "note": note}
    return Writer(store, actor).save_scores(Scope("2020"), pd.DataFrame([row]), typed, "test")


def refusals(store):
    events = store.events("2020")
    return events[events["action"] == "refused"]


def test_each_role_writes_only_its_units_and_stage(year):
    unit, appraiser, reader = who(year, "donvi1"), who(year, "thamdinh"), who(year, "xem")
    write(year, unit)
    write(year, appraiser, stage="appraisal", value="không", note="Không có quyết định ban hành")
    before = year.scores("2020")
    cases = [
        (unit, {"unit": "u2"}, r"tài khoản Cán Bộ Một \(donvi1\) không được giao Sở Hai"),
        (unit, {"stage": "appraisal", "note": "x"}, "không được ghi điểm thẩm định"),
        (appraiser, {"unit": "u2", "stage": "appraisal", "note": "x"}, "không được giao Sở Hai"),
        (appraiser, {}, "không được ghi điểm tự đánh giá"),
        (reader, {}, "tài khoản Người Xem \\(xem, Người xem kết quả\\) không được ghi điểm tự đánh giá"),
    ]
    for actor, change, message in cases:
        with pytest.raises(ProblemsError, match=message):
            write(year, actor, **change)
    pd.testing.assert_frame_equal(year.scores("2020"), before)  # nothing written
    logged = refusals(year)
    assert logged["login"].tolist() == ["donvi1", "donvi1", "thamdinh", "thamdinh", "xem"]
    assert "không được giao Sở Hai" in logged["detail"].iloc[0]


def test_the_log_names_the_account_never_the_typed_name(year):
    write(year, who(year, "donvi1"))
    assert year.change_log("2020")["author"].tolist() == ["donvi1"]


def test_evidence_survey_and_scenarios_follow_the_roles(year):
    scope = Scope("2020", "u1", "self")
    Writer(year, who(year, "donvi1")).add_evidence(scope, "L1", "qd.png", PNG, "")
    with pytest.raises(EvidenceError, match="không được ghi điểm tự đánh giá"):
        Writer(year, who(year, "thamdinh")).add_evidence(scope, "L1", "qd.png", PNG, "")
    with pytest.raises(EvidenceError, match="không được giao Sở Hai"):
        Writer(year, who(year, "donvi1")).add_evidence(Scope("2020", "u2", "self"), "L1", "qd.png", PNG, "")
    responses = pd.DataFrame([{"unit": "u1", "respondent": "r1", "item": "S1", "group": "g", "answer": "A"}])
    with pytest.raises(ProblemsError, match="chỉ quản trị viên"):
        Writer(year, who(year, "thamdinh")).save_survey("2020", responses, "", "phieu.csv")
    from cchc_widgets.core.whatif import Scenario

    with pytest.raises(ProblemsError, match="chỉ quản trị viên"):
        Writer(year, who(year, "xem")).save_scenario(Scenario("thử"))
    Writer(year, who(year, "quantri")).save_scenario(Scenario("thử"))
    assert year.scenarios()["name"].tolist() == ["thử"]
    assert len(year.evidence("2020", "u1")) == 1


def test_workflow_submission_deadline_and_freezing(year, any_hour, stopped_clock):
    """Run at instants around both midnights with the machine's TZ set two ways: the deadline
    is the province's day, whatever hour and zone the machine has."""
    unit, appraiser, admin = who(year, "donvi1"), who(year, "thamdinh"), who(year, "quantri")
    write(year, unit)  # a period whose stages were never set is open
    deadline = any_hour.date() + timedelta(days=7)  # the province's date at this instant, a week on
    access.set_stage(year, "2020", "self", access.OPEN, deadline, console("quantri"))
    with pytest.raises(ProblemsError, match="giai đoạn thẩm định của kỳ '2020' chưa mở"):
        write(year, appraiser, stage="appraisal", value="không", note="lý do")
    access.set_stage(year, "2020", "appraisal", access.OPEN, None, console("quantri"))
    with pytest.raises(ProblemsError, match="đơn vị chưa nộp bản tự đánh giá"):
        write(year, appraiser, stage="appraisal", value="không", note="lý do")
    write(year, unit, code="L2", value="a")
    with pytest.raises(ProblemsError, match="không được giao Sở Hai"):
        access.submit(year, unit, "2020", "u2")
    with pytest.raises(ProblemsError, match="Sở Một chưa nộp được: 2 mục chưa chấm"):
        access.submit(year, unit, "2020", "u1")  # L3 and L4 not scored yet
    write(year, unit, code="L3", value="0")
    write(year, unit, code="L4", value="50")
    access.submit(year, unit, "2020", "u1")
    with pytest.raises(ProblemsError, match="đơn vị đã nộp bản tự đánh giá"):
        write(year, unit, code="L2", value="b")
    with pytest.raises(EvidenceError, match="đơn vị đã nộp"):
        Writer(year, unit).add_evidence(Scope("2020", "u1", "self"), "L1", "qd.png", PNG, "")
    write(year, appraiser, stage="appraisal", value="không", note="Không có quyết định")  # now it may start
    access.reopen(year, "2020", "u1", "Đơn vị xin sửa lỗi nhập", console("quantri"))
    write(year, unit, code="L2", value="b")
    # the deadline: the last second of its day in the province is still open, the next is not
    last_second = datetime.combine(deadline, dt_time(23, 59, 59), tzinfo=any_hour.tzinfo)
    stopped_clock(last_second)
    write(year, unit, code="L2", value="a")
    stopped_clock(last_second + timedelta(seconds=1))
    with pytest.raises(ProblemsError, match="giai đoạn tự đánh giá của kỳ '2020' đã đóng"):
        write(year, unit, code="L2", value="a")
    write(year, appraiser, stage="appraisal", value="a", code="L2", note="Đúng như đơn vị")  # self closed: appraisal goes on
    checksum = access.finalise(year, "2020", console("quantri"))
    assert checksum == access.scores_checksum(year, "2020")
    for actor in (admin, None):
        with pytest.raises(ProblemsError, match="đã chốt kết quả"):
            write(year, actor, stage="appraisal", value="có", note="sửa sau khi chốt")
    with pytest.raises(ProblemsError, match="đã chốt kết quả: mở lại kỳ trước khi đổi giai đoạn"):
        access.set_stage(year, "2020", "appraisal", access.CLOSED, None, console("quantri"))  # a frozen period's stages stay
    with pytest.raises(ProblemsError, match="cần lý do"):
        access.reopen(year, "2020", None, "  ", console("quantri"))
    access.reopen(year, "2020", None, "Quyết định phúc khảo số 12", console("quantri"))
    write(year, admin, stage="appraisal", value="có", note="Phúc khảo")
    actions = year.events("2020")["action"].tolist()
    for done in ("stage-open", "submit", "reopen", "finalise", "refused"):
        assert done in actions
    assert year.events("2020").query("action == 'reopen'")["detail"].tolist() == [
        "Đơn vị xin sửa lỗi nhập",
        "Quyết định phúc khảo số 12",
    ]


def test_a_removed_account_or_an_ended_sign_in_writes_nothing(year):
    token = access.open_sign_in(year, "donvi1")
    signed = actor_of(year, "donvi1", access.token_hash(token))
    write(year, signed)
    year.end_sign_in(access.token_hash(token))
    with pytest.raises(ProblemsError, match="phiên đăng nhập đã kết thúc"):
        write(year, signed, value="không")
    kept = who(year, "donvi1")
    access.remove_account(year, "donvi1", console("quantri"))
    with pytest.raises(ProblemsError, match="tài khoản đã bị gỡ"):
        write(year, kept, value="không")
    assert year.scores("2020")["value"].tolist() == ["Có"]


def test_tickets_name_an_account_only_when_signed_by_this_store(year, tmp_path, any_hour, stopped_clock):
    ticket = access.make_ticket(year, "donvi1")
    assert access.read_ticket(year, ticket).login == "donvi1"
    body, signature = ticket.split(".")
    forged = bytes.fromhex(body).decode().replace("donvi1", "quantri")
    assert access.read_ticket(year, f"{forged.encode().hex()}.{signature}") is None
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite'}")
    access.add_account(other, "donvi1", "", "reader", [], None, console("test"))
    assert access.read_ticket(other, ticket) is None  # signed with another store's key
    assert access.read_ticket(year, "quantri") is None
    assert access.read_ticket(year, None) is None
    stopped_clock(any_hour + timedelta(seconds=access.TICKET_SECONDS - 1))
    assert access.read_ticket(year, ticket).login == "donvi1"  # a page that took its time still opens
    stopped_clock(any_hour + timedelta(seconds=access.TICKET_SECONDS + 1))
    assert access.read_ticket(year, ticket) is None  # stale


def test_passwords_are_hashed_with_argon2(year):
    assert year.account("quantri")["password_hash"].startswith("$argon2")
    assert access.verify_password(year, "quantri", "mat-khau-quan-tri").role == "admin"
    assert access.verify_password(year, "QuanTri ", "mat-khau-quan-tri").login == "quantri"
    assert access.verify_password(year, "quantri", "sai") is None
    assert access.verify_password(year, "khong-co", "mat-khau-quan-tri") is None
    assert access.verify_password(year, "thamdinh", "") is None  # no password: signs in through a proxy only
    with pytest.raises(ProblemsError, match="ít nhất 8 ký tự"):
        access.add_account(year, "ngan", "", "reader", [], "1234567", console("test"))
    with pytest.raises(ProblemsError, match="không hợp lệ"):
        access.add_account(year, "có dấu", "", "reader", [], None, console("test"))
    with pytest.raises(ProblemsError, match="đơn vị 'u9' không có"):
        access.add_account(year, "x", "", "appraiser", ["u9"], None, console("test"))


def cchc(*args, db, stdin=""):
    return cchc_here(*args, db=db, stdin=stdin)


def test_administrator_commands(demo, tmp_path):
    db = demo.url
    made = cchc(
        "users",
        "add",
        "tuphap",
        "--role",
        "unit",
        "--unit",
        "so-tu-phap",
        "--name",
        "Cán bộ Tư pháp",
        db=db,
        stdin="mat-khau-1\n",
    )
    assert made.returncode == 0, made.stderr
    assert "mat-khau-1" not in made.stdout + made.stderr
    listed = cchc("users", "list", db=db)
    assert "tuphap" in listed.stdout
    assert "Cán bộ đơn vị" in listed.stdout
    assert "mat-khau" not in listed.stdout
    assert cchc("stage", "open", "--period", "2017", "--stage", "self", "--until", "2026-02-30", db=db).returncode == 2
    opened = cchc("stage", "open", "--period", "2017", "--stage", "self", db=db)
    assert "Tự đánh giá: đang mở" in opened.stdout
    assert cchc("submit", "--period", "2017", "--unit", "so-tu-phap", db=db).returncode == 0
    table = tmp_path / "diem.csv"
    table.write_text("unit,code,stage,value\nso-tu-phap,1.1.1,self,Ban hành chậm\n", encoding="utf-8")
    before = demo.scores("2017")
    refused = cchc("import", str(table), "--period", "2017", "--author", "ai đó", db=db)
    assert refused.returncode == 1
    assert "đơn vị đã nộp bản tự đánh giá" in refused.stderr
    assert "Traceback" not in refused.stderr
    appraisal = tmp_path / "tham-dinh.csv"
    appraisal.write_text("unit,code,stage,value,note\nso-y-te,1.1.1,appraisal,Ban hành chậm,lý do\n", encoding="utf-8")
    closed = cchc("import", str(appraisal), "--period", "2017", "--author", "ai đó", db=db)
    assert closed.returncode == 1
    assert "giai đoạn thẩm định của kỳ '2017' chưa mở" in closed.stderr
    pd.testing.assert_frame_equal(demo.scores("2017"), before)
    final = cchc("finalise", "--period", "2017", db=db)
    assert final.returncode == 0
    assert access.scores_checksum(demo, "2017") in final.stdout
    assert cchc("reopen", "--period", "2017", "--reason", "", db=db).returncode == 1
    out = tmp_path / "nhat-ky.csv"
    logged = cchc("log", "--period", "2017", "--unit", "so-tu-phap", "--out", str(out), db=db)
    assert logged.returncode == 0, logged.stderr
    log = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(log.columns) == ["Thời gian", "Người", "Tài khoản", "Thao tác", "Đơn vị", "Mã", "Giai đoạn", "Cũ", "Mới", "Lý do"]
    assert {"Nộp tự đánh giá", "Bị từ chối"} <= set(log["Thao tác"])
    assert log["Đơn vị"].eq("Sở Tư pháp").all()
    demo_row = log[(log["Mã"] == "1.1.1") & (log["Giai đoạn"] == "Tự đánh giá")].iloc[0]
    assert demo_row["Người"] == "dữ liệu mô phỏng"
    assert "điểm" in demo_row["Mới"]
    assert cchc("users", "remove", "tuphap", db=db).returncode == 0
    assert "tuphap" not in cchc("users", "list", db=db).stdout
    again = cchc("users", "remove", "tuphap", db=db)
    assert again.returncode == 1
    assert "không có tài khoản 'tuphap'" in again.stderr


def test_a_finalised_period_carries_its_checksum_and_a_changed_store_shows(demo, tmp_path):
    from openpyxl import load_workbook

    from cchc_widgets.report.analysis import block_views
    from cchc_widgets.report.annual import title
    from cchc_widgets.report.results_workbook import results_workbook

    def record_of(store):
        path = tmp_path / "ket-qua.xlsx"
        path.write_bytes(results_workbook(store, "2017"))
        sheet = load_workbook(path)["Thông tin"]
        return {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}

    assert record_of(demo)["Tình trạng số liệu"].startswith("Số liệu chưa chốt")
    checksum = access.finalise(demo, "2017", console("quantri"))
    record = record_of(demo)["Tình trạng số liệu"]
    assert checksum in record
    assert "(khớp với số liệu trong kho)" in record
    assert checksum in title(block_views(demo, "2017"))
    with demo.engine.begin() as conn:  # a change made behind the write path's back, straight in the database
        conn.exec_driver_sql("UPDATE scores SET points = 0 WHERE code = '1.1.1' AND unit = 'so-tu-phap' AND stage = 'self'")
    assert "KHÔNG KHỚP" in record_of(demo)["Tình trạng số liệu"]


def test_a_unit_replies_to_its_appraisal_while_the_window_is_open(year):
    unit, appraiser = who(year, "donvi1"), who(year, "thamdinh")
    scope = Scope("2020", "u1", "self")
    write(year, unit)
    write(year, appraiser, stage="appraisal", value="không", note="Không có quyết định")
    with pytest.raises(ProblemsError, match="giai đoạn giải trình của kỳ '2020' chưa mở"):
        Writer(year, unit).save_reply(scope, "L1", "Quyết định số 5 đã ban hành", "")
    access.set_stage(year, "2020", "reply", access.OPEN, None, console("quantri"))
    with pytest.raises(ProblemsError, match="chưa có điểm thẩm định"):
        Writer(year, unit).save_reply(scope, "L2", "Giải trình", "")
    with pytest.raises(ProblemsError, match="không được ghi giải trình"):
        Writer(year, appraiser).save_reply(scope, "L1", "Giải trình thay đơn vị", "")
    Writer(year, unit).save_reply(scope, "L1", "  Quyết định số 5 đã ban hành  ", "")
    Writer(year, unit).save_reply(scope, "L1", "Quyết định số 5 đã ban hành", "")  # unchanged: not logged again
    assert year.replies("2020")[["unit", "code", "text", "author"]].values.tolist() == [
        ["u1", "L1", "Quyết định số 5 đã ban hành", "donvi1"]
    ]
    from cchc_widgets.services.audit import change_log

    log = change_log(year, "2020", "u1", "L1")
    replies = log[log["stage"] == "Giải trình"]
    assert replies[["author", "reason"]].values.tolist() == [["donvi1", "Quyết định số 5 đã ban hành"]]
    access.set_stage(year, "2020", "reply", access.CLOSED, None, console("quantri"))
    with pytest.raises(ProblemsError, match="giai đoạn giải trình của kỳ '2020' đã đóng"):
        Writer(year, unit).save_reply(scope, "L1", "", "")
    assert len(year.replies("2020")) == 1


def test_text_longer_than_the_store_keeps_is_refused_alike_on_every_backend(year):
    """PostgreSQL would fail mid-write on an over-long author or survey group where SQLite
    stores it: the write path refuses both the same way, naming what is too long."""
    from cchc_widgets.core.whatif import Scenario

    before = year.scores("2020")
    with pytest.raises(ProblemsError, match=r"tên người nhập dài quá 200 ký tự \(270 ký tự\)"):
        write(year, None, typed="A" * 270)  # the console's typed name
    responses = pd.DataFrame([{"unit": "u1", "respondent": "r1", "item": "S1", "group": "G" * 250, "answer": "A"}])
    with pytest.raises(ProblemsError, match="phiếu r1: nhóm người trả lời dài quá 200 ký tự"):
        Writer(year).save_survey("2020", responses, "quản trị", "phieu.csv")
    with pytest.raises(ProblemsError, match="tên kịch bản dài quá 200 ký tự"):
        Writer(year).save_scenario(Scenario("K" * 201))
    pd.testing.assert_frame_equal(year.scores("2020"), before)
    assert year.survey_responses("2020").empty
    assert year.scenarios().empty
    # a file name is shortened (keeping its kind) rather than refused
    Writer(year).add_evidence(Scope("2020", "u1", "self"), "L1", "biên bản " * 30 + ".png", PNG, "quản trị")
    kept = year.evidence("2020", "u1")["filename"].iloc[0]
    assert len(kept) == 150
    assert kept.endswith("….png")
    assert kept.startswith("biên bản biên bản")


def test_an_administrator_demoted_while_a_page_is_open_saves_no_scenario(year):
    """The role is read again at every admin write, not taken from when the page opened."""
    from cchc_widgets.core.whatif import Scenario

    writer = Writer(year, who(year, "quantri"))
    writer.save_scenario(Scenario("trước"))
    access.add_account(year, "quantri", "Quản Trị", "reader", [], None, console("test"))
    with pytest.raises(ProblemsError, match="không có quyền lưu kịch bản"):
        writer.save_scenario(Scenario("sau"))
    assert year.scenarios()["name"].tolist() == ["trước"]
