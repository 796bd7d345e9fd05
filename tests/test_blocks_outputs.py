"""What a period of two blocks of units publishes: the results workbook and the annual report
give each block a part of its own, as a decision's annexes are — its ranking on its own set,
its label in every title — and the analyses take one block at a time. (The store of
`test_blocks`: departments on `two_manual_items`, districts on the small set.)"""

import io
import re

import pandas as pd
from openpyxl import load_workbook

from cchc_widgets.files.unit_tables import read_units
from cchc_widgets.report import analysis
from cchc_widgets.report import annual as report
from cchc_widgets.report.results_workbook import results_workbook
from tests.test_blocks import PERIOD, SCORES, UNITS, blocks, save

__all__ = ["blocks"]


def _rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=3) if row[1].value]


def test_the_workbook_gives_each_block_an_annex_ranked_on_its_own_set(blocks):
    save(blocks, SCORES)
    book = load_workbook(io.BytesIO(results_workbook(blocks, PERIOD)))
    assert book.sheetnames == [
        "Bìa", "Tổng hợp — Sở, ban, ngành", "Sở Một", "Sở Hai",
        "Tổng hợp — UBND cấp huyện", "Huyện Hai", "Huyện Một", "Thông tin",
    ]  # fmt: skip
    departments, districts = book["Tổng hợp — Sở, ban, ngành"], book["Tổng hợp — UBND cấp huyện"]
    assert departments["A1"].value == "Phụ lục I: Tổng hợp kết quả Chỉ số CCHC — khối Sở, ban, ngành — Năm 2020"
    assert districts["A1"].value == "Phụ lục II: Tổng hợp kết quả Chỉ số CCHC — khối UBND cấp huyện — Năm 2020"
    header = [c.value for c in districts[2]]
    ranked = {r[header.index("Mã đơn vị")]: r[header.index("Hạng")] for r in _rows(districts)}
    assert ranked == {"h2": 1, "h1": 2}  # ranked among the districts only
    assert [c.value for c in departments[2]][4] == "LV A"  # each annex's own domains
    assert header[4] == "LV D1"
    tree = [r[0] for r in book["Huyện Một"].iter_rows(min_row=3, values_only=True)]
    assert "L3" in tree
    assert "A1" not in tree  # a district's sheet is its own set's tree
    cover = {r[0].value: r[1].value for r in book["Bìa"].iter_rows() if r[0].value}
    assert cover["Bộ tiêu chí — khối UBND cấp huyện"].startswith("Bộ huyện thử")
    assert cover["Số đơn vị"] == 4


def test_the_report_has_a_part_per_block_and_names_the_block(blocks):
    save(blocks, SCORES)
    views = analysis.block_views(blocks, PERIOD)
    assert [(v.block, v.label) for v in views] == [("so", "Sở, ban, ngành"), ("huyen", "UBND cấp huyện")]
    departments, districts = views
    assert departments.cs.id == "hai-muc"
    assert districts.cs.id == "huyen-thu"
    assert districts.results["unit"].tolist() == ["h2", "h1"]
    assert districts.results["rank"].tolist() == [1, 2]
    assert analysis.facts(districts)[0].startswith("Dẫn đầu Năm 2020: Huyện Hai")
    table = report.results_table(districts)
    assert table["Đơn vị"].tolist() == ["Huyện Hai", "Huyện Một"]
    assert "khối UBND cấp huyện: 2 đơn vị · bộ tiêu chí: Bộ huyện thử" in report.title(views)
    opening = report.opening(districts, None, 2).html  # the annex heading, in two phrases, on its highlights
    read = re.sub(r"<[^>]+>", "|", opening)
    assert "Phụ lục II.| |Kết quả khối UBND cấp huyện|||Những điểm chính — khối UBND cấp huyện" in read
    assert '<span class="cchc-phrase">Kết quả khối UBND cấp huyện</span>' in opening
    assert "2 đơn vị đứng đầu: Huyện Hai, Huyện Một." in analysis.facts(districts)  # two ranked: not «3 đơn vị đứng đầu»
    assert "<li>2 đơn vị đứng đầu: Huyện Hai, Huyện Một.</li>" in opening
    assert report.named("Kết quả xếp hạng", districts, True) == "Kết quả xếp hạng — khối UBND cấp huyện"
    assert report.named("Kết quả xếp hạng", districts, False) == "Kết quả xếp hạng"
    assert analysis.period_view(blocks, PERIOD).block == "so"  # no block named: the first


def test_a_period_of_one_set_reports_as_before(tmp_path):
    """One set for every unit: one view, no annex, the title as it was."""
    from cchc_widgets.services.writes import Writer
    from cchc_widgets.store.database import Store
    from tests.test_blocks import department_set

    store = Store(f"sqlite:///{tmp_path / 'one.db'}")
    Writer(store).set_up_period(PERIOD, "Năm 2020", department_set(), UNITS.drop(columns="block"))
    save(store, SCORES[:4])
    views = analysis.block_views(store, PERIOD)
    assert len(views) == 1
    assert report.title(views).startswith("2 đơn vị · bộ tiêu chí: Bộ thử hai mục (phiên bản")  # the two scored
    book = load_workbook(io.BytesIO(results_workbook(store, PERIOD)))
    assert book.sheetnames[1] == "Tổng hợp"
    assert book["Tổng hợp"]["A1"].value == "Tổng hợp kết quả Chỉ số CCHC — Năm 2020"
    store.close()


def test_a_units_table_without_blocks_keeps_each_units_block(blocks, tmp_path):
    """A period set up again from a plain list of names (to rename a unit) moves no unit out of
    its block: the table says nothing about blocks."""
    from cchc_widgets.services.writes import Writer
    from tests.test_blocks import department_set, district_set

    save(blocks, SCORES)
    path = tmp_path / "ten.csv"
    path.write_text("id,name\ns1,Sở Một (tên mới)\nh1,Huyện Một\n", encoding="utf-8")
    units = read_units(path)
    assert "block" not in units.columns
    Writer(blocks).set_up_period(PERIOD, "Năm 2020", department_set(), units, {"so": department_set(), "huyen": district_set()})
    assert blocks.units(PERIOD).set_index("id")["block"].to_dict() == {"h1": "huyen", "h2": "huyen", "s1": "so", "s2": "so"}
    assert pd.Series(blocks.unit_names(PERIOD))["s1"] == "Sở Một (tên mới)"
