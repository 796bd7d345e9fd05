import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine, sensitivity, whatif
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.whatif import Scenario
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Writer

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo_scores.csv"

FLAT = load_dict(
    {
        "id": "f",
        "name": "f",
        "version": "1",
        "criteria": [{"code": "a", "name": "A", "max_points": 5}, {"code": "b", "name": "B", "max_points": 5}],
    }
)
POINTS = pd.DataFrame({"unit": ["x", "y", "z"] * 2, "code": ["a"] * 3 + ["b"] * 3, "points": [5, 0, 2, 0, 4, 2]})


def test_hand_checked_comparison():
    resolved = engine.resolve(POINTS, FLAT)
    base = engine.aggregate(resolved, FLAT)
    alt = whatif.run(resolved, FLAT, Scenario("b gấp đôi", weights={"b": 2}))
    # base totals 5, 4, 4 of 10 → ranks 1, 2, 2; with b's max 10: x 5/15, y 8/15, z 6/15 → 3, 1, 2
    cmp = whatif.compare(base, alt)
    table = cmp.table.set_index("unit")
    assert table.loc[["x", "y", "z"], "rank_alt"].tolist() == [3, 1, 2]
    assert table.loc[["x", "y", "z"], "delta_rank"].tolist() == [2, -1, 0]
    assert table.loc["y", "index_alt"] == pytest.approx(800 / 15)
    assert cmp.table["unit"].tolist() == ["x", "y", "z"]  # sorted by |Δrank|
    assert cmp.spearman == pytest.approx(-1.5 / 3**0.5)
    assert cmp.kendall == pytest.approx(-2 / 6**0.5)
    assert cmp.class_changes == 0


