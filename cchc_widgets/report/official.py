"""The official form drawn in HTML: the heading block (issuing body and its superior, number;
Quốc hiệu, tiêu ngữ, place and date) and the signature block (Nơi nhận, the signer), laid out
as Nghị định 30/2020/NĐ-CP draws them. The annual report, the printed scoring sheet and the
workbook's cover use the same `OfficialForm`, so one edit of the settings file changes all.
"""

from __future__ import annotations

import html
import re
from datetime import date

from cchc_widgets.core.documents import OfficialForm
from cchc_widgets.core.text import plain

# Times New Roman, the decree's font (Liberation Serif has its metrics where it is not installed)
SERIF = '"Times New Roman", "Liberation Serif", Tinos, serif'
CSS = f"""
.official {{ font-family: {SERIF}; color: #000; }}
table.official-head, table.official-sign {{ width: 100%; border-collapse: collapse; table-layout: fixed; margin: 0; }}
table.official-head td, table.official-sign td {{ border: none; padding: 0; vertical-align: top; text-align: center !important;
  background: none; font-size: 12.5pt; line-height: 1.25; }}
table.official-head td:first-child {{ width: 42%; }}
table.official-sign td:first-child {{ width: 50%; text-align: left !important; }}
.official .superior {{ text-transform: uppercase; }}
.official .agency, .official .nation {{ text-transform: uppercase; font-weight: 700; }}
.official .motto {{ font-weight: 700; font-size: 13.5pt; }}
.official .rule {{ display: inline-block; border-bottom: 1px solid #000; padding-bottom: 1px; }}
.official .number {{ margin-top: 3pt; font-size: 13pt; }}
.official .dated {{ margin-top: 6pt; font-style: italic; font-size: 13pt; }}
.official .recipients {{ font-size: 11pt; }} .official .recipients strong {{ font-style: italic; font-size: 12pt; }}
.official .recipients p {{ margin: 0; }}
.official .signer strong {{ display: block; text-transform: uppercase; }}
.official .signer strong.name {{ text-transform: none; }}
.official .signer .space {{ height: 24mm; }}
.official-sign {{ break-inside: avoid; margin-top: 6mm; }}
"""


def _e(text: str) -> str:
    return html.escape(plain(text))


def heading_html(form: OfficialForm, kind: str, day: date, so: str | int | None = None) -> str:
    """The document's first block: who issues it and its number on the left, the nation and the
    place and date on the right."""
    return f"""<table class="official official-head"><tr>
<td><div class="superior">{_e(form.superior)}</div><div class="agency"><span class="rule">{_e(form.agency)}</span></div>
<div class="number">{_e(form.number(kind, so))}</div></td>
<td><div class="nation">{_e(form.national_name)}</div><div class="motto"><span class="rule">{_e(form.motto)}</span></div>
<div class="dated">{_e(form.dated(day))}</div></td></tr></table>"""


KEPT_COPY = re.compile(r"^lưu\b\s*:?\s*", re.IGNORECASE)


def recipient_lines(recipients: tuple[str, ...]) -> list[str]:
    """«Nơi nhận» as Nghị định 30 writes it: each line «- …;», the last «- Lưu: VT, …» closed
    by a full stop (a «Lưu VT» line written without its colon is given one; none at all: the
    office's own copy «Lưu: VT.» is added)."""
    lines = [r.rstrip(" ;.") for r in recipients if r.strip(" ;.")]
    kept = [KEPT_COPY.sub("Lưu: ", line) for line in lines if KEPT_COPY.match(line)]
    others = [line for line in lines if not KEPT_COPY.match(line)]
    return [f"- {line};" for line in others] + [f"- {(kept or ['Lưu: VT'])[-1]}."]


def signature_html(form: OfficialForm, recipients: bool = True) -> str:
    """The closing block: the recipients on the left (a report has them), the signer's authority,
    title, room for the signature and seal, and name on the right."""
    left = ""
    if recipients and form.recipients:
        left = (
            '<div class="recipients"><strong>Nơi nhận:</strong>'
            + "".join(f"<p>{_e(line)}</p>" for line in recipient_lines(form.recipients))
            + "</div>"
        )
    signer = form.signer
    authority = f"<strong>{_e(signer.authority)}</strong>" if signer.authority else ""
    return f"""<table class="official official-sign"><tr><td>{left}</td>
<td class="signer">{authority}<strong>{_e(signer.title)}</strong><div class="space"></div>
<strong class="name">{_e(signer.name)}</strong></td></tr></table>"""
