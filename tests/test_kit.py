"""The widget kit for notebooks, without a browser: forms and what-ifs built from DataFrames,
values set from code, frames read back, and the criteria editor. Every figure is checked
against the engine (or the what-if engine) computing the same thing another way."""

import threading

import numpy as np
import pandas as pd
import pytest

from cchc_widgets import CriteriaEditor, ProblemsError, ScoringForm, WhatIfApp, load_criteria
from cchc_widgets.core import engine, whatif
from cchc_widgets.core.criteria import check_criteria, load_dict, parse_rule_text, rule_text
from cchc_widgets.core.resolution import LONG_COLUMNS
from cchc_widgets.core.rules import rule_from_dict
from cchc_widgets.report.published import appraised_units
from cchc_widgets.services.demo import demo_scores, demo_survey, demo_units
from cchc_widgets.services.results import score_period


@pytest.fixture(scope="module")
def year():
    return demo_scores().query("period == '2017'")


@pytest.fixture(scope="module")
def one_unit(year):
    """The self-assessment of one unit: a 70-row frame."""
    return year[(year["unit"] == "so-tu-phap") & (year["stage"] == "self")].drop(columns="period")


def changes_of(widget, name):
    seen = []
    widget.observe(lambda change: seen.append(change.new), names=name)
    return seen


# ------------------------------------------------------------ ScoringForm.from_frame


def test_form_from_a_frame_reads_back_what_the_engine_computes(one_unit, reference):
    form = ScoringForm.from_frame(one_unit, reference)
    assert form.store.url == "sqlite://"  # in memory: no database file
    expected = engine.resolve(one_unit, reference)
    got = form.scores
    assert list(got.columns) == LONG_COLUMNS
    merged = got.merge(expected, on=["unit", "code", "stage"], suffixes=("", "_engine"))
    assert len(merged) == len(expected) == 70
    assert np.allclose(merged["points"].fillna(-1), merged["points_engine"].fillna(-1))
    results = form.results
    scored = engine.score(one_unit, reference).results
    assert results["total"].iloc[0] == pytest.approx(scored["total"].iloc[0])
    assert results["index"].iloc[0] == pytest.approx(scored["index"].iloc[0])
    assert results["name"].iloc[0] == "so-tu-phap"  # no units frame: named by id
    assert form.state["unit"] == "so-tu-phap"
    assert form.state["stage"] == "self"


def test_set_value_saves_like_an_edit_and_everything_follows(one_unit, reference):
    form = ScoringForm.from_frame(one_unit, reference)
    before = form.results["total"].iloc[0]
    old = form.scores.set_index("code").loc["1.1.1", "points"]
    seen = changes_of(form, "scores")
    form.set_value("1.1.1", "Không ban hành", note="kế hoạch chưa ban hành")
    assert len(seen) == 1
    row = form.scores.set_index("code").loc["1.1.1"]
    assert row["points"] == 0
    assert row["value"] == "Không ban hành"
    assert row["note"] == "kế hoạch chưa ban hành"
    assert form.results["total"].iloc[0] == pytest.approx(before - old)
    assert form.results["total"].iloc[0] == pytest.approx(engine.score(form.scores, reference).results["total"].iloc[0])
    # the page was told: the row it shows is the new one
    shown = next(r for r in form.rows if r["code"] == "1.1.1")
    assert shown["mine"]["points"] == 0
    # and the change log names the author
    log = form.store.change_log(form.session.period)
    assert log.iloc[-1]["author"] == "Python"
    assert log.iloc[-1]["code"] == "1.1.1"


def test_a_decimal_comma_and_refusals_name_the_criterion(one_unit, reference):
    form = ScoringForm.from_frame(one_unit, reference)
    manual = next(c for c in reference.leaf_codes if reference[c].rule.kind == "manual")
    form.set_value(manual, "0,5", note="tài liệu lưu tại đơn vị")
    assert form.scores.set_index("code").loc[manual, "points"] == pytest.approx(0.5)
    before = form.scores.copy()
    seen = changes_of(form, "scores")
    with pytest.raises(ProblemsError) as refused:
        form.set_value("1.1.1", "rất tốt")
    assert refused.value.problems[0].code == "1.1.1"
    assert "không phải một mức" in str(refused.value)
    with pytest.raises(ProblemsError, match="không phải tiêu chí chấm điểm"):
        form.set_value("1.1", "có")
    assert seen == []
    assert form.scores.equals(before)


