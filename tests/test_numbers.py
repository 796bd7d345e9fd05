"""Numbers as Vietnamese people write them: one parser for every input, one formatter for output."""

import pytest

from cchc_widgets.core.errors import RuleInputError
from cchc_widgets.core.numbers import format_number, parse_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9,5", 9.5),
        ("9.5", 9.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        (" 1 234,5 ", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1.234.567", 1234567),
        ("0,125", 0.125),
        (",5", 0.5),
        ("-3", -3),
        ("  3 ", 3),
        ("100", 100),
        (7, 7),
        (2.25, 2.25),
    ],
)
def test_reads_decimal_comma_and_point(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["1.234", "12,500", "1,234"])
def test_refuses_a_number_with_two_readings_and_shows_both(text):
    with pytest.raises(RuleInputError) as refused:
        parse_decimal(text, "tỷ lệ")
    message = str(refused.value)
    assert text in message
    assert "hoặc" in message


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1.23.4", "1.234,5,6", "", "1e5", "nan", "inf", "9,5%"])
def test_refuses_what_is_not_a_number_showing_what_was_read(text):
    with pytest.raises(RuleInputError) as refused:
        parse_decimal(text)
    assert f"'{text}'" in str(refused.value) or text == ""


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_refuses_nan_infinity_and_booleans(value):
    with pytest.raises(RuleInputError):
        parse_decimal(value)


@pytest.mark.parametrize(
    ("x", "kwargs", "shown"),
    [
        (1234.5, {}, "1.234,5"),
        (0.75, {}, "0,75"),
        (82.2, {}, "82,2"),
        (89.96000000000001, {}, "89,96"),
        (-0.0001, {}, "0"),
        (1234567, {"group": False}, "1234567"),
        (2.0, {}, "2"),
        (0.3333333, {"decimals": 4}, "0,3333"),
    ],
)
def test_shows_decimal_comma_and_thousands_dot(x, kwargs, shown):
    assert format_number(x, **kwargs) == shown


@pytest.mark.parametrize("x", [9.5, 1234.5, 0.25, 100, 17, 0.1 + 0.2])
def test_an_input_shown_reads_back_as_the_same_number(x):
    assert parse_decimal(format_number(x, decimals=4, group=False)) == pytest.approx(x, abs=1e-4)
