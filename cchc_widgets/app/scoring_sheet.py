"""The printable scoring sheet (phiếu chấm điểm) a unit signs and files: every criterion of one
unit and stage with what was declared, the points, notes, evidence file names and appraisal
reasons, the totals, the period's state and the signatures.

It is drawn from the same `ScoringSession` the form shows, so the paper and the screen cannot
disagree. It carries Nghị định 30/2020/NĐ-CP's form from the document settings (issuing body
and its superior, number, Quốc hiệu and tiêu ngữ, place and the province's date; the signer
as the settings name them under the stage's signing labels). HTML with print CSS (A4
landscape; the unit and sheet named at the top of every page, «Trang x/y» at the bottom,
header rows repeated; the table's last rows, the totals and the signatures kept on one page),
printed to PDF by headless Chromium when asked.
"""

from __future__ import annotations

import dataclasses
import html
import tempfile
from pathlib import Path
from typing import Any

from cchc_widgets.app.scoring_session import ADJUSTMENTS, ScoringSession
from cchc_widgets.core import clock
from cchc_widgets.core.documents import OfficialForm, load_official_form
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.text import plain
from cchc_widgets.core.vocabulary import APPRAISAL, NOT_APPLICABLE
from cchc_widgets.report import chromium
from cchc_widgets.report.official import CSS as OFFICIAL_CSS
from cchc_widgets.report.official import SERIF, heading_html
from cchc_widgets.services.access import record_line

SIGNATURES = {
    "self": ("Người lập phiếu", "Thủ trưởng đơn vị"),
    APPRAISAL: ("Người thẩm định", "Đại diện Sở Nội vụ"),
}
KEPT_ROWS = 2  # the table's last rows that go with the totals and signatures onto their page
NUMBERS = (2, 4)  # the columns of figures (maximum, points), and in an appraisal the unit's own points (5)
LEAD_ROWS = 2  # the rows under a domain's or criterion's heading that a page break never separates from it


def _e(value: Any) -> str:
    """Text for the page: escaped, without control and invisible characters (a store written
    before text was cleaned as it entered may hold them)."""
    return html.escape(plain("" if value is None else str(value)))


def _points(score: dict[str, Any] | None) -> str:
    """Points as the form's row shows them (`scoring_view.points_shown`): the set's places,
    signed for a bonus or penalty; an item that does not apply, the set's word."""
    return score["points_shown"] if score and score["scored"] else ""


def _declared(score: dict[str, Any] | None) -> str:
    if not score or not score["scored"]:
        return "chưa chấm"
    return NOT_APPLICABLE if score["na"] else score["shown"]


