"""The results workbook that goes into the province's decision.

openpyxl in write-only mode (streamed, fast for 100 units × 70 sub-criteria), Vietnamese
headers, number formats, frozen header rows, filters and class colours. Text a person typed
(names, notes, reasons, declared values) is always written as text: a leading = + - @ never
becomes a formula.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cchc_widgets.core import clock, engine
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, declared_text
from cchc_widgets.core.engine import scored_rows
from cchc_widgets.core.numbers import published, rounded
from cchc_widgets.core.survey import group_shares, item_points, with_survey
from cchc_widgets.core.vocabulary import HEADINGS
from cchc_widgets.files.tables_out import XLSX_MIME, inert
from cchc_widgets.services.access import record_line
from cchc_widgets.services.results import ranking_of
from cchc_widgets.store.database import Store

HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
CLASS_FILLS = ["C8E6C9", "DCEDC8", "FFF9C4", "FFE0B2", "FFCDD2", "E1BEE7"]
NUMBER = "0.00"


def number_format(decimals: int | None) -> str:
    """Excel's format for the criteria set's published decimals (two when it says none)."""
    places = 2 if decimals is None else decimals
    return "0." + "0" * places if places else "0"


class Sheet:
    """A write-only sheet with the house style: header row, widths, frozen header, filter."""

    def __init__(self, book: Workbook, title: str, headers: list[str], widths: list[float]) -> None:
        self.ws = book.create_sheet(title=_sheet_title(title))
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = "A2"
        self.last_column = get_column_letter(len(headers))
        self._styles: dict[tuple[Any, ...], Any] = {}
        self.ws.append([self.cell(h, font=HEADER_FONT, fill=HEADER_FILL, wrap=True) for h in headers])
        self.rows = 1

    def cell(
        self, value: Any, number: str | None = None, font: Font | None = None, fill: PatternFill | None = None, wrap: bool = False
    ) -> Any:
        """A styled cell, or the bare value when nothing needs styling (much faster to write);
        text `inert` (a store may hold control characters openpyxl refuses)."""
        if isinstance(value, float) and pd.isna(value):
            value = None
        value = inert(value)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        number = number if numeric else None
        formula_like = isinstance(value, str) and value.startswith("=")
        if not (formula_like or font or fill or wrap or number):
            return value  # openpyxl writes other text as text
        cell = Cell(self.ws, row=1, column=1, value=value, style_array=self._style(number, font, fill, wrap))
        if isinstance(value, str):
            cell.data_type = "s"  # typed text stays text, whatever it starts with
        return cell

    def _style(self, number: str | None, font: Font | None, fill: PatternFill | None, wrap: bool) -> Any:
        """The style array of one combination, made once: setting font, fill and format on
        every cell hashes the style objects each time, which was half the export's time."""
        key = (number, id(font), id(fill), wrap)
        if key not in self._styles:
            proto = Cell(self.ws, row=1, column=1)
            if number:
                proto.number_format = number
            if font is not None:
                proto.font = font
            if fill is not None:
                proto.fill = fill
            if wrap:
                proto.alignment = WRAP
            self._styles[key] = proto._style  # openpyxl's own per-cell style ids (copied per cell)
        return self._styles[key]

    def append(self, cells: list[Any]) -> None:
        self.ws.append(cells)
        self.rows += 1

    def finish(self) -> None:
        """The filter covers the rows written (a write-only sheet knows them only at the end)."""
        self.ws.auto_filter.ref = f"A1:{self.last_column}{max(self.rows, 2)}"


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", inert(text))[:31]


