"""A published table checked against the engine: its subtotals against the sum of their parts
(`check_subtotals`), and what it prints beside the points — index, max, rank, class and the
like — against what the engine computed (`compare_printed`, told to people by `printed_report`);
both tables of differences as people read them (`differences`).

Apart from `engine`, whose job is to compute results: these functions read a table someone
else computed and say where it and the engine part ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.engine import KEY, TOTAL
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number, parse_decimal, places_shown, rounded
from cchc_widgets.core.rules import RuleInputError
from cchc_widgets.core.text import folded
from cchc_widgets.core.vocabulary import HEADINGS

UNGROUPED = (  # said alike by cchc score (groups from --units) and cchc import (from the period's units table)
    "Bảng có cột hạng trong nhóm nhưng không có nhóm nào được cho: các đơn vị cần cột nhóm (group) — "
    "trong bảng --units của cchc score, hoặc trong bảng đơn vị của kỳ khi nhập vào kho"
)
WRONG_ORDER = "sai thứ tự"  # a printed rank within its span, of units ranked in another order than their points
TOLERANCE = 0.001  # how far a published figure may be from the computed one beyond its printed rounding: float noise


@dataclass(frozen=True)
class TableCheck:
    """A score table computed and held to what it publishes (`check_table`): the engine's
    results (`scored`; `results` with the listed units it has no scores for, those in
    `missing`), whether an overall rank is given, the subtotals that differ (`check_subtotals`)
    and the printed figures compared (`compare_printed`)."""

    scored: engine.Scored
    results: pd.DataFrame
    missing: pd.DataFrame
    overall: bool
    subtotals: pd.DataFrame
    printed: pd.DataFrame
    tolerance: float
    ungrouped: bool = False  # the table prints ranks in groups, but no unit's group is known: nothing to hold them to

    @property
    def differs(self) -> bool:
        return self.ungrouped or not self.subtotals.empty or not self.printed["same"].astype(bool).all()

    def rank_note(self, whose: str = "") -> str:
        """How printed ranks of part of the listed units were compared (`whose`: the block,
        when a file has several); empty when the table ranks every listed unit or prints no rank."""
        if self.missing.empty or not self.printed["code"].isin(["rank", "group_rank"]).any():
            return ""
        listed = len(self.results) // max(self.results["period"].nunique(), 1)
        return (
            f"{whose}Hạng in sẵn là hạng trong {listed} đơn vị của danh sách, bảng có điểm của "
            f"{listed - len(self.missing)}: mỗi hạng được so với khoảng nó có thể có và với thứ tự các đơn vị trong bảng"
        )

    def agreement(self, whose: str = "") -> str:
        """The line naming the printed columns that agree; empty when none does."""
        agree, _ = printed_report(self.printed)
        return whose + agree if agree else ""

    def differences(self, whose: str = "") -> list[str]:
        """Each table of differences with the line that heads it: printed figures, then subtotals."""
        out = [whose + UNGROUPED] if self.ungrouped else []
        _, differ = printed_report(self.printed)
        if differ:
            out.append(f"{whose}{(~self.printed['same'].astype(bool)).sum()} giá trị in sẵn khác kết quả tính:\n{differ}")
        if self.printed["computed"].astype(str).str.endswith(WRONG_ORDER).any():
            out.append(
                f"{whose}«{WRONG_ORDER}»: hạng in sẵn nằm trong khoảng có thể, nhưng thứ tự các đơn vị theo hạng in sẵn "
                "khác thứ tự theo điểm: đơn vị điểm cao hơn phải có hạng nhỏ hơn"
            )
        if not self.subtotals.empty:
            shown = format_number(self.tolerance, decimals=6)
            said = f"{whose}{len(self.subtotals)} tổng được công bố khác tổng các thành phần quá sai số {shown}:"
            out.append(f"{said}\n{differences(self.subtotals)}")
        return out

    def problems(self, file: str) -> list[Problem]:
        """The differences as a refusal reads them, one per unit and figure: what it prints, what
        was computed."""
        allowed = format_number(self.tolerance, decimals=6)
        out = [
            Problem(
                file,
                f"{'Tổng điểm' if r.code == TOTAL else 'điểm'} công bố {_cell(r.given)}, tổng các thành phần "
                f"{_cell(r.computed)} (chênh lệch {_cell(r.diff)}, quá sai số {allowed})",
                None if r.code == TOTAL else r.code,
                _unit(r),
            )
            for r in self.subtotals.itertuples(index=False)
        ]
        printed = self.printed[~self.printed["same"].astype(bool)]
        out += [Problem(file, UNGROUPED)] if self.ungrouped else []
        return out + [
            Problem(file, f"{_what(r.code)} in sẵn {_cell(r.given)}, tính được {_cell(r.computed)}", where=_unit(r))
            for r in printed.itertuples(index=False)
        ]


class PublishedDiffers(ProblemsError):
    """A published table whose printed figures differ from what its points give (`check`):
    nothing of it was stored."""

    def __init__(self, file: str, check: TableCheck) -> None:
        self.check = check
        super().__init__(check.problems(file))


def _unit(row: Any) -> str:
    return f"đơn vị '{row.unit}'" + (f", kỳ {row.period}" if str(row.period).strip() else "")


def check_table(
    scores: pd.DataFrame,
    given: pd.DataFrame,
    printed: pd.DataFrame,
    cs: CriteriaSet,
    listed: pd.DataFrame,
    tolerance: float = TOLERANCE,
    overall_rank: bool = False,
    groups: bool = True,
) -> TableCheck:
    """A score table's leaf `scores` (`engine.resolve` output) computed among the `listed`
    units (unit, group, ranked: each unscored one kept, unranked) and held to the subtotals it
    publishes (`given`) and the figures it prints (`printed`): what `cchc score` shows and
    `cchc import` checks before it stores anything, one computation for both. `groups`: the
    units' ranking groups are known (a units list, a group column, the store), so ranks are
    within them; with groups the overall rank is given only when `overall_rank` or the set
    asks, and a printed «Hạng» is then the rank in the group."""
    scored = engine.aggregate(scores, cs, units=listed if groups else None)
    results, missing = engine.with_unscored(scored.results, listed)
    overall = overall_rank or cs.overall_rank or not engine.has_groups(results)
    subtotals = check_subtotals(given, scored.nodes, cs, tolerance, scored.results)
    if not overall and "group_rank" not in set(printed["code"]):  # a group's table: its «Hạng» is the rank in the group
        printed = printed.replace({"code": {"rank": "group_rank"}})
    named = "group" in results.columns and results["group"].astype(str).str.strip().astype(bool).any()
    ungrouped = not named and (printed["code"] == "group_rank").any()  # said once, not «—» for every unit
    if ungrouped:
        printed = printed[printed["code"] != "group_rank"]
    compared = compare_printed(printed, results, tolerance, missing, _given_total_index(given, results, cs))
    return TableCheck(scored, results, missing, overall, subtotals, compared, tolerance, bool(ungrouped))


def check_subtotals(
    given: pd.DataFrame, nodes: pd.DataFrame, cs: CriteriaSet, tolerance: float, results: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Published subtotals that differ from the sum of their components: a printed subtotal
    agrees with the sum as a printed index does (`agrees`), within `tolerance` or as the sum
    rounded half up to the places it is printed with (85,18 for parts 40,1 and 45,075).

    `given` has period, unit, code (a node code or "total"), value and, optionally, the places
    its column is printed with (`places`: `85,10` has two; else those of the value). A component is
    taken as given where the file gives it, else as computed, so each level is checked
    against the level just below it (how a reader of a published table checks it). With
    `results` (the engine's, of a set with bonus and penalty items) a total is the domains'
    sum plus the bonus and minus the penalty, never below 0, as `adjusted` makes it.
    Returns period, unit, code, given, computed, diff.
    """
    if given.empty:
        return pd.DataFrame(columns=[*KEY, "code", "given", "computed", "diff"])
    computed = nodes.set_index([*KEY, "code"])["points"]
    stated = given.set_index([*KEY, "code"])["value"]
    places = given.set_index([*KEY, "code"])["places"] if "places" in given.columns else pd.Series(dtype=int)
    net = (
        (results["bonus"] - results["penalty"]).set_axis(pd.MultiIndex.from_frame(results[KEY]))
        if results is not None and "bonus" in results.columns
        else None
    )
    rows = []
    for (period, unit, code), value in stated.items():
        parts = cs.top_codes if code == TOTAL else cs[code].children
        total = 0.0
        for part in parts:
            key = (period, unit, part)
            total += stated[key] if key in stated.index else computed.get(key, 0.0)
        if code == TOTAL and net is not None:
            total = max(total + net.get((period, unit), 0.0), 0.0)
        diff = value - total
        if not agrees(value, places.get((period, unit, code), places_shown(value)), total, tolerance):
            rows.append({"period": period, "unit": unit, "code": code, "given": value, "computed": total, "diff": diff})
    return pd.DataFrame(rows, columns=[*KEY, "code", "given", "computed", "diff"])


