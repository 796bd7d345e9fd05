"""Numbers as Vietnamese people write them, read and shown in one place.

Vietnamese writes `9,5` for nine and a half and `1.234,5` for a thousand and more; people
who learnt on English software type `9.5`. Both must mean 9.5, and a number whose reading
depends on which habit the writer had (`1.234`: 1234 or 1,234?) is refused with what was
read, never guessed. Every number a person supplies (form, Excel text cells, CSV, CLI)
passes `parse_decimal`; every number a person reads passes `format_number`.

A file is not a person typing: it carries its own convention. In a comma-separated CSV an
unquoted comma cannot be a decimal mark, so `1.907` there is one point nine; a `;`-separated
CSV is what a Vietnamese Excel saves, with decimal commas; a column that holds `1.5` shows
which mark its writer used; and a reading the item cannot hold (above its maximum, a
fraction of a count) is impossible. `decide_column` applies these, in the order the evidence
is strong (the item, the column itself, the file), and leaves only what stays ambiguous to be
refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from cchc_widgets.core.errors import RuleInputError


class AmbiguousNumber(RuleInputError):
    """A number with two readings (`1.234`: 1234 or 1,234) that nothing decided: never text a
    rule could read otherwise, so a score table refuses it where it is instead of passing it on."""


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
    if _two_readings_shape(integer, fraction):
        raise _ambiguous(shown, what, (sign * int(integer + fraction), sign * float(integer + "." + fraction)))
    return sign * float((integer or "0") + "." + fraction)


def _two_readings_shape(integer: str, fraction: str) -> bool:
    """One mark with exactly three digits after a non-zero integer part of 1–3 digits: a
    thousands group to some writers, a decimal to others."""
    return len(fraction) == 3 and bool(integer) and bool(integer.lstrip("0")) and len(integer) <= 3


def _ambiguous(shown: str, what: str, readings: tuple[float, ...], why: str = "") -> AmbiguousNumber:
    """The refusal of a number with two readings, offering a spelling of each that has only one:
    a whole number without a separator (1234), a decimal with four places (1,2340), which no
    thousands group can be."""
    said = [format_number(r, decimals=3, group=False) for r in readings]
    plain = [
        format_number(r, decimals=0, group=False) if float(r).is_integer() else format_number(r, 4, group=False, fixed=True)
        for r in readings
    ]
    return AmbiguousNumber(f"{what}: '{shown}' có thể là {' hoặc '.join(said)}{why}; hãy viết {' hoặc '.join(plain)} cho rõ")


def two_readings(value: Any) -> tuple[str, float, float] | None:
    """For text with two readings (`1.907`, `12,500`): its mark, the value read as a thousands
    group (1907) and as a decimal (1.907); None for anything else (numbers, plain text,
    numbers with one reading)."""
    if not isinstance(value, str):
        return None
    text = _SPACES.sub("", unicodedata.normalize("NFC", value))
    body = text.lstrip("+-")
    if not _SHAPE.match(text) or (body.count(",") + body.count(".")) != 1:
        return None
    mark = "," if "," in body else "."
    integer, _, fraction = body.partition(mark)
    if not (integer.isdigit() and fraction.isdigit() and _two_readings_shape(integer, fraction)):
        return None
    sign = -1 if text.startswith("-") else 1
    return mark, sign * float(integer + fraction), sign * float(integer + "." + fraction)


def places_shown(value: Any) -> int:
    """The decimal places a figure is printed with, what a printer's rounding is held to: a
    text's digits after its decimal mark (`85,10` → 2, `1.234,5` → 1, `1.234.567` → 0), a
    number's in its shortest decimal form (97.685 → 3, 81.0 → 0)."""
    if isinstance(value, str):
        body = _SPACES.sub("", value)
        mark = decimal_shown(body)
        return len(body.rpartition(mark)[2]) if mark and body.count(mark) == 1 else 0
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def column_places(cells: list) -> int:
    """The places a column's figures are printed with: the most any of its numbers shows
    (`places_shown`), since a CSV export drops trailing zeros (`5.3` in a column of two places
    stands for 5,30)."""
    shown = []
    for cell in cells:
        try:
            parse_decimal(cell)
        except RuleInputError:
            continue  # a word, a declared value, a number of two readings: shows no places
        shown.append(places_shown(cell))
    return max(shown, default=0)


class Percent(float):
    """A number an xlsx cell shows as a percentage (0,97685 formatted `0.00%` shows 97,69%):
    its value is the fraction, its reader knows to multiply it by 100 (`percent_off`)."""


