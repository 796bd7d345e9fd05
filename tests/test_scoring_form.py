"""The scoring form driven as the browser would drive it (its messages), without a browser."""

import pytest

from cchc_widgets.app.widgets import ScoringForm
from cchc_widgets.core.text import says_something


@pytest.fixture
def form(demo):
    f = ScoringForm.from_query(demo, "?unit=so-tu-phap&period=2017&stage=self")
    f.sent = []
    f.send = lambda content, buffers=None: f.sent.append((content, buffers))
    return f


def msg(form, **content):
    form._on_message(form, content, content.pop("buffers", []))


def row(form, code):
    return next(r for r in form.rows if r["code"] == code)


def test_opens_on_the_query(form):
    assert (form.state["unit"], form.state["period"], form.state["stage"]) == ("so-tu-phap", "2017", "self")
    assert form.state["unit_name"] == "Sở Tư pháp"
    assert len(form.rows) == 70
    assert form.rows[0]["code"] == "1.1.1"
    assert form.state["completion"] == "70/70 tiêu chí đã chấm"
    assert {"1", "1.1", "8.5"} <= set(form.state["sections"])
    units = [u for u, _ in form.state["choices"]["units"]]
    assert units[:2] == ["ban-dan-toc", "huyen-dien-bien"]
    assert len(units) == 19 + 10  # the demo's departments and districts, each opening on its own set
    assert form.alert == ""


def test_bad_query_falls_back_with_a_message(demo):
    f = ScoringForm.from_query(demo, "unit=khong-co&period=1990&stage=x")
    assert f.state["period"] == "2017"
    assert f.state["stage"] == "self"
    assert "1990" in f.alert
    assert "khong-co" in f.alert
    assert "'x'" in f.alert


def test_edit_autosaves_and_updates_total(form, demo):
    before = form.state["total"]
    old_points = row(form, "1.1.2")["mine"]["points"]
    new_answer = "không" if old_points else "có"
    msg(form, type="edit", code="1.1.2", value=new_answer, note="", author="Nguyễn A")
    assert form.sent[-1][0]["type"] == "saved"
    assert form.sent[-1][0]["code"] == "1.1.2"
    assert form.sent[-1][0]["text"].startswith("Đã lưu lúc")
    stored = demo.scores("2017", "so-tu-phap", "self").set_index("code").loc["1.1.2"]
    assert stored["value"] == new_answer.capitalize()  # kept as the rule spells it
    assert stored["author"] == "Nguyễn A"
    assert form.state["total"] == pytest.approx(before + (1 if new_answer == "có" else -1))
    assert row(form, "1.1.2")["mine"]["points"] == (1 if new_answer == "có" else 0)
    assert form.state["saved"].startswith("Đã lưu lúc")


def test_invalid_input_is_refused_at_the_field(form, demo):
    before = demo.scores("2017", "so-tu-phap")
    msg(form, type="edit", code="2.2.2", value="150", note="", author="A")
    content, _ = form.sent[-1]
    assert content["type"] == "field_error"
    assert content["code"] == "2.2.2"
    assert "100" in content["message"]
    assert demo.scores("2017", "so-tu-phap").equals(before)


def test_appraisal_stage_rules(demo):
    f = ScoringForm(demo, "2017", "so-tu-phap", "appraisal")
    f.sent = []
    f.send = lambda content, buffers=None: f.sent.append((content, buffers))
    own = row(f, "1.1.2")["other"]
    assert own["scored"]
    assert own["shown"]
    different = "không" if own["points"] else "có"
    msg(f, type="edit", code="1.1.2", value=different, note="", author="TĐ")
    assert f.sent[-1][0]["type"] == "field_error"
    assert "lý do" in f.sent[-1][0]["message"]
    msg(f, type="edit", code="1.1.2", value=different, note="Thiếu tài liệu", author="TĐ")
    assert f.sent[-1][0]["type"] == "saved"
    assert row(f, "1.1.2")["mine"]["note"] == "Thiếu tài liệu"


