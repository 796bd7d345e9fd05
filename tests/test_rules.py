import pytest

from cchc_widgets.core.rules import (
    NA,
    RuleInputError,
    rule_from_dict,
    score_declared,
)

YESNO = rule_from_dict({"type": "yesno"})
LEVELS = rule_from_dict(
    {
        "type": "levels",
        "levels": [
            {"label": "Ban hành đúng thời hạn", "points": 1},
            {"label": "Ban hành chậm", "points": 0.5},
            {"label": "Không ban hành", "points": 0},
        ],
    }
)
RIGHT = rule_from_dict(
    {
        "type": "percent",
        "closed": "right",
        "bands": [{"from": 0, "to": 70, "points": 0}, {"from": 70, "to": 90, "points": 1}, {"from": 90, "to": 100, "points": 2}],
    }
)
LEFT = rule_from_dict(
    {
        "type": "percent",
        "bands": [
            {"from": 0, "to": 80, "points": 0},
            {"from": 80, "to": 100, "points": 0.5},
            {"from": 100, "to": 100, "points": 1},
        ],
    }
)
COUNT = rule_from_dict({"type": "count", "required": 4})
COUNT_ALL = rule_from_dict({"type": "count", "required": 4, "mode": "all"})
MANUAL = rule_from_dict({"type": "manual", "step": 0.25})


@pytest.mark.parametrize(
    ("declared", "points"),
    [
        (True, 1),
        (False, 0),
        ("có", 1),
        ("Không", 0),
        ("x", 1),
        (1, 1),
        (0, 0),
        ("yes", 1),
    ],
)
def test_yesno(declared, points):
    assert YESNO.score(declared, 1) == points


def test_yesno_refuses_other_answers():
    with pytest.raises(RuleInputError, match="Có hoặc Không"):
        YESNO.score("có lẽ", 1)
    with pytest.raises(RuleInputError):
        YESNO.score(0.5, 1)


def test_levels_by_label_ignoring_case_and_spaces():
    assert LEVELS.score(" ban hành chậm ", 1) == 0.5
    assert LEVELS.score("Ban hành đúng thời hạn", 1) == 1
    with pytest.raises(RuleInputError, match="Ban hành chậm"):
        LEVELS.score("sớm", 1)


@pytest.mark.parametrize(
    ("pct", "points"),
    [
        (0, 0),
        (69.99, 0),
        (70, 0),
        (70.01, 1),
        (90, 1),
        (90.01, 2),
        (100, 2),
    ],
)
def test_right_closed_band_edges(pct, points):
    """Cà Mau 1.1.4: >90 % → 2 · 70–90 % → 1 · <70 % → 0; 70 and 90 belong to the lower band."""
    assert RIGHT.score(pct, 2) == points


@pytest.mark.parametrize(
    ("pct", "points"),
    [
        (0, 0),
        (79.999, 0),
        (80, 0.5),
        (99.99, 0.5),
        (100, 1),
    ],
)
def test_left_closed_band_edges(pct, points):
    assert LEFT.score(pct, 1) == points


def test_percent_pair_and_text_forms():
    assert RIGHT.score({"done": 9, "planned": 10}, 2) == 1  # exactly 90 %
    assert RIGHT.score({"done": 19, "planned": 20}, 2) == 2
    assert RIGHT.score("19/20", 2) == 2
    assert RIGHT.score("95%", 2) == 2
    assert RIGHT.score("90,5", 2) == 2  # decimal comma


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (120, "vượt 100"),
        (-5, "âm"),
        ("nhiều", "phải là một số"),
        ({"done": 11, "planned": 10}, "lớn hơn tổng số"),
        ({"done": 0, "planned": 0}, "bằng 0"),
        ({"done": -1, "planned": 4}, "âm"),
        ({"done": "9,5", "planned": 10}, "số đếm, phải là số nguyên; đã nhập 9,5/10"),  # half a product is no count
        (True, "không phải có/không"),
    ],
)
def test_percent_refuses_impossible_input(declared, message):
    with pytest.raises(RuleInputError, match=message):
        RIGHT.score(declared, 2)


