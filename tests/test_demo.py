import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.services.demo import demo_scores, demo_survey, demo_units, generate, generate_survey, load_demo
from cchc_widgets.services.results import score_period


def test_committed_demo_is_the_seeded_generator_output(reference):
    units = list(demo_units()["id"])
    committed = demo_scores()
    pd.testing.assert_frame_equal(generate(reference, units).astype(str).reset_index(drop=True), committed.astype(str))
    survey = demo_survey()
    pd.testing.assert_frame_equal(generate_survey(reference, units).astype(str).reset_index(drop=True), survey)
    assert len(survey) == 19 * 8 * 5  # 2 respondents × 4 groups × 5 items per unit, 2016 only


def test_demo_units_are_dien_bien_departments():
    units = demo_units()
    assert len(units) == 19
    assert units["id"].is_unique
    assert {"Sở Nội vụ", "Sở Tư pháp", "Văn phòng UBND tỉnh", "Thanh tra tỉnh", "Ban Dân tộc"} <= set(units["name"])


def test_demo_has_what_the_workflow_needs(reference):
    frame = demo_scores()
    resolved = engine.resolve(frame, reference)
    assert set(resolved["period"]) == {"2016", "2017"}
    assert resolved["na"].any()
    diff = engine.differences(resolved)
    cuts = diff[diff["changed"]]
    assert len(cuts) > 50
    assert (cuts["diff"] < 0).all()
    assert cuts["reason"].str.len().gt(0).all()
    appraised_2017 = resolved.query("period == '2017' and stage == 'appraisal'")["unit"].nunique()
    assert 0 < appraised_2017 < 19  # the 2017 appraisal is still under way: final = self elsewhere


def test_load_demo_is_idempotent(store):
    first = load_demo(store)
    log_rows = len(store.change_log())
    second = load_demo(store)
    assert sum(first.values()) == 4830
    assert sum(second.values()) == 0
    assert len(store.change_log()) == log_rows
    res = score_period(store, "2016").results
    assert len(res) == 19
    assert res["rank"].min() == 1
    assert res["class"].notna().all()
    assert (res["survey"] > 0).all()
    assert len(store.survey_responses("2016")) == 19 * 8 * 5