def test_upload_and_download_through_the_widget_channel(form):
    msg(form, type="upload", code="1.1.1", name="ke-hoach.pdf", author="A", buffers=[memoryview(b"%PDF-1.7 ke hoach")])
    files = row(form, "1.1.1")["files"]
    assert [f["name"] for f in files] == ["ke-hoach.pdf"]
    msg(form, type="download", id=files[0]["id"], code="1.1.1")
    content, buffers = form.sent[-1]
    assert content == {"type": "file", "name": "ke-hoach.pdf", "mime": "application/pdf"}
    assert bytes(buffers[0]) == b"%PDF-1.7 ke hoach"
    msg(form, type="upload", code="1.1.1", name="x.exe", author="A", buffers=[b"MZ"])
    assert form.sent[-1][0]["type"] == "field_error"
    assert "loại" in form.sent[-1][0]["message"]


def test_selectors_switch_unit_period_and_stage(form):
    epoch = form.epoch
    msg(form, type="select", period="2016", unit="so-y-te", stage="appraisal")
    assert (form.state["unit"], form.state["period"], form.state["stage"]) == ("so-y-te", "2016", "appraisal")
    assert form.epoch == epoch + 1


def test_callback_errors_reach_the_page(form, demo):
    with demo.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE evidence")  # a real database failure inside a callback
    msg(form, type="select", period=form.state["period"], unit=form.state["unit"], stage=form.state["stage"])  # read again
    assert "OperationalError" in form.alert  # the kind of failure; the SQL itself stays in the server's log
    assert "chưa được lưu" in form.alert
    assert "DROP" not in form.alert


def test_template_download_is_the_open_unit(form):
    import io

    from openpyxl import load_workbook

    msg(form, type="template")
    content, buffers = form.sent[-1]
    assert content["name"] == "phieu-tu-danh-gia-so-tu-phap-2017.xlsx"  # ASCII, from the stage and unit names
    book = load_workbook(io.BytesIO(bytes(buffers[0])))
    meta = {r[0].value: r[1].value for r in book["_cchc"].iter_rows(max_col=2)}
    assert (meta["unit"], meta["period"], meta["stage"]) == ("so-tu-phap", "2017", "self")