def test_count_proportional_and_capped():
    assert COUNT.score(4, 1) == 1
    assert COUNT.score(3, 1) == 0.75
    assert COUNT.score("0", 1) == 0
    assert COUNT.score(6, 1) == 1  # more than required earns the max, not more


def test_count_all_or_nothing():
    assert COUNT_ALL.score(3, 2) == 0
    assert COUNT_ALL.score(4, 2) == 2


@pytest.mark.parametrize(("declared", "message"), [(-1, "âm"), (2.5, "số nguyên"), ("bốn", "phải là một số")])
def test_count_refuses(declared, message):
    with pytest.raises(RuleInputError, match=message):
        COUNT.score(declared, 1)


def test_manual_step_and_range():
    assert MANUAL.score("0,75", 1) == 0.75
    with pytest.raises(RuleInputError, match="không có trong quy tắc"):
        MANUAL.score(0.3, 1)
    with pytest.raises(RuleInputError, match="vượt điểm tối đa"):
        MANUAL.score(1.25, 1)
    with pytest.raises(RuleInputError, match="âm"):
        MANUAL.score(-0.25, 1)


def test_no_rule_takes_any_points_in_range():
    free = rule_from_dict(None)
    assert free.score(1.675, 2.5) == 1.675
    with pytest.raises(RuleInputError):
        free.score(2.6, 2.5)


def test_not_applicable_only_where_allowed():
    assert score_declared(YESNO, "Không áp dụng", 1, allow_na=True) is NA
    assert score_declared(YESNO, "N/A", 1, allow_na=True) is NA
    with pytest.raises(RuleInputError, match="không cho phép"):
        score_declared(YESNO, "N/A", 1, allow_na=False)
    with pytest.raises(RuleInputError, match="chưa nhập"):
        score_declared(YESNO, "  ", 1, allow_na=True)


@pytest.mark.parametrize(
    ("rule", "max_points", "expected"),
    [
        ({"type": "levels", "levels": [{"label": "a", "points": 2}, {"label": "b", "points": 0}]}, 1, "vượt điểm tối đa"),
        (
            {"type": "levels", "levels": [{"label": "a", "points": 0.5}, {"label": "b", "points": 0}]},
            1,
            "không đạt được điểm tối đa",
        ),
        ({"type": "levels", "levels": [{"label": "a", "points": 1}, {"label": "A", "points": 0}]}, 1, "bị lặp"),
        (
            {"type": "percent", "bands": [{"from": 0, "to": 60, "points": 0}, {"from": 70, "to": 100, "points": 1}]},
            1,
            "hở khoảng",
        ),
        (
            {"type": "percent", "bands": [{"from": 0, "to": 80, "points": 0}, {"from": 70, "to": 100, "points": 1}]},
            1,
            "chồng khoảng",
        ),
        ({"type": "percent", "bands": [{"from": 10, "to": 100, "points": 1}]}, 1, "bắt đầu từ 0"),
        ({"type": "percent", "bands": [{"from": 0, "to": 90, "points": 1}]}, 1, "kết thúc ở 100"),
        ({"type": "manual", "step": 0.3}, 1, "không chia hết"),
        ({"type": "yesno", "yes_points": 2}, 1, "vượt điểm tối đa"),
    ],
)
def test_rule_parameters_that_do_not_fit_the_max(rule, max_points, expected):
    problems = rule_from_dict(rule).problems(max_points)
    assert any(expected in p for p in problems), problems


def test_well_formed_rules_have_no_problems():
    for rule, max_points in ((YESNO, 1), (LEVELS, 1), (RIGHT, 2), (LEFT, 1), (COUNT, 1), (MANUAL, 1)):
        assert rule.problems(max_points) == []


def test_rule_dict_round_trip():
    for rule in (YESNO, LEVELS, RIGHT, LEFT, COUNT, COUNT_ALL, MANUAL):
        assert rule_from_dict(rule.to_dict()) == rule