def results_workbook(store: Store, period: str) -> bytes:
    """The whole period: a summary sheet, one sheet per unit with its tree, the survey and the
    scenarios when there are any."""
    scores = store.scores(period)
    cs = store.criteria_for(period)
    responses = store.survey_responses(period)  # read once: points and the per-group shares
    points = item_points(responses, cs)
    resolved = with_survey(scored_rows(scores), points)
    scored = engine.aggregate(resolved, cs, units=ranking_of(store, period))
    names = store.unit_names(period)
    results = published(scored.results, cs.decimals).sort_values(["rank", "unit"]).reset_index(drop=True)
    results["name"] = results["unit"].map(names)
    book = Workbook(write_only=True)
    _summary_sheet(book, results, cs)
    _unit_sheets(book, list(results["unit"]), cs, scores, resolved, scored, points)
    if cs.survey is not None and len(points):
        _survey_sheet(book, cs, points, group_shares(responses, cs), names)
    if not store.scenarios(for_report=True).empty:  # what-ifs load scipy: only when there is something to compare
        from cchc_widgets.report.analysis import scenario_comparisons

        _scenario_sheet(book, scenario_comparisons(store, period, limit=50, resolved=resolved))
    _record_sheet(book, store, period)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _unit_sheets(
    book: Workbook,
    units: list[str],
    cs: Any,
    scores: pd.DataFrame,
    resolved: pd.DataFrame,
    scored: engine.Scored,
    points: pd.DataFrame,
) -> None:
    """One sheet per unit: the whole tree with self-assessed, appraised, survey and final
    points, notes and reasons, then the survey items. Lookups are dicts built once: a
    pandas lookup per cell would cost more than writing the cell."""

    def by_unit_code(frame: pd.DataFrame, column: str) -> dict[tuple[str, str], Any]:
        return dict(zip(zip(frame["unit"], frame["code"], strict=True), frame[column].tolist(), strict=True))

    own = by_unit_code(engine.aggregate(resolved[resolved["stage"] == "self"], cs).nodes, "points")
    surveyed = resolved[resolved["stage"] == engine.SURVEY]
    survey_points = by_unit_code(engine.aggregate(surveyed, cs).nodes, "points") if len(surveyed) else {}
    respondents = by_unit_code(points, "respondents")
    appraised_units = set(resolved.loc[resolved["stage"] == "appraisal", "unit"])
    final_points, final_max = by_unit_code(scored.nodes, "points"), by_unit_code(scored.nodes, "max")
    stored = scores[["unit", "code", "stage", "value", "points", "na", "note"]]  # no timestamps: slow to iterate
    by_key = {(r.unit, r.code, r.stage): r for r in stored.itertuples(index=False)}
    has_survey = cs.survey is not None
    with_items = {c for i in (cs.survey.items if has_survey else ()) if i.domain for c in (i.domain, *cs.ancestors(i.domain))}
    headers = ["Mã", "Nội dung", "Điểm tối đa", "Giá trị kê khai", "Điểm tự đánh giá", "Điểm thẩm định"]
    headers += ["Điểm khảo sát"] * has_survey + ["Điểm đạt", "Ghi chú của đơn vị", "Lý do thẩm định"]
    widths = [9, 60, 10, 16, 11, 11, *[11] * has_survey, 10, 36, 36]
    totals = number_format(cs.decimals)
    for unit in units:
        sheet = Sheet(book, unit, headers, widths)
        for node in cs:
            key = (unit, node.code)
            mine, appraisal = by_key.get((unit, node.code, "self")), by_key.get((unit, node.code, "appraisal"))
            bold = BOLD if not node.is_leaf else None
            number = totals if bold else None  # totals formatted; leaf points (0.5, 1.25) read fine as they are
            if node.is_leaf:
                declared = _declared(node, mine)
                appraised = (appraisal.points if appraisal is not None and not appraisal.na else None) if appraisal else None
            else:
                declared = None
                appraised = final_points[key] - survey_points.get(key, 0.0) if unit in appraised_units else None
            survey_cell = [
                sheet.cell(survey_points.get(key) if node.code in with_items else None, number, font=bold)
            ] * has_survey
            sheet.append(
                [
                    sheet.cell(node.code, font=bold),
                    sheet.cell(node.name, font=bold, wrap=True),
                    sheet.cell(final_max[key], number, font=bold),
                    sheet.cell(declared),
                    sheet.cell(float(own.get(key, 0.0)), number, font=bold),
                    sheet.cell(appraised, number, font=bold),
                    *survey_cell,
                    sheet.cell(final_points[key], number, font=bold),
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
                    sheet.cell(item.max_points),
                    sheet.cell(f"{count} phiếu" if count else "chưa có phiếu"),
                    None,
                    None,
                    sheet.cell(got, NUMBER),
                    sheet.cell(got, NUMBER),
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
                    sheet.cell(adjustment.max_points),
                    None,
                    None,
                    sheet.cell(signed, NUMBER),
                    *[None] * has_survey,
                    sheet.cell(signed, NUMBER),
                    None,
                    sheet.cell(entered.note if entered is not None else None, wrap=True),
                ]
            )
        sheet.finish()


def _record_sheet(book: Workbook, store: Store, period: str) -> None:
    """Which period, whether its numbers are final (with the checksum a copy can be checked
    against), and when this file was made."""
    sheet = Sheet(book, "Thông tin", ["Mục", "Nội dung"], [22, 110])
    made = clock.now().strftime("%H:%M %d/%m/%Y")
    for label, text in (("Kỳ đánh giá", period), ("Tình trạng số liệu", record_line(store, period)), ("Lập lúc", made)):
        sheet.append([sheet.cell(label), sheet.cell(text, wrap=True)])
    sheet.finish()


def _headings(*columns: str) -> list[str]:
    return [HEADINGS[c] for c in columns]