def sheet_html(session: ScoringSession, form: OfficialForm | None = None) -> str:
    """The sheet of the session's unit and stage as one self-contained HTML document, in the
    form of the document settings (`form`, else the settings file in use)."""
    form = form or load_official_form()
    head = session.header()
    if session.stage != APPRAISAL:  # the unit's own sheet, signed by its head: headed by the unit, its symbol by hand
        form = dataclasses.replace(form, agency=head["unit_name"].upper(), numbers={"phieu": "{so}/"})
    appraisal = session.stage == APPRAISAL
    decimals, na = head["decimals"], head["na_label"]
    title = f"Phiếu {head['stage_label'].lower()} Chỉ số cải cách hành chính"
    columns = ["Mã", "Nội dung", "Điểm tối đa", "Giá trị kê khai", "Điểm"]
    columns += ["Tự đánh giá", "Lý do thẩm định"] if appraisal else ["Ghi chú / giải trình"]
    columns += ["Tài liệu kiểm chứng"]
    rows_by_code = {row["code"]: row for row in session.rows()}
    body: list[str] = []
    for node in session.cs:
        if not node.is_leaf:
            section = head["sections"][node.code]
            fixed = [format_number(section[k], decimals, fixed=True) for k in ("max", "points")]
            if section["na"]:  # nothing under it applies: its maximum as the set has it, the set's word for points
                fixed = [format_number(node.max_points, decimals, fixed=True), na]
            cells = [node.code, node.name, fixed[0], "", fixed[1]]
            cells += [""] * (len(columns) - len(cells))
            body.append(f'<tr class="group level-{node.level}">' + _cells(cells, NUMBERS) + "</tr>")
            continue
        body.append(_leaf_row(rows_by_code[node.code], appraisal))
    adjustments = [row for code, row in rows_by_code.items() if row["path"] == [ADJUSTMENTS]]
    if adjustments and appraisal:
        body.append(f'<tr class="group"><td></td><td colspan="{len(columns) - 1}">Điểm thưởng, điểm trừ</td></tr>')
        body += [_leaf_row(row, appraisal) for row in adjustments]

    def fig(key: str) -> str:
        return _e(format_number(head[key], decimals, fixed=True))

    totals = [
        f"Tổng điểm: <strong>{fig('total')}</strong> / {fig('max')}",
        f"Chỉ số: <strong>{fig('index')} %</strong>" if head["index"] is not None else "Chỉ số: —",
        f"Xếp loại: <strong>{_e(head['class'] or '—')}</strong>",
        _e(head["completion"]),
    ]
    if head["provisional"]:  # nothing here may read as the appraisal's verdict, ready to sign
        totals = [
            f"<strong>Chưa thẩm định xong</strong>: {head['done']}/{head['leaves']} tiêu chí đã thẩm định",
            f"tổng tạm tính {fig('total')} / {fig('max')} (mục chưa thẩm định lấy điểm tự đánh giá)",
            "chưa có chỉ số chính thức, chưa xếp loại",
        ]
    if head["survey"] is not None:
        totals.insert(1, f"gồm {fig('survey')} điểm khảo sát")
    if head.get("bonus") is not None:
        totals.insert(1, f"thưởng +{fig('bonus')}, trừ −{fig('penalty')}")
    printed = clock.now().strftime("%H:%M ngày %d/%m/%Y")  # the province's time
    running = f"{head['unit_name']} — {title}, {head['period_name']}"
    header_cells = "".join(f"<th>{_e(c)}</th>" for c in columns)
    widths = [6, 34, 6, 12, 6, *([6, 17] if appraisal else [23]), 13]  # % of the page's width
    colgroup = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"
    state = _e(head["workflow"]) + (" · " + _e(head["submitted"]) if head["submitted"] else "")
    state += ". " + _e(record_line(session.store, session.period))
    kept = min(KEPT_ROWS, len(body) - 1)
    # the last rows, the totals and the signatures in one box a page break cannot split, in a row
    # of the table: where it moves to a new page, the table's header is repeated above it
    last = f"""<table class="sheet end">{colgroup}<tbody>{"".join(body[len(body) - kept :])}</tbody></table>"""
    closing = f'''<tr class="closing"><td colspan="{len(columns)}"><div class="closing">{last}
<p class="totals">{" · ".join(totals)}</p>
{_signatures(form, session.stage, head["unit_name"])}</div></td></tr>'''
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{_e(running)}</title>
<style>
@page {{ size: A4 landscape; margin: 16mm 10mm 14mm;
  @top-center {{ content: "{_css_string(running)}"; font: 9pt system-ui, sans-serif; color: #333; }}
  @bottom-right {{ content: "Trang " counter(page) " / " counter(pages); font: 9pt system-ui, sans-serif; }} }}
body {{ font: 10pt {SERIF}; color: #111; margin: 0; }}
{OFFICIAL_CSS}
table.official-head {{ margin-bottom: 4mm; }}
h1 {{ font-size: 14pt; margin: 0 0 2mm; text-align: center; }}
.meta {{ margin: 0 0 3mm; }} .meta p {{ margin: 0.5mm 0; }}
table.sheet {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
.sheet th, .sheet td {{ border: 1px solid #555; padding: 1mm 1.5mm; vertical-align: top; text-align: left;
  overflow-wrap: break-word; }}
.sheet thead {{ display: table-header-group; }} .sheet th {{ background: #e8edf2; }}
.sheet tr, .sheet tbody.keep {{ break-inside: avoid; }}
.sheet tr.group td {{ font-weight: 700; background: #f3f5f7; }}
.sheet tr.closing > td {{ border: none; padding: 0; }}
div.closing {{ display: inline-block; width: 100%; vertical-align: top; }} /* atomic: a page break never splits it */
table.end tr:first-child td {{ border-top: none; }}
.sheet td.num {{ text-align: right; white-space: nowrap; }}
.totals {{ margin: 3mm 0; font-size: 11pt; }}
table.official-sign td.signing {{ text-align: center !important; }}
.official-sign .label {{ display: block; font-weight: 700; }} .official-sign em {{ display: block; font-size: 10pt; }}
</style></head><body>
{heading_html(form, "phieu", clock.today())}
<h1>{_e(title.upper())}</h1>
<div class="meta">
<p>Đơn vị: <strong>{_e(head["unit_name"])}</strong> · Kỳ đánh giá: <strong>{_e(head["period_name"])}</strong></p>
<p>Bộ tiêu chí: {_e(head["criteria_set"])}</p>
<p>Tình trạng: {state}</p>
<p>In lúc {_e(printed)}</p>
</div>
<table class="sheet">{colgroup}<thead><tr>{header_cells}</tr></thead>
{_kept_with_headings(body[: len(body) - kept])}
<tbody>{closing}</tbody></table>
</body></html>"""


def _kept_with_headings(rows: list[str]) -> str:
    """The table's rows in row groups: each run of heading rows (a domain, then its first
    criterion) with the `LEAD_ROWS` rows under it in a group a page break cannot split
    (Chromium honours `break-inside: avoid` on a row group), the other rows in plain groups;
    so no heading stands alone at a page's foot."""
    out: list[str] = []
    run: list[str] = []
    lead = -1  # below 0: `run` holds plain rows; else how many rows follow its headings so far
    for row in rows:
        if row.startswith('<tr class="group'):
            if lead != 0:  # plain rows, or headings that have their rows: that group is complete
                out.append(_row_group(run, keep=lead > 0))
                run, lead = [], 0
            run.append(row)
            continue
        run.append(row)
        if lead >= 0:
            lead += 1
            if lead == LEAD_ROWS:
                out.append(_row_group(run, keep=True))
                run, lead = [], -1
    out.append(_row_group(run, keep=lead >= 0))
    return "".join(out)


def _row_group(rows: list[str], keep: bool) -> str:
    if not rows:
        return ""
    return f'<tbody class="{"keep" if keep else "rows"}">' + "".join(rows) + "</tbody>"


def _signatures(form: OfficialForm, stage: str, unit_name: str) -> str:
    """Who signs: on the left the person who filled the sheet (ký, ghi rõ họ tên); on the right
    the stage's approver — the unit's head for a self-assessment, and for an appraisal the
    issuing body's signer as the document settings name them (authority, title, room for the
    signature and seal, name)."""
    left, right = SIGNATURES[stage]
    if stage == APPRAISAL:
        signer = form.signer
        authority = f"<strong>{_e(signer.authority)}</strong>" if signer.authority else ""
        name = f'<strong class="name">{_e(signer.name)}</strong>'
        by_settings = f'{authority}<strong>{_e(signer.title)}</strong><div class="space"></div>{name}'
    else:
        by_settings = f'<strong>{_e(unit_name)}</strong><em>(ký, ghi rõ họ tên, đóng dấu)</em><div class="space"></div>'
    return f"""<table class="official official-sign"><tr>
<td class="signing"><span class="label">{_e(left)}</span><em>(ký, ghi rõ họ tên)</em><div class="space"></div></td>
<td class="signer"><span class="label">{_e(right)}</span>{by_settings}</td></tr></table>"""


def _leaf_row(row: dict[str, Any], appraisal: bool) -> str:
    mine = row["mine"] if row["entered"] else row["other"]
    cells = [
        row["code"],
        row["name"],
        row["max_shown"],
        _declared(mine) if not row["kind"] else "",
        _points(mine),
    ]
    if appraisal:
        own = row["other"] if not row["kind"] else None
        cells += [_points(own), mine["note"] if mine else ""]
    else:
        cells += [mine["note"] if mine else ""]
    cells += ["; ".join(f["name"] for f in row["files"])]
    return "<tr>" + _cells(cells, (*NUMBERS, 5) if appraisal else NUMBERS) + "</tr>"


def _cells(cells: list[Any], numbers: tuple[int, ...]) -> str:
    """A row's cells, the figures (`numbers`: their positions) right-aligned on one line."""
    return "".join(f'<td class="num">{_e(c)}</td>' if i in numbers else f"<td>{_e(c)}</td>" for i, c in enumerate(cells))


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
