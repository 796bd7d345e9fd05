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
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import engine
from .store import Store, scored_rows

HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
CLASS_FILLS = ["C8E6C9", "DCEDC8", "FFF9C4", "FFE0B2", "FFCDD2", "E1BEE7"]
NUMBER = "0.00"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Sheet:
    """A write-only sheet with the house style: header row, widths, frozen header, filter."""

    def __init__(self, book: Workbook, title: str, headers: list[str], widths: list[float]) -> None:
        self.ws = book.create_sheet(title=_sheet_title(title))
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = "A2"
        self.last_column = get_column_letter(len(headers))
        self.ws.append([self.cell(h, font=HEADER_FONT, fill=HEADER_FILL, wrap=True) for h in headers])
        self.rows = 1

    def cell(
        self, value: Any, number: str | None = None, font: Font | None = None, fill: PatternFill | None = None, wrap: bool = False
    ) -> Any:
        """A styled cell, or the bare value when nothing needs styling (much faster to write)."""
        if isinstance(value, float) and pd.isna(value):
            value = None
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        formula_like = isinstance(value, str) and value.startswith("=")
        if not (formula_like or font or fill or wrap or (number and numeric)):
            return value  # openpyxl writes other text as text
        cell = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # typed text stays text, whatever it starts with
        if number and numeric:
            cell.number_format = number
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if wrap:
            cell.alignment = WRAP
        return cell

    def append(self, cells: list[WriteOnlyCell]) -> None:
        self.ws.append(cells)
        self.rows += 1

    def finish(self) -> None:
        """The filter covers the rows written (a write-only sheet knows them only at the end)."""
        self.ws.auto_filter.ref = f"A1:{self.last_column}{max(self.rows, 2)}"


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", text)[:31]


def results_workbook(store: Store, period: str) -> bytes:
    """The whole period: a summary sheet, one sheet per unit with its tree, scenarios if saved."""
    scores = store.scores(period)
    resolved = scored_rows(scores)
    cs = store.criteria_for(period)
    scored = engine.aggregate(resolved, cs)
    names = dict(store.units(period)[["id", "name"]].values.tolist())
    results = scored.results.sort_values(["rank", "unit"]).reset_index(drop=True)
    results["name"] = results["unit"].map(names)
    fills = {band.label: PatternFill("solid", fgColor=CLASS_FILLS[i % len(CLASS_FILLS)]) for i, band in enumerate(cs.classes)}
    book = Workbook(write_only=True)

    domains = list(cs.top_codes)
    summary = Sheet(
        book,
        "Tổng hợp",
        ["Hạng", "Mã đơn vị", "Đơn vị", *[f"LV {c}" for c in domains], "Tổng điểm", "Điểm tối đa", "Chỉ số (%)", "Xếp loại"],
        [7, 16, 38, *[8] * len(domains), 10, 10, 10, 12],
    )
    for row in results.to_dict("records"):
        klass = row["class"]
        summary.append(
            [
                summary.cell(None if pd.isna(row["rank"]) else int(row["rank"])),
                summary.cell(row["unit"]),
                summary.cell(row["name"]),
                *[summary.cell(float(row[code]), NUMBER) for code in domains],
                summary.cell(float(row["total"]), NUMBER),
                summary.cell(float(row["max"]), NUMBER),
                summary.cell(None if pd.isna(row["index"]) else float(row["index"]), NUMBER),
                summary.cell(klass or "—", fill=fills.get(klass)),
            ]
        )
    summary.finish()

    self_nodes = engine.aggregate(resolved[resolved["stage"] == "self"], cs).nodes
    own = dict(zip(zip(self_nodes["unit"], self_nodes["code"], strict=True), self_nodes["points"].tolist(), strict=True))
    appraised_units = set(resolved.loc[resolved["stage"] == "appraisal", "unit"])
    keys = list(zip(scored.nodes["unit"], scored.nodes["code"], strict=True))
    final_points = dict(zip(keys, scored.nodes["points"].tolist(), strict=True))
    final_max = dict(zip(keys, scored.nodes["max"].tolist(), strict=True))
    by_key = {(r.unit, r.code, r.stage): r for r in scores.itertuples()}
    headers = [
        "Mã",
        "Nội dung",
        "Điểm tối đa",
        "Giá trị kê khai",
        "Điểm tự đánh giá",
        "Điểm thẩm định",
        "Điểm đạt",
        "Ghi chú của đơn vị",
        "Lý do thẩm định",
    ]
    for unit in results["unit"]:
        sheet = Sheet(book, unit, headers, [9, 60, 10, 16, 11, 11, 10, 36, 36])
        for node in cs:
            mine, appraisal = by_key.get((unit, node.code, "self")), by_key.get((unit, node.code, "appraisal"))
            bold = BOLD if not node.is_leaf else None
            number = NUMBER if bold else None  # totals formatted; leaf points (0.5, 1.25) read fine as they are
            if node.is_leaf:
                declared = "Không áp dụng" if mine is not None and mine.na else _shown(mine.value) if mine is not None else None
                appraised = (appraisal.points if appraisal is not None and not appraisal.na else None) if appraisal else None
            else:
                declared = None
                appraised = final_points[(unit, node.code)] if unit in appraised_units else None
            sheet.append(
                [
                    sheet.cell(node.code, font=bold),
                    sheet.cell(node.name, font=bold, wrap=True),
                    sheet.cell(final_max[(unit, node.code)], number, font=bold),
                    sheet.cell(declared),
                    sheet.cell(float(own.get((unit, node.code), 0.0)), number, font=bold),
                    sheet.cell(appraised, number, font=bold),
                    sheet.cell(final_points[(unit, node.code)], number, font=bold),
                    sheet.cell(mine.note if mine is not None else None, wrap=True),
                    sheet.cell(appraisal.note if appraisal is not None else None, wrap=True),
                ]
            )
        sheet.finish()

    from .analysis import scenario_comparisons

    comparisons = scenario_comparisons(store, period, limit=50, resolved=resolved)
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

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_download(store: Store, period: str) -> tuple[dict[str, str], list[bytes]]:
    """The results workbook as a widget message: (content, buffers) for `widget.send`."""
    return {"type": "file", "name": f"ket-qua-cchc-{period}.xlsx", "mime": XLSX_MIME}, [results_workbook(store, period)]


def _shown(value: Any) -> str | None:
    from .session import show_value

    return show_value(value) or None