def percent_off(cell: Any) -> tuple[Any, bool]:
    """A cell without its percent sign, and whether it had one: `97,69%` and `89,38 %` as the
    text of their number, a `Percent` cell as its hundredfold (0,97685 → 97,685); any other
    cell as it is."""
    if isinstance(cell, Percent):
        return rounded(float(cell) * 100), True
    if isinstance(cell, str) and cell.rstrip().endswith("%"):
        return cell.rstrip()[:-1].rstrip(), True
    return cell, False


def decimal_shown(value: Any) -> str | None:
    """The decimal mark a number written as text proves its writer used: `1.5` → `.`,
    `1,25` → `,`, `1.234,5` → `,`, `1.234.567` → `,` (the dot groups thousands); None when
    the text proves nothing (`2`, `1.907`, a word, a number cell)."""
    if not isinstance(value, str) or two_readings(value) is not None:
        return None
    try:
        parse_decimal(value)
    except RuleInputError:
        return None
    body = _SPACES.sub("", value)
    commas, dots = body.count(","), body.count(".")
    if commas and dots:
        return "," if body.rfind(",") > body.rfind(".") else "."
    if commas + dots == 0:
        return None
    mark = "," if commas else "."
    if body.count(mark) == 1:
        return mark
    return "." if mark == "," else ","


def _agreed(marks: Iterable[str | None]) -> str | None:
    """The one decimal mark some cells prove, when they agree; None when none proves one, or
    when they contradict each other."""
    found = {mark for mark in marks if mark is not None}
    return found.pop() if len(found) == 1 else None


def _possible(readings: tuple[str, float, float], maximum: float | None, whole_only: bool) -> list[float]:
    """The readings of a number of two readings that the item allows: none above its maximum,
    no fraction for a count."""
    _mark, as_group, as_decimal = readings
    return [
        r
        for r in (as_group, as_decimal)
        if (maximum is None or abs(r) <= maximum + 1e-9) and not (whole_only and not float(r).is_integer())
    ]


def _proof(cell: Any, readings: tuple[str, float, float] | None, allowed: list[float] | None) -> str | None:
    """The decimal mark a cell proves its writer used: the one it shows (`decimal_shown`), or
    the one a reading the item forces implies — `1.907` of at most 2 points has a decimal
    point, `1.234` people a thousands dot, so a decimal comma."""
    if readings is None or allowed is None:
        return decimal_shown(cell)
    if len(allowed) != 1:
        return None
    mark, _as_group, as_decimal = readings
    return mark if allowed[0] == as_decimal else "," if mark == "." else "."


def decide_column(
    cells: Sequence[Any],
    what: str,
    file_marks: Sequence[str | None] | None = None,
    maxima: Sequence[float | None] | None = None,
    counts: Sequence[bool] | None = None,
    items: Sequence[str] | None = None,
    mixed: bool = False,
) -> tuple[list[Any], dict[int, str]]:
    """A column of a file (or a DataFrame) with every number of two readings decided, and the
    message for each one nothing decides, by position.

    A cell's reading is decided by, in turn: what the item allows — a reading above its
    maximum (`maxima`, per cell) is impossible, and so is a fraction for a count (`counts`,
    per cell: `1.234` people are 1234) —, never offered; the decimal mark the item's other
    cells prove (`items`, per cell: a long table's code), then the column's; the decimal mark
    the file fixes for it (`file_marks`, per cell: `Table.decimal_mark`), unless the column
    proves both marks — it is part of the file, whose writer then used both. A cell proves a
    mark by showing it (`decimal_shown`: `1.5`) or by a reading the item forces: a count's
    `1.234` is a thousands dot, so the writer's `2.000` beside it is 2000, not 2. Decided cells
    become floats; every other cell is returned as it was, for its reader to parse (`parse_decimal`).
    `mixed`: the file shows both decimal marks, so a refusal asks for one mark in the whole file
    rather than a spelling no one writes (1,9070).
    """
    found = [two_readings(cell) for cell in cells]
    possible = [
        None if r is None else _possible(r, maxima[i] if maxima else None, bool(counts and counts[i]))
        for i, r in enumerate(found)
    ]
    proofs = [_proof(cell, r, p) for cell, r, p in zip(cells, found, possible, strict=True)]
    column = _agreed(proofs)
    keys = list(items) if items is not None else [None] * len(cells)
    by_item = {key: _agreed(m for k, m in zip(keys, proofs, strict=True) if k == key) for key in set(keys)}
    if file_marks is None or len(set(proofs) - {None}) > 1:
        file_marks = [None] * len(cells)
    out, refused = list(cells), {}
    for i, (cell, readings, allowed) in enumerate(zip(cells, found, possible, strict=True)):
        if readings is None or allowed is None:
            continue
        mark, as_group, as_decimal = readings
        said = next((m for m in (by_item[keys[i]], column, file_marks[i]) if m is not None), None)
        if len(allowed) == 1:  # an impossible reading is never taken, whatever else speaks
            out[i] = allowed[0]
        elif said is not None:
            out[i] = as_decimal if said == mark else as_group
        else:
            shown = unicodedata.normalize("NFC", cell).strip()
            if mixed:
                said = f"{format_number(as_group, 0, group=False)} hoặc {format_number(as_decimal, 3, group=False)}"
                refused[i] = (
                    f"{what}: '{shown}' có thể là {said} (tệp có số viết dấu chấm thập phân và số viết dấu phẩy thập phân); "
                    f"hãy viết {format_number(as_group, 0, group=False)} nếu là số nguyên, "
                    "hoặc dùng một dấu thập phân cho cả tệp (dấu phẩy với tệp phân cách bằng ';')"
                )
                continue
            why = " (tệp và cột không cho biết dấu nào là dấu thập phân)"
            refused[i] = str(_ambiguous(shown, what, tuple(allowed or (as_group, as_decimal)), why))
    return out, refused


