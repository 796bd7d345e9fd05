import pandas as pd
import pytest

from cchc_widgets.app.scoring_session import FieldError, ScoringSession
from cchc_widgets.core import engine
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.files.evidence import MAX_BYTES
from cchc_widgets.services.results import resolved, score_period

PDF = b"%PDF-1.4 test evidence"
KEPT = "Hồ sơ lưu tại văn phòng"  # the reference set asks for a file or an explanation of a self-assessed point


def _mine(session, code):
    return session.row(code)["mine"]


def test_every_rule_type_saves_and_updates_totals(demo):
    s = ScoringSession(demo, "2017", "so-tu-phap", "self")
    before = s.header()["total"]
    s.edit("1.1.2", "không", KEPT, "Nguyễn A")  # yes/no
    s.edit("1.1.1", "Ban hành chậm", KEPT, "Nguyễn A")  # levels
    s.edit("1.1.4", {"done": "19", "planned": "20"}, KEPT, "Nguyễn A")  # percentage from a pair
    s.edit("2.2.2", "85", KEPT, "Nguyễn A")  # percentage
    s.edit("1.2.1", "3", KEPT, "Nguyễn A")  # count against 4 required
    s.edit("1.5.2", "2.5", KEPT, "Nguyễn A")  # manual points, step 0.5
    s.edit("1.3.3", "N/A", "Không phát sinh", "Nguyễn A")  # not applicable
    got = {code: _mine(s, code) for code in ("1.1.2", "1.1.1", "1.1.4", "2.2.2", "1.2.1", "1.5.2", "1.3.3")}
    assert [got[c]["points"] for c in ("1.1.2", "1.1.1", "1.1.4", "2.2.2", "1.2.1", "1.5.2")] == [0, 0.5, 2, 0.5, 0.75, 2.5]
    assert got["1.3.3"]["na"]
    assert got["1.3.3"]["note"] == "Không phát sinh"
    stored = demo.scores("2017", "so-tu-phap", "self").set_index("code")
    assert stored.loc["1.1.4", "value"] == {"done": 19, "planned": 20}
    assert stored.loc["1.1.4", "author"] == "Nguyễn A"
    header = s.header()
    assert header["max"] == pytest.approx(100 - sum(s.cs[c].max_points for c in stored.index[stored["na"]]))
    expected = engine_total(demo)
    assert header["total"] == pytest.approx(expected)
    assert header["total"] != before
    assert header["saved"].startswith("Đã lưu lúc")


def test_a_score_is_saved_as_typed_and_marked_until_its_evidence_comes(demo):
    """Score now, attach later: a point without a file or an explanation is saved, the row is
    marked «thiếu tài liệu kiểm chứng» and counted, and the mark goes when the file comes."""
    s = ScoringSession(demo, "2017", "so-tu-phap", "self")
    s.edit("1.5.2", "2,5", "", "Nguyễn A")
    assert _mine(s, "1.5.2")["points"] == 2.5
    assert "no_evidence" in s.flags("1.5.2")
    assert s.row("1.5.2")["lacking"] == "Thiếu tài liệu kiểm chứng"
    assert s.header()["counts"]["no_evidence"] == 1
    s.edit("1.5.2", "0", "", "Nguyễn A")  # nothing claimed, nothing to prove
    assert "no_evidence" not in s.flags("1.5.2")
    s.edit("1.5.2", "2,5", "", "Nguyễn A")
    s.add_evidence("1.5.2", "bien-ban.pdf", PDF, "Nguyễn A")  # the file is the proof
    assert s.row("1.5.2")["lacking"] == ""
    assert s.header()["counts"]["no_evidence"] == 0


