import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core.whatif import Scenario
from cchc_widgets.report import analysis
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Scope, Writer


def test_results_workbook_read_back(demo, tmp_path, capsys):
    Writer(demo).save_scores(
        Scope("2017"),
        pd.DataFrame([{"unit": "so-tu-phap", "code": "1.1.2", "value": "có", "note": '=HYPERLINK("http://x")'}]),
        "A",
        "test",
    )
    Writer(demo).save_scenario(Scenario("TTHC", "thử", "Lan", weights={"3": 1.5}))
    Writer(demo).save_scenario(Scenario("Nháp", "chưa chốt", "Lan", weights={"4": 2}))  # a draft: not published
    Writer(demo).mark_scenario("TTHC", True)
    out = tmp_path / "ket-qua.xlsx"
    assert main(["--db", demo.url, "export", "--period", "2017", "--out", str(out)]) == 0
    book = load_workbook(out)
    # the demo's two blocks, each an annex: its summary, then its units' sheets
    assert book.sheetnames[:2] == ["Bìa", "Tổng hợp — Sở, ban, ngành"]
    assert book.sheetnames[21] == "Tổng hợp — UBND cấp huyện"
    assert book.sheetnames[-2:] == ["Kịch bản", "Thông tin"]
    assert len(book.sheetnames) == 5 + 19 + 10
    assert book["Thông tin"]["B4"].value.startswith("Số liệu chưa chốt")  # row 1 is the sheet's title
    summary = book["Tổng hợp — Sở, ban, ngành"]
    title = "Phụ lục I: Tổng hợp kết quả Chỉ số CCHC — khối Sở, ban, ngành (phân bổ điểm tham khảo) — Năm 2017"
    assert summary["A1"].value == title
    assert summary.freeze_panes == "A3"
    header = [c.value for c in summary[2]]
    assert summary.auto_filter.ref == f"A2:{summary.cell(2, len(header)).column_letter}21"
    assert header[:3] == ["Hạng", "Mã đơn vị", "Đơn vị"]
    assert header[-1] == "Xếp loại"
    col = {name: i for i, name in enumerate(header)}
    results = score_period(demo, "2017").results.set_index("unit")
    published = analysis.period_view(demo, "2017").results.set_index("unit")  # appraised units ranked, the others not
    for row in summary.iter_rows(min_row=3, max_row=21, values_only=True):
        unit = row[col["Mã đơn vị"]]
        rank = published.loc[unit, "rank"]
        assert row[col["Hạng"]] == ("—" if pd.isna(rank) else rank)
        # published to the set's two places (the default): the cell holds the rounded figure
        assert row[col["Tổng điểm"]] == round(results.loc[unit, "total"], 2)
        assert row[col["Chỉ số (%)"]] == round(results.loc[unit, "index"], 2)
        assert row[col["Điểm khảo sát"]] is None  # the 2017 survey has not come back: blank, not 0
    assert summary.cell(3, col["Chỉ số (%)"] + 1).number_format == "0.00"
    assert summary.cell(3, col["Xếp loại"] + 1).fill.fgColor.rgb.endswith(("C8E6C9", "DCEDC8", "FFF9C4", "FFE0B2", "FFCDD2"))
    unit = book["Sở Tư pháp"]  # a unit's sheet carries its name
    col = {name: i for i, name in enumerate(c.value for c in unit[2])}
    rows = {r[0]: r for r in unit.iter_rows(min_row=3, values_only=True)}
    assert rows["1.1.2"][col["Giá trị kê khai"]] == "Có"
    assert rows["1.1.2"][col["Ghi chú của đơn vị"]] == '=HYPERLINK("http://x")'
    line = next(c.row for c in unit["A"] if c.value == "1.1.2")
    note = unit.cell(line, col["Ghi chú của đơn vị"] + 1)
    assert note.value == '=HYPERLINK("http://x")'
    assert note.data_type in {"s", "inlineStr"}  # typed text never becomes a formula ("f")
    assert rows["KS1"][col["Giá trị kê khai"]] == "chưa có phiếu"
    assert rows["1"][col["Điểm đạt"]] == pytest.approx(
        score_period(demo, "2017").nodes.set_index(["unit", "code"]).loc[("so-tu-phap", "1"), "points"]
    )
    scenarios = [r[:2] for r in book["Kịch bản"].iter_rows(min_row=3, values_only=True)]
    assert scenarios == [("Sở, ban, ngành", "TTHC"), ("UBND cấp huyện", "TTHC")]  # each block's set takes it
    assert main(["--db", demo.url, "export", "--out", str(tmp_path / "x.csv")]) == 1
    assert ".xlsx" in capsys.readouterr().err


@pytest.mark.external  # LibreOffice opens the workbook
def test_results_workbook_opens_in_libreoffice(demo, tmp_path):
    """Opened by an office set to Vietnamese, the figures read the Vietnamese way (decimal comma):
    the cells are numbers with a format, so the office's locale draws the separator and the
    figures still sort and sum."""
    import os
    import shutil
    import subprocess

    from cchc_widgets.core.numbers import format_number
    from cchc_widgets.report.results_workbook import results_workbook

    office = shutil.which("libreoffice")
    assert office, "this test needs libreoffice-calc-nogui (make test installs it)"
    path = tmp_path / "ket-qua.xlsx"
    path.write_bytes(results_workbook(demo, "2016"))  # every sheet kind: summary, units, survey
    done = subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "LANG": "vi_VN.UTF-8", "LC_ALL": "vi_VN.UTF-8"},
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stdout + done.stderr
    pdf = tmp_path / "ket-qua.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    totals = score_period(demo, "2016").results["total"]
    shown = [format_number(t, 2, fixed=True) for t in totals if t != round(t)]
    assert shown
    assert all("," in figure for figure in shown)
    assert all(figure in text for figure in shown), [f for f in shown if f not in text]
    assert not [f for f in shown if f.replace(",", ".") in text], "a total printed with a decimal point"
    # the print set-up: every page A4 landscape; a unit's sheet, longer than a page, repeats its
    # header row on each page; the cover carries the national heading
    from tests.test_report_print import ARTEFACTS, page_sizes

    assert set(page_sizes(pdf)) == {(842, 595)}
    pages = text.split("\f")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0]
    unit_pages = [i for i, page in enumerate(pages) if "Kết quả chấm điểm của Sở Tư pháp" in page]
    assert unit_pages
    follow = pages[unit_pages[0] + 1]
    assert "Lý do thẩm định" in follow, "the header row is not repeated on the sheet's next page"
    assert "Kết quả chấm điểm của Sở Tư pháp" not in follow
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for name, page in (("bia", 1), ("don-vi", unit_pages[0] + 2)):
        args = ["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page)]
        subprocess.run([*args, str(pdf), str(ARTEFACTS / f"so-ket-qua-2016-{name}")], check=True)
