"""Figures as published and N/A as the set's word, in every output a province hands on: the
command line's CSV and xlsx, the terminal, the screen's data. Expected texts are worked out by
hand from the scores written here."""

import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.app.scoring_session import ScoringSession
from cchc_widgets.cli.main import main
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import two_manual_items

FIGURE_2 = re.compile(r"^-?\d+\.\d{2}$")


def with_na(**extra) -> dict:
    """Two manual items of 50 points, the second may not apply; A2 N/A leaves the index on A1."""
    doc = two_manual_items([("Tốt", 80), ("Khá", 0)], **extra)
    doc["criteria"][0]["children"][1]["allow_na"] = True
    return doc


def stored(store, doc: dict) -> None:
    store.add_period("2024", "Năm 2024", load_dict(doc))
    store.add_units(pd.DataFrame({"id": ["u1", "u2"], "name": ["Đơn vị 1", "Đơn vị 2"]}), period="2024")
    rows = pd.DataFrame(
        [
            {"unit": "u1", "code": "A1", "points": 46.25, "stage": "self"},
            {"unit": "u1", "code": "A2", "value": "N/A", "na": True, "stage": "self"},
            {"unit": "u1", "code": "A1", "points": 46.25, "stage": "appraisal", "note": "đúng"},
            {"unit": "u1", "code": "A2", "value": "N/A", "na": True, "stage": "appraisal", "note": "đúng"},
            {"unit": "u2", "code": "A1", "points": 25.5, "stage": "self"},
            {"unit": "u2", "code": "A2", "points": 25.5, "stage": "self"},
        ]
    )
    Writer(store).save_scores(Scope("2024"), rows, "Người thử", "test")


def test_demo_ranking_csv_writes_every_figure_with_two_places(demo, tmp_path):
    out = tmp_path / "xep-hang.csv"
    assert main(["--db", demo.url, "ranking", "--period", "2016", "--out", str(out), "--machine-headings"]) == 0
    table = pd.read_csv(out, dtype=str)
    table = table[table["block"] == "so"]  # the districts' set has no survey: their column is blank
    figures = [c for c in table.columns if c in {"1", "2", "3", "4", "5", "6", "7", "8", "survey", "total", "index"}]
    assert len(figures) == 11
    for column in figures:
        bad = [v for v in table[column] if not FIGURE_2.match(v)]
        assert not bad, (column, bad)
    assert "11.00" in set(table["5"])  # a whole number keeps its places (pandas wrote 11.0)
    assert table["rank"].str.fullmatch(r"\d+").all()  # ranks stay whole numbers


def test_demo_ranking_xlsx_has_number_formats(demo, tmp_path):
    out = tmp_path / "xep-hang.xlsx"
    assert main(["--db", demo.url, "ranking", "--period", "2016", "--out", str(out), "--machine-headings"]) == 0
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    total = sheet.cell(2, header.index("total") + 1)
    rank = sheet.cell(2, header.index("rank") + 1)
    assert isinstance(total.value, float)
    assert total.number_format == "0.00"
    assert rank.value == 1
    assert rank.number_format == "General"


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_na_is_the_sets_word_and_three_places_in_files(store, tmp_path, capsys):
    stored(store, with_na(rounding={"decimals": 3}, na_label="Không áp dụng"))
    csv_out, xlsx_out = tmp_path / "khac.csv", tmp_path / "khac.xlsx"
    for out in (csv_out, xlsx_out):
        assert main(["--db", store.url, "differences", "--period", "2024", "--all", "--out", str(out), "--machine-headings"]) == 0
    table = pd.read_csv(csv_out, dtype=str, keep_default_na=False).set_index(["unit", "code"])
    assert table.loc[("u1", "A1"), "points_self"] == "46.250"
    assert table.loc[("u1", "A2"), ["points_self", "points_appraisal", "diff"]].tolist() == ["Không áp dụng"] * 3
    sheet = load_workbook(xlsx_out).active
    head = [c.value for c in sheet[1]]  # the unit's id, its name beside it, the code, …
    unit, code, own = head.index("unit"), head.index("code"), head.index("points_self")
    rows = {(r[unit].value, r[code].value): r for r in sheet.iter_rows(min_row=2)}
    assert rows[("u1", "A2")][own].value == "Không áp dụng"
    assert rows[("u1", "A1")][own].value == 46.25
    assert rows[("u1", "A1")][own].number_format == "0.000"
    ranking = tmp_path / "xep-hang.csv"
    assert main(["--db", store.url, "ranking", "--period", "2024", "--out", str(ranking), "--machine-headings"]) == 0
    ranks = pd.read_csv(ranking, dtype=str).set_index("unit")
    assert ranks.loc["u1", "total"] == "46.250"
    assert ranks.loc["u1", "index"] == "92.500"  # 46.25 of the 50 that apply
    assert ranks.loc["u2", "index"] == "51.000"
    capsys.readouterr()
    assert main(["--db", store.url, "differences", "--period", "2024", "--all"]) == 0
    shown = capsys.readouterr().out
    assert "46,250" in shown
    assert "Không áp dụng" in shown


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_screen_shows_na_as_the_sets_word(store):
    stored(store, with_na())  # no na_label: «KAD»; no rounding: two places
    session = ScoringSession(store, "2024", "u1", "appraisal")
    row = session.row("A2")
    assert row["mine"]["points_shown"] == "KAD"
    assert row["other"]["points_shown"] == "KAD"
    head = session.header()
    assert head["na_label"] == "KAD"
    assert head["decimals"] == 2
