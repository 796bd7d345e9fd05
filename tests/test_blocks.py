"""Blocks of units (khối): departments (`so`) and districts (`huyen`) assessed in one period,
each block on its own criteria set, indexed, classed and ranked only among its own units.

The department block here is scored on `two_manual_items` (codes A1, A2: a unit's index is
its total), the district block on the small set (codes L1–L4): a code of one block's set is
not one of the other's, so every path that picked the wrong set shows it."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.files.templates import HEADER_ROW, VALUE
from cchc_widgets.files.unit_tables import read_units
from cchc_widgets.report.published import published_results
from cchc_widgets.services import imports, progress
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store
from tests.conftest import SMALL, two_manual_items

PERIOD = "2020"
UNITS = pd.DataFrame(
    {
        "id": ["s1", "s2", "h1", "h2"],
        "name": ["Sở Một", "Sở Hai", "Huyện Một", "Huyện Hai"],
        "block": ["so", "so", "huyen", "huyen"],
        "group": ["", "", "", ""],
        "ranked": [True] * 4,
    }
)


def department_set():
    return load_dict(two_manual_items([("Tốt", 80), ("Khá", 0)]))


def district_set(**extra):
    return load_dict({**SMALL, "id": "huyen-thu", "name": "Bộ huyện thử", **extra})


@pytest.fixture
def blocks(tmp_path):
    """A store whose period 2020 assesses two blocks on two sets, no score yet."""
    store = Store(f"sqlite:///{tmp_path / 'blocks.db'}", evidence_dir=tmp_path / "evidence")
    writer = Writer(store)
    writer.set_up_period(PERIOD, "Năm 2020", department_set(), UNITS, {"so": department_set(), "huyen": district_set()})
    yield store
    store.close()


def save(store, rows, scope=None):
    return Writer(store).save_scores(scope or Scope(PERIOD), pd.DataFrame(rows), "A", "test")


SCORES = [
    {"unit": "s1", "code": "A1", "points": 40},
    {"unit": "s1", "code": "A2", "points": 45},  # 85
    {"unit": "s2", "code": "A1", "points": 30},
    {"unit": "s2", "code": "A2", "points": 30},  # 60
    {"unit": "h1", "code": "L1", "value": "có"},
    {"unit": "h1", "code": "L2", "value": "b"},
    {"unit": "h1", "code": "L3", "points": 2},
    {"unit": "h1", "code": "L4", "value": "80"},  # 1 + 1,5 + 2 + 4 = 8,5 of 10
    {"unit": "h2", "code": "L1", "value": "có"},
    {"unit": "h2", "code": "L2", "value": "a"},
    {"unit": "h2", "code": "L3", "points": 2},
    {"unit": "h2", "code": "L4", "value": "90"},  # 10 of 10
]


def test_each_unit_is_given_its_blocks_set_and_the_period_lists_its_blocks_in_order(blocks):
    assert blocks.criteria_for(PERIOD, unit="h1").id == "huyen-thu"
    assert blocks.criteria_for(PERIOD, unit="s2").id == "hai-muc"
    assert blocks.criteria_for(PERIOD, block="huyen").id == "huyen-thu"
    assert list(blocks.blocks(PERIOD)) == ["so", "huyen"]
    assert blocks.units(PERIOD).set_index("id")["block"].to_dict() == {"h1": "huyen", "h2": "huyen", "s1": "so", "s2": "so"}


def test_a_period_of_one_set_has_one_block(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'one.db'}")
    Writer(store).set_up_period(PERIOD, "Năm 2020", department_set(), UNITS.drop(columns="block"))
    assert list(store.blocks(PERIOD)) == [""]
    assert store.criteria_for(PERIOD, unit="h1").id == "hai-muc"


def test_one_save_writes_rows_of_both_blocks_each_checked_against_its_own_set(blocks):
    report = save(blocks, SCORES)
    assert report.inserted == len(SCORES)
    stored = blocks.scores(PERIOD)
    assert stored.set_index(["unit", "code"]).loc[("h1", "L2"), "points"] == 1.5


def test_a_code_of_the_other_blocks_set_is_refused_naming_the_unit_and_the_code(blocks):
    with pytest.raises(ProblemsError) as refused:
        save(blocks, [{"unit": "s1", "code": "A1", "points": 10}, {"unit": "h1", "code": "A1", "points": 10}])
    text = str(refused.value)
    assert "đơn vị 'h1' thuộc khối UBND cấp huyện: mã 'A1' không có trong bộ tiêu chí 'huyen-thu'" in text
    assert len(blocks.scores(PERIOD)) == 0  # nothing written, not even the department's good row
    with pytest.raises(ProblemsError, match="đơn vị 's1' thuộc khối Sở, ban, ngành: mã 'L3'"):
        save(blocks, [{"unit": "s1", "code": "L3", "points": 1}], scope=Scope(PERIOD, "s1", "self"))


def test_results_are_indexed_classed_and_ranked_within_each_block(blocks):
    save(blocks, SCORES)
    results = score_period(blocks, PERIOD).results.set_index("unit")
    assert results["block"].to_dict() == {"s1": "so", "s2": "so", "h1": "huyen", "h2": "huyen"}
    assert results["index"].to_dict() == pytest.approx({"s1": 85, "s2": 60, "h1": 85, "h2": 100})
    assert results["rank"].to_dict() == {"s1": 1, "s2": 2, "h1": 2, "h2": 1}  # one rank 1 in each block
    assert results["class"].to_dict() == {"s1": "Tốt", "s2": "Khá", "h1": "Tốt", "h2": "Tốt"}
    published, _ = published_results(blocks, PERIOD)
    assert published.set_index("unit")["rank"].to_dict() == {"s1": 1, "s2": 2, "h1": 2, "h2": 1}


def test_progress_counts_each_unit_against_its_own_sets_items(blocks):
    save(blocks, SCORES[:3])  # s1 two of two, s2 one of two
    table = progress.progress(blocks, PERIOD).set_index("unit")
    assert table["leaves"].to_dict() == {"h1": 4, "h2": 4, "s1": 2, "s2": 2}
    assert table["scored"].to_dict() == {"h1": 0, "h2": 0, "s1": 2, "s2": 1}
    assert "Khối" in progress.readable_table(table.reset_index()).columns


def test_a_districts_template_is_built_from_its_blocks_set_and_read_back_against_it(blocks, tmp_path):
    data = imports.template(blocks, PERIOD, "h1")
    book = load_workbook(io.BytesIO(data))
    ws = book.active
    codes = [c.value for c in ws["A"][HEADER_ROW:]]
    assert [c for c in codes if c and c.startswith("L")] == ["L1", "L2", "L3", "L4"]
    assert "A1" not in codes
    ws[f"{VALUE}{HEADER_ROW + 1 + codes.index('L3')}"] = 1.5
    path = tmp_path / "h1.xlsx"
    book.save(path)
    imports.import_template(blocks, path, author="A")
    assert blocks.scores(PERIOD, "h1").set_index("code")["points"].to_dict() == {"L3": 1.5}


def test_the_scoring_session_of_a_district_shows_its_blocks_rows(blocks):
    from cchc_widgets.app.scoring_session import ScoringSession

    save(blocks, SCORES)
    session = ScoringSession(blocks, PERIOD, "h1")
    assert session.row_codes == ["L1", "L2", "L3", "L4"]
    ranked = session.period_results(blocks.scores(PERIOD)).set_index("unit")
    assert set(ranked.index) == {"h1", "h2"}  # ranked among the districts only
    assert ranked["rank"].to_dict() == {"h1": 2, "h2": 1}


def test_a_unit_with_scores_keeps_its_block(blocks):
    save(blocks, SCORES[:1])
    moved = UNITS.assign(block=["huyen", "so", "huyen", "huyen"])
    with pytest.raises(ProblemsError, match="đơn vị 's1' đã có điểm chấm ở khối 'Sở, ban, ngành'; không chuyển sang khối"):
        blocks.add_units(moved, period=PERIOD)
    assert blocks.unit_block("s2") == "so"  # nothing written


def test_a_set_declared_for_one_block_is_refused_for_another(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'declared.db'}")
    district = district_set(block="huyen")
    assert district.meta["block"] == "huyen"
    refused = "bộ tiêu chí 'huyen-thu' dành cho khối 'UBND cấp huyện', không dùng cho khối 'Sở, ban"
    with pytest.raises(ProblemsError, match=refused):
        Writer(store).set_up_period(PERIOD, "Năm 2020", district, UNITS, {"so": district})
    assert store.periods().empty


def test_a_units_table_names_blocks_in_a_khoi_column(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("id,name,Khối\ns1,Sở Một,so\nh1,Huyện Một,huyen\nx1,Không khối,\n", encoding="utf-8")
    assert read_units(path).set_index("id")["block"].to_dict() == {"s1": "so", "h1": "huyen", "x1": ""}


def test_the_console_opens_a_period_with_a_set_per_block_and_ranks_each_block(tmp_path, capsys):
    import yaml

    from cchc_widgets.cli.main import main

    db = f"sqlite:///{tmp_path / 'tinh.sqlite'}"
    so, huyen, units = tmp_path / "so.yaml", tmp_path / "huyen.yaml", tmp_path / "don-vi.csv"
    so.write_text(yaml.safe_dump(two_manual_items([("Tốt", 80), ("Khá", 0)]), allow_unicode=True), encoding="utf-8")
    huyen.write_text(yaml.safe_dump({**SMALL, "id": "huyen-thu", "block": "huyen"}, allow_unicode=True), encoding="utf-8")
    UNITS.rename(columns={"block": "khối"}).to_csv(units, index=False)
    wrong = ["--db", db, "period", "add", PERIOD, "--criteria", f"so={huyen}", "--criteria", f"huyen={so}", "--units", str(units)]
    assert main(wrong) != 0
    assert "dành cho khối 'UBND cấp huyện', không dùng cho khối 'Sở, ban, ngành'" in capsys.readouterr().err
    args = ["--db", db, "period", "add", PERIOD, "--criteria", f"so={so}", "--criteria", f"huyen={huyen}", "--units", str(units)]
    assert main(args) == 0
    assert "khối UBND cấp huyện: bộ 'huyen-thu'" in capsys.readouterr().out
    store = Store(db)
    save(store, SCORES)
    store.close()
    assert main(["--db", db, "ranking", "--period", PERIOD]) == 0
    printed = capsys.readouterr().out
    assert "Năm 2020 — khối Sở, ban, ngành\nBộ tiêu chí: Bộ thử hai mục\n" in printed
    assert "Năm 2020 — khối UBND cấp huyện\nBộ tiêu chí: Bộ nhỏ\n" in printed
    assert main(["--db", db, "ranking", "--period", PERIOD, "--out", str(tmp_path / "r.csv"), "--machine-headings"]) == 0
    written = pd.read_csv(tmp_path / "r.csv")
    # the block's id in the file's `block` column, as `cchc score --out` and the units table write it
    assert written.columns[0] == "block"
    assert written["block"].tolist() == ["so"] * 2 + ["huyen"] * 2
    assert {"A", "D1", "D2"} <= set(written.columns)  # each block's own domains, not the first block's only


def test_a_flat_set_declares_its_block_and_the_validator_says_it(tmp_path, capsys):
    from cchc_widgets.cli.main import main
    from cchc_widgets.core.criteria import load_criteria

    flat = tmp_path / "huyen.csv"
    flat.write_text(
        "# khối: huyen\ncode,parent,name,max_points,rule\nA,,Lĩnh vực,10,\nA1,A,Mục,10,manual\n", encoding="utf-8"
    )
    assert load_criteria(flat).meta["block"] == "huyen"
    assert main(["validate", str(flat)]) == 0
    assert "dành cho khối UBND cấp huyện" in capsys.readouterr().out


def test_a_save_checked_against_a_block_the_unit_has_left_meanwhile_is_refused(blocks, tmp_path):
    """A page's process read the unit's block (its set) before another process moved the unit,
    which holds no score yet, to the other block: the save's transaction reads the block again
    and refuses, naming the unit, rather than write a district's items under a department."""
    page = Store(blocks.url, evidence_dir=tmp_path / "evidence")  # another process's store: its own caches
    assert page.criteria_for(PERIOD, unit="h1").id == "huyen-thu"  # the page opened on the district set
    moved = UNITS[UNITS["id"] == "h1"].assign(block="so")
    blocks.add_units(moved, period=PERIOD)  # the administrator moves it, elsewhere
    with pytest.raises(ProblemsError, match="đơn vị 'Huyện Một' vừa được chuyển sang khối Sở, ban, ngành"):
        save(page, [{"unit": "h1", "code": "L3", "value": "1"}])
    assert page.scores(PERIOD, "h1").empty
    assert page.criteria_for(PERIOD, unit="h1").id == "hai-muc"  # read again: the page opens on its new set
    page.close()



