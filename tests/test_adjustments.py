"""Bonus and penalty points (điểm thưởng, điểm trừ): declared by the set, entered by the
appraiser with a reason on every path, added to or taken from the total (never below 0), the
index capped as the set says. Figures are worked out by hand: one domain of two manual items of
50 points, so before any adjustment a unit's index is its total."""

import io

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import load_criteria, load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.files.templates import HEADER_ROW, NOTE, VALUE
from cchc_widgets.report.analysis import period_view
from cchc_widgets.report.annual import results_table
from cchc_widgets.report.results_workbook import results_workbook
from cchc_widgets.services import access, imports
from cchc_widgets.services.permissions import console
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import REFERENCE, REPO, two_manual_items

EXAMPLE = REPO / "criteria" / "examples" / "dien-bien-thuong-tru.yaml"
BONUS = {"code": "T1", "name": "Sáng kiến được công nhận", "kind": "bonus", "max_points": 2}
PENALTY = {"code": "P1", "name": "Chậm báo cáo", "kind": "penalty", "max_points": 3}


def adjusted_set(**extra):
    return two_manual_items([("Tốt", 80), ("Khá", 0)], adjustments=[dict(BONUS), dict(PENALTY)], **extra)


def rows(*items):
    """(unit, code, stage, points, note) → the engine's long frame."""
    return pd.DataFrame([dict(zip(("unit", "code", "stage", "points", "note"), item, strict=True)) for item in items])


UNITS = {
    # 40 + 45 = 85, a bonus of 2: 87
    "u1": [("A1", "self", 40, ""), ("A2", "self", 45, ""), ("T1", "appraisal", 2, "Bằng khen")],
    # 1 + 0, a penalty of 3 would make it −2: the total stops at 0
    "u2": [("A1", "self", 1, ""), ("A2", "self", 0, ""), ("P1", "appraisal", 3, "Chậm ba báo cáo")],
    # 50 + 50 and a bonus of 2: 102 points, the index stops at 100
    "u3": [("A1", "self", 50, ""), ("A2", "self", 50, ""), ("T1", "appraisal", 2, "Sáng kiến")],
    # 45 + 45, a bonus of 1 and a penalty of 2: 89
    "u4": [("A1", "self", 45, ""), ("A2", "self", 45, ""), ("T1", "appraisal", 1, "x"), ("P1", "appraisal", 2, "y")],
}


def frame():
    return rows(*[(unit, *item) for unit, items in UNITS.items() for item in items])


def by_unit(results, column):
    return results.set_index("unit")[column].to_dict()


def test_a_bonus_adds_a_penalty_subtracts_the_total_stays_at_zero_or_more():
    results = engine.score(frame(), load_dict(adjusted_set())).results
    assert by_unit(results, "total") == {"u1": 87, "u2": 0, "u3": 102, "u4": 89}
    assert by_unit(results, "subtotal") == {"u1": 85, "u2": 1, "u3": 100, "u4": 90}
    assert by_unit(results, "bonus") == {"u1": 2, "u2": 0, "u3": 2, "u4": 1}
    assert by_unit(results, "penalty") == {"u1": 0, "u2": 3, "u3": 0, "u4": 2}
    assert by_unit(results, "max") == {u: 100 for u in UNITS}  # caps stay out of the max by default
    assert by_unit(results, "index") == {"u1": 87, "u2": 0, "u3": 100, "u4": 89}
    assert by_unit(results, "rank") == {"u3": 1, "u4": 2, "u1": 3, "u2": 4}
    assert by_unit(results, "class") == {"u1": "Tốt", "u2": "Khá", "u3": "Tốt", "u4": "Tốt"}


def test_the_index_cap_and_the_denominator_are_the_sets_choice():
    uncapped = engine.score(frame(), load_dict(adjusted_set(index_cap=None))).results
    assert by_unit(uncapped, "index")["u3"] == pytest.approx(102)
    higher = engine.score(frame(), load_dict(adjusted_set(index_cap=101))).results
    assert by_unit(higher, "index")["u3"] == pytest.approx(101)
    doc = adjusted_set()
    doc["adjustments"][0]["in_denominator"] = True  # the bonus's 2 points join the max: 102
    inside = engine.score(frame(), load_dict(doc)).results
    assert by_unit(inside, "max") == {u: 102 for u in UNITS}
    assert by_unit(inside, "index")["u1"] == pytest.approx(100 * 87 / 102)
    assert by_unit(inside, "index")["u3"] == pytest.approx(100)  # 102 of 102
    assert load_dict(doc).to_dict()["adjustments"][0]["in_denominator"] is True
    assert "in_denominator" not in load_dict(adjusted_set()).to_dict()["adjustments"][0]


