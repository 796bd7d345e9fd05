"""A reason says something, on every path; and a self-assessment changed after an agreeing
appraisal — a difference with no reason at all — is marked where the appraiser looks, listed
by `cchc differences`, and keeps the period from being finalised until it has a reason."""

import csv
import json
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets import ScoringForm
from cchc_widgets.app.scoring_session import FieldError, ScoringSession
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.files import templates
from cchc_widgets.services import access
from cchc_widgets.services.imports import template
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import cchc_here

UNIT = "so-tu-phap"  # 2017: self-assessed and appraised, the appraisal agreeing on 1.1.2 (Có) with no note
SAYS_NOTHING = ["\u200b", "-", "...", " – \u200b\u202e ", "\ufeff—"]


def written(store) -> tuple[str, int]:
    """What a refused write must leave as it was: every score and the log's length."""
    return store.scores("2017").to_csv(), len(store.change_log())


def appraisal_template(store, tmp_path, reason: str):
    """The appraisal template with 1.1.2 appraised «Không» (the unit said «Có») and `reason`."""
    path = tmp_path / "tham-dinh.xlsx"
    path.write_bytes(template(store, "2017", UNIT, "appraisal"))
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[templates.META].iter_rows(max_col=2)}["rows"])
    sheet = book[templates.sheet_name("appraisal")]
    sheet[f"F{rows['1.1.2']}"], sheet[f"I{rows['1.1.2']}"] = "Không", reason
    book.save(path)
    return path


@pytest.mark.parametrize("reason", SAYS_NOTHING)
def test_a_reason_that_says_nothing_is_refused_on_every_path(demo, tmp_path, reason):
    before = written(demo)
    row = {"unit": UNIT, "code": "1.1.2", "stage": "appraisal", "value": "Không", "note": reason}
    with pytest.raises(ProblemsError) as python:
        Writer(demo).save_scores(Scope("2017", UNIT, "appraisal"), pd.DataFrame([row]), "Thẩm định", "python")
    assert "mã 1.1.2: điểm thẩm định khác điểm tự đánh giá (1 điểm): ghi lý do trước khi lưu" in str(python.value)

    with pytest.raises(FieldError, match="điểm thẩm định khác điểm tự đánh giá") as form:
        ScoringSession(demo, "2017", UNIT, "appraisal").edit("1.1.2", "Không", reason, "Thẩm định")
    assert form.value.code == "1.1.2"
    widget = ScoringForm(demo, "2017", UNIT, "appraisal", author="Thẩm định")
    with pytest.raises(ProblemsError, match=re.escape("mã 1.1.2: điểm thẩm định khác điểm tự đánh giá")):
        widget.set_value("1.1.2", "Không", note=reason)

    table = tmp_path / "tham-dinh.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["unit", "code", "stage", "value", "note"], [UNIT, "1.1.2", "appraisal", "Không", reason]])
    for path in (table, appraisal_template(demo, tmp_path, reason)):
        refused = cchc_here("import", path, "--period", "2017", "--author", "Thẩm định", db=demo.url)
        assert refused.returncode == 1, path
        assert "mã 1.1.2: điểm thẩm định khác điểm tự đánh giá (1 điểm): ghi lý do trước khi lưu" in refused.stderr

    assert written(demo) == before  # nothing written anywhere

    # an explanation that says nothing is saved (score now, attach later) and the submission refused
    explanation = {"unit": UNIT, "code": "1.5.2", "stage": "self", "value": "1", "note": reason}  # evidence expected, none kept
    Writer(demo).save_scores(Scope("2017", UNIT, "self"), pd.DataFrame([explanation]), "Đơn vị", "python")
    with pytest.raises(ProblemsError, match=re.escape("mã 1.5.2: thiếu tài liệu kiểm chứng")):
        access.submit(demo, None, "2017", UNIT)
    assert UNIT not in demo.submissions("2017")
    explanation["note"] = "Hồ sơ lưu tại văn phòng"
    Writer(demo).save_scores(Scope("2017", UNIT, "self"), pd.DataFrame([explanation]), "Đơn vị", "python")
    access.submit(demo, None, "2017", UNIT)
    reopened = cchc_here("reopen", "--period", "2017", "--unit", UNIT, "--reason", reason, db=demo.url)
    assert reopened.returncode == 1
    assert "mở lại cần lý do (--reason)" in reopened.stderr
    assert UNIT in demo.submissions("2017")


def test_the_refusal_quotes_a_reason_of_punctuation(demo):
    row = {"unit": UNIT, "code": "1.1.2", "stage": "appraisal", "value": "Không", "note": "- . -"}
    with pytest.raises(ProblemsError, match=re.escape("đã ghi «- . -»: lý do cần có chữ hoặc số")):
        Writer(demo).save_scores(Scope("2017", UNIT, "appraisal"), pd.DataFrame([row]), "Thẩm định", "python")