def format_number(x: float | int | None, decimals: int = 2, group: bool = True, fixed: bool = False) -> str:
    """`x` as a Vietnamese reader expects it: decimal comma, thousands dot (`1.234,5`), at most
    `decimals` decimals and no trailing zeros (`fixed`: always `decimals`, for columns of a
    table); `group=False` for text a person may edit and send back (an input's value), which
    must read back as the same number."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    shown = rounded(x, decimals)
    text = f"{shown:,.{decimals}f}" if group else f"{shown:.{decimals}f}"
    if "." in text and not fixed:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def whole(x: float) -> int | float:
    """A number without a useless `.0` (`4.0` → `4`), as a person typed it and a cell shows it."""
    return int(x) if float(x).is_integer() else x


def megabytes(size: float) -> str:
    """A size in messages: MB of a million bytes, one decimal at most (`57,7`, `100`)."""
    return format_number(size / 1e6, decimals=1)


def show_number(x: float) -> str:
    """A number in messages and descriptions: up to 4 decimals, so steps like 0,25 stay exact."""
    return format_number(x, decimals=4)


NOISE_DECIMALS = 9  # binary float noise (89.96000000000001) sits far below this
_CLEAN_BELOW = 1e6  # below this, nine decimals are within a float's precision (2**53 ≈ 9·10**15)
_NO_FRACTION = 2.0**52  # a float this large (times 10**decimals) holds no fraction to round


def half_up(values: Any, decimals: int | None = None) -> np.ndarray:
    """Figures rounded as a province publishes them, with Excel's ROUND: half away from zero on
    the decimal value a person reads (85,175 → 85,18; 2,0045 → 2,005; −0,125 → −0,13);
    `decimals` None clears only float noise (`NOISE_DECIMALS`).

    Python's `round` and numpy's round half to even on the binary float, and 85.175 is stored
    as 85.17499999…: they print 85,17 where the province prints 85,18. So the value is first
    cleared of binary noise (sums leave 90.12499999999999) at nine decimals, then rounded half
    up on what is left. Vectorised, for the engine's ranks and classes and a table's columns;
    `rounded` takes the same steps for one number."""
    x = np.asarray(values, dtype=float)
    places = NOISE_DECIMALS if decimals is None else decimals
    scale = 10.0**places
    size = np.abs(x) * scale
    size = np.where(np.abs(x) < _CLEAN_BELOW, np.round(size, max(NOISE_DECIMALS - places, 0)), size)
    out = np.copysign(np.floor(size + 0.5) / scale, x)
    return np.where(size >= _NO_FRACTION, x, out) + 0.0  # too large to hold a fraction: as it is; no −0


def rounded(x: float, decimals: int | None = None) -> float:
    """One figure as `half_up` rounds it (to the criteria set's `decimals`, else cleared of
    float noise), in the same steps without numpy, which costs a single figure many times
    more: what every number shown or written passes (`format_number`). page.js's
    `formatNumber` takes these steps too."""
    x = float(x)
    places = NOISE_DECIMALS if decimals is None else decimals
    scale = 10.0**places
    size = abs(x) * scale
    if abs(x) < _CLEAN_BELOW:
        size = round(size, max(NOISE_DECIMALS - places, 0))
    if math.isnan(size) or size >= _NO_FRACTION:
        return x + 0.0
    return math.copysign(math.floor(size + 0.5) / scale, x) + 0.0


def published(frame: pd.DataFrame, decimals: int | None = None) -> pd.DataFrame:
    """A table as it is published: every float column rounded on its own (`half_up`)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = half_up(out[column], decimals)
    return out