def engine_total(store):
    frame = store.scores("2017", "so-tu-phap", "self")
    return engine.score(frame, store.criteria_for("2017")).results["total"].iloc[0]


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("1.1.4", {"done": "12", "planned": "10"}, "lớn hơn tổng số"),
        ("2.2.2", "120", "vượt 100"),
        ("1.2.1", "-1", "âm"),
        ("1.2.1", "abc", "phải là một số"),
        ("1.5.2", "1.3", "không có trong quy tắc"),
        ("1.5.2", "9", "vượt điểm tối đa"),
        ("1.1.1", "Sớm", "không phải một mức"),
        ("1.1.2", "N/A", "không cho phép"),
    ],
)
def test_invalid_input_refused_and_never_saved(demo, code, value, message):
    s = ScoringSession(demo, "2017", "so-tu-phap", "self")
    before = demo.scores("2017", "so-tu-phap")
    with pytest.raises(FieldError, match=message) as err:
        s.edit(code, value, "", "Nguyễn A")
    assert err.value.code == code
    pd.testing.assert_frame_equal(demo.scores("2017", "so-tu-phap"), before)


def test_author_required(demo):
    s = ScoringSession(demo, "2017", "so-tu-phap", "self")
    with pytest.raises(FieldError, match="Người chấm"):
        s.edit("1.1.2", "có", "", " ")


def test_appraisal_needs_a_reason_when_it_differs(demo):
    unit = demo.scores("2017", stage="self").query("code == '1.1.2'").iloc[0]["unit"]
    s = ScoringSession(demo, "2017", unit, "appraisal")
    own = s.row("1.1.2")["other"]
    other_answer = "không" if own["points"] else "có"
    with pytest.raises(FieldError, match="ghi lý do"):
        s.edit("1.1.2", other_answer, "", "Tổ thẩm định")
    s.edit("1.1.2", own["inputs"][0], "", "Tổ thẩm định")  # agreeing needs no reason
    s.edit("1.1.2", other_answer, "Không có tài liệu kiểm chứng", "Tổ thẩm định")
    appraised = _mine(s, "1.1.2")
    assert appraised["note"] == "Không có tài liệu kiểm chứng"
    assert appraised["points"] != own["points"]
    unit_view = ScoringSession(demo, "2017", unit, "self").row("1.1.2")["other"]
    assert unit_view["points"] == appraised["points"]
    assert unit_view["note"] == "Không có tài liệu kiểm chứng"


def test_appraisal_header_uses_final_scores(demo):
    header = ScoringSession(demo, "2016", "so-noi-vu", "appraisal").header()
    published = score_period(demo, "2016").results.set_index("unit").loc["so-noi-vu"]
    assert header["total"] == pytest.approx(published["total"])
    assert header["survey"] == pytest.approx(published["survey"])
    assert header["survey"] > 0
    own = ScoringSession(demo, "2016", "so-noi-vu", "self").header()
    assert own["survey"] is None  # the unit's self-assessment view carries no survey points
    self_rows = resolved(demo, "2016", "so-noi-vu").query("stage == 'self'")
    assert own["total"] == pytest.approx(engine.aggregate(self_rows, demo.criteria_for("2016")).results["total"].iloc[0])


def test_note_before_score_is_kept_and_clearing_removes(demo):
    s = ScoringSession(demo, "2017", "so-tu-phap", "self")
    s.edit("1.1.2", "", "", "A")  # clear the demo's score
    assert _mine(s, "1.1.2") is None
    assert s.header()["done"] == 69
    s.edit("1.1.2", "", "Đang chờ quyết định phê duyệt", "A")
    mine = _mine(s, "1.1.2")
    assert mine["note"] == "Đang chờ quyết định phê duyệt"
    assert not mine["scored"]
    assert s.header()["completion"] == "69/70 tiêu chí đã chấm"
    log = demo.change_log("2017", "so-tu-phap")
    assert log["action"].tolist()[-2:] == ["clear", "form"]


def test_two_tabs_cannot_overwrite_each_other(demo):
    first = ScoringSession(demo, "2017", "so-tu-phap", "self")
    second = ScoringSession(demo, "2017", "so-tu-phap", "self")
    first.edit("1.1.2", "không", "", "A")
    with pytest.raises(FieldError, match="hãy tải lại"):
        second.edit("1.1.2", "có", "", "B")
    assert _mine(second, "1.1.2")["points"] == 0  # the refusal reloaded what A saved
    second.edit("1.1.2", "có", KEPT, "B")
    assert _mine(second, "1.1.2")["version"] == 3


