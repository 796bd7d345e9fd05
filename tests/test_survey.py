"""Survey responses → points: hand-computed aggregation, the engine's use of it, every kind of
bad response file (message names the cell and the item, the store is unchanged), and the
results workbook's survey columns and sheet."""

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.survey import item_points, with_survey
from cchc_widgets.files.survey_files import read_responses
from cchc_widgets.services.results import score_period, survey_points

SURVEY_SET = {
    "id": "nho",
    "name": "Bộ nhỏ có khảo sát",
    "version": "1",
    "survey": {
        "answers": {"A": 100, "B": 50, "C": 0},
        "items": [
            {"code": "S1", "name": "Câu một", "max_points": 2, "domain": "1"},
            {"code": "S2", "name": "Câu hai", "max_points": 3},
        ],
    },
    "criteria": [
        {"code": "1", "name": "Lĩnh vực một", "max_points": 4, "children": [{"code": "1.1", "name": "a", "max_points": 4}]},
        {"code": "2", "name": "Lĩnh vực hai", "max_points": 6, "children": [{"code": "2.1", "name": "b", "max_points": 6}]},
    ],
}


@pytest.fixture
def small():
    return load_dict(SURVEY_SET)


def responses(rows):
    return pd.DataFrame(rows, columns=["period", "unit", "respondent", "group", "item", "answer"])


def test_item_points_by_hand(small):
    frame = responses(
        [
            ("p", "u1", "1", "Xã", "S1", "A"),
            ("p", "u1", "2", "Xã", "S1", "B"),
            ("p", "u1", "3", "Huyện", "S1", "C"),
            ("p", "u1", "1", "Xã", "S2", "a"),
            ("p", "u1", "2", "Xã", "S2", "A"),
            ("p", "u2", "9", "Sở", "S1", "B"),
        ]
    )
    got = item_points(frame, small).set_index(["unit", "code"])
    # u1 S1: (100 + 50 + 0) / 3 = 50 % of 2 points = 1; u1 S2: 100 % of 3 = 3; u2 S1: 50 % of 2 = 1
    assert got.loc[("u1", "S1"), "points"] == pytest.approx(1.0)
    assert got.loc[("u1", "S1"), "respondents"] == 3
    assert got.loc[("u1", "S2"), "points"] == pytest.approx(3.0)
    assert got.loc[("u2", "S1"), "share"] == pytest.approx(50.0)
    assert ("u2", "S2") not in got.index


def test_engine_adds_survey_to_its_domain_and_total(small):
    scores = pd.DataFrame(
        [("p", u, code, "self", pts) for u in ("u1", "u2", "u3") for code, pts in (("1.1", 3), ("2.1", 5))],
        columns=["period", "unit", "code", "stage", "points"],
    )
    resolved = engine.resolve(scores, small)
    frame = responses([("p", "u1", "1", "Xã", "S1", "A"), ("p", "u1", "1", "Xã", "S2", "B"), ("p", "u2", "1", "Xã", "S1", "C")])
    scored = engine.aggregate(with_survey(resolved, item_points(frame, small)), small)
    res = scored.results.set_index("unit")
    # u1: 3 + 5 appraised, S1 = 2 (into domain 1), S2 = 1.5 (no domain: total only); max 10 + 2 + 3
    assert res.loc["u1", "1"] == pytest.approx(5.0)
    assert res.loc["u1", "survey"] == pytest.approx(3.5)
    assert res.loc["u1", "total"] == pytest.approx(11.5)
    assert res.loc["u1", "max"] == pytest.approx(15.0)
    # u2 answered S1 only (C = 0 points): S2 leaves its max; u3 has no survey: indexed on 10 points
    assert res.loc["u2", "max"] == pytest.approx(12.0)
    assert res.loc["u2", "index"] == pytest.approx(100 * 8 / 12)
    assert res.loc["u3", "max"] == pytest.approx(10.0)
    assert res.loc["u3", "index"] == pytest.approx(80.0)
    nodes = scored.nodes.set_index(["unit", "code"])
    assert nodes.loc[("u1", "1"), "max"] == pytest.approx(6.0)
    assert nodes.loc[("u1", "S2"), "level"] == 0
    assert list(res.sort_values("rank").index) == ["u3", "u1", "u2"]  # 80 % > 76.7 % > 66.7 %


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_response_file_names_cell_and_item(demo, tmp_path, capsys):
    bad = write_csv(
        tmp_path / "phieu.csv",
        "đơn vị,phiếu,nhóm,câu hỏi,trả lời\n"
        "so-noi-vu,P1,Xã,KS1,A\n"
        "so-noi-vu,P1,Xã,KS9,B\n"  # unknown item
        "khong-co,P2,Xã,KS1,B\n"  # unknown unit
        "so-noi-vu,P3,Xã,KS2,E\n"  # answer outside A–D
        "so-noi-vu,P1,Xã,KS1,B\n"  # the same respondent answers KS1 twice
        "so-noi-vu,P1,Huyện,KS2,B\n"  # the same respondent in another group
        "so-noi-vu,,Xã,KS3,B\n",  # no respondent
    )
    before = (len(demo.survey_responses("2017")), len(demo.change_log()))
    assert main(["--db", demo.url, "survey", "import", str(bad), "--period", "2017"]) == 1
    err = capsys.readouterr().err
    assert "TỪ CHỐI — không lưu gì (6 lỗi)" in err
    assert "dòng 3, cột 'câu hỏi': mã KS9: câu hỏi 'KS9' không có" in err
    assert "dòng 4, cột 'đơn vị': mã KS1: đơn vị 'khong-co' không tham gia kỳ '2017'" in err
    assert "dòng 5, cột 'trả lời': mã KS2: câu trả lời 'E' không hợp lệ; chọn A, B, C, D" in err
    assert "dòng 6, cột 'phiếu': mã KS1: phiếu 'P1' của đơn vị 'so-noi-vu' trả lời câu này hai lần (lần đầu ở dòng 2" in err
    assert "dòng 7, cột 'nhóm': mã KS2: phiếu 'P1' ghi nhóm 'Huyện'" in err
    assert "dòng 8, cột 'phiếu': mã KS3: thiếu phiếu" in err
    assert (len(demo.survey_responses("2017")), len(demo.change_log())) == before


