import math

import numpy as np
import pandas as pd
import pytest

from cchc_widgets.core import engine, table_checks
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError


@pytest.fixture(scope="module")
def small(small_doc_session):
    return load_dict(small_doc_session)


def _frame(rows):
    return pd.DataFrame(rows, columns=["period", "unit", "code", "stage", "value", "points", "note"])


HAND = _frame(
    [
        ("2020", "u1", "L1", "self", "có", None, ""),
        ("2020", "u1", "L2", "self", "b", None, ""),
        ("2020", "u1", "L3", "self", None, 2, ""),
        ("2020", "u1", "L4", "self", "Không áp dụng", None, ""),
        ("2020", "u2", "L1", "self", "có", None, ""),
        ("2020", "u2", "L1", "appraisal", "không", None, "Không có tài liệu kiểm chứng"),
        ("2020", "u2", "L2", "self", "a", None, ""),
        ("2020", "u2", "L3", "self", None, 1.5, ""),
        ("2020", "u2", "L4", "self", "80%", None, ""),
        ("2020", "u3", "L1", "self", None, 1, ""),
        ("2020", "u3", "L2", "self", "a", None, ""),
        ("2020", "u3", "L3", "self", "0,5", None, ""),
    ]
)


def test_hand_computed_results(small):
    scored = engine.score(HAND, small)
    res = scored.results.set_index("unit")
    # u1: 1 + 1.5 + 2 = 4.5 of 6 (L4 N/A leaves the denominator) → 75 %
    # u2: appraisal 0 + 3 + 1.5 + 4 = 8.5 of 10 → 85 %; u3: 1 + 3 + 0.5, L4 unscored → 45 %
    assert res.loc["u1", ["D1", "total", "max", "index"]].tolist() == [4.5, 4.5, 6, 75]
    assert math.isnan(res.loc["u1", "D2"])  # none of D2 applies to u1: no points, as no index (never a 0 scored)
    assert res.loc["u2", ["D1", "D2", "total", "max", "index"]].tolist() == [4.5, 4, 8.5, 10, 85]
    assert res.loc["u3", ["total", "max", "index"]].tolist() == [4.5, 10, 45]
    assert res["rank"].tolist() == [2, 1, 3]
    assert res["class"].tolist() == ["Khá", "Tốt", None]


def test_every_node_at_every_level(small):
    nodes = engine.score(HAND, small).nodes.set_index(["unit", "code"])
    assert nodes.loc[("u1", "C1"), "points"] == 2.5
    assert nodes.loc[("u1", "C1"), "max"] == 4
    assert nodes.loc[("u1", "D1"), "index"] == 75
    assert math.isnan(nodes.loc[("u1", "D2"), "index"])  # everything in D2 was N/A
    assert nodes.loc[("u2", "L1"), "points"] == 0
    assert nodes.loc[("u2", "L1"), "level"] == 3
    assert len(nodes) == 3 * len(small.nodes)


def test_component_index(small):
    comp = engine.score(HAND, small).component_index().set_index("unit")
    assert comp.loc["u2", "D1"] == 75
    assert comp.loc["u2", "D2"] == 100
    assert comp.loc["u3", "D1"] == 75
    assert comp.loc["u3", "D2"] == 0


def test_appraisal_overrides_self_only_where_present(small):
    final = engine.final_scores(engine.resolve(HAND, small)).set_index(["unit", "code"])
    assert final.loc[("u2", "L1"), "stage"] == "appraisal"
    assert final.loc[("u2", "L1"), "points"] == 0
    assert final.loc[("u2", "L2"), "stage"] == "self"
    # order of rows does not matter
    shuffled = HAND.sample(frac=1, random_state=3)
    again = engine.score(shuffled, small).results.set_index("unit").sort_index()
    assert again["total"].tolist() == [4.5, 8.5, 4.5]


def test_differences_table(small):
    diff = engine.differences(engine.resolve(HAND, small))
    assert len(diff) == 1
    row = diff.iloc[0]
    assert (row["unit"], row["code"], row["points_self"], row["points_appraisal"], row["diff"]) == ("u2", "L1", 1, 0, -1)
    assert row["reason"] == "Không có tài liệu kiểm chứng"
    assert bool(row["changed"])