PRINTED_COLUMNS = [*KEY, "code", "given", "computed", "same"]


def _given_total_index(given: pd.DataFrame, results: pd.DataFrame, cs: CriteriaSet) -> dict[tuple[Any, Any], float]:
    """The index each published total makes (total ÷ the unit's maximum × 100, capped as the
    set says), by (period, unit). A province computes its printed index from its unrounded
    total; parts printed rounded (3,334 + 2,112 for 3,3335 + 2,1115) no longer sum to it, but the
    printed total, itself checked against them, still gives the printed index: 5,945 ÷ 22,5 is
    26,422 where the rounded parts make 26,427."""
    totals = given[given["code"] == TOTAL]
    if totals.empty or "max" not in results.columns:
        return {}
    whole = results.set_index(KEY)["max"]
    out = {}
    for period, unit, value in totals[[*KEY, "value"]].itertuples(index=False):
        most = whole.get((period, unit))
        if most is not None and not pd.isna(most) and most > 0:
            out[(period, unit)] = float(engine.capped(np.array([100.0 * value / most]), cs)[0])
    return out


def compare_printed(
    printed: pd.DataFrame,
    results: pd.DataFrame,
    tolerance: float,
    unscored: pd.DataFrame | None = None,
    via_total: dict[tuple[Any, Any], float] | None = None,
) -> pd.DataFrame:
    """What a published table prints beside the points (`printed`: period, unit, code — one of
    `vocabulary.PRINTED` —, value as printed and, optionally, places) next to what the engine
    computed (`results`).

    A figure (index, max, survey, bonus, penalty — a penalty printed as −2 or 2) agrees within
    `tolerance`, or when the computed one rounded to the places it was printed with (`places`,
    those of its column, when given) gives it (97,685 printed to three places: `agrees`); ranks
    agree as whole numbers; classes as words, case and spacing aside. A unit the engine gives no
    such result (unranked, no class bands, no groups) agrees with nothing. When listed units have
    no scores (`unscored`: period, unit, group, ranked — `with_unscored`), a printed rank is one
    among all listed: it is checked as far as the table can (`_partial_ranks`). A printed index
    also agrees with the one its row's printed total makes (`via_total`: `_given_total_index`).
    Returns period, unit, code, given, computed, same.
    """
    computed = results.set_index(KEY)
    rows = []
    places = printed["places"] if "places" in printed.columns else [None] * len(printed)
    for (period, unit, code, given), shown in zip(printed.iloc[:, :4].itertuples(index=False), places, strict=True):
        known = (period, unit) in computed.index and code in computed.columns
        value = computed.at[(period, unit), code] if known else None
        same = value is not None and not pd.isna(value) and _agrees(code, given, value, tolerance, shown)
        witness = (via_total or {}).get((period, unit)) if code == "index" else None
        same = same or (witness is not None and _agrees(code, given, witness, tolerance, shown))
        rows.append({"period": period, "unit": unit, "code": code, "given": given, "computed": value, "same": same})
    out = pd.DataFrame(rows, columns=PRINTED_COLUMNS).astype({"computed": object, "same": bool})
    if unscored is not None and not unscored.empty:
        _partial_ranks(out, results, unscored)
    return out