def test_evidence_upload_list_download_remove(demo, tmp_path):
    s = ScoringSession(demo, "2017", "so-tu-phap", "self")
    s.add_evidence("1.1.1", "C:\\Users\\a\\Quyết định 12.pdf", PDF, "Nguyễn A")
    files = s.row("1.1.1")["files"]
    assert [f["name"] for f in files] == ["Quyết định 12.pdf"]
    name, mime, data = s.read_evidence(files[0]["id"])
    assert (name, mime, data) == ("Quyết định 12.pdf", "application/pdf", PDF)
    kept = list((tmp_path / "evidence").rglob("*.pdf"))
    assert len(kept) == 1
    assert kept[0].is_relative_to(tmp_path / "evidence")
    s.remove_evidence(files[0]["id"], "Nguyễn A")
    assert s.row("1.1.1")["files"] == []
    other = ScoringSession(demo, "2017", "so-y-te", "self")
    with pytest.raises(Exception, match="không thuộc"):
        other.read_evidence(files[0]["id"])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ....", "không thuộc loại"),
        ("bao-cao.pdf", b"PK\x03\x04fake", "không phải pdf"),
        ("rong.pdf", b"", "rỗng"),
        ("lon.pdf", b"%PDF" + b"0" * MAX_BYTES, "quá lớn"),
    ],
)
def test_evidence_refused_with_reason(demo, name, data, message):
    s = ScoringSession(demo, "2017", "so-tu-phap", "self")
    with pytest.raises(FieldError, match=message):
        s.add_evidence("1.1.1", name, data, "Nguyễn A")
    assert demo.evidence("2017", "so-tu-phap").empty


def test_unknown_selection_is_a_clear_error(demo):
    with pytest.raises(ProblemsError, match="không tham gia"):
        ScoringSession(demo, "2017", "so-khong-co", "self")
    with pytest.raises(ProblemsError, match="không có kỳ"):
        ScoringSession(demo, "1990", "so-tu-phap", "self")
    with pytest.raises(ProblemsError, match="giai đoạn"):
        ScoringSession(demo, "2017", "so-tu-phap", "review")


def test_a_page_reads_again_only_what_changed(demo):
    """A page's reload asks the store what moved (one query) and reads those parts only:
    nothing when nothing changed, the scores after a colleague's edit, the files after an
    upload, the workflow after a submission; each change is shown all the same."""
    import sqlalchemy as sa

    from cchc_widgets.services.access import submit

    page = ScoringSession(demo, "2017", "so-tu-phap", "self")
    colleague = ScoringSession(demo, "2017", "so-tu-phap", "self")
    statements: list[str] = []

    def reads(change) -> list[str]:
        change()
        statements.clear()
        page.reload()
        return [" ".join(sql.split()) for sql in statements if sql.lstrip().startswith("SELECT")]

    sa.event.listen(demo.engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql))
    assert len(reads(lambda: None)) == 1  # the stamp

    got = reads(lambda: colleague.edit("1.5.2", "1,5", KEPT, "B"))
    assert len(got) == 2
    assert "FROM scores" in got[1]
    assert _mine(page, "1.5.2")["points"] == 1.5
    assert _mine(page, "1.5.2")["author"] == "B"

    got = reads(lambda: colleague.add_evidence("1.1.1", "quyet-dinh.pdf", PDF, "B"))
    assert len(got) == 2
    assert "FROM evidence" in got[1]
    assert [f["name"] for f in page.row("1.1.1")["files"]] == ["quyet-dinh.pdf"]

    got = reads(lambda: submit(demo, None, "2017", "so-tu-phap"))
    assert len(got) > 1
    assert not any("FROM scores" in sql or "FROM evidence" in sql for sql in got[1:])  # got[0]: the stamp
    assert page.access()["submitted"] is not None
    assert page.access()["locked"] is not None  # submitted: the form is read-only now
