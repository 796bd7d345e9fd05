"""The results workbook that goes into the province's decision.

A cover with the official heading, a summary, one sheet per unit named by the unit's name, the
survey, the scenarios and the record of the numbers; Vietnamese headers, every figure a
number with the set's places as its format, an item that does not apply written with the
set's word (never 0), survey cells blank where no survey reached the unit. The pages'
layout (titles, print set-up, names, cover) is `workbook_sheets`.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cchc_widgets.core import clock, engine
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, declared_text
from cchc_widgets.core.documents import load_official_form
from cchc_widgets.core.engine import scored_rows
from cchc_widgets.core.numbers import published, rounded
from cchc_widgets.core.survey import group_shares, item_points, with_survey
from cchc_widgets.core.vocabulary import HEADINGS, annex_number
from cchc_widgets.files.tables_out import XLSX_MIME, number_format
from cchc_widgets.report.published import UNAPPRAISED, own_scoring, published_scoring, unappraised_key
from cchc_widgets.report.workbook_sheets import BOLD, Book, Sheet, collector_paused, cover_sheet, fill, sheet_names
from cchc_widgets.services.access import record_line
from cchc_widgets.services.results import Block, blocks_of
from cchc_widgets.store.database import Store

CLASS_FILLS = ["C8E6C9", "DCEDC8", "FFF9C4", "FFE0B2", "FFCDD2", "E1BEE7"]
SHARE = "0.00"  # survey shares in %, whatever the set's places
FIXED_SHEETS = ("Bìa", "Tổng hợp", "Khảo sát", "Kịch bản", "Thông tin")
_Stored = namedtuple("_Stored", ["unit", "code", "stage", "value", "points", "na", "note"])  # a unit sheet's stored score


def results_workbook(store: Store, period: str) -> bytes:
    """The whole period: a cover, then for each block of units (one in a period of one set) a
    summary sheet, one sheet per unit with its tree and the survey when there is one — a period
    of several blocks has each as an annex of its own, its block named in every title, as a
    decision's annexes are — then the scenarios when there are any, and the record of the numbers.
    Built with the garbage collector paused (`collector_paused`: its passes were a fifth of the CPU)."""
    with collector_paused():
        return _whole_book(store, period)


def _whole_book(store: Store, period: str) -> bytes:
    form = load_official_form()  # a missing or broken settings file is refused before any work
    scores = store.scores(period)
    responses = store.survey_responses(period)  # read once: points and the per-group shares
    names = store.unit_names(period)
    periods = store.periods().set_index("id")["name"]
    period_name = str(periods.get(period) or f"Kỳ {period}")
    blocks = blocks_of(store, period)
    many = len(blocks) > 1
    book = Book()
    taken = set(FIXED_SHEETS)
    shown, resolved_all, published = [], [], []
    for number, block in enumerate(blocks, 1):
        mine = block.rows(scores) if many else scores
        answers = block.rows(responses) if many else responses
        annex = Annex(block, annex_number(number) if many else "", period_name)
        units, appraised, resolved, scored = _block_sheets(book, annex, mine, answers, names, taken)
        shown.append((block, units, appraised))
        resolved_all.append(resolved)
        published.append((scored, appraised))
    resolved = pd.concat(resolved_all, ignore_index=True) if many else resolved_all[0]
    if not store.scenarios(for_report=True).empty:  # what-ifs load scipy: only when there is something to compare
        from cchc_widgets.report.analysis import scenario_comparisons

        comparisons = [
            (b, scenario_comparisons(store, period, limit=50, resolved=resolved, block=b.block, published=base))
            for b, base in zip(blocks, published, strict=True)  # each block as its sheets scored it: not scored again
        ]
        _scenario_sheet(book, comparisons, f"Kịch bản thay đổi trọng số — {period_name}")
    record = record_line(store, period)
    _record_sheet(book, period, period_name, record)
    every = [u for _, units, _ in shown for u in units]
    done = frozenset().union(*(a for _, _, a in shown))
    sets = [
        (f"Bộ tiêu chí — khối {b.label}" if many else "Bộ tiêu chí", f"{b.cs.name} (phiên bản {b.cs.version})") for b in blocks
    ]
    lines = [
        ("Kỳ đánh giá", period_name),
        *sets,
        ("Số đơn vị", len(every)),
        *[(f"Số đơn vị — khối {b.label}", len(units)) for b, units, _ in shown if many],
        ("Đã thẩm định", len(done & set(every))),
        ("Tình trạng số liệu", record),
        ("Lập lúc", clock.now().strftime("%H:%M ngày %d/%m/%Y")),
    ]
    cover_sheet(book, form, f"Sổ kết quả Chỉ số cải cách hành chính — {period_name}", lines, book.sheetnames[1:])
    return book.save()


@dataclass(frozen=True)
class Annex:
    """One block's part of the workbook: its block, its annex number (none in a period of one
    set, whose sheets keep the names and titles they had before blocks) and the period's name."""

    block: Block
    number: str
    period_name: str

    def sheet(self, name: str) -> str:
        return f"{name} — {self.block.label}" if self.number else name

    def title(self, what: str) -> str:
        if not self.number:
            return f"{what} — {self.period_name}"
        return f"Phụ lục {self.number}: {what} — {self.block.heading} — {self.period_name}"