def _summary_sheet(book: Workbook, results: pd.DataFrame, cs: Any) -> None:
    """Rank, unit, points per domain, appraised beside survey points, total, index, class."""
    fills = {band.label: PatternFill("solid", fgColor=CLASS_FILLS[i % len(CLASS_FILLS)]) for i, band in enumerate(cs.classes)}
    domains = list(cs.top_codes)
    survey = "survey" in results.columns
    adjusted = "bonus" in results.columns
    grouped = engine.has_groups(results)
    sheet = Sheet(
        book,
        "Tổng hợp",
        [*_headings("rank"), *_headings("group", "group_rank") * grouped, *_headings("unit", "name")]
        + [f"LV {c}" for c in domains]
        + ["Điểm thẩm định", HEADINGS["survey"]] * survey
        + _headings("bonus", "penalty") * adjusted
        + _headings("total", "max", "index", "class"),
        [7, *[20, 9] * grouped, 16, 38, *[8] * len(domains), *[11, 11] * survey, *[10, 10] * adjusted, 10, 10, 10, 12],
    )
    number = number_format(cs.decimals)
    for row in results.to_dict("records"):
        klass = row["class"]
        before = row["subtotal"] if adjusted else row["total"]  # what the criteria and survey gave, before ±
        parts = [rounded(before - row["survey"], cs.decimals), float(row["survey"])] if survey else []
        parts += [float(row["bonus"]), -float(row["penalty"])] if adjusted else []
        sheet.append(
            [
                sheet.cell("—" if pd.isna(row["rank"]) else int(row["rank"])),
                *(
                    [sheet.cell(row["group"]), sheet.cell("—" if pd.isna(row["group_rank"]) else int(row["group_rank"]))]
                    * grouped
                ),
                sheet.cell(row["unit"]),
                sheet.cell(row["name"]),
                *[sheet.cell(float(row[code]), number) for code in domains],
                *[sheet.cell(float(value), number) for value in parts],
                sheet.cell(float(row["total"]), number),
                sheet.cell(float(row["max"]), number),
                sheet.cell(None if pd.isna(row["index"]) else float(row["index"]), number),
                sheet.cell(klass or "—", fill=fills.get(klass)),
            ]
        )
    sheet.finish()


def _survey_sheet(book: Workbook, cs: Any, points: pd.DataFrame, shares: pd.DataFrame, names: dict[str, str]) -> None:
    """Every unit · item: respondents, mean share, points, and the share each group gave."""
    groups = list(shares.columns)
    items = {item.code: item for item in cs.survey.items}
    sheet = Sheet(
        book,
        "Khảo sát",
        ["Mã đơn vị", "Đơn vị", "Câu", "Nội dung câu hỏi", "Điểm tối đa", "Số phiếu", "Tỷ lệ đạt (%)", "Điểm"]
        + [f"Tỷ lệ (%) — {g}" for g in groups],
        [16, 30, 7, 50, 10, 9, 10, 9, *[14] * len(groups)],
    )
    share_rows = dict(zip(shares.index, shares.to_numpy().tolist(), strict=True))
    for row in points.to_dict("records"):
        by_group = share_rows[(row["unit"], row["code"])]
        sheet.append(
            [
                sheet.cell(row["unit"]),
                sheet.cell(names.get(row["unit"], "")),
                sheet.cell(row["code"]),
                sheet.cell(items[row["code"]].name, wrap=True),
                sheet.cell(items[row["code"]].max_points),
                sheet.cell(int(row["respondents"])),
                sheet.cell(float(row["share"]), NUMBER),
                sheet.cell(float(row["points"]), NUMBER),
                *[sheet.cell(share, NUMBER) for share in by_group],
            ]
        )
    sheet.finish()


def _scenario_sheet(book: Workbook, comparisons: list[tuple[Any, Any]]) -> None:
    """Each what-if marked for the report: what it changes and how far the ranking moves."""
    if comparisons:
        sheet = Sheet(
            book,
            "Kịch bản",
            [
                "Kịch bản",
                "Mô tả",
                "Người lập",
                "Trọng số / điểm tối đa mới",
                "Đổi quy tắc",
                "Spearman ρ",
                "Kendall τ",
                "Số đơn vị đổi xếp loại",
            ],
            [24, 40, 18, 30, 16, 11, 11, 12],
        )
        for scenario, cmp in comparisons:
            changes = "; ".join(
                [f"{c} ×{w:g}" for c, w in scenario.weights.items()]
                + [f"{c} = {m:g} điểm" for c, m in scenario.max_points.items()]
            )
            sheet.append(
                [
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
    """What a unit declared, as the form shows it; empty where it gave points only (they have
    their own column)."""
    if row is None or (row.value is None and not row.na):
        return None
    return declared_text(node, row.value, None, bool(row.na))[1]
