"""The printable scoring sheet: a real PDF printed by Chromium, read back with poppler's
pdftotext page by page — the full tree over several pages, the unit's name and «Trang x / y»
on each, the totals and the signature block — and the same sheet from the form's button."""

import re
import subprocess
from datetime import UTC, datetime

import pandas as pd
import pytest

from cchc_widgets.app.scoring_session import ScoringSession
from cchc_widgets.app.scoring_sheet import sheet_html, write_sheet
from cchc_widgets.app.widgets import ScoringForm
from cchc_widgets.cli.main import main
from cchc_widgets.core import clock
from cchc_widgets.core.numbers import format_number
from cchc_widgets.services.writes import Scope, Writer
from tests.artefacts import ARTEFACTS


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
    assert f"Tổng điểm: {format_number(head['total'], 2, fixed=True)} / {format_number(head['max'], 2, fixed=True)}" in whole
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


LEAF_LINE = re.compile(r"^\s*\d+\.\d+\.\d+\s+\S", re.MULTILINE)  # a sub-criterion's row: «8.5.1  Kết quả…»


@pytest.fixture
def at_23_30_utc():
    """23:30 UTC on 31 January 2027: in the province it is already 06:30 on 1 February."""
    clock.stop_at(datetime(2027, 1, 31, 23, 30, tzinfo=UTC))
    yield
    clock.run_again()