def _block_sheets(
    book: Book, annex: Annex, scores: pd.DataFrame, responses: pd.DataFrame, names: dict[str, str], taken: set[str]
) -> tuple[list[str], frozenset[str], pd.DataFrame, engine.Scored]:
    """One block's sheets (summary, one per unit, survey) on its own set, ranked within it:
    its units in the summary's order, those appraised, its resolved rows and their published scoring."""
    cs = annex.block.cs
    points = item_points(responses, cs)
    resolved = with_survey(scored_rows(scores), points)
    scored, unverdicted, appraised = published_scoring(resolved, cs, annex.block.ranking)
    results = _in_order(published(unverdicted, cs.decimals), cs)
    results["name"] = results["unit"].map(names)
    surveyed = set(points["unit"]) if len(points) else set()
    own = own_scoring(resolved, cs)  # every unit's own claim, beside the appraisal: its total here, its nodes per unit
    claims = own.results.set_index("unit")["total"].to_dict()
    fixed = sheet_names({"s": annex.sheet("Tổng hợp"), "k": annex.sheet("Khảo sát")}, taken - {"Tổng hợp", "Khảo sát"})
    summary, survey = fixed["s"], fixed["k"]
    taken |= {summary, survey}
    _summary_sheet(book, results, cs, surveyed, appraised, claims, annex.title("Tổng hợp kết quả Chỉ số CCHC"), summary)
    units = list(results["unit"])
    titles = sheet_names({u: names.get(u) or u for u in units}, taken)
    taken |= set(titles.values())
    waiting = f" ({UNAPPRAISED.lower()}: điểm đạt là điểm tự đánh giá)"
    whose = f" — {annex.block.heading}" if annex.number else ""  # a unit's sheet says its block's set, as its annex does
    pages = {
        u: (
            titles[u],
            f"Kết quả chấm điểm của {names.get(u) or u}{whose} — {annex.period_name}" + ("" if u in appraised else waiting),
        )
        for u in units
    }
    _unit_sheets(book, pages, cs, scores, resolved, (scored, own), points)
    if cs.survey is not None and len(points):
        shares = group_shares(responses, cs)
        _survey_sheet(book, cs, points, shares, names, annex.title("Điều tra xã hội học"), survey)
    return units, appraised, resolved, scored


def _in_order(results: pd.DataFrame, cs: Any) -> pd.DataFrame:
    """The summary's order: by rank; with ranking groups and no rank across them
    (`overall_rank`), each group's units together by their rank in it, groups in the order the
    units are listed (as `cchc ranking` prints them); an unranked unit last in its block."""
    if _overall(results, cs):
        return results.sort_values(["rank", "unit"], na_position="last").reset_index(drop=True)
    first = {group: i for i, group in enumerate(dict.fromkeys(results["group"]))}
    ordered = results.assign(_group=results["group"].map(first))
    ordered = ordered.sort_values(["_group", "group_rank", "unit"], na_position="last")
    return ordered.drop(columns="_group").reset_index(drop=True)


def _overall(results: pd.DataFrame, cs: Any) -> bool:
    """Whether the summary prints a rank across all units: without groups, or when the set
    asks for one (`overall_rank: true`) — no decision publishes one across groups otherwise."""
    return cs.overall_rank or not engine.has_groups(results)


