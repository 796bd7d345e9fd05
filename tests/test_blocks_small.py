"""Small things of blocks (issue 30) a person meets: `cchc period add` names the criteria file
it refuses (never the database's address), the progress table's «Khối» column, the block in
`cchc ranking --out`, a block of no known name refused."""

import pandas as pd
import pytest

from cchc_widgets.app.widgets.progress_board import ProgressBoard
from cchc_widgets.cli.main import main
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services.writes import Writer
from cchc_widgets.store.database import Store
from tests.conftest import REFERENCE, REPO

DISTRICTS = REPO / "criteria" / "dien-bien-huyen-minh-hoa.yaml"


def test_period_add_names_the_file_of_a_set_given_to_another_block_not_the_database(tmp_path, capsys):
    units = tmp_path / "don-vi.csv"
    units.write_text("id,name,khối\ns1,Sở Một,so\nh1,Huyện Một,huyen\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'kho.sqlite'}"
    given = ["--criteria", f"so={REFERENCE}", "--criteria", f"huyen={REFERENCE}"]
    assert main(["--db", db, "period", "add", "2025", "--units", str(units), *given]) == 1
    err = capsys.readouterr().err
    assert f"{REFERENCE}: bộ tiêu chí 'dien-bien-so' dành cho khối 'Sở, ban, ngành', không dùng cho khối 'UBND cấp huyện'" in err
    assert "sqlite" not in err
    assert "kho.sqlite" not in err


@pytest.mark.parametrize(
    ("block", "why"),
    [("huyne", "a typo of huyen: it must not open a third block"), ("phuong", "wards: a name the code does not know")],
)
def test_a_units_file_naming_a_block_of_no_known_name_is_refused_naming_file_row_unit_and_blocks(tmp_path, capsys, block, why):
    units = tmp_path / "don-vi.csv"
    units.write_text(f"id,name,khối\ns1,Sở Một,so\nh1,Huyện Một,huyen\nh2,Huyện Hai,{block}\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'kho.sqlite'}"
    given = ["--criteria", f"so={REFERENCE}", "--criteria", f"huyen={DISTRICTS}"]
    assert main(["--db", db, "period", "add", "2025", "--units", str(units), *given]) == 1, why
    err = capsys.readouterr().err
    known = "'so' (Sở, ban, ngành), 'huyen' (UBND cấp huyện), 'xa' (UBND cấp xã)"
    assert f"{units.name}: dòng 4, cột 'khối': đơn vị 'h2': khối '{block}' không có trong các khối đã biết: {known}" in err
    store = Store(db)
    assert "2025" not in set(store.periods()["id"])  # nothing written
    store.close()


def test_the_write_door_refuses_a_unit_or_a_set_of_a_block_of_no_known_name(sqlite_store):
    units = pd.DataFrame({"id": ["s1", "x1"], "name": ["Sở Một", "Phường Một"], "block": ["so", "phuong"], "group": ["", ""]})
    cs = load_criteria(REFERENCE)
    with pytest.raises(ProblemsError, match="đơn vị 'x1': khối 'phuong' không có trong các khối đã biết"):
        Writer(sqlite_store).set_up_period("2025", "Năm 2025", cs, units)
    with pytest.raises(ProblemsError, match="bộ tiêu chí 'dien-bien-so': khối 'huyne' không có trong các khối đã biết"):
        Writer(sqlite_store).set_up_period("2025", "Năm 2025", cs, units.iloc[:1], {"so": cs, "huyne": cs})
    assert "2025" not in set(sqlite_store.periods()["id"])


def test_cchc_ranking_and_score_write_the_blocks_id_in_their_block_column(demo, tmp_path):
    """The `block` column of an --out file holds the id a units table names the block by
    (so, huyen), in `cchc ranking --out` as in `cchc score --out`; the terminal's titles print
    the label, as the file written for a clerk (without --machine-headings) does."""
    out = tmp_path / "xep-hang.csv"
    assert main(["--db", demo.url, "ranking", "--period", "2017", "--out", str(out), "--machine-headings"]) == 0
    written = pd.read_csv(out, keep_default_na=False)
    assert written.columns[0] == "block"
    assert dict(zip(written["unit"], written["block"], strict=True))["huyen-nam-po"] == "huyen"
    assert set(written["block"]) == {"so", "huyen"}
    assert main(["--db", demo.url, "ranking", "--period", "2017", "--out", str(out)]) == 0
    for_clerk = pd.read_csv(out, keep_default_na=False, encoding="utf-8-sig")
    assert set(for_clerk["Khối"]) == {"Sở, ban, ngành", "UBND cấp huyện"}


def test_the_progress_table_shows_and_filters_each_units_block_in_a_period_of_several(demo, capsys):
    board = ProgressBoard(demo, None, "2017")
    assert board.state["blocks"] == [("so", "Sở, ban, ngành"), ("huyen", "UBND cấp huyện")]
    assert {r["unit"]: r["block"] for r in board.state["rows"]}["huyen-nam-po"] == "huyen"
    assert main(["--db", demo.url, "progress", "--period", "2017", "--block", "huyen"]) == 0
    printed = capsys.readouterr().out
    assert "Huyện Nậm Pồ" in printed
    assert "Sở Tư pháp" not in printed
    assert main(["--db", demo.url, "progress", "--period", "2017", "--block", "huyne"]) == 1
    assert "không có khối 'huyne' (có: so (Sở, ban, ngành), huyen (UBND cấp huyện))" in capsys.readouterr().err


def test_a_period_of_one_block_shows_no_block(three_places):
    alone = ProgressBoard(three_places, None, "2030")
    assert alone.state["blocks"] == []  # the page draws neither the column nor its filter
