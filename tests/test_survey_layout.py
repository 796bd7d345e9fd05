"""The survey as the criteria set says: inside the 100 or on top, unanswered items rescaled
or counted as zero, respondent groups weighted. Figures are worked out by hand."""

import copy

import numpy as np
import pandas as pd
import pytest

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import load_criteria, load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.survey import item_points, with_survey
from cchc_widgets.services.results import score_period, under_other_set
from cchc_widgets.services.writes import Writer
from tests.conftest import REPO, two_manual_items

INSIDE = REPO / "criteria" / "dien-bien-so-2016-khao-sat-trong-100.yaml"


def inside_set(**survey):
    """Two manual items of 35 + 35 and a survey item of 30 inside the domain: 100 in all."""
    doc = two_manual_items([("Tốt", 80), ("Khá", 0)])
    doc["criteria"][0]["children"][0]["max_points"] = 35
    doc["criteria"][0]["children"][1]["max_points"] = 35
    doc["survey"] = {
        "within_total": True,
        "items": [{"code": "S1", "name": "Hài lòng", "max_points": 30, "domain": "A"}],
        **survey,
    }
    return doc


def test_inside_the_total_the_domain_holds_its_survey_items():
    cs = load_dict(inside_set())
    assert cs.max_points == 100
    assert cs["A"].max_points == 100
    wrong = inside_set()
    wrong["criteria"][0]["max_points"] = 70  # the survey on top would be 70 here
    with pytest.raises(ProblemsError, match=r"khác tổng điểm các mục con \(100: A1, A2 và khảo sát 30 điểm\)"):
        load_dict(wrong)
    on_leaf = inside_set()
    on_leaf["survey"]["items"][0]["domain"] = "A1"
    with pytest.raises(ProblemsError, match="phải gắn với một mục có mục con"):
        load_dict(on_leaf)


def test_a_unit_without_answers_is_rescaled_or_gets_zero():
    points = pd.DataFrame({"unit": ["u", "u"], "code": ["A1", "A2"], "points": [35.0, 21.0]})
    rescaled = engine.score(points, load_dict(inside_set())).results.iloc[0]
    assert rescaled["max"] == 70  # the appraised part only
    assert rescaled["index"] == pytest.approx(80.0)  # 56 / 70
    zero = engine.score(points, load_dict(inside_set(without_answers="zero"))).results.iloc[0]
    assert zero["max"] == 100
    assert zero["index"] == pytest.approx(56.0)
    # with answers: 56 + 30 × 50 % = 71 of 100
    cs = load_dict(inside_set())
    answers = pd.DataFrame(
        {"period": "", "unit": "u", "respondent": ["1", "2"], "group": "x", "item": "S1", "answer": ["A", "C"]}
    )  # 100 % and 20 %: a mean of 60 %
    surveyed = engine.aggregate(with_survey(engine.resolve(points, cs), item_points(answers, cs)), cs).results.iloc[0]
    assert surveyed["total"] == pytest.approx(56 + 18)
    assert surveyed["index"] == pytest.approx(74.0)


def test_weighted_respondent_groups():
    groups = [{"id": "LD", "name": "Lãnh đạo", "weight": 2}, {"id": "DN", "name": "Doanh nghiệp", "weight": 1}]
    cs = load_dict(inside_set(groups=groups))
    answers = pd.DataFrame(
        {
            "period": "",
            "unit": "u",
            "respondent": ["1", "2", "3"],
            "group": ["LD", "DN", "DN"],
            "item": "S1",
            "answer": ["A", "C", "D"],
        }
    )
    # groups: LD 100 %, DN (20 + 0) / 2 = 10 %; weighted (2 × 100 + 1 × 10) / 3 = 70 % → 21 of 30
    got = item_points(answers, cs).iloc[0]
    assert got["share"] == pytest.approx(70.0)
    assert got["points"] == pytest.approx(21.0)
    unweighted = item_points(answers, load_dict(inside_set())).iloc[0]
    assert unweighted["share"] == pytest.approx(40.0)  # every respondent once: (100 + 20 + 0) / 3