def _unit_sheets(
    book: Book,
    pages: dict[str, tuple[str, str]],
    cs: Any,
    scores: pd.DataFrame,
    resolved: pd.DataFrame,
    scorings: tuple[engine.Scored, engine.Scored],
    points: pd.DataFrame,
) -> None:
    """One sheet per unit (`pages`: unit -> sheet name, title): the whole tree with
    self-assessed, appraised, survey and final points, notes and reasons, then the survey
    items. An item that does not apply, or a criterion none of whose items apply, shows the
    set's word where its points would be. `scorings`: the published one and the units' own
    (`own_scoring`), as the summary used them. Lookups are dicts built once: a pandas lookup per
    cell would cost more than writing the cell."""

    def by_unit_code(frame: pd.DataFrame, column: str) -> dict[tuple[str, str], Any]:
        keys = zip(frame["unit"].tolist(), frame["code"].tolist(), strict=True)  # lists: a string column iterates slowly
        return dict(zip(keys, frame[column].tolist(), strict=True))

    scored, own_scored = scorings
    own, own_max = by_unit_code(own_scored.nodes, "points"), by_unit_code(own_scored.nodes, "max")
    surveyed = resolved[resolved["stage"] == engine.SURVEY]
    survey_points = by_unit_code(engine.aggregate(surveyed, cs).nodes, "points") if len(surveyed) else {}
    respondents = by_unit_code(points, "respondents")
    appraised_units = set(resolved.loc[resolved["stage"] == "appraisal", "unit"])
    final_points, final_max = by_unit_code(scored.nodes, "points"), by_unit_code(scored.nodes, "max")
    # read from lists: `itertuples` walks a text column of pandas' string type a boxed value at a time
    stored = map(_Stored._make, zip(*(scores[c].tolist() for c in _Stored._fields), strict=True))
    by_key = {(r.unit, r.code, r.stage): r for r in stored}
    has_survey = cs.survey is not None
    with_items = {c for i in (cs.survey.items if has_survey else ()) if i.domain for c in (i.domain, *cs.ancestors(i.domain))}
    headers = ["Mã", "Nội dung", "Điểm tối đa", "Giá trị kê khai", "Điểm tự đánh giá", "Điểm thẩm định"]
    headers += ["Điểm khảo sát"] * has_survey + ["Điểm đạt", "Ghi chú của đơn vị", "Lý do thẩm định"]
    widths = [8, 52, 9, 16, 10, 10, *[10] * has_survey, 9, 28, 28]  # fitted to A4's width, the text wrapped
    number, na = number_format(cs.decimals), cs.na_label
    for unit, (name, title) in pages.items():
        sheet = Sheet(book, name, title, headers, widths)
        for node in cs:
            key = (unit, node.code)
            mine, appraisal = by_key.get((unit, node.code, "self")), by_key.get((unit, node.code, "appraisal"))
            bold = BOLD if not node.is_leaf else None
            applies = node.max_points == 0 or final_max[key] > 0
            if node.is_leaf:
                declared = _declared(node, mine)
                self_points = na if mine is not None and mine.na else float(own.get(key, 0.0))
                appraised = None if appraisal is None else na if appraisal.na else appraisal.points
            else:
                declared = None
                self_points = float(own.get(key, 0.0)) if own_max.get(key, 1) > 0 or node.max_points == 0 else na
                appraised = final_points[key] - survey_points.get(key, 0.0) if unit in appraised_units else None
                appraised = na if appraised is not None and not applies else appraised
            survey_cell = [sheet.cell(survey_points.get(key) if node.code in with_items else None, number, font=bold)]
            sheet.append(
                [
                    sheet.cell(node.code, font=bold),
                    sheet.cell(node.name, font=bold, wrap=True),
                    sheet.cell(final_max[key] if applies else node.max_points, number, font=bold),
                    sheet.cell(declared),
                    sheet.cell(self_points, number, font=bold),
                    sheet.cell(appraised, number, font=bold),
                    *survey_cell * has_survey,
                    sheet.cell(final_points[key] if applies else na, number, font=bold),
                    sheet.cell(mine.note if mine is not None else None, wrap=True),
                    sheet.cell(appraisal.note if appraisal is not None else None, wrap=True),
                ]
            )
        for item in cs.survey.items if has_survey else ():
            key = (unit, item.code)
            count = respondents.get(key)
            got = final_points.get(key) if count else None
            where = f" → lĩnh vực {item.domain}" if item.domain else ""
            sheet.append(
                [
                    sheet.cell(item.code),
                    sheet.cell(f"Khảo sát{where}: {item.name}", wrap=True),
                    sheet.cell(item.max_points, number),
                    sheet.cell(f"{count} phiếu" if count else "chưa có phiếu"),
                    None,
                    None,
                    sheet.cell(got, number),
                    sheet.cell(got, number),
                    None,
                    None,
                ]
            )
        for adjustment in cs.adjustments:  # the appraiser's bonus and penalty points, signed as they count
            entered = by_key.get((unit, adjustment.code, "appraisal"))
            signed = None if entered is None or pd.isna(entered.points) else adjustment.sign * float(entered.points)
            sheet.append(
                [
                    sheet.cell(adjustment.code),
                    sheet.cell(f"{ADJUSTMENT_KINDS[adjustment.kind]}: {adjustment.name}", wrap=True),
                    sheet.cell(adjustment.max_points, number),
                    None,
                    None,
                    sheet.cell(signed, number),
                    *[None] * has_survey,
                    sheet.cell(signed, number),
                    None,
                    sheet.cell(entered.note if entered is not None else None, wrap=True),
                ]
            )
        sheet.finish()