def test_a_bonus_past_its_cap_and_a_self_assessed_penalty_are_refused():
    cs = load_dict(adjusted_set())
    with pytest.raises(ProblemsError) as caught:
        engine.resolve(rows(("u1", "T1", "appraisal", 3, "Hai sáng kiến"), ("u1", "P1", "self", 1, "")), cs, "bang.csv")
    text = str(caught.value)
    assert "bang.csv: dòng 1: mã T1: điểm 3 vượt điểm tối đa 2" in text
    assert "dòng 2: mã P1: điểm thưởng/điểm trừ do người thẩm định nhập" in text
    with pytest.raises(ProblemsError, match="điểm không được âm; đã nhập -1"):
        engine.resolve(rows(("u1", "P1", "appraisal", -1, "")), cs)  # a penalty is entered as the points taken


def test_the_set_declares_its_items_in_yaml_and_in_flat_files(tmp_path):
    wrong = adjusted_set()
    wrong["adjustments"][1]["kind"] = "malus"
    with pytest.raises(ProblemsError, match=r"'kind' phải là một trong: bonus, penalty; đang là 'malus'"):
        load_dict(wrong)
    clash = adjusted_set()
    clash["adjustments"][1]["code"] = "A1"
    with pytest.raises(ProblemsError, match="A1: mã điểm thưởng/điểm trừ trùng với một mã khác"):
        load_dict(clash)
    flat = tmp_path / "bo.csv"
    flat.write_text(
        "code,parent,name,max_points,rule,kind,in_denominator\n"
        "A,,Lĩnh vực A,100,,,\nA1,A,Mục 1,50,manual,,\nA2,A,Mục 2,50,manual,,\n"
        "T1,,Sáng kiến được công nhận,2,,điểm thưởng,không\nP1,,Chậm báo cáo,3,,penalty,\n",
        encoding="utf-8",
    )
    cs = load_criteria(flat)
    assert cs.adjustments == load_dict(adjusted_set()).adjustments
    assert list(cs.nodes) == ["A", "A1", "A2"]  # the items sit outside the tree
    flat.write_text(
        "code,parent,name,max_points,kind\nA,,Lĩnh vực A,1,\nA1,A,Mục 1,1,\nT1,A,Thưởng,2,bonus\nP1,,Trừ,3,phạt\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemsError) as caught:
        load_criteria(flat)
    text = str(caught.value)
    assert "dòng 4, cột 'kind': mã T1: điểm thưởng/điểm trừ nằm ngoài cây: để trống parent và rule" in text
    said = "kind phải là bonus (điểm thưởng), penalty (điểm trừ) hoặc survey (khảo sát); đang là 'phạt'"
    assert f"dòng 5, cột 'kind': mã P1: {said}" in text


def test_the_example_set_is_the_reference_set_with_items_added():
    example, reference = load_criteria(EXAMPLE), load_criteria(REFERENCE)
    assert [a.kind for a in example.adjustments] == ["bonus", "bonus", "penalty", "penalty"]
    mine, theirs = example.to_dict(), reference.to_dict()
    for key in ("id", "name", "version", "adjustments", "index_cap"):
        mine.pop(key, None), theirs.pop(key, None)
    assert mine == theirs


@pytest.fixture
def period(store):
    store.add_period("2025", "Năm 2025", load_dict(adjusted_set()))
    store.add_units(pd.DataFrame({"id": list(UNITS), "name": ["Sở Một", "Sở Hai", "Sở Ba", "Sở Bốn"]}), period="2025")
    own = frame()[lambda f: f["stage"] == "self"]
    Writer(store).save_scores(Scope("2025"), own, "Đơn vị", "test")
    return store


def test_every_write_path_needs_the_appraiser_and_a_reason(period, tmp_path):
    writer = Writer(period)
    with pytest.raises(ProblemsError, match="P1: điểm trừ cần ghi lý do"):
        writer.save_scores(Scope("2025"), rows(("u2", "P1", "appraisal", 3, "")), "Tổ thẩm định", "form")
    with pytest.raises(ProblemsError, match="do người thẩm định nhập"):
        writer.save_scores(Scope("2025", "u2", "self"), rows(("u2", "P1", "self", 3, "Tự trừ")), "Đơn vị", "form")
    assert period.scores("2025", stage="appraisal").empty
    # a unit's account cannot enter one at the appraisal either
    access.add_account(period, "somot", "Cán bộ Sở Một", "unit", ["u1"], None, console("test"))
    unit = access.actor_of(period, "somot", None)
    with pytest.raises(ProblemsError, match="thẩm định"):
        Writer(period, unit).save_scores(Scope("2025", "u1", "appraisal"), rows(("u1", "T1", "appraisal", 2, "x")), None, "form")
    # a long score table with a note per row carries the reasons
    table = tmp_path / "dieu-chinh.csv"
    appraised = frame()[lambda f: f["stage"] == "appraisal"]
    appraised.to_csv(table, index=False)
    imports.import_table(period, table, "2025", author="Tổ thẩm định")
    assert by_unit(score_period(period, "2025").results, "total") == {"u1": 87, "u2": 0, "u3": 102, "u4": 89}
    # a wide table has no notes: a new bonus is refused, nothing written; a changed one keeps its reason
    wide = tmp_path / "rong.csv"
    wide.write_text("unit,stage,T1\nu1,appraisal,1\nu2,appraisal,1\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match="T1: điểm thưởng cần ghi lý do") as caught:
        imports.import_table(period, wide, "2025", author="Tổ thẩm định")
    assert len(caught.value.problems) == 1  # u2's
    assert period.scores("2025", "u1", "appraisal").set_index("code").loc["T1", "points"] == 2
    wide.write_text("unit,stage,T1\nu1,appraisal,1\n", encoding="utf-8")
    imports.import_table(period, wide, "2025", author="Tổ thẩm định")
    assert period.scores("2025", "u1", "appraisal").set_index("code").loc["T1", ["points", "note"]].tolist() == [1, "Bằng khen"]


def test_the_appraisal_template_has_the_items_and_reads_them_back(period, tmp_path):
    own = load_workbook(io.BytesIO(imports.template(period, "2025", "u2", "self")))
    assert "P1" not in [c.value for c in own.active["A"]]  # the unit's own sheet has no bonus or penalty rows
    path = tmp_path / "tham-dinh.xlsx"
    path.write_bytes(imports.template(period, "2025", "u2", "appraisal"))
    book = load_workbook(path)
    ws = book.active
    codes = [c.value for c in ws["A"][HEADER_ROW:]]
    assert codes[-3:] == [None, "T1", "P1"]  # a heading row, then the items after the tree
    r = HEADER_ROW + len(codes)
    assert "Điểm trừ do người thẩm định nhập" in ws[f"D{r}"].value
    ws[f"{VALUE}{r}"] = 2
    book.save(path)
    with pytest.raises(ProblemsError, match=rf"sheet 'Thẩm định', ô {VALUE}{r}: mã P1: điểm trừ cần ghi lý do"):
        imports.import_template(period, path, author="Tổ thẩm định")
    ws[f"{NOTE}{r}"] = "Chậm hai báo cáo quý"
    book.save(path)
    imports.import_template(period, path, author="Tổ thẩm định")
    stored = period.scores("2025", "u2", "appraisal").set_index("code").loc["P1"]
    assert (stored["points"], stored["note"]) == (2, "Chậm hai báo cáo quý")
    assert by_unit(score_period(period, "2025").results, "total")["u2"] == 0  # 1 − 2, not below 0


def test_the_workbook_the_report_and_the_cli_show_them(period, tmp_path, capsys):
    Writer(period).save_scores(Scope("2025"), frame()[lambda f: f["stage"] == "appraisal"], "Tổ thẩm định", "test")
    book = load_workbook(io.BytesIO(results_workbook(period, "2025")))
    summary = list(book["Tổng hợp"].values)
    header = list(summary[1])  # row 1 is the sheet's title
    assert {"Điểm thưởng", "Điểm trừ"} <= set(header)
    u4 = next(r for r in summary[2:] if r[header.index("Mã đơn vị")] == "u4")
    assert (u4[header.index("Điểm thưởng")], u4[header.index("Điểm trừ")], u4[header.index("Tổng điểm")]) == (1, -2, 89)
    sheet = list(book["Sở Bốn"].values)
    heads = list(sheet[1])
    penalty = next(r for r in sheet if r[0] == "P1")
    assert penalty[1] == "Điểm trừ: Chậm báo cáo"
    assert penalty[heads.index("Điểm đạt")] == -2
    assert penalty[heads.index("Lý do thẩm định")] == "y"
    table = results_table(period_view(period, "2025"))
    assert table.set_index("Đơn vị").loc["Sở Bốn", ["Điểm thưởng", "Điểm trừ", "Tổng điểm"]].tolist() == [1, 2, 89]
    out = tmp_path / "xep-hang.csv"
    assert main(["--db", period.url, "ranking", "--period", "2025", "--out", str(out), "--machine-headings"]) == 0
    got = pd.read_csv(out).set_index("unit")
    assert got.loc["u2", ["penalty", "total", "index"]].tolist() == [3, 0, 0]
    criteria = tmp_path / "bo.yaml"
    criteria.write_text(yaml.safe_dump(adjusted_set(), allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(criteria)]) == 0
    assert "điểm thưởng 1 mục, tối đa 2; điểm trừ 1 mục, tối đa 3" in capsys.readouterr().out


def test_the_scoring_form_has_a_section_for_them():
    from cchc_widgets import ScoringForm

    own = frame()[lambda f: f["stage"] == "self"]
    names = pd.DataFrame({"id": list(UNITS), "name": ["Sở Một", "Sở Hai", "Sở Ba", "Sở Bốn"]})
    form = ScoringForm.from_frame(own, load_dict(adjusted_set()), "u1", "appraisal", units=names)
    codes = [r["code"] for r in form.rows]
    assert codes[-2:] == ["T1", "P1"]
    penalty = form.rows[-1]
    assert (penalty["kind"], penalty["entered"], penalty["path"]) == ("penalty", True, ["±"])
    assert form.state["sections"]["±"]["text"] == "+0 / −0 điểm"
    with pytest.raises(ProblemsError, match="Sở Một: mã P1: điểm trừ cần ghi lý do"):
        form.set_value("P1", "2,5")
    form.set_value("P1", "2,5", note="Chậm báo cáo quý II")
    assert (form.state["total"], form.state["penalty"], form.state["bonus"]) == (82.5, 2.5, 0)
    assert form.rows[-1]["mine"]["points_shown"] == "−2,50"
    assert form.results.set_index("unit").loc["u1", ["penalty", "total"]].tolist() == [2.5, 82.5]
    # the unit's own view: its total without them, the appraiser's penalty and reason shown, not editable
    form.select(None, "u1", "self")
    penalty = form.rows[-1]
    assert penalty["entered"] is False
    assert (penalty["mine"], penalty["other"]["points_shown"], penalty["other"]["note"]) == (None, "−2,50", "Chậm báo cáo quý II")
    assert form.state["total"] == 85
    assert form.state["sections"]["±"]["text"] == "do người thẩm định nhập"


def test_rank_uncertainty_counts_them_as_the_engine_does():
    from cchc_widgets.core import sensitivity

    cs = load_dict(adjusted_set())
    # a: 40 + 40 and a bonus of 2 = 82; b: 81; c: 41 + 41 and a penalty of 3 = 79
    scores = rows(
        ("a", "A1", "self", 40, ""),
        ("a", "A2", "self", 40, ""),
        ("a", "T1", "appraisal", 2, "x"),
        ("b", "A1", "self", 41, ""),
        ("b", "A2", "self", 40, ""),
        ("c", "A1", "self", 41, ""),
        ("c", "A2", "self", 41, ""),
        ("c", "P1", "appraisal", 3, "y"),
    )
    scored = engine.score(scores, cs)
    assert by_unit(scored.results, "rank") == {"a": 1, "b": 2, "c": 3}
    table = sensitivity.uncertainty(scored, cs, samples=50, noise=0.0).set_index("unit")
    assert table["median_rank"].to_dict() == {"a": 1, "b": 2, "c": 3}  # unchanged weights: the published ranks
    assert (table["mean_abs_shift"] == 0).all()