def test_response_layout_problems(demo, reference, tmp_path):
    units = dict.fromkeys(demo.units("2017")["id"], "so")
    no_answer = write_csv(tmp_path / "thieu.csv", "unit,respondent,group,item\nso-noi-vu,P1,Xã,KS1\n")
    with pytest.raises(ProblemsError, match=r"thiếu cột 'trả lời' \(answer\)"):
        read_responses(no_answer, {"so": reference}, "2017", units)
    other_year = write_csv(tmp_path / "nam.csv", "năm,unit,respondent,group,item,answer\n2016,so-noi-vu,P1,Xã,KS1,A\n")
    with pytest.raises(ProblemsError, match="dòng 2, cột 'năm': mã KS1: dòng của kỳ '2016', không phải kỳ '2017'"):
        read_responses(other_year, {"so": reference}, "2017", units)
    book = Workbook()
    book.active.title = "Phiếu"
    book.active.append(["Mã đơn vị", "Mã phiếu", "Nhóm đối tượng", "Mã câu hỏi", "Đáp án"])
    book.active.append(["so-noi-vu", "P1", "Xã", "KS4", "F"])
    book.save(tmp_path / "phieu.xlsx")
    with pytest.raises(ProblemsError, match="sheet 'Phiếu', ô E2: mã KS4: câu trả lời 'F'"):
        read_responses(tmp_path / "phieu.xlsx", {"so": reference}, "2017", units)
    papi = load_dict({k: v for k, v in SURVEY_SET.items() if k != "survey"})
    with pytest.raises(ProblemsError, match="không có phần khảo sát"):
        read_responses(no_answer, {"so": papi}, "2017", units)


def test_import_stores_logs_and_reimport_changes_only_what_changed(demo, tmp_path, capsys):
    good = write_csv(
        tmp_path / "phieu.csv",
        "unit,respondent,group,item,answer\nso-noi-vu,P1,Xã,KS1,a\nso-noi-vu,P1,Xã,KS2,B\nso-noi-vu,P2,Huyện,KS1,D\n",
    )
    assert main(["--db", demo.url, "survey", "import", str(good), "--period", "2017", "--dry-run"]) == 0
    assert demo.survey_responses("2017").empty
    assert main(["--db", demo.url, "survey", "import", str(good), "--period", "2017"]) == 0
    assert "3 mới, 0 sửa, 0 không đổi" in capsys.readouterr().out
    stored = demo.survey_responses("2017")
    assert sorted(stored["answer"]) == ["A", "B", "D"]  # "a" stored as the set spells it
    log = demo.change_log("2017")
    assert (log["stage"] == "survey").sum() == 3
    assert set(log.loc[log["stage"] == "survey", "action"]) == {"survey:phieu.csv"}
    assert main(["--db", demo.url, "survey", "import", str(good), "--period", "2017"]) == 0
    assert "0 mới, 0 sửa, 3 không đổi" in capsys.readouterr().out
    write_csv(good, "unit,respondent,group,item,answer\nso-noi-vu,P2,Huyện,KS1,B\n")
    assert main(["--db", demo.url, "survey", "import", str(good), "--period", "2017"]) == 0
    assert "0 mới, 1 sửa" in capsys.readouterr().out
    assert demo.change_log("2017")["new_value"].iloc[-1] == "P2: B"
    points = survey_points(demo, "2017").set_index("code")
    assert points.loc["KS1", "points"] == pytest.approx(2 * (100 + 60) / 2 / 100)  # A and B of 2 points
    assert points.loc["KS2", "points"] == pytest.approx(1.2)
    res = score_period(demo, "2017").results.set_index("unit")
    assert res.loc["so-noi-vu", "survey"] == pytest.approx(1.6 + 1.2)
    assert res.loc["so-tu-phap", "survey"] == 0
    assert main(["--db", demo.url, "survey", "points", "--period", "2017"]) == 0
    assert "so-noi-vu KS1" in capsys.readouterr().out