def _record_sheet(book: Book, period: str, period_name: str, record: str) -> None:
    """Which period, whether its numbers are final (with the checksum a copy can be checked
    against), and when this file was made (the province's time)."""
    sheet = Sheet(book, "Thông tin", f"Thông tin về số liệu — {period_name}", ["Mục", "Nội dung"], [22, 110])
    made = clock.now().strftime("%H:%M %d/%m/%Y")
    for label, text in (("Kỳ đánh giá", period), ("Tình trạng số liệu", record), ("Lập lúc", made)):
        sheet.append([sheet.cell(label), sheet.cell(text, wrap=True)])
    sheet.finish()


def _headings(*columns: str) -> list[str]:
    return [HEADINGS[c] for c in columns]


def _summary_sheet(
    book: Book,
    results: pd.DataFrame,
    cs: Any,
    surveyed: set[str],
    appraised: frozenset[str],
    own: dict[str, float],
    title: str,
    name: str = "Tổng hợp",
) -> None:
    """Rank (with ranking groups: the group and the rank in it, and the rank across groups only
    as `_overall` says), unit, whether appraised, points per domain, appraised beside survey
    points (blank for a unit no survey reached: it has none, not 0), total, index, class. Every
    unit's own points (`own`) stand under «Điểm tự đánh giá»; a unit without an appraisal
    (`published`) has none under «Điểm thẩm định», «Chưa thẩm định» where the class would be,
    no rank; the key under the table says so."""
    fills = {band.label: fill(CLASS_FILLS[i % len(CLASS_FILLS)]) for i, band in enumerate(cs.classes)}
    domains = list(cs.top_codes)
    survey = "survey" in results.columns
    adjusted = "bonus" in results.columns
    grouped, overall = engine.has_groups(results), _overall(results, cs)
    sheet = Sheet(
        book,
        name,
        title,
        [*_headings("rank") * overall, *_headings("group", "group_rank") * grouped, *_headings("unit", "name"), "Tình trạng"]
        + [f"LV {c}" for c in domains]
        + ["Điểm tự đánh giá", "Điểm thẩm định", HEADINGS["survey"]] * survey
        + _headings("bonus", "penalty") * adjusted
        + _headings("total", "max", "index", "class"),
        [
            *[7] * overall,
            *[20, 9] * grouped,
            16,
            38,
            15,
            *[8] * len(domains),
            *[11, 11, 11] * survey,
            *[10, 10] * adjusted,
            10,
            10,
            10,
            15,
        ],
    )
    number = number_format(cs.decimals)
    for row in results.to_dict("records"):
        klass = row["class"]
        before = row["subtotal"] if adjusted else row["total"]  # what the criteria and survey gave, before ±
        asked, done = row["unit"] in surveyed, row["unit"] in appraised
        criteria = rounded(before - row["survey"], cs.decimals) if survey else None
        parts = [own.get(row["unit"]), criteria if done else None, float(row["survey"]) if asked else None] if survey else []
        parts += [float(row["bonus"]), -float(row["penalty"])] if adjusted else []
        sheet.append(
            [
                *[sheet.cell("—" if pd.isna(row["rank"]) else int(row["rank"]))] * overall,
                *(
                    [sheet.cell(row["group"]), sheet.cell("—" if pd.isna(row["group_rank"]) else int(row["group_rank"]))]
                    * grouped
                ),
                sheet.cell(row["unit"]),
                sheet.cell(row["name"]),
                sheet.cell("Đã thẩm định" if done else UNAPPRAISED),
                *[sheet.cell(cs.na_label if pd.isna(row[code]) else float(row[code]), number) for code in domains],
                *[sheet.cell(value, number) for value in parts],
                sheet.cell(float(row["total"]), number),
                sheet.cell(float(row["max"]), number),
                sheet.cell(None if pd.isna(row["index"]) else float(row["index"]), number),
                sheet.cell(klass or ("—" if done else UNAPPRAISED), fill=fills.get(klass)),
            ]
        )
    sheet.finish()
    key = unappraised_key(set(results["unit"]), appraised)
    if key:  # below the table, after a blank row: what the marked rows' figures are
        sheet.append([None])
        sheet.append([key])