def test_the_department_reference_set_is_refused_for_the_districts(tmp_path):
    """The shipped department set says it is the departments' (`block: so`): given to the
    districts by mistake it is refused, naming both blocks, before anything is written."""
    from cchc_widgets.core.criteria import load_criteria
    from tests.conftest import REFERENCE

    store = Store(f"sqlite:///{tmp_path / 'nham.db'}")
    reference = load_criteria(REFERENCE)
    with pytest.raises(ProblemsError, match="dành cho khối 'Sở, ban, ngành', không dùng cho khối 'UBND cấp huyện'"):
        store.add_period(PERIOD, "Năm 2020", reference, {"so": reference, "huyen": reference})
    assert store.periods().empty
    store.close()


def test_a_plain_table_of_both_blocks_is_imported_each_row_on_its_units_set(blocks, tmp_path):
    """`cchc import TABLE --period` (no unit's page): a district's rows are read with the
    district set (its levels, its percent item) and a department's with the department set,
    in one file; a department's code given to a district is refused naming unit and block."""
    table = tmp_path / "ca-hai-khoi.csv"
    table.write_text(
        "unit,code,value,points\ns1,A1,,40\ns1,A2,,45\nh1,L1,có,\nh1,L2,b,\nh1,L3,,2\nh1,L4,80,\n", encoding="utf-8"
    )
    done = imports.import_table(blocks, table, PERIOD, author="A")
    assert done.stored
    stored = blocks.scores(PERIOD).set_index(["unit", "code"])["points"]
    assert stored[("h1", "L2")] == 1.5  # level «b» of the district set
    assert stored[("h1", "L4")] == 4  # 80 % of the district set's percent item
    assert stored[("s1", "A2")] == 45
    wrong = tmp_path / "nham.csv"
    wrong.write_text("unit,code,points\nh2,A1,40\n", encoding="utf-8")
    refused = "đơn vị 'h2' thuộc khối UBND cấp huyện: mã 'A1' không có trong bộ tiêu chí 'huyen-thu'"
    with pytest.raises(ProblemsError, match=refused):
        imports.import_table(blocks, wrong, PERIOD, author="A")
    assert blocks.scores(PERIOD, "h2").empty