def test_appraisal_from_a_frame_needs_a_reason(year, reference):
    form = ScoringForm.from_frame(year, reference, unit="so-tu-phap", stage="appraisal", units=demo_units())
    assert form.results.set_index("unit").loc["so-tu-phap", "name"] == "Sở Tư pháp"
    with pytest.raises(ProblemsError, match="ghi lý do"):
        form.set_value("1.1.1", "Không ban hành")
    form.set_value("1.1.1", "Không ban hành", note="ban hành sau thời hạn")
    results = form.results
    assert len(results) == 19
    recomputed = engine.score(form.scores, reference).results.set_index("unit")
    assert results.set_index("unit")["rank"].to_dict() == recomputed["rank"].astype(int).to_dict()


def test_an_edit_from_the_page_shows_in_the_frame(one_unit, reference):
    form = ScoringForm.from_frame(one_unit, reference)
    form.send = lambda content, buffers=None: None
    seen = changes_of(form, "scores")
    version = next(r for r in form.rows if r["code"] == "1.1.2")["mine"]["version"]
    form._on_message(form, {"type": "edit", "code": "1.1.2", "value": "không", "note": "", "version": version}, [])
    assert len(seen) == 1
    assert form.scores.set_index("code").loc["1.1.2", "value"] == "Không"


def test_a_frame_without_appraisal_reasons_names_each_unit_and_row(reference, year):
    """An analyst's whole period with the appraisal notes dropped: counted once at the top,
    then each row by its place in the frame and its unit (as a file's rows are named)."""
    bare = year.drop(columns="period").reset_index(drop=True)
    bare.loc[bare["stage"] == "appraisal", "note"] = ""
    with pytest.raises(ProblemsError) as refused:
        ScoringForm.from_frame(bare, reference, units=demo_units())
    head, *rows = refused.value.problems
    assert head.message.startswith(f"{len(rows)} dòng có điểm cần lý do")
    assert len(rows) > 10
    first = rows[0]
    i = int(first.where.split()[1]) - 1  # «dòng 73 (đơn vị Sở Công Thương)»: the frame's 73rd row
    unit, code = bare.loc[i, "unit"], bare.loc[i, "code"]
    assert (code, bare.loc[i, "stage"]) == (first.code, "appraisal")
    assert first.where == f"dòng {i + 1} (đơn vị {demo_units().set_index('id').loc[unit, 'name']})"
    assert str(first).startswith(f"<DataFrame>: dòng {i + 1} (đơn vị ")


def test_bad_frames_are_refused_with_the_row(reference, year):
    bad = pd.DataFrame(
        {"unit": ["a", "a"], "code": ["1.1.1", "9.9.9"], "stage": ["self", "self"], "value": ["Ban hành chậm", "1"]}
    )
    with pytest.raises(ProblemsError) as refused:
        ScoringForm.from_frame(bad, reference)
    assert [p.code for p in refused.value.problems] == ["9.9.9"]
    assert refused.value.problems[0].file == "<DataFrame>"
    with pytest.raises(ProblemsError, match="chọn một kỳ"):
        ScoringForm.from_frame(demo_scores(), reference)
    with pytest.raises(ProblemsError, match="cần các cột unit và code"):
        ScoringForm.from_frame(pd.DataFrame({"ma": ["1.1.1"]}), reference)


def test_survey_from_a_frame_matches_the_store(demo, reference):
    frame = ScoringForm.from_frame(demo_scores(), reference, period="2016", units=demo_units("so"), survey=demo_survey())
    mine = frame.results.set_index("unit")
    stored = score_period(demo, "2016", "so").results.set_index("unit")  # the departments' block: this set
    assert mine["survey"].gt(0).all()
    assert np.allclose(mine.loc[stored.index, "total"], stored["total"])
    assert mine.loc[stored.index, "rank"].astype(int).tolist() == stored["rank"].astype(int).tolist()


# ------------------------------------------------------------ WhatIfApp.from_frame