def _survey_sheet(
    book: Book, cs: Any, points: pd.DataFrame, shares: pd.DataFrame, names: dict[str, str], title: str, name: str = "Khảo sát"
) -> None:
    """Every unit · item: respondents, mean share, points, and the share each group gave."""
    groups = list(shares.columns)
    items = {item.code: item for item in cs.survey.items}
    sheet = Sheet(
        book,
        name,
        title,
        ["Mã đơn vị", "Đơn vị", "Câu", "Nội dung câu hỏi", "Điểm tối đa", "Số phiếu", "Tỷ lệ đạt (%)", "Điểm"]
        + [f"Tỷ lệ (%) — {g}" for g in groups],
        [16, 30, 7, 50, 10, 9, 10, 9, *[14] * len(groups)],
    )
    share_rows = dict(zip(shares.index, shares.to_numpy().tolist(), strict=True))
    number = number_format(cs.decimals)
    for row in points.to_dict("records"):
        by_group = share_rows[(row["unit"], row["code"])]
        sheet.append(
            [
                sheet.cell(row["unit"]),
                sheet.cell(names.get(row["unit"], "")),
                sheet.cell(row["code"]),
                sheet.cell(items[row["code"]].name, wrap=True),
                sheet.cell(items[row["code"]].max_points, number),
                sheet.cell(int(row["respondents"])),
                sheet.cell(float(row["share"]), SHARE),
                sheet.cell(float(row["points"]), number),
                *[sheet.cell(share, SHARE) for share in by_group],
            ]
        )
    sheet.finish()


def _scenario_sheet(book: Book, comparisons: list[tuple[Block, list[tuple[Any, Any]]]], title: str) -> None:
    """Each what-if marked for the report: what it changes and how far the ranking moves, for
    each block whose set it fits (the block named first when the period has several)."""
    many = len(comparisons) > 1
    rows = [(block, scenario, cmp) for block, found in comparisons for scenario, cmp in found]
    if rows:
        headers = ["Kịch bản", "Mô tả", "Người lập", "Trọng số / điểm tối đa mới", "Đổi quy tắc", "Spearman ρ", "Kendall τ"]
        headers += ["Số đơn vị đổi xếp loại"]
        sheet = Sheet(book, "Kịch bản", title, ["Khối"] * many + headers, [20] * many + [24, 40, 18, 30, 16, 11, 11, 12])
        for block, scenario, cmp in rows:
            changes = "; ".join(
                [f"{c} ×{w:g}" for c, w in scenario.weights.items()]
                + [f"{c} = {m:g} điểm" for c, m in scenario.max_points.items()]
            )
            sheet.append(
                [
                    *[sheet.cell(block.label)] * many,
                    sheet.cell(scenario.name),
                    sheet.cell(scenario.description, wrap=True),
                    sheet.cell(scenario.author),
                    sheet.cell(changes),
                    sheet.cell(", ".join(scenario.rules)),
                    sheet.cell(cmp.spearman, "0.000"),
                    sheet.cell(cmp.kendall, "0.000"),
                    sheet.cell(cmp.class_changes),
                ]
            )
        sheet.finish()


def results_download(store: Store, period: str) -> tuple[dict[str, str], list[bytes]]:
    """The results workbook as a widget message: (content, buffers) for `widget.send`."""
    return {"type": "file", "name": f"ket-qua-cchc-{period}.xlsx", "mime": XLSX_MIME}, [results_workbook(store, period)]


def _declared(node: Any, row: Any) -> str | None:
    """What a unit declared, as the printed sheet and the form show it (`declared_text`, one
    formatting): its answer by the item's rule, or the points it gave directly («4,5»)."""
    if row is None:
        return None
    points = None if row.na or pd.isna(row.points) else float(row.points)
    return declared_text(node, row.value, points, bool(row.na))[1] or None
