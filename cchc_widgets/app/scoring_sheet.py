"""The printable scoring sheet (phiếu chấm điểm) a unit signs and files: every criterion of one
unit and stage with what was declared, the points, notes, evidence file names and appraisal
reasons, the totals, the period's state and a signature block.

It is drawn from the same `ScoringSession` the form shows, so the paper and the screen cannot
disagree. HTML with print CSS (A4; the unit and sheet named at the top of every page, «Trang
x/y» at the bottom, header rows repeated), printed to PDF by headless Chromium when asked.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

from cchc_widgets.app.scoring_session import ADJUSTMENTS, ScoringSession
from cchc_widgets.core import clock
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.text import plain
from cchc_widgets.core.vocabulary import APPRAISAL, NOT_APPLICABLE
from cchc_widgets.report import chromium
from cchc_widgets.services.access import record_line

SIGNATURES = {
    "self": ("Người lập phiếu", "Thủ trưởng đơn vị"),
    APPRAISAL: ("Người thẩm định", "Đại diện Sở Nội vụ"),
}


def _e(value: Any) -> str:
    """Text for the page: escaped, without control and invisible characters (a store written
    before text was cleaned as it entered may hold them)."""
    return html.escape(plain("" if value is None else str(value)))


def _points(score: dict[str, Any] | None) -> str:
    if not score or not score["scored"]:
        return ""
    return "KAD" if score["na"] else score["points_shown"]


def _declared(score: dict[str, Any] | None) -> str:
    if not score or not score["scored"]:
        return "chưa chấm"
    return NOT_APPLICABLE if score["na"] else score["shown"]


def sheet_html(session: ScoringSession) -> str:
    """The sheet of the session's unit and stage as one self-contained HTML document."""
    head = session.header()
    appraisal = session.stage == APPRAISAL
    decimals = head["decimals"] if head["decimals"] is not None else 2
    title = f"Phiếu {head['stage_label'].lower()} Chỉ số cải cách hành chính"
    columns = ["Mã", "Nội dung", "Điểm tối đa", "Giá trị kê khai", "Điểm"]
    columns += ["Tự đánh giá", "Lý do thẩm định"] if appraisal else ["Ghi chú / giải trình"]
    columns += ["Tài liệu kiểm chứng"]
    rows_by_code = {row["code"]: row for row in session.rows()}
    body: list[str] = []
    for node in session.cs:
        if not node.is_leaf:
            section = head["sections"][node.code]
            cells = [node.code, node.name, format_number(section["max"], 4), "", format_number(section["points"], 4)]
            cells += [""] * (len(columns) - len(cells))
            body.append(f'<tr class="group level-{node.level}">' + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
            continue
        body.append(_leaf_row(rows_by_code[node.code], appraisal))
    adjustments = [row for code, row in rows_by_code.items() if row["path"] == [ADJUSTMENTS]]
    if adjustments and appraisal:
        body.append(f'<tr class="group"><td></td><td colspan="{len(columns) - 1}">Điểm thưởng, điểm trừ</td></tr>')
        body += [_leaf_row(row, appraisal) for row in adjustments]
    totals = [
        f"Tổng điểm: <strong>{_e(format_number(head['total'], decimals))}</strong> / {_e(format_number(head['max'], decimals))}",
        f"Chỉ số: <strong>{_e(format_number(head['index'], decimals))} %</strong>" if head["index"] is not None else "Chỉ số: —",
        f"Xếp loại: <strong>{_e(head['class'] or '—')}</strong>",
        _e(head["completion"]),
    ]
    if head["survey"] is not None:
        totals.insert(1, f"gồm {_e(format_number(head['survey'], decimals))} điểm khảo sát")
    if head.get("bonus") is not None:
        totals.insert(
            1, f"thưởng +{_e(format_number(head['bonus'], decimals))}, trừ −{_e(format_number(head['penalty'], decimals))}"
        )
    left, right = SIGNATURES[session.stage]
    printed = clock.now().strftime("%H:%M ngày %d/%m/%Y")
    running = f"{head['unit_name']} — {title}, {head['period_name']}"
    header_cells = "".join(f"<th>{_e(c)}</th>" for c in columns)
    widths = [6, 34, 6, 12, 6, *([6, 17] if appraisal else [23]), 13]  # % of the page's width
    colgroup = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"
    state = _e(head["workflow"]) + (" · " + _e(head["submitted"]) if head["submitted"] else "")
    state += ". " + _e(record_line(session.store, session.period))
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{_e(running)}</title>
<style>
@page {{ size: A4 landscape; margin: 16mm 10mm 14mm;
  @top-center {{ content: "{_css_string(running)}"; font: 9pt system-ui, sans-serif; color: #333; }}
  @bottom-right {{ content: "Trang " counter(page) " / " counter(pages); font: 9pt system-ui, sans-serif; }} }}
body {{ font: 10pt system-ui, "Segoe UI", Roboto, sans-serif; color: #111; margin: 0; }}
h1 {{ font-size: 14pt; margin: 0 0 2mm; text-align: center; }}
.meta {{ margin: 0 0 3mm; }} .meta p {{ margin: 0.5mm 0; }}
table {{ border-collapse: collapse; width: 100%; }}
table {{ table-layout: fixed; }}
th, td {{ border: 1px solid #555; padding: 1mm 1.5mm; vertical-align: top; text-align: left; overflow-wrap: break-word; }}
thead {{ display: table-header-group; }} th {{ background: #e8edf2; }}
tr {{ break-inside: avoid; }} tr.group td {{ font-weight: 700; background: #f3f5f7; }}
td:nth-child(3), td:nth-child(5), td:nth-child(6) {{ text-align: right; white-space: nowrap; }}
.totals {{ margin: 3mm 0; font-size: 11pt; }}
.signatures {{ display: flex; justify-content: space-around; margin-top: 6mm; break-inside: avoid; text-align: center; }}
.signatures div {{ width: 40%; min-height: 30mm; }} .signatures em {{ display: block; font-size: 9pt; }}
</style></head><body>
<h1>{_e(title.upper())}</h1>
<div class="meta">
<p>Đơn vị: <strong>{_e(head["unit_name"])}</strong> · Kỳ đánh giá: <strong>{_e(head["period_name"])}</strong></p>
<p>Bộ tiêu chí: {_e(head["criteria_set"])}</p>
<p>Tình trạng: {state}</p>
<p>In lúc {_e(printed)}</p>
</div>
<table>{colgroup}<thead><tr>{header_cells}</tr></thead><tbody>
{"".join(body)}
</tbody></table>
<p class="totals">{" · ".join(totals)}</p>
<div class="signatures"><div><strong>{_e(left)}</strong><em>(ký, ghi rõ họ tên)</em></div>
<div><strong>{_e(right)}</strong><em>(ký, ghi rõ họ tên, đóng dấu)</em></div></div>
</body></html>"""


def _leaf_row(row: dict[str, Any], appraisal: bool) -> str:
    mine = row["mine"] if row["entered"] else row["other"]
    cells = [row["code"], row["name"], row["max_shown"], _declared(mine) if not row["kind"] else "", _points(mine)]
    if appraisal:
        own = row["other"] if not row["kind"] else None
        cells += [_points(own), mine["note"] if mine else ""]
    else:
        cells += [mine["note"] if mine else ""]
    cells += ["; ".join(f["name"] for f in row["files"])]
    return "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>"


def _css_string(text: str) -> str:
    """Text inside a CSS string: quotes and backslashes escaped, no line breaks, nothing invisible."""
    return plain(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def write_sheet(session: ScoringSession, out: Path) -> Path:
    """The sheet as .html, or as .pdf printed by headless Chromium."""
    suffix = out.suffix.lower()
    if suffix not in {".html", ".pdf"}:
        raise ProblemsError([Problem(str(out), "phiếu chấm điểm xuất ra .html hoặc .pdf")])
    text = sheet_html(session)
    if suffix == ".html":
        out.write_text(text, encoding="utf-8")
        return out
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "phieu.html"
        page.write_text(text, encoding="utf-8")
        chromium.print_pdf(page, out, Path(tmp))
    return out
