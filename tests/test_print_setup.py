"""Every xlsx a clerk prints prints on A4 (issue 28's audit): the --out tables of `cchc score`,
`ranking`, `differences`, `whatif` and `sensitivity`, the progress and log downloads, the
unit's template to fill and the survey template — each sheet A4, landscape when its columns
are wider than a portrait page holds, every column on the page's width and its header row
repeated on every printed page. Read back from the files the commands write."""

from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc_widgets.cli.main import main

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "criteria" / "examples" / "kich-ban-linh-vuc-1-gap-doi.yaml"


def printed(path: Path) -> dict[str, tuple[str, str | None]]:
    """Each visible sheet's orientation and print titles, once every sheet is checked to be A4,
    fitted to one page's width and as many pages down as it takes."""
    out = {}
    for ws in load_workbook(path).worksheets:
        if ws.sheet_state != "visible":
            continue
        setup = ws.page_setup
        assert int(setup.paperSize) == 9, (path.name, ws.title)  # A4
        assert (setup.fitToWidth or 1) == 1, (path.name, ws.title)  # absent is one page wide
        assert setup.fitToHeight == 0, (path.name, ws.title)
        assert ws.sheet_properties.pageSetUpPr.fitToPage, (path.name, ws.title)
        out[ws.title] = (setup.orientation, ws.print_title_rows)
    return out


@pytest.mark.parametrize(
    ("args", "sheets"),
    [
        (["ranking", "--period", "2017"], {"Xếp hạng": ("landscape", "$1:$1")}),
        (["differences", "--period", "2017"], {"Chênh lệch": ("landscape", "$1:$1")}),
        (["progress", "--period", "2017"], {"Tiến độ": ("landscape", "$1:$1")}),
        (["log", "--period", "2017"], None),
        (["whatif", "--period", "2017", "--scenario", str(SCENARIO)], None),
        (["sensitivity", "--period", "2017", "--samples", "50"], None),
    ],
)
def test_every_out_table_prints_on_a4_with_its_header_repeated(demo, tmp_path, capsys, args, sheets):
    out = tmp_path / "bang.xlsx"
    assert main(["--db", demo.url, *args, "--out", str(out)]) == 0, capsys.readouterr().err
    shown = printed(out)
    assert len(shown) == 1
    ((orientation, titles),) = shown.values()
    assert titles == "$1:$1"  # the header row on every page
    assert orientation in ("portrait", "landscape")
    if sheets is not None:
        assert shown == sheets


def test_a_narrow_table_prints_portrait(tmp_path, capsys):
    criteria = tmp_path / "set.csv"
    criteria.write_text("code,parent,name,max_points\n1,,Chỉ đạo,10\n2,,Thủ tục,10\n", encoding="utf-8")
    scores = tmp_path / "diem.csv"
    scores.write_text("unit,1,2\nu1,4,8\nu2,3,6\n", encoding="utf-8")
    out = tmp_path / "kq.xlsx"
    assert main(["score", "--criteria", str(criteria), "--scores", str(scores), "--out", str(out)]) == 0
    assert printed(out) == {"Kết quả": ("portrait", "$1:$1")}  # seven columns fit across a portrait page


def test_the_templates_print_on_a4_with_their_header_repeated(demo, tmp_path, capsys):
    template = tmp_path / "phieu.xlsx"
    assert main(["--db", demo.url, "template", "--period", "2017", "--unit", "so-tu-phap", "--out", str(template)]) == 0
    assert printed(template) == {"Tự đánh giá": ("landscape", "$4:$4")}  # nine wide columns; the header under the guide
    survey = tmp_path / "khao-sat.xlsx"
    assert main(["--db", demo.url, "survey", "template", "--period", "2017", "--block", "so", "--out", str(survey)]) == 0
    assert printed(survey) == {"Phiếu khảo sát": ("portrait", "$1:$1"), "Hướng dẫn": ("portrait", None)}
