"""Hostile text in what we write: formula-looking notes stay text in every xlsx and CSV we
produce, and a unit's own template with such a note imports back."""

import csv

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.services.imports import import_template, template
from cchc_widgets.services.writes import Scope, Writer

UNIT = "so-tu-phap"  # appraised in 2017
FORMULAS = ['=HYPERLINK("http://example.invalid","bấm")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture
def noted(demo):
    """An appraisal reason and a self-assessment note that look like formulas."""
    self_row = demo.scores("2017", UNIT, "self").set_index("code").loc["1.1.2"]
    other = "Không" if str(self_row["value"]).lower() == "có" else "Có"
    rows = pd.DataFrame([{"unit": UNIT, "code": "1.1.2", "stage": "appraisal", "value": other, "note": FORMULAS[0]}])
    Writer(demo).save_scores(Scope("2017", UNIT, "appraisal"), rows, "Thẩm định", "test")
    rows = pd.DataFrame([{"unit": UNIT, "code": "1.5.2", "stage": "self", "value": "1", "note": FORMULAS[1]}])
    Writer(demo).save_scores(Scope("2017", UNIT, "self"), rows, "Đơn vị", "test")
    return demo


def test_differences_and_rankings_written_as_text(noted, tmp_path):
    xlsx, csv_path = tmp_path / "khac.xlsx", tmp_path / "khac.csv"
    assert main(["--db", noted.url, "differences", "--period", "2017", "--unit", UNIT, "--out", str(xlsx)]) == 0
    assert main(["--db", noted.url, "differences", "--period", "2017", "--unit", UNIT, "--out", str(csv_path)]) == 0
    cells = [c for row in load_workbook(xlsx).active.iter_rows() for c in row if c.value == FORMULAS[0]]
    assert cells, "the reason is in the workbook"
    assert all(c.data_type == "s" for c in cells)
    with open(csv_path, encoding="utf-8") as f:
        reasons = [r["reason"] for r in csv.DictReader(f)]
    assert "'" + FORMULAS[0] in reasons
    assert FORMULAS[0] not in reasons


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_fields_that_would_start_a_formula_are_neutralised(text, tmp_path):
    from cchc_widgets.files.tables_out import write_table

    path = tmp_path / "t.csv"
    write_table(pd.DataFrame({"note": [text, "bình thường"], "points": [1.5, -2.0]}), path)
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["note"] == "'" + text
    assert rows[1]["note"] == "bình thường"
    assert rows[1]["points"] == "-2.0"  # numbers stay numbers


def test_own_template_with_a_formula_looking_note_stays_text_and_imports(noted, tmp_path):
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(template(noted, "2017", UNIT, "self"))
    book = load_workbook(path)
    notes = [c for row in book.worksheets[0].iter_rows() for c in row if c.value == FORMULAS[1]]
    assert notes
    assert all(c.data_type == "s" for c in notes)
    before = noted.scores("2017")
    assert import_template(noted, path).rows == 0  # nothing changed, nothing refused
    pd.testing.assert_frame_equal(noted.scores("2017"), before)


def test_survey_sheet_names_stay_text(demo, tmp_path):
    demo.add_units(pd.DataFrame({"id": ["don-vi-x"], "name": ['=HYPERLINK("http://example.invalid")']}), period="2017")
    out = tmp_path / "khao-sat.xlsx"
    assert main(["--db", demo.url, "survey", "template", "--period", "2017", "--out", str(out)]) == 0
    guide = load_workbook(out)["Hướng dẫn"]
    cells = [c for row in guide.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells
    assert all(c.data_type == "s" for c in cells)


def test_a_file_with_thousands_of_problems_lists_two_hundred(demo, tmp_path, capsys):
    """A broken table's every row is wrong: the person reads the first 200 problems and a count,
    not a wall of text (nothing is stored)."""
    bad = tmp_path / "bang-loi.csv"
    rows = [f"{UNIT},1.1.{k},self,không-hợp-lệ" for k in range(1, 11)] * 50  # 500 rows, each refused
    bad.write_text("unit,code,stage,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    before = demo.scores("2017")
    assert main(["--db", demo.url, "import", str(bad), "--period", "2017", "--author", "thử"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("lỗi)")
    problems = err[1:]
    assert len(problems) == 201
    assert problems[-1].strip().startswith("… và ")
    assert problems[-1].strip().endswith("lỗi nữa")
    pd.testing.assert_frame_equal(demo.scores("2017"), before)
