"""The printable scoring sheet: a real PDF printed by Chromium, read back with poppler's
pdftotext page by page — the full tree over several pages, the unit's name and «Trang x / y»
on each, the totals and the signature block — and the same sheet from the form's button."""

import subprocess

import pandas as pd
import pytest

from cchc_widgets.app.scoring_session import ScoringSession
from cchc_widgets.app.scoring_sheet import sheet_html
from cchc_widgets.app.widgets import ScoringForm
from cchc_widgets.cli.main import main
from cchc_widgets.core.numbers import format_number


def pages_of(pdf) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for i in range(1, count + 1)
    ]


@pytest.mark.external  # Chromium prints the PDF
def test_the_printed_sheet_has_every_criterion_on_numbered_pages(demo, tmp_path):
    out = tmp_path / "phieu.pdf"
    assert (
        main(["--db", demo.url, "sheet", "--period", "2016", "--unit", "so-tu-phap", "--stage", "appraisal", "--out", str(out)])
        == 0
    )
    pages = pages_of(out)
    assert len(pages) > 2  # the whole tree, not one screen
    for number, text in enumerate(pages, start=1):
        assert "Sở Tư pháp — Phiếu thẩm định" in text
        assert f"Trang {number} / {len(pages)}" in text
    whole = "\n".join(pages)
    session = ScoringSession(demo, "2016", "so-tu-phap", "appraisal")
    missing = [code for code in session.cs.leaf_codes if f"{code} " not in whole]
    assert missing == []
    head = session.header()
    assert f"Tổng điểm: {format_number(head['total'], 2)} / {format_number(head['max'], 2)}" in whole
    assert "Người thẩm định" in pages[-1]
    assert "Đại diện Sở Nội vụ" in pages[-1]
    reasons = demo.scores("2016", "so-tu-phap", "appraisal")
    reason = reasons.loc[reasons["note"] != "", "note"].iloc[0]
    assert reason.split()[0] in whole  # appraisal reasons are printed


def test_the_unit_sheet_as_html_and_refusals(demo, tmp_path, capsys):
    out = tmp_path / "phieu.html"
    assert main(["--db", demo.url, "sheet", "--unit", "so-tu-phap", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert '<html lang="vi">' in text
    assert "PHIẾU TỰ ĐÁNH GIÁ" in text
    assert "Thủ trưởng đơn vị" in text
    assert "Tài liệu kiểm chứng lưu tại đơn vị" in text  # the unit's notes
    assert main(["--db", demo.url, "sheet", "--unit", "so-tu-phap", "--out", str(tmp_path / "x.docx")]) == 1
    assert ".pdf hoặc .html" in capsys.readouterr().err
    assert main(["--db", demo.url, "sheet", "--unit", "khong-co", "--out", str(out)]) == 1
    assert "khong-co" in capsys.readouterr().err


@pytest.mark.external  # Chromium prints the PDF
def test_the_forms_button_sends_the_pdf(demo):
    form = ScoringForm.from_query(demo, "?unit=so-tu-phap&period=2017&stage=self")
    sent = []
    form.send = lambda content, buffers=None: sent.append((content, buffers))
    form._on_message(form, {"type": "sheet"}, [])
    content, buffers = sent[-1]
    assert content == {"type": "file", "name": "phieu-tu-danh-gia-so-tu-phap-2017.pdf", "mime": "application/pdf"}
    assert bytes(buffers[0]).startswith(b"%PDF")


def test_text_in_the_sheet_is_escaped(demo):
    from cchc_widgets.services.writes import Scope, Writer

    row = {"unit": "so-tu-phap", "code": "1.1.2", "value": "có", "note": "<script>x()</script>"}
    Writer(demo).save_scores(Scope("2017"), pd.DataFrame([row]), "A", "t")
    text = sheet_html(ScoringSession(demo, "2017", "so-tu-phap", "self"))
    assert "<script>x()</script>" not in text
    assert "&lt;script&gt;x()&lt;/script&gt;" in text
