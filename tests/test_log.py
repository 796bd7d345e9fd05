"""The change log reads every kind of row a period holds — scores, replies, survey answers,
evidence files, workflow and account events — on the command line, the administrator's page
and its download."""

import pandas as pd
from openpyxl import load_workbook

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.services import access
from cchc_widgets.services.audit import change_log
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import cchc_here

UNIT = "so-tu-phap"
PDF = b"%PDF-1.4\n" + b"0" * 64


def kinds(log: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The log's rows by what they are about (the stage column names survey answers)."""
    return {
        "survey": log[log["stage"] == "Khảo sát"],
        "evidence": log[log["action"].isin(["evidence", "evidence-removed"])],
        "workflow": log[log["action"].isin(["stage-open", "submit"])],
        "account": log[log["action"] == "account"],
        "score": log[log["action"] == "demo"],
    }


def test_the_demos_2016_log_with_its_survey_answers_reads_everywhere(demo, tmp_path):
    """2016 holds survey answers (8 respondents per unit): the log printed, written, listed
    on the administrator's page and downloaded from it."""
    shown = cchc_here("log", "--period", "2016", db=demo.url)
    assert shown.returncode == 0, shown.stderr
    survey_lines = [line for line in shown.stdout.splitlines() if "Khảo sát" in line]
    assert len(survey_lines) == len(demo.survey_responses("2016"))
    assert any(" P01: " in line for line in survey_lines)

    out = tmp_path / "nhat-ky.xlsx"
    assert cchc_here("log", "--period", "2016", "--out", out, db=demo.url).returncode == 0
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("Thời gian", "Người", "Tài khoản", "Thao tác", "Đơn vị", "Mã", "Giai đoạn", "Cũ", "Mới", "Lý do")
    assert len(rows) - 1 == len(change_log(demo, "2016"))
    answers = [r for r in rows if r[6] == "Khảo sát"]
    assert {r[8].split(": ")[1] for r in answers} <= set("ABCD")

    page = AdminSession(demo, None, "2016")
    state = page.state()
    assert state["log_total"] == len(rows) - 1
    assert any(r["stage"] == "Khảo sát" for r in state["log"])
    downloaded = tmp_path / "tai-ve.xlsx"
    downloaded.write_bytes(page.log_xlsx())
    assert len(list(load_workbook(downloaded).active.iter_rows())) == len(rows)


def test_every_kind_of_row_after_a_survey_import(demo, tmp_path):
    survey = tmp_path / "phieu.csv"
    survey.write_text("unit,respondent,group,item,answer\nso-tu-phap,P1,Xã,KS1,A\nso-tu-phap,P1,Xã,KS2,C\n", encoding="utf-8")
    assert cchc_here("survey", "import", survey, "--period", "2017", db=demo.url).returncode == 0
    survey.write_text("unit,respondent,group,item,answer\nso-tu-phap,P1,Xã,KS1,B\n", encoding="utf-8")
    assert cchc_here("survey", "import", survey, "--period", "2017", db=demo.url).returncode == 0
    scope = Scope("2017", UNIT, "self")
    kept = Writer(demo).add_evidence(scope, "1.5.2", "quyet-dinh.pdf", PDF, "Văn thư")
    Writer(demo).remove_evidence(scope, kept, "Văn thư")
    access.add_account(demo, "tuphap", "Trần Thị Pháp", "unit", [UNIT], None, console("quantri"))
    access.set_stage(demo, "2017", "self", access.OPEN, None, console("quantri"))
    access.submit(demo, None, "2017", UNIT)

    log = change_log(demo, "2017", UNIT)
    found = kinds(log)
    assert found["survey"][["code", "old", "new"]].values.tolist() == [
        ["KS1", "", "P1: A"],
        ["KS2", "", "P1: C"],
        ["KS1", "P1: A", "P1: B"],
    ]
    assert found["evidence"][["action", "name", "code", "old", "new"]].values.tolist() == [
        ["evidence", "Văn thư", "1.5.2", "", "quyet-dinh.pdf (73 B)"],
        ["evidence-removed", "Văn thư", "1.5.2", "quyet-dinh.pdf (73 B)", ""],
    ]
    assert found["workflow"]["action"].tolist() == ["submit"]  # a unit's log: the period's stage is no one unit's
    assert len(found["score"]) > 0
    everything = kinds(change_log(demo, "2017"))
    assert everything["workflow"]["action"].tolist() == ["stage-open", "submit"]
    assert everything["account"]["reason"].tolist() == ["Trần Thị Pháp (tuphap): Cán bộ đơn vị; đơn vị: Sở Tư pháp"]

    shown = cchc_here("log", "--period", "2017", "--unit", UNIT, db=demo.url)
    assert shown.returncode == 0, shown.stderr
    assert "P1: A" in shown.stdout
    assert "quyet-dinh.pdf" in shown.stdout
    page = AdminSession(demo, None, "2017")
    page.filters = {"unit": UNIT, "action": "gỡ tài liệu"}
    assert [r["old"] for r in page.state()["log"]] == ["quyet-dinh.pdf (73 B)"]
    rows = list(load_workbook(_saved(tmp_path, page.log_xlsx())).active.iter_rows(values_only=True))
    assert rows[1][3] == "Gỡ tài liệu kiểm chứng"


def _saved(tmp_path, data: bytes):
    path = tmp_path / "tai-ve.xlsx"
    path.write_bytes(data)
    return path