@pytest.mark.parametrize("reason", ["Không có quyết định", "QĐ 15", "5"])
def test_a_letter_or_a_digit_is_a_reason(demo, reason):
    row = {"unit": UNIT, "code": "1.1.2", "stage": "appraisal", "value": "Không", "note": f"- {reason}\u200b"}
    Writer(demo).save_scores(Scope("2017", UNIT, "appraisal"), pd.DataFrame([row]), "Thẩm định", "python")
    assert demo.scores("2017", UNIT, "appraisal").set_index("code").loc["1.1.2", "note"] == f"- {reason}"


# ---------------------------------------------------------------- a difference with no reason at all


def test_a_self_change_after_an_agreeing_appraisal_is_marked_and_blocks_finalising(demo, tmp_path):
    """The demo's 2017 has no stages: both are open at once, so the unit may change its
    self-assessment after the appraiser agreed with it (and wrote no reason)."""
    appraiser = ScoringSession(demo, "2017", UNIT, "appraisal")
    assert appraiser.row("1.1.2")["mark"] == ""
    counted = appraiser.header()["counts"]["differs"]
    appraiser.edit("1.1.3", "Không", "Không có kế hoạch được phê duyệt", "Thẩm định")  # a difference with its reason
    ScoringSession(demo, "2017", UNIT, "self").edit("1.1.2", "Không", "", "Đơn vị")  # the unit lowers its own score

    appraiser.reload()
    assert appraiser.row("1.1.2")["mark"] == "Khác, chưa có lý do"
    assert appraiser.row("1.1.3")["mark"] == "Khác tự đánh giá"
    assert "differs" in appraiser.row("1.1.2")["flags"]
    assert appraiser.header()["counts"]["differs"] == counted + 2  # both under «Khác tự đánh giá»
    assert ScoringSession(demo, "2017", UNIT, "self").row("1.1.2")["mark"] == "Khác kết quả thẩm định"
    page = ScoringForm(demo, "2017", UNIT, "appraisal", author="Thẩm định")
    assert next(r for r in page.rows if r["code"] == "1.1.2")["mark"] == "Khác, chưa có lý do"  # what the page shows

    shown = cchc_here("differences", "--period", "2017", "--unit", UNIT, db=demo.url)
    assert shown.returncode == 0, shown.stderr
    # rows on screen name the unit («Sở Tư pháp»), then the code; a long reason is cut to fit 120 columns
    lines = {re.search(r" (\d+\.\d+\.\d+) ", line)[1]: line for line in shown.stdout.splitlines()[2:]}
    assert lines["1.1.2"].startswith("Sở Tư pháp 1.1.2")
    assert lines["1.1.2"].rstrip().endswith("khác, chưa có lý do")
    assert "Không có kế hoạch" in lines["1.1.3"]
    assert lines["1.1.3"].split()[-1] == "khác"
    out = tmp_path / "khac.csv"
    assert (
        cchc_here("differences", "--period", "2017", "--unit", UNIT, "--out", out, "--machine-headings", db=demo.url).returncode
        == 0
    )
    status = pd.read_csv(out, keep_default_na=False).set_index("code")["status"]
    assert (status["1.1.2"], status["1.1.3"]) == ("khác, chưa có lý do", "khác")

    refused = cchc_here("finalise", "--period", "2017", db=demo.url)
    assert refused.returncode == 1
    assert "kỳ 2017: mã 1.1.2: Sở Tư pháp: khác, chưa có lý do (tự đánh giá 0 điểm, thẩm định 1 điểm)" in refused.stderr
    assert "1.1.3" not in refused.stderr
    assert demo.final("2017") is None

    appraiser.edit("1.1.2", "Có", "Đơn vị tự hạ điểm; giữ kết quả thẩm định", "Thẩm định")  # the same score, now with its reason
    assert appraiser.row("1.1.2")["mark"] == "Khác tự đánh giá"
    done = cchc_here("finalise", "--period", "2017", db=demo.url)
    assert done.returncode == 0, done.stderr
    assert demo.final("2017") is not None


def test_an_old_reason_of_punctuation_is_no_reason(demo):
    """A store written before reasons had to say something: its `-` marks the row too."""
    row = {"unit": UNIT, "code": "1.1.2", "stage": "appraisal", "value": "Không", "note": "lý do"}
    Writer(demo).save_scores(Scope("2017", UNIT, "appraisal"), pd.DataFrame([row]), "Thẩm định", "python")
    with demo.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE scores SET note = '-' WHERE unit = '{UNIT}' AND code = '1.1.2' AND stage = 'appraisal'")
    assert ScoringSession(demo, "2017", UNIT, "appraisal").row("1.1.2")["mark"] == "Khác, chưa có lý do"
    with pytest.raises(ProblemsError, match=re.escape("mã 1.1.2: Sở Tư pháp: khác, chưa có lý do")):
        access.finalise(demo, "2017", console("quantri"))