def test_whatif_from_a_frame_weights_comparison_and_scenario(year, reference):
    app = WhatIfApp.from_frame(year, reference, units=demo_units("so"))
    base = app.comparison
    assert (base["delta_rank"] == 0).all()
    assert np.allclose(base["index"], base["new_index"])
    assert set(base["name"]) >= {"Sở Tư pháp"}
    app.weights = {"1": 2.0}
    assert app.weights == {"1": 2.0}
    moved = app.comparison.set_index("unit")
    resolved = engine.resolve(year, reference)
    done = appraised_units(resolved)  # ranked as the ranking publishes it: the units appraised, among themselves
    expected = whatif.run(resolved[resolved["unit"].isin(done)], reference, whatif.Scenario("x", weights={"1": 2.0})).results
    expected = expected.set_index("unit")
    assert np.allclose(moved.loc[expected.index, "new_index"], expected["index"])
    assert moved.loc[expected.index, "new_rank"].astype(int).tolist() == expected["rank"].astype(int).tolist()
    waiting = moved[~moved.index.isin(done)]
    assert len(waiting) > 0
    assert waiting["new_rank"].isna().all()
    assert (waiting["new_class"] == "Chưa thẩm định").all()
    assert moved["delta_rank"].abs().sum() > 0
    assert dict(whatif.scenario_from_dict(__import__("yaml").safe_load(app.scenario.to_yaml())).weights) == {"1": 2.0}
    with pytest.raises(ProblemsError, match="không có trong bộ tiêu chí"):
        app.weights = {"99": 1.5}
    assert app.weights == {"1": 2.0}  # a refused change leaves the weights as they were
    app.weights = {}
    assert (app.comparison["delta_rank"] == 0).all()


# ------------------------------------------------------------ CriteriaEditor


def test_rule_text_reads_back_every_reference_rule(reference):
    for code in reference.leaf_codes:
        rule = reference[code].rule
        assert rule_from_dict(parse_rule_text(rule_text(rule.to_dict()))) == rule
    assert parse_rule_text("yesno: có=2; không=0,5") == {"type": "yesno", "yes_points": 2.0, "no_points": 0.5}
    with pytest.raises(ValueError, match="không phải có/không"):
        parse_rule_text("yesno: đạt một phần=1")


def test_editor_weight_agrees_with_the_whatif_engine(year, reference):
    editor = CriteriaEditor(reference, scores=year, units=demo_units())
    assert (editor.ranks["delta_rank"] == 0).all()
    editor.set("1", "weight", 2)
    cs = editor.criteria
    assert cs["1"].max_points == pytest.approx(2 * reference["1"].max_points)
    assert cs.max_points == pytest.approx(reference.max_points + reference["1"].max_points)
    leaf = "1.1.1"
    assert [lv.points for lv in cs[leaf].rule.levels] == [2 * lv.points for lv in reference[leaf].rule.levels]
    ranks = editor.ranks.set_index("unit")
    expected = whatif.run(engine.resolve(year, reference), reference, whatif.Scenario("x", weights={"1": 2.0}))
    expected = expected.results.set_index("unit")
    assert np.allclose(ranks.loc[expected.index, "new_index"], expected["index"])
    assert ranks.loc[expected.index, "new_rank"].astype(int).tolist() == expected["rank"].astype(int).tolist()


def test_editor_validates_like_cchc_validate(reference, tmp_path):
    editor = CriteriaEditor(reference)
    seen = changes_of(editor, "edits")
    editor.set("1.1.2", "rule", "yesno: có=2")
    assert editor.info["valid"] is False
    assert len(seen) == 1
    path = tmp_path / "draft.yaml"
    import yaml

    path.write_text(yaml.safe_dump(editor.draft.doc, allow_unicode=True), encoding="utf-8")
    assert [p.message for p in editor.problems] == [p.message for p in check_criteria(path)]
    assert [p.code for p in editor.problems] == ["1.1.2"]
    row = next(r for r in editor.tree if r["code"] == "1.1.2")
    assert row["problems"] == ["quy tắc cho 2 điểm, vượt điểm tối đa 1"]
    with pytest.raises(ProblemsError):
        editor.criteria  # noqa: B018 — the property refuses while there are problems
    with pytest.raises(ProblemsError):
        editor.to_yaml(tmp_path / "no.yaml")
    assert not (tmp_path / "no.yaml").exists()
    with pytest.raises(ProblemsError, match="điểm tối đa"):
        editor.set("1.1.1", "max_points", "mười")
    assert len(seen) == 1  # the refused edit changed nothing


def test_editor_yaml_round_trip(reference, tmp_path):
    editor = CriteriaEditor(reference)
    editor.set("1.1.1", "name", "Ban hành kế hoạch CCHC")
    editor.set("1.1.1", "max_points", "1,5")
    editor.set("1.1.1", "allow_na", True)
    editor.set("1.1.3", "evidence", "")
    editor.set("2", "weight", "0,5")
    path = tmp_path / "edited.yaml"
    editor.to_yaml(path)
    back = load_criteria(path)
    assert back.checksum == editor.criteria.checksum
    assert back["1.1.1"].name == "Ban hành kế hoạch CCHC"
    assert back["1.1.1"].allow_na
    assert back["1.1"].max_points == pytest.approx(reference["1.1"].max_points + 0.5)
    assert back["1"].max_points == pytest.approx(sum(back[c].max_points for c in back["1"].children))
    assert back["2"].max_points == pytest.approx(reference["2"].max_points / 2)
    assert back["1.1.3"].evidence == ""


