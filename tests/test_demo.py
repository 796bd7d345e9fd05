import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.services.demo import (
    BLOCKS,
    demo_criteria,
    demo_scores,
    demo_survey,
    demo_units,
    generate,
    generate_block,
    generate_survey,
    load_demo,
)
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store

DISTRICTS = {
    "Huyện Điện Biên", "Huyện Điện Biên Đông", "Huyện Mường Ảng", "Huyện Tuần Giáo", "Huyện Tủa Chùa",
    "Huyện Mường Chà", "Huyện Nậm Pồ", "Huyện Mường Nhé", "Thị xã Mường Lay", "Thành phố Điện Biên Phủ",
}  # fmt: skip


def test_committed_demo_is_the_seeded_generator_output(reference):
    units = list(demo_units("so")["id"])
    committed = demo_scores()
    pd.testing.assert_frame_equal(generate(reference, units).astype(str).reset_index(drop=True), committed.astype(str))
    for block in BLOCKS:  # the districts' file too, from its own stream
        pd.testing.assert_frame_equal(generate_block(block).astype(str), demo_scores(block.block).astype(str))
    survey = demo_survey()
    pd.testing.assert_frame_equal(generate_survey(reference, units).astype(str).reset_index(drop=True), survey)
    assert len(survey) == 19 * 8 * 5  # 2 respondents × 4 groups × 5 items per unit, 2016 only


def test_demo_units_are_dien_bien_departments_and_its_ten_districts():
    units = demo_units()
    assert units["id"].is_unique
    departments = demo_units("so")
    assert len(departments) == 19
    assert {"Sở Nội vụ", "Sở Tư pháp", "Văn phòng UBND tỉnh", "Thanh tra tỉnh", "Ban Dân tộc"} <= set(departments["name"])
    assert set(demo_units("huyen")["name"]) == DISTRICTS
    assert len(units) == 29


def test_the_district_set_says_it_is_illustrative_and_is_for_the_district_block():
    cs = demo_criteria("huyen")
    assert "minh họa" in cs.name
    assert "minh họa" in str(cs.meta.get("note"))
    assert cs.meta["block"] == "huyen"
    assert cs.max_points == 100
    assert set(demo_scores("huyen")["unit"]) == set(demo_units("huyen")["id"])


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
    assert sum(first.values()) == 4830 + len(demo_scores("huyen"))  # the departments' rows as before, and the districts'
    assert sum(second.values()) == 0
    assert len(store.change_log()) == log_rows
    res = score_period(store, "2016").results
    departments = res[res["block"] == "so"]
    assert len(departments) == 19
    assert departments["rank"].min() == 1
    assert res["class"].notna().all()
    assert (departments["survey"] > 0).all()
    assert len(store.survey_responses("2016")) == 19 * 8 * 5


def test_each_demo_block_is_scored_on_its_own_set_and_ranked_within_itself(store):
    load_demo(store)
    assert list(store.blocks("2016")) == ["so", "huyen"]
    assert store.criteria_for("2017", unit="huyen-nam-po").id == "dien-bien-huyen-minh-hoa"
    assert store.criteria_for("2017", unit="so-tu-phap").id == "dien-bien-so"
    res = score_period(store, "2016").results
    districts = res[res["block"] == "huyen"]
    assert set(districts["unit"]) == set(demo_units("huyen")["id"])
    assert sorted(districts["rank"]) == list(range(1, 11))  # ranked among the ten
    assert districts["index"].between(40, 100).all()  # plausible: no unit at 0 or above its maximum


def test_the_departments_figures_are_those_of_the_demo_of_one_block(tmp_path, reference):
    """The same departments' rows and survey, scored in a store of one set (the demo before the
    districts came): every department's total, index, rank and class is as it was."""
    alone = Store(f"sqlite:///{tmp_path / 'alone.db'}")
    both = Store(f"sqlite:///{tmp_path / 'both.db'}")
    load_demo(both)
    for period in ("2016", "2017"):
        Writer(alone).set_up_period(period, f"Năm {period}", reference, demo_units("so").drop(columns="block"))
        Writer(alone).save_scores(Scope(period), demo_scores().query("period == @period").drop(columns="period"), "A", "t")
    Writer(alone).save_survey("2016", demo_survey().query("period == '2016'").drop(columns="period"), "A", "t")
    columns = ["unit", "total", "index", "rank", "class", "survey"]
    for period in ("2016", "2017"):
        before = score_period(alone, period).results[columns].set_index("unit").sort_index()
        after = score_period(both, period).results.query("block == 'so'")[columns].set_index("unit").sort_index()
        pd.testing.assert_frame_equal(after, before)