def test_results_workbook_shows_survey_beside_appraised(demo, tmp_path):
    out = tmp_path / "ket-qua.xlsx"
    assert main(["--db", demo.url, "export", "--period", "2016", "--out", str(out)]) == 0
    book = load_workbook(out)
    summary = book["Tổng hợp — Sở, ban, ngành"]  # the demo's departments: the block whose set has a survey
    header = [c.value for c in summary[2]]  # row 1 is the sheet's title
    col = {name: i for i, name in enumerate(header)}
    assert col["Điểm thẩm định"] + 1 == col["Điểm khảo sát"]
    results = score_period(demo, "2016").results.set_index("unit")
    for row in summary.iter_rows(min_row=3, values_only=True):
        unit = row[col["Mã đơn vị"]]
        assert row[col["Điểm khảo sát"]] == pytest.approx(results.loc[unit, "survey"])
        assert row[col["Điểm thẩm định"]] + row[col["Điểm khảo sát"]] == pytest.approx(row[col["Tổng điểm"]])
    points = survey_points(demo, "2016").set_index(["unit", "code"])
    sheet = book["Khảo sát — Sở, ban, ngành"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 19 * 5
    for row in rows:
        assert row[7] == pytest.approx(points.loc[(row[0], row[2]), "points"])
        assert row[5] == 8
    unit = book["Sở Nội vụ"]
    ucol = {c.value: i for i, c in enumerate(unit[2])}
    by_code = {r[0]: r for r in unit.iter_rows(min_row=3, values_only=True)}
    assert by_code["KS2"][ucol["Điểm khảo sát"]] == pytest.approx(points.loc[("so-noi-vu", "KS2"), "points"])
    assert by_code["3"][ucol["Điểm khảo sát"]] == pytest.approx(points.loc[("so-noi-vu", "KS2"), "points"])
    assert by_code["1"][ucol["Điểm khảo sát"]] is None  # no survey item belongs to domain 1
    domain3 = by_code["3"]
    assert domain3[ucol["Điểm thẩm định"]] + domain3[ucol["Điểm khảo sát"]] == pytest.approx(domain3[ucol["Điểm đạt"]])


def test_response_template_fill_and_import(demo, tmp_path, capsys):
    path = tmp_path / "mau-khao-sat.xlsx"
    assert main(["--db", demo.url, "survey", "template", "--period", "2017", "--out", str(path)]) == 0
    book = load_workbook(path)
    ws = book["Phiếu khảo sát"]
    assert book.sheetnames[0] == "Phiếu khảo sát"  # the sheet the import reads
    rules = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["D2"] == '"KS1,KS2,KS3,KS4,KS5"'
    assert rules["E2"] == '"A,B,C,D"'
    guide = book["Hướng dẫn"]
    first, last = rules["A2"].split("!")[1].replace("$", "").split(":")
    units = demo.units("2017")
    listed = {guide[c].value for c in (f"A{n}" for n in range(int(first[1:]), int(last[1:]) + 1))}
    assert listed == set(units.loc[units["block"] == "so", "id"])  # the departments: the districts' set asks no survey
    ws.append(["so-y-te", "1", "Lãnh đạo UBND cấp xã", "KS3", "A"])
    ws.append(["so-y-te", "2", "Lãnh đạo UBND cấp xã", "KS3", "D"])
    book.save(path)
    assert main(["--db", demo.url, "survey", "import", str(path), "--period", "2017"]) == 0
    assert survey_points(demo, "2017", "so-y-te").set_index("code").loc["KS3", "points"] == pytest.approx(1.0)
    assert main(["--db", demo.url, "survey", "template", "--period", "2017", "--out", str(tmp_path / "x.csv")]) == 1
    assert ".xlsx" in capsys.readouterr().err