def _partial_ranks(compared: pd.DataFrame, results: pd.DataFrame, unscored: pd.DataFrame) -> None:
    """Printed ranks of a table of part of the listed units, checked in place: a unit ranked
    r-th among those scored, with k listed units unscored in its period (or group), is ranked
    r to r + k among all; and the printed ranks must put the scored units in the engine's
    order (the printed rank's place among the table's printed ranks is r). `computed` then
    shows the span (`2–15`), and says when the rank is within it but out of order (`WRONG_ORDER`):
    two units whose printed ranks are swapped."""
    groups = results.set_index(KEY)["group"] if "group" in results.columns else None
    ranked = unscored[unscored["ranked"]]
    for code in ("rank", "group_rank"):
        pick = (compared["code"] == code) & compared["computed"].notna()
        if not pick.any():
            continue
        rows = compared[pick]
        scope = rows["period"].astype(str)
        missing = ranked["period"].astype(str)
        if code == "group_rank" and groups is not None:
            scope = scope + "\x1f" + [groups.get((p, u), "") for p, u in zip(rows["period"], rows["unit"], strict=True)]
            missing = missing + "\x1f" + ranked["group"].astype(str)
        k = missing.value_counts()
        given = pd.Series([_whole(v) for v in rows["given"]], index=rows.index, dtype=float)
        place = given.groupby(scope).rank(method="min")
        for i in rows.index:
            r, spare = int(rows.at[i, "computed"]), int(k.get(scope[i], 0))
            if spare == 0:
                continue
            within = r <= given[i] <= r + spare
            compared.at[i, "same"] = bool(place[i] == r and within)
            compared.at[i, "computed"] = f"{r}–{r + spare}" + (f", {WRONG_ORDER}" if within and place[i] != r else "")