def test_editor_from_nothing(tmp_path):
    editor = CriteriaEditor.empty()
    assert editor.info["valid"] is False
    assert editor.draft.general_problems()
    editor.add(None, "A", "Lĩnh vực A", 10)
    editor.add("A", "A1", "Có kế hoạch", 4, "yesno")
    editor.add("A", "A2", "Tỷ lệ hồ sơ đúng hạn", "6", "percent: 0-50=0; 50-90=3; 90-100=6")
    assert editor.info["valid"], editor.problems
    cs = editor.criteria
    assert cs.max_points == 10
    assert cs["A"].children == ("A1", "A2")
    with pytest.raises(ProblemsError, match="mã bị trùng"):
        editor.add("A", "A1", "lại", 1)
    editor.add("A1", "A1a", "Mục con", 4)  # a leaf that gets a child becomes a group
    assert editor.criteria["A1"].children == ("A1a",)
    assert not editor.criteria["A1"].has_rule
    assert editor.criteria.max_points == 10
    editor.remove("A1a")
    assert editor.criteria["A1"].is_leaf
    assert editor.criteria["A1"].max_points == 4
    editor.set("A1", "rule", "yesno")
    editor.remove("A2")
    assert editor.criteria.max_points == 4
    scored = engine.score(pd.DataFrame({"unit": ["u"], "code": ["A1"], "value": ["có"]}), load_dict(editor.criteria.to_dict()))
    assert scored.results["index"].iloc[0] == 100


def test_editor_page_messages(reference, year):
    editor = CriteriaEditor(reference, scores=year)
    sent = []
    editor.send = lambda content, buffers=None: sent.append((content, buffers))
    editor._on_message(editor, {"type": "set", "code": "3", "field": "weight", "value": "1,5"}, [])
    assert editor.alert == ""
    assert editor.info["ranks"]
    assert any(r["delta"] for r in editor.info["ranks"])
    editor._on_message(editor, {"type": "set", "code": "3", "field": "max_points", "value": "-1"}, [])
    assert "phải lớn hơn 0" in editor.alert
    editor._on_message(editor, {"type": "meta", "key": "version", "value": "2027"}, [])
    editor._on_message(editor, {"type": "yaml"}, [])
    content, buffers = sent[-1]
    assert content["name"] == "dien-bien-so.yaml"
    assert load_dict(__import__("yaml").safe_load(buffers[0].decode("utf-8"))).version == "2027"
    editor._on_message(editor, {"type": "set", "code": "1.1.1", "field": "rule", "value": "levels: Đúng hạn=1; Chậm=0"}, [])
    assert editor.ranks is None
    assert any("không phải một mức" in note for note in editor.info["rank_notes"])


def test_a_frame_form_answers_on_another_thread(one_unit, reference):
    """JupyterLab's kernel may handle a widget's messages on another thread than the one that
    ran the cell: the store in memory must be the same database there."""
    form = ScoringForm.from_frame(one_unit, reference)
    failed = []

    def edit():
        try:
            form.set_value("1.1.2", "không", note="chưa có kế hoạch")
        except Exception as exc:
            failed.append(exc)

    worker = threading.Thread(target=edit)
    worker.start()
    worker.join()
    assert failed == []
    assert form.scores.set_index("code").loc["1.1.2", "value"] == "Không"


def test_frame_forms_share_compiled_statements_and_keep_their_data_apart(one_unit, reference):
    """Every store in memory compiles its statements once per process (a second form compiles
    nothing: its engine counts no new entry in the cache it uses), and each keeps its own data:
    an edit on one form is not seen on another built from the same frame."""
    first = ScoringForm.from_frame(one_unit, reference)
    cache = first.store.engine.get_execution_options()["compiled_cache"]
    known = len(cache)
    second = ScoringForm.from_frame(one_unit, reference)
    assert second.store.engine.get_execution_options()["compiled_cache"] is cache
    assert len(cache) == known
    first.set_value("1.1.2", "không", note="chưa có kế hoạch")
    assert first.scores.set_index("code").loc["1.1.2", "value"] == "Không"
    assert second.scores.set_index("code").loc["1.1.2", "value"] != "Không"
    assert second.store.scores(second.session.period).set_index("code").loc["1.1.2", "note"] != "chưa có kế hoạch"