def template_bytes(form, value_of):
    """The open unit's template with `value_of` {code: value} typed into the value column."""
    import io
    import json

    from openpyxl import load_workbook

    from cchc_widgets.files import templates as workbooks

    msg(form, type="template")
    book = load_workbook(io.BytesIO(bytes(form.sent[-1][1][0])))
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    for code, value in value_of.items():
        book[workbooks.sheet_name("self")][f"{workbooks.VALUE}{rows[code]}"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_upload_filled_template_stores_it_and_redraws(form, demo):
    from cchc_widgets.store.config import data_dir

    data = template_bytes(form, {"1.1.2": "Không"})
    msg(form, type="import_scores", name="phieu.xlsx", author="Lan", buffers=[data])
    report = form.sent[-1][0]
    assert report["type"] == "report"
    assert report["ok"], report
    assert "Sở Tư pháp, kỳ 2017, 1 tiêu chí thay đổi" in report["message"]
    assert row(form, "1.1.2")["mine"]["shown"] == "Không"
    log = demo.change_log("2017", "so-tu-phap")
    assert (log["author"].iloc[-1], log["action"].iloc[-1]) == ("Lan", "import:phieu.xlsx")
    assert not any((data_dir() / "uploads").iterdir())  # the upload is not kept


def test_upload_refused_lists_every_problem_and_stores_nothing(form, demo):
    data = template_bytes(form, {"1.1.2": "có lẽ", "1.1.4": "abc"})
    before = demo.scores("2017", "so-tu-phap")
    msg(form, type="import_scores", name="phieu.xlsx", author="Lan", buffers=[data])
    report = form.sent[-1][0]
    assert not report["ok"]
    assert "bị từ chối, không lưu gì (2 lỗi)" in report["message"]
    assert any("1.1.2" in p and "ô F" in p for p in report["problems"])
    assert any("1.1.4" in p for p in report["problems"])
    assert demo.scores("2017", "so-tu-phap").equals(before)
    msg(form, type="import_scores", name="phieu.xlsx", author="  ", buffers=[data])
    assert "Nhập họ tên người chấm" in form.sent[-1][0]["message"]
    msg(form, type="import_scores", name="virus.exe", author="Lan", buffers=[b"MZ"])
    assert "chỉ nhận tệp Excel .xlsx hoặc bảng .csv" in form.sent[-1][0]["message"]
    assert demo.scores("2017", "so-tu-phap").equals(before)


def test_upload_survey_responses_adds_points_to_the_appraisal_view(demo):
    f = ScoringForm.from_query(demo, "?unit=so-tu-phap&period=2017&stage=appraisal")
    f.sent = []
    f.send = lambda content, buffers=None: f.sent.append((content, buffers))
    assert f.state["survey"] is None
    bad = "unit,respondent,group,item,answer\nso-tu-phap,P1,Xã,KS1,Z\n".encode()
    msg(f, type="import_survey", name="khao-sat.csv", author="Sở Nội vụ", buffers=[bad])
    assert not f.sent[-1][0]["ok"]
    assert "dòng 2, cột 'answer': mã KS1: câu trả lời 'Z' không hợp lệ" in f.sent[-1][0]["problems"][0]
    assert demo.survey_responses("2017").empty
    good = "unit,respondent,group,item,answer\nso-tu-phap,P1,Xã,KS1,A\nso-tu-phap,P2,Xã,KS1,C\n".encode()
    msg(f, type="import_survey", name="khao-sat.csv", author="Sở Nội vụ", buffers=[good])
    assert f.sent[-1][0]["ok"]
    assert "2 câu trả lời mới" in f.sent[-1][0]["message"]
    assert f.state["survey"] == pytest.approx(2 * (100 + 20) / 2 / 100)  # A and C of a 2-point item


def test_survey_template_download(demo):
    import io

    from openpyxl import load_workbook

    f = ScoringForm.from_query(demo, "?unit=so-tu-phap&period=2017&stage=appraisal")
    f.sent = []
    f.send = lambda content, buffers=None: f.sent.append((content, buffers))
    assert f.state["has_survey"]
    msg(f, type="survey_template")
    content, buffers = f.sent[-1]
    assert content["name"] == "phieu-khao-sat-2017-so.xlsx"  # a period of several blocks: the departments' sheet
    assert load_workbook(io.BytesIO(bytes(buffers[0]))).sheetnames == ["Phiếu khảo sát", "Hướng dẫn"]


def test_flags_say_what_is_left(demo):
    """The counts behind the filters, from the store: unscored rows, rows expecting evidence that
    has none, rows where self-assessment and appraisal disagree; a count per domain of what is left."""
    form = ScoringForm.from_query(demo, "?unit=so-tu-phap&period=2016&stage=appraisal")
    scores = demo.scores("2016", "so-tu-phap")
    own = scores[scores["stage"] == "self"].set_index("code")
    appraised = scores[scores["stage"] == "appraisal"].set_index("code")
    na_differs = own["na"] != appraised.loc[own.index, "na"]
    points_differ = ~own["na"] & (own["points"] != appraised.loc[own.index, "points"])
    differ = set(own.index[na_differs | points_differ])
    cs = demo.criteria_for("2016")
    # the demo keeps no files: an item lacks evidence where it earns points with no explanation
    claims = own["points"].gt(0) & ~own["note"].map(says_something)
    expecting = {c for c in cs.leaf_codes if cs[c].evidence and claims[c]}
    assert {r["code"] for r in form.rows if "differs" in r["flags"]} == differ
    assert {r["code"] for r in form.rows if "no_evidence" in r["flags"]} == expecting
    assert form.state["counts"] == {"todo": 0, "no_evidence": len(expecting), "differs": len(differ)}
    assert form.state["bonus"] is None  # the reference set has no bonus or penalty items: none shown
    code = sorted(differ)[0]
    form.select("2016", "so-tu-phap", "appraisal")
    msg(form, type="edit", code=code, value="", note="", author="Lan", version=row(form, code)["mine"]["version"])
    assert "todo" in row(form, code)["flags"]  # withdrawn: left to do again, counted in its domain
    assert form.state["counts"]["todo"] == 1
    assert form.state["sections"][cs.top_of(code)]["left"] == 1
    assert demo.scores("2017", "so-y-te", "appraisal").empty  # the demo's 2017 appraisal is not done for it
    unappraised = ScoringForm.from_query(demo, "?unit=so-y-te&period=2017&stage=appraisal")
    assert unappraised.state["counts"]["todo"] == 70