def _whole(value: Any) -> float:
    """A printed rank as a number (NaN when it is not one: it then agrees with nothing)."""
    try:
        return parse_decimal(value)
    except RuleInputError:
        return float("nan")


def _agrees(code: str, given: Any, value: Any, tolerance: float, places: Any = None) -> bool:
    if code == "class":
        return folded(str(given)) == folded(str(value))
    try:
        number = parse_decimal(given)
    except RuleInputError:
        return False
    if code in ("rank", "group_rank"):
        return abs(number - float(value)) < 1e-9
    if code == "penalty":
        number = abs(number)  # what is subtracted, printed as −2 by some tables (our workbook too)
    return agrees(number, places_shown(given) if places is None or pd.isna(places) else int(places), float(value), tolerance)


def agrees(printed: float, places: int, computed: float, tolerance: float) -> bool:
    """A printed figure agrees with the computed one within `tolerance`, or when the computed
    one rounded half up to the `places` it is printed with (`numbers.rounded`, as Excel's ROUND
    and a province round) gives it: 97,69 for 97,685, 85,18 for 85,175. One rule for a printed
    index, total and subtotal alike."""
    return abs(printed - computed) <= tolerance + 1e-9 or abs(rounded(computed, places) - printed) <= 1e-9


def printed_report(compared: pd.DataFrame) -> tuple[str, str]:
    """What `compare_printed` found, for people: a line naming the printed columns that agree
    (and for how many units), and the table of those that differ (unit, what, given, computed);
    each empty when there is none."""
    same = compared["same"].astype(bool)
    agreed = compared.loc[same].groupby("code", sort=False).size()
    agree = ", ".join(f"{HEADINGS[code].lower()} ({n} đơn vị)" for code, n in agreed.items())
    differ = compared.loc[~same, [*KEY, "code", "given", "computed"]]
    return f"Cột in sẵn khớp với kết quả tính: {agree}" if agree else "", differences(differ, "cột")


# the headings of a table of differences, as people read it on screen
DIFFERENCE_HEADINGS = {
    "period": "kỳ",
    "unit": "đơn vị",
    "code": "mã",
    "given": "công bố",
    "computed": "tính được",
    "diff": "chênh lệch",
}


def differences(frame: pd.DataFrame, what: str = DIFFERENCE_HEADINGS["code"]) -> str:
    """A table of differences (`check_subtotals`, or `compare_printed`'s that differ) as people
    read it: Vietnamese headings, the period only when the table names one, what differs in
    Vietnamese words («Tổng điểm», «Hạng», «Xếp loại», «Chỉ số»; a subtotal by its code) under
    `what` («mã» for subtotals, «cột» for printed columns), numbers with the decimal comma —
    a figure printed as text too (`97.6` → 97,6) —, «—» where nothing was computed; empty when
    there is none."""
    if frame.empty:
        return ""
    shown = frame if frame["period"].astype(str).str.strip().astype(bool).any() else frame.drop(columns="period")
    shown = shown.assign(**{c: [_cell(v) for v in shown[c]] for c in ("given", "computed", "diff") if c in shown.columns})
    shown = shown.assign(code=[_what(code) for code in shown["code"]])
    return shown.rename(columns={**DIFFERENCE_HEADINGS, "code": what}).to_string(index=False)


# what a difference is of, in the words a published table heads it with (the index without its «(%)»)
PRINTED_WORDS = {code: HEADINGS[code] for code in (TOTAL, "rank", "group_rank", "class", "max", "survey", "bonus", "penalty")}
PRINTED_WORDS["index"] = "Chỉ số"


def _what(code: str) -> str:
    """A printed figure by its Vietnamese heading; a subtotal by its criterion code."""
    return PRINTED_WORDS.get(code, code)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, decimals=6)
    try:
        return format_number(parse_decimal(value), decimals=6)  # `97.6` as a Vietnamese reads it: 97,6
    except RuleInputError:
        return str(value)  # a word, a span of ranks, a number of two readings: as printed