def test_ties_share_the_best_rank_in_a_flat_list():
    flat = load_dict(
        {
            "id": "f",
            "name": "f",
            "version": "1",
            "criteria": [{"code": "a", "name": "a", "max_points": 5}, {"code": "b", "name": "b", "max_points": 5}],
        }
    )
    frame = pd.DataFrame(
        {"unit": ["w", "x", "y", "z"] * 2, "code": ["a"] * 4 + ["b"] * 4, "points": [5, 1.5, 2.5, 1, 0, 1.5, 0.5, 0]}
    )
    res = engine.score(frame, flat).results.set_index("unit")
    assert res["total"].tolist() == [5, 3, 3, 1]
    assert res["rank"].tolist() == [1, 2, 2, 4]


def test_ranks_are_per_period(small):
    later = HAND.assign(period="2021")
    frame = pd.concat([HAND, later.query("unit != 'u2'")])
    res = engine.score(frame, small).results
    assert res.loc[res["period"] == "2021", "rank"].tolist() == [1, 2]


def test_float_noise_is_a_tie():
    assert engine.rank_desc(pd.Series([0.1 + 0.2, 0.3, 0.2])).tolist() == [1, 1, 3]


def test_class_band_edges(small):
    idx = pd.Series([80.0, 79.9999, 50.0, 49.99, np.nan])
    assert engine.classify(idx, small.classes).tolist() == ["Tốt", "Khá", "Khá", None, None]


def test_bad_input_lists_every_problem_and_row(small):
    bad = _frame(
        [
            ("2020", "u1", "L9", "self", None, 1, ""),
            ("2020", "u1", "C1", "self", None, 1, ""),
            ("2020", "u1", "L2", "self", "d", None, ""),
            ("2020", "u1", "L3", "self", None, 2.2, ""),
            ("2020", "u1", "L3", "self", None, 2, ""),
            ("2020", "u1", "L1", "review", None, 1, ""),
            ("2020", "u2", "L3", "self", None, "hai", ""),
        ]
    )
    with pytest.raises(ProblemsError) as err:
        engine.resolve(bad, small)
    text = str(err.value)
    for expected in (
        "dòng 1: mã L9: mã 'L9' không có trong bộ tiêu chí",
        "dòng 2: mã C1: mã 'C1' là mục tổng hợp",
        "dòng 3: mã L2: 'd' không phải một mức",
        "dòng 4: mã L3: điểm 2,2 vượt điểm tối đa 2",
        "dòng 5: mã L3: điểm của đơn vị 'u1' cho mã này bị nhập hai lần",
        "dòng 6: mã L1: giai đoạn 'review' không có",
        "dòng 7: mã L3: điểm phải là một số",
    ):
        assert expected in text, text


def test_na_where_not_allowed_is_refused(small):
    with pytest.raises(ProblemsError, match="không cho phép chọn Không áp dụng"):
        engine.resolve(_frame([("", "u", "L2", "self", "N/A", None, "")]), small)
    with pytest.raises(ProblemsError, match="không cho phép"):
        engine.resolve(pd.DataFrame({"unit": ["u"], "code": ["L3"], "na": [True]}), small)


def test_points_the_rule_cannot_give_are_refused(small):
    with pytest.raises(ProblemsError, match=r"chỉ nhận: 0, 1,5, 3"):
        engine.resolve(pd.DataFrame({"unit": ["u"], "code": ["L2"], "points": [2]}), small)


def test_check_subtotals_level_by_level(small):
    scored = engine.score(HAND, small)
    given = pd.DataFrame(
        [
            ("2020", "u1", "D1", 4.5),
            ("2020", "u1", "total", 4.6),
            ("2020", "u2", "C1", 3.0),
            ("2020", "u2", "total", 8.5),
        ],
        columns=["period", "unit", "code", "value"],
    )
    report = table_checks.check_subtotals(given, scored.nodes, small, tolerance=0.001)
    assert report[["unit", "code"]].values.tolist() == [["u1", "total"]]
    assert report.iloc[0]["computed"] == pytest.approx(4.5)
    assert report.iloc[0]["diff"] == pytest.approx(0.1)
    assert table_checks.check_subtotals(given, scored.nodes, small, tolerance=0.1).empty
