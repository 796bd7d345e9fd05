"""Numbers as Vietnamese people write them, read and shown in one place.

Vietnamese writes `9,5` for nine and a half and `1.234,5` for a thousand and more; people
who learnt on English software type `9.5`. Both must mean 9.5, and a number whose reading
depends on which habit the writer had (`1.234`: 1234 or 1,234?) is refused with what was
read, never guessed. Every number a person supplies (form, Excel text cells, CSV, CLI)
passes `parse_decimal`; every number a person reads passes `format_number`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import pandas as pd

from cchc_widgets.core.errors import RuleInputError

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_SHAPE = re.compile(r"^[+-]?(\d|[.,](?=\d))[\d.,]*$")


def _groups_ok(integer: str, sep: str) -> bool:
    """`1.234.567` with `.`: a first group of 1–3 digits, then groups of exactly 3."""
    parts = integer.split(sep)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def parse_decimal(value: Any, what: str = "giá trị") -> float:
    """A number from a field, a cell or an argument, or `RuleInputError` saying what was read.

    Accepted: numbers; text with a decimal comma or point (`9,5`, `9.5`, `,5`), thousands
    grouped by the other mark or by spaces (`1.234,5`, `1,234.5`, `1 234,5`, `1.234.567`).
    Refused: a single mark followed by exactly three digits after a non-zero integer part
    (`1.234`, `12,500`), which reads as a thousands group to some and a decimal to others;
    text that is not a number; infinities and NaN.
    """
    if isinstance(value, bool):
        raise RuleInputError(f"{what} phải là một số, không phải có/không")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        number = _parse_text(value, what)
    elif hasattr(value, "item"):  # numpy scalars
        return parse_decimal(value.item(), what)
    else:
        raise RuleInputError(f"{what} phải là một số; đã nhập '{value}'")
    if math.isnan(number) or math.isinf(number):
        raise RuleInputError(f"{what} phải là một số hữu hạn")
    return number


def _parse_text(value: str, what: str) -> float:
    shown = unicodedata.normalize("NFC", value).strip()
    text = _SPACES.sub("", shown)
    if not text or not _SHAPE.match(text):
        raise RuleInputError(f"{what} phải là một số; đã nhập '{shown}'")
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    commas, dots = body.count(","), body.count(".")
    if commas and dots:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if decimal == "," else ","
        integer, _, fraction = body.rpartition(decimal)
        if body.count(decimal) != 1 or not _groups_ok(integer, group) or not fraction.isdigit():
            raise RuleInputError(f"{what}: không đọc được số '{shown}' (viết như 1234,5 hoặc 1.234,5)")
        return sign * float(integer.replace(group, "") + "." + fraction)
    mark = "," if commas else "." if dots else ""
    if not mark:
        return sign * float(body)
    if body.count(mark) > 1:  # only thousands groups: 1.234.567
        if not _groups_ok(body, mark):
            raise RuleInputError(f"{what}: không đọc được số '{shown}' (viết như 1234,5 hoặc 1.234,5)")
        return sign * float(body.replace(mark, ""))
    integer, _, fraction = body.partition(mark)
    if len(fraction) == 3 and integer and integer.lstrip("0") and len(integer) <= 3:
        as_group = int(integer + fraction)
        as_decimal = format_number(float(integer + "." + fraction), decimals=3, group=False)
        raise RuleInputError(
            f"{what}: '{shown}' có thể là {as_group} hoặc {as_decimal}; hãy viết {as_group} hoặc {as_decimal} cho rõ"
        )
    return sign * float((integer or "0") + "." + fraction)


def format_number(x: float | int | None, decimals: int = 2, group: bool = True, fixed: bool = False) -> str:
    """`x` as a Vietnamese reader expects it: decimal comma, thousands dot (`1.234,5`), at most
    `decimals` decimals and no trailing zeros (`fixed`: always `decimals`, for columns of a
    table); `group=False` for text a person may edit and send back (an input's value), which
    must read back as the same number."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    rounded = round(float(x), decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = f"{rounded:,.{decimals}f}" if group else f"{rounded:.{decimals}f}"
    if "." in text and not fixed:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def megabytes(size: float) -> str:
    """A size in messages: MB of a million bytes, one decimal at most (`57,7`, `100`)."""
    return format_number(size / 1e6, decimals=1)


def show_number(x: float) -> str:
    """A number in messages and descriptions: up to 4 decimals, so steps like 0,25 stay exact."""
    return format_number(x, decimals=4)


NOISE_DECIMALS = 9  # binary float noise (89.96000000000001) sits far below this


def rounded(x: float, decimals: int | None = None) -> float:
    """One published figure: to the criteria set's `decimals`, else cleared of float noise."""
    return round(float(x), NOISE_DECIMALS if decimals is None else decimals)


def published(frame: pd.DataFrame, decimals: int | None = None) -> pd.DataFrame:
    """A table as it is published: every float column rounded on its own (`rounded`)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(NOISE_DECIMALS if decimals is None else decimals)
    return out