def test_groups_are_checked_where_answers_enter(store):
    groups = [{"id": "LD", "name": "Lãnh đạo", "weight": 2}, {"id": "DN", "name": "Doanh nghiệp", "weight": 1}]
    store.add_period("2024", "Năm 2024", load_dict(inside_set(groups=groups)))
    store.add_units(pd.DataFrame({"id": ["u"], "name": ["Đơn vị"]}), period="2024")
    answers = pd.DataFrame(
        {"unit": "u", "respondent": ["1", "2"], "group": ["Lãnh đạo", "Người dân"], "item": "S1", "answer": "A"}
    )
    with pytest.raises(ProblemsError, match="nhóm không có trong bộ tiêu chí: Người dân"):
        Writer(store).save_survey("2024", answers, "Người nhập", "phieu.xlsx")
    assert store.survey_responses("2024").empty
    Writer(store).save_survey("2024", answers.assign(group=["Lãnh đạo", "doanh nghiệp"]), "Người nhập", "phieu.xlsx")
    assert sorted(store.survey_responses("2024")["group"]) == ["DN", "LD"]  # kept by id


def test_the_second_reference_set_on_the_demo(demo):
    """Every appraised point × 0.685 and each survey item 6.3 instead of 2 (× 3.15), so the
    totals under the national layout follow from the published ones by hand."""
    inside = load_criteria(INSIDE)
    assert inside.max_points == pytest.approx(100)
    assert inside.survey.within_total
    assert sum(i.max_points for i in inside.survey.items) == pytest.approx(31.5)
    base = score_period(demo, "2016", "so").results.set_index("unit")  # the departments: the set this lays out
    cmp = under_other_set(demo, "2016", inside).table.set_index("unit").loc[base.index]
    expected = 0.685 * (base["total"] - base["survey"]) + 3.15 * base["survey"]
    assert np.allclose(cmp["total_alt"], expected)
    assert cmp["delta_rank"].abs().sum() > 0  # the layout moves ranks
    same = under_other_set(demo, "2016", demo.criteria_for("2016")).table
    assert (same["delta_rank"] == 0).all()
    assert set(same["unit"]) == set(base.index)  # one block: the districts are never scored on the departments' set
    # 2017 has no survey answers: rescaled to the appraised part (68.5 points)
    later = under_other_set(demo, "2017", inside).table.set_index("unit")
    published = score_period(demo, "2017", "so").results.set_index("unit")
    assert np.allclose(later.loc[published.index, "index_alt"], published["index"])


def test_editing_a_set_with_the_survey_inside_keeps_the_sums():
    from cchc_widgets.core import criteria_edits

    doc = load_criteria(INSIDE).to_dict()
    doc = criteria_edits.set_field(doc, "2", "weight", 2)
    with pytest.raises(ProblemsError, match="khác tổng khai báo total_points = 100"):
        load_dict(copy.deepcopy(doc))  # the set declares 100: a heavier domain breaks it, and says so
    doc.pop("total_points")
    edited = load_dict(copy.deepcopy(doc))
    item = next(i for i in edited.survey.items if i.domain == "2")
    assert item.max_points == pytest.approx(12.6)
    assert edited["2"].max_points == pytest.approx(2 * load_criteria(INSIDE)["2"].max_points)


def test_the_survey_template_offers_the_weighted_groups():
    import io

    from openpyxl import load_workbook

    from cchc_widgets.files.survey_files import response_template

    groups = [{"id": "LD", "name": "Lãnh đạo", "weight": 2}, {"id": "DN", "name": "Doanh nghiệp", "weight": 1}]
    book = load_workbook(
        io.BytesIO(
            response_template(load_dict(inside_set(groups=groups)), pd.DataFrame({"id": ["u"], "name": ["Đơn vị"]}), "2024")
        )
    )
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in book["Phiếu khảo sát"].data_validations.dataValidation}
    assert lists["C2"] == '"LD,DN"'
    guide = [row for row in book["Hướng dẫn"].values if row[0] == "LD"]
    assert guide == [("LD", "Lãnh đạo (trọng số 2)")]