@pytest.mark.parametrize("seed", range(6))
def test_rank_correlations_are_scipys(seed):
    """ρ and τ-b as scipy.stats computes them, ties in either ranking included (ranks with
    shared places, as the province's tables have)."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 60))
    a = rng.integers(1, max(2, n // 3), n).astype(float)  # many ties
    b = np.where(rng.random(n) < 0.5, a, rng.integers(1, n, n)).astype(float)
    a[:2], b[:2] = (1, 2), (2, 1)  # never one value throughout (the comparison asks for two)
    rho, tau = whatif.rank_correlations(a, b)
    assert rho == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    assert tau == pytest.approx(stats.kendalltau(a, b).statistic, abs=1e-12)


def test_new_max_scales_subtree_and_ancestors(reference):
    applied = whatif.apply(reference, Scenario("1.1 x2", max_points={"1.1": 10}))
    assert applied.node_max["1.1"] == pytest.approx(10)
    assert applied.node_max["1.1.4"] == pytest.approx(4)
    assert applied.node_max["1"] == pytest.approx(25)
    # 100 appraised + 10 survey points (attached to domains 2, 3, 5, 7, 8) + the 5 added to 1.1
    assert sum(applied.node_max[c] for c in reference.top_codes) == pytest.approx(115)
    # a domain's new max wins over its criteria's changes (applied deepest first)
    both = whatif.apply(reference, Scenario("both", max_points={"1": 20}, weights={"1.1": 2}))
    assert both.node_max["1"] == pytest.approx(20)
    assert both.node_max["1.1"] == pytest.approx(20 * 10 / 25)


def test_rule_change_rescores_from_declared_values(reference):
    frame = pd.DataFrame({"unit": ["u", "v"], "code": ["1.1.4", "1.1.4"], "value": ["85/100", "60/100"]})
    resolved = engine.resolve(frame, reference)
    rule = {"type": "percent", "bands": [{"from": 0, "to": 80, "points": 0}, {"from": 80, "to": 100, "points": 2}]}
    alt = whatif.run(resolved, reference, Scenario("80% đủ", rules={"1.1.4": rule}))
    base = engine.aggregate(resolved, reference)
    assert base.results.set_index("unit")["total"].tolist() == [1, 0]
    assert alt.results.set_index("unit")["total"].tolist() == [2, 0]
    points_only = engine.resolve(pd.DataFrame({"unit": ["u"], "code": ["1.1.4"], "points": [1]}), reference)
    with pytest.raises(ProblemsError, match="không có giá trị kê khai"):
        whatif.run(points_only, reference, Scenario("80% đủ", rules={"1.1.4": rule}))


def test_scenario_errors_all_reported(reference):
    bad = Scenario(
        "sai",
        max_points={"9": 3, "2": 0, "3": 4},
        weights={"4": -1, "3": 2},
        rules={
            "1.1": {"type": "yesno"},
            "1.1.1": {"type": "levels", "levels": [{"label": "x", "points": 5}, {"label": "y", "points": 0}]},
        },
    )
    with pytest.raises(ProblemsError) as err:
        whatif.apply(reference, bad)
    text = str(err.value)
    for expected in (
        "mã '9' không có",
        "mã 2: điểm tối đa mới phải lớn hơn 0",
        "mã 4: trọng số không được âm",
        "mã 3: dùng 'max_points' hoặc 'weights'",
        "mã 1.1: chỉ đổi quy tắc của mục lá",
        "mã 1.1.1: quy tắc cho 5 điểm, vượt điểm tối đa 1",
    ):
        assert expected in text, text
    zero = Scenario("0", weights=dict.fromkeys(reference.top_codes, 0.0))
    with pytest.raises(ProblemsError, match="tổng trọng số bằng 0"):
        whatif.apply(reference, zero)


def test_scenario_yaml_and_store_round_trip(store, tmp_path):
    sc = Scenario("TTHC", "Tăng TTHC", "Lan", weights={"3": 1.5}, max_points={"6": 4}, rules={"1.1.4": {"type": "yesno"}})
    path = tmp_path / "sc.yaml"
    path.write_text(sc.to_yaml(), encoding="utf-8")
    assert whatif.load_scenario(path) == sc
    Writer(store).save_scenario(sc)
    Writer(store).save_scenario(Scenario("Khác", weights={"1": 0.5}))
    assert store.scenarios()["name"].tolist() == ["Khác", "TTHC"]
    assert store.scenario("TTHC") == sc
    with pytest.raises(ProblemsError, match="đã có kịch bản 'TTHC'"):
        Writer(store).save_scenario(Scenario("TTHC", "mới", weights={"3": 2.0}))
    assert store.scenario("TTHC") == sc
    Writer(store).save_scenario(Scenario("TTHC", "mới", weights={"3": 2.0}), replace=True)
    assert store.scenario("TTHC").weights == {"3": 2.0}
    store.delete_scenario("Khác")
    assert store.scenarios()["name"].tolist() == ["TTHC"]
    with pytest.raises(ProblemsError, match="không có kịch bản"):
        store.scenario("Khác")


def test_scenario_file_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: ''\nweights: {'1': 'nhiều'}\ncolour: red\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as err:
        whatif.load_scenario(path)
    text = str(err.value)
    assert "cần tên" in text
    assert "phải là một số" in text
    assert "'colour'" in text


# ---------------------------------------------------------------- uncertainty


@pytest.fixture(scope="module")
def demo_2016(demo_template):
    from cchc_widgets.store.database import Store

    s = Store(f"sqlite:///{demo_template}")
    scored, cs = score_period(s, "2016", "so"), s.criteria_for("2016", block="so")  # one block: one set
    s.close()
    return scored, cs


def test_zero_noise_gives_nominal_ranks_exactly(demo_2016):
    scored, cs = demo_2016
    table = sensitivity.uncertainty(scored, cs, samples=500, noise=0.0)
    nominal = scored.results.set_index("unit").loc[table["unit"], "rank"].to_numpy()
    assert (table["rank"].to_numpy() == nominal).all()
    for col in ("median_rank", "q05", "q95"):
        assert (table[col].to_numpy() == nominal).all()
    assert (table["mean_abs_shift"] == 0).all()


def test_a_unit_dominating_every_domain_stays_first(demo_2016):
    scored, cs = demo_2016
    results = scored.results.copy()
    nodes = scored.nodes.copy()
    top = nodes["level"] == 1
    best = results["unit"].iloc[0]
    nodes.loc[top & (nodes["unit"] == best), "points"] = nodes.loc[top & (nodes["unit"] == best), "max"]
    results.loc[results["unit"] == best, "rank"] = 1
    others = results["unit"] != best
    results.loc[others, "rank"] = results.loc[others, "rank"] + 1
    table = sensitivity.uncertainty(engine.Scored(results, nodes), cs, samples=5000, noise=0.25, seed=3).set_index("unit")
    assert table.loc[best, ["median_rank", "q05", "q95"]].tolist() == [1, 1, 1]
    assert table.loc[best, "mean_abs_shift"] == 0


def test_seeded_and_reproducible(demo_2016):
    scored, cs = demo_2016
    a = sensitivity.uncertainty(scored, cs, samples=3000, seed=7)
    b = sensitivity.uncertainty(scored, cs, samples=3000, seed=7, chunk=700)
    c = sensitivity.uncertainty(scored, cs, samples=3000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["mean_abs_shift"].equals(c["mean_abs_shift"])
    assert (a["q05"] <= a["median_rank"]).all()
    assert (a["median_rank"] <= a["q95"]).all()
    assert a["mean_abs_shift"].gt(0).any()


def test_dirichlet_is_centred_on_the_baseline():
    rng = np.random.default_rng(0)
    base = np.array([20, 12, 14, 9, 11, 8, 12, 14.0])
    w = sensitivity.sample_weights(8, 20000, 0.25, "dirichlet", rng, base)
    assert np.allclose(w.mean(axis=0), 1, atol=0.02)


def test_min_ranks_share_ties():
    assert sensitivity.min_ranks(np.array([[5.0, 3, 3, 1], [1, 2, 3, 4]])).tolist() == [[1, 2, 2, 4], [4, 3, 2, 1]]


def test_cancel_stops_between_chunks(demo_2016):
    scored, cs = demo_2016
    stop = threading.Event()
    stop.set()
    with pytest.raises(sensitivity.Cancelled):
        sensitivity.uncertainty(scored, cs, samples=10_000, cancel=stop)


def test_sobol_on_a_function_with_known_indices():
    # Y = X1 + 2·X2 + 0·X3, X ~ U(0, 1): Var = (1 + 4)/12 → S1 = (0.2, 0.8, 0), ST = S1 (additive)
    table = sensitivity.sobol_indices(lambda x: x[:, 0] + 2 * x[:, 1], ["x1", "x2", "x3"], [(0, 1)] * 3, n=4096, seed=1)
    assert table["S1"].tolist() == pytest.approx([0.2, 0.8, 0.0], abs=0.04)
    assert table["ST"].tolist() == pytest.approx([0.2, 0.8, 0.0], abs=0.04)


def test_weight_sobol_names_domains(demo_2016):
    scored, cs = demo_2016
    table = sensitivity.weight_sobol(scored, cs, n=256)
    assert table["code"].tolist() == list(cs.top_codes)
    assert table["ST"].sum() > 0


def test_cli_whatif_and_sensitivity(tmp_path, capsys, reference_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(Scenario("TTHC", weights={"3": 1.5, "6": 0.5}).to_yaml(), encoding="utf-8")
    out = tmp_path / "cmp.csv"
    code = main(
        [
            "whatif",
            "--criteria",
            str(reference_path),
            "--scores",
            str(DEMO),
            "--period",
            "2016",
            "--scenario",
            str(scenario),
            "--out",
            str(out),
            "--machine-headings",
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert {"unit", "rank_base", "rank_alt", "delta_rank"} <= set(table.columns)
    assert len(table) == 19
    assert table["delta_rank"].abs().is_monotonic_decreasing
    assert "Spearman" in capsys.readouterr().out
    out = tmp_path / "unc.csv"
    code = main(
        [
            "sensitivity",
            "--criteria",
            str(reference_path),
            "--scores",
            str(DEMO),
            "--period",
            "2016",
            "--samples",
            "2000",
            "--seed",
            "4",
            "--out",
            str(out),
            "--machine-headings",
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert table.columns.tolist() == ["unit", "rank", "median_rank", "q05", "q95", "mean_abs_shift"]
    assert main(["sensitivity", "--criteria", str(reference_path), "--scores", str(DEMO), "--samples", "10"]) == 1
    assert "nhiều kỳ" in capsys.readouterr().err
    assert (
        main(
            [
                "sensitivity",
                "--criteria",
                str(reference_path),
                "--scores",
                str(DEMO),
                "--period",
                "2016",
                "--samples",
                "10",
                "--noise",
                "1.5",
            ]
        )
        == 1
    )


def test_cli_scenarios_import_list_show_export_delete(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    assert main(["--db", db, "demo"]) == 0
    good = tmp_path / "good.yaml"
    good.write_text(Scenario("TTHC", "thử", weights={"3": 1.5}).to_yaml(), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(Scenario("Sai", weights={"99": 2}).to_yaml(), encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", db, "scenarios", "import", str(good), str(bad)]) == 1
    assert "mã '99' không có" in capsys.readouterr().err
    assert main(["--db", db, "scenarios", "list"]) == 0
    assert capsys.readouterr().out == ""  # a bad file stores nothing, not even the good one
    assert main(["--db", db, "scenarios", "import", str(good)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "scenarios", "list"]) == 0
    assert capsys.readouterr().out == "TTHC\tnháp\tkhối Sở, ban, ngành\tthử\n"  # imported: a draft
    assert main(["--db", db, "scenarios", "import", str(good)]) == 1  # the name is taken
    assert "đã có kịch bản 'TTHC': thêm --replace" in capsys.readouterr().err
    assert main(["--db", db, "scenarios", "mark", "TTHC"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "scenarios", "list"]) == 0
    assert capsys.readouterr().out == "TTHC\ttrong báo cáo\tkhối Sở, ban, ngành\tthử\n"
    assert main(["--db", db, "scenarios", "import", str(good), "--replace"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "scenarios", "list"]) == 0
    assert capsys.readouterr().out == "TTHC\tnháp\tkhối Sở, ban, ngành\tthử\n"  # replaced: a draft again
    out = tmp_path / "back.yaml"
    assert main(["--db", db, "scenarios", "export", "TTHC", "--out", str(out)]) == 0
    assert whatif.load_scenario(out) == replace(whatif.load_scenario(good), block="so")  # with the block it was checked for
    assert main(["--db", db, "scenarios", "delete", "TTHC"]) == 0
    assert main(["--db", db, "scenarios", "show", "TTHC"]) == 1


def test_survey_items_can_be_weighed(reference):
    # KS2 (2 survey points) belongs to domain 3 (14 appraised points)
    dropped = whatif.apply(reference, Scenario("no KS2", weights={"KS2": 0}))
    assert dropped.node_max["3"] == pytest.approx(14)
    assert dropped.leaf_scale @ np.array(reference.scored_max) == pytest.approx(108)
    # the item first, then its domain: domain 3 = 20 with KS2 at 3 of them (2 × 1.5, then × 20/17)
    both = whatif.apply(reference, Scenario("both", max_points={"3": 20}, weights={"KS2": 1.5}))
    assert both.node_max["3"] == pytest.approx(20)
    assert both.node_max["KS2"] == pytest.approx(3 * 20 / 17)
    with pytest.raises(ProblemsError, match="rules: mã 'KS2'"):
        whatif.apply(reference, Scenario("bad", rules={"KS2": {"type": "yesno"}}))


@pytest.mark.parametrize("level", [1, 2, 3])
def test_level_data_partitions_the_total_survey_included(demo, level):
    scored = score_period(demo, "2016", "so")  # the departments: the block with a survey
    data = sensitivity.level_data(scored, demo.criteria_for("2016", block="so"), level)
    total = scored.results.set_index("unit").loc[data.units, "total"].to_numpy()
    assert data.points.sum(axis=1) == pytest.approx(total)
    assert ("KS1" in data.codes) == (level > 1)  # KS1 sits in domain 2: its own part below level 1