@pytest.mark.external  # Chromium prints the PDF
def test_the_printed_sheet_carries_the_official_form_in_the_provinces_time(demo, tmp_path, at_23_30_utc):
    out = tmp_path / "phieu.pdf"
    write_sheet(ScoringSession(demo, "2016", "so-cong-thuong", "appraisal"), out)
    sizes = subprocess.run(["pdfinfo", "-l", "99", str(out)], capture_output=True, text=True, check=True).stdout
    assert set(re.findall(r"size:\s+([\d.]+ x [\d.]+)", sizes)) == {"841.92 x 594.96"}  # A4 landscape
    pages = pages_of(out)
    first = pages[0]
    for words in ("UBND TỈNH ĐIỆN BIÊN", "SỞ NỘI VỤ", "/PCĐ-SNV", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"):
        assert words in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    assert "Điện Biên, ngày 01 tháng 02 năm 2027" in first  # the province's date, not UTC's 31/01
    assert "In lúc 06:30 ngày 01/02/2027" in first
    assert first.index("CỘNG HÒA") < first.index("PHIẾU THẨM ĐỊNH") < first.index("Đơn vị: Sở Công Thương")
    last = pages[-1]
    for words in ("Người thẩm định", "Đại diện Sở Nội vụ", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn A", "Tổng điểm: 88,35"):
        assert words in last
    assert "Chỉ số: 84,55 %" in last  # the set's two places
    assert "8.3.1" not in first
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for name, page in (("dau", 1), ("cuoi", len(pages))):
        args = ["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(out)]
        subprocess.run([*args, str(ARTEFACTS / f"phieu-tham-dinh-{name}")], check=True)


@pytest.mark.external  # Chromium prints the PDF
def test_totals_and_signatures_never_stand_alone_on_the_last_page(demo, tmp_path):
    """The last page holds table rows above the totals and the signatures: a longer and longer
    reason on the first sub-criterion moves where the table ends down through most of a page,
    so at some lengths the closing block would fall alone onto a page of its own."""
    writer = Writer(demo)
    alone = []
    for sentences in range(0, 29, 4):
        reason = " ".join(["Đã đối chiếu hồ sơ lưu tại đơn vị, đúng quy định."] * sentences) or "Đúng"
        row = {"unit": "so-cong-thuong", "code": "1.1.1", "value": "Ban hành đúng thời hạn", "stage": "appraisal", "note": reason}
        writer.save_scores(Scope("2016"), pd.DataFrame([row]), "Tổ thẩm định", "test")
        out = tmp_path / f"phieu-{sentences}.pdf"
        write_sheet(ScoringSession(demo, "2016", "so-cong-thuong", "appraisal"), out)
        last = pages_of(out)[-1]
        assert "Tổng điểm" in last
        assert "Nguyễn Văn A" in last
        if not LEAF_LINE.search(last.split("Tổng điểm")[0]):
            alone.append(sentences)
    assert alone == []


CODE_LINE = re.compile(r"^\s*(\d+(?:\.\d+)*)\s+\S", re.MULTILINE)  # a row of the table: its code first


@pytest.mark.external  # Chromium prints the PDF
@pytest.mark.parametrize(("unit", "stage"), [("so-tu-phap", "appraisal"), ("so-cong-thuong", "self")])
def test_no_heading_row_stands_alone_at_a_pages_foot(demo, tmp_path, unit, stage):
    """A domain's or criterion's heading row goes onto its page with its first rows: read back
    page by page, the last row printed on every page is a sub-criterion, never a heading (the
    clerk found headings alone at the foot of pages 1 and 3–7). The body is printed in Times
    New Roman's metrics (Liberation Serif), as Nghị định 30 asks, not DejaVu Sans."""
    out = tmp_path / "phieu.pdf"
    session = ScoringSession(demo, "2016", unit, stage)
    write_sheet(session, out)
    pages = pages_of(out)
    assert len(pages) > 4
    for number, text in enumerate(pages[:-1], start=1):
        codes = [code for code in CODE_LINE.findall(text) if code in session.cs.nodes]
        assert codes, f"trang {number}"
        assert session.cs[codes[-1]].is_leaf, f"trang {number} kết thúc bằng tiêu đề {codes[-1]}"
    if stage == "self":  # a note is text: it starts at its column's left edge, as its header does, and wraps
        xml = subprocess.run(["pdftotext", "-bbox", "-f", "2", "-l", "2", str(out), "-"], capture_output=True, text=True).stdout
        starts = {
            w: [float(x) for x, word in re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', xml) if word == w]
            for w in ("Ghi", "Tài")
        }
        notes = [x for x in starts["Tài"] if x < starts["Ghi"][0] + 150]  # «Tài liệu kiểm chứng lưu…», not the next header
        assert notes
        assert all(abs(x - starts["Ghi"][0]) < 3 for x in notes), starts
    fonts = subprocess.run(["pdffonts", "-f", "2", "-l", "2", str(out)], capture_output=True, text=True, check=True).stdout
    assert "LiberationSerif" in fonts  # page 2 holds only the table: its text is the body's font
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTEFACTS.glob(f"phieu-{unit}-{stage}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(ARTEFACTS / f"phieu-{unit}-{stage}")], check=True)


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_criterion_nothing_under_which_applies_shows_its_maximum(store):
    """«Điểm tối đa» of a domain whose every item is N/A is its maximum, its points the set's word."""
    from cchc_widgets.core.criteria import load_dict
    from tests.conftest import two_manual_items

    doc = two_manual_items([("Tốt", 80), ("Khá", 0)], rounding={"decimals": 3}, na_label="K.A.D")
    for item in doc["criteria"][0]["children"]:
        item["allow_na"] = True
    store.add_period("2024", "Năm 2024", load_dict(doc))
    store.add_units(pd.DataFrame({"id": ["u1"], "name": ["Sở Thử"]}), period="2024")
    rows = [{"unit": "u1", "code": c, "value": "N/A", "na": True, "stage": "self"} for c in ("A1", "A2")]
    Writer(store).save_scores(Scope("2024"), pd.DataFrame(rows), "Người thử", "test")
    text = sheet_html(ScoringSession(store, "2024", "u1", "self"))
    row = re.search(r'<tr class="group level-1">(.*?)</tr>', text).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[:5] == ["A", "Lĩnh vực A", "100,000", "", "K.A.D"]


def test_an_appraisal_under_way_is_printed_as_provisional_with_no_class(demo):
    """2017's appraisal is under way: Ban Dân tộc has none yet, Sở Tư pháp has one. A sheet
    headed for the appraiser's signature must not print the unit's own points as the verdict."""
    waiting = ScoringSession(demo, "2017", "ban-dan-toc", "appraisal")
    head = waiting.header()
    assert head["provisional"]
    assert head["done"] < head["leaves"]
    assert head["class"] is None
    html = sheet_html(waiting)
    assert f"Chưa thẩm định xong</strong>: {head['done']}/{head['leaves']} tiêu chí đã thẩm định" in html
    assert "chưa xếp loại" in html
    assert "Xếp loại: <strong>" not in html
    done = ScoringSession(demo, "2016", "so-tu-phap", "appraisal")  # appraised in full
    head = done.header()
    assert not head["provisional"]
    assert head["class"]
    assert f"Xếp loại: <strong>{head['class']}</strong>" in sheet_html(done)
    own = ScoringSession(demo, "2017", "ban-dan-toc", "self")  # the unit's own sheet keeps its class
    assert not own.header()["provisional"]
    assert own.header()["class"]



def test_the_units_own_sheet_is_headed_by_the_unit(demo):
    """A self-assessment is the unit's document, signed by its head: under the province's
    committee it names the unit, not Sở Nội vụ, and its number's symbol is left to the unit."""
    own = sheet_html(ScoringSession(demo, "2016", "so-tu-phap", "self"))
    head = own[own.index('<table class="official official-head">') : own.index("</table>")]
    assert "UBND TỈNH ĐIỆN BIÊN" in head
    assert "SỞ TƯ PHÁP" in head
    assert "SỞ NỘI VỤ" not in head
    assert "SNV" not in head
    appraised = sheet_html(ScoringSession(demo, "2016", "so-tu-phap", "appraisal"))
    assert "/PCĐ-SNV" in appraised  # the appraisal is Sở Nội vụ's
