import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.cli import main
from cchc_widgets.whatif import Scenario


def test_results_workbook_read_back(demo, tmp_path, capsys):
    demo.save_scores(
        "2017",
        pd.DataFrame([{"unit": "so-tu-phap", "code": "1.1.2", "value": "có", "note": '=HYPERLINK("http://x")'}]),
        author="A",
    )
    demo.save_scenario(Scenario("TTHC", "thử", "Lan", weights={"3": 1.5}))
    out = tmp_path / "ket-qua.xlsx"
    assert main(["--db", demo.url, "export", "--period", "2017", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames[0] == "Tổng hợp"
    assert book.sheetnames[-1] == "Kịch bản"
    assert len(book.sheetnames) == 2 + 19
    summary = book["Tổng hợp"]
    assert summary.freeze_panes == "A2"
    assert summary.auto_filter.ref == "A1:O20"
    header = [c.value for c in summary[1]]
    assert header[:3] == ["Hạng", "Mã đơn vị", "Đơn vị"]
    assert header[-1] == "Xếp loại"
    results = demo.score_period("2017").results.set_index("unit")
    for row in summary.iter_rows(min_row=2, values_only=True):
        rank, unit, total, index = row[0], row[1], row[11], row[13]
        assert rank == results.loc[unit, "rank"]
        assert total == pytest.approx(results.loc[unit, "total"])
        assert index == pytest.approx(results.loc[unit, "index"])
    assert summary["N2"].number_format == "0.00"
    assert summary["O2"].fill.fgColor.rgb.endswith(("C8E6C9", "DCEDC8", "FFF9C4", "FFE0B2", "FFCDD2"))
    unit = book["so-tu-phap"]
    rows = {r[0]: r for r in unit.iter_rows(min_row=2, values_only=True)}
    assert rows["1.1.2"][3] == "có"
    assert rows["1.1.2"][7] == '=HYPERLINK("http://x")'
    line = next(c.row for c in unit["A"] if c.value == "1.1.2")
    assert unit.cell(line, 8).value == '=HYPERLINK("http://x")'
    assert unit.cell(line, 8).data_type in {"s", "inlineStr"}  # typed text never becomes a formula ("f")
    assert rows["1"][6] == pytest.approx(
        demo.score_period("2017").nodes.set_index(["unit", "code"]).loc[("so-tu-phap", "1"), "points"]
    )
    assert book["Kịch bản"]["A2"].value == "TTHC"
    assert main(["--db", demo.url, "export", "--out", str(tmp_path / "x.csv")]) == 1
    assert ".xlsx" in capsys.readouterr().err


def test_results_workbook_opens_in_libreoffice(demo, tmp_path):
    import shutil
    import subprocess

    from cchc_widgets.excel import results_workbook

    office = shutil.which("libreoffice")
    assert office, "this test needs libreoffice-calc-nogui (make test installs it)"
    path = tmp_path / "ket-qua.xlsx"
    path.write_bytes(results_workbook(demo, "2017"))
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
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stdout + done.stderr
    pdf = tmp_path / "ket-qua.pdf"
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")
