"""Self-assessment templates: generate → fill with openpyxl → import; every bad file refused
with the sheet and cell named, and the store unchanged."""

import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.files import templates as workbooks

UNIT = "so-y-te"


@pytest.fixture
def filled(demo, tmp_path):
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(workbooks.template(demo, "2017", UNIT))
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    return path, book, rows


def cell(rows, col, code):
    return f"{col}{rows[code]}"


def test_template_has_tree_validation_and_protection(filled, demo):
    _path, book, rows = filled
    ws = book[workbooks.SHEET]
    assert ws.protection.sheet
    assert ws[cell(rows, "A", "1.1.4")].value == "1.1.4"
    assert ws[cell(rows, "C", "1")].value == 20
    assert not ws[cell(rows, "F", "1.1.4")].protection.locked
    assert ws[cell(rows, "B", "1.1.4")].protection.locked
    ranges = {str(r) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    assert cell(rows, "F", "1.1.2") in ranges
    assert cell(rows, "G", "1.1.4") in ranges
    stored = demo.scores("2017", UNIT, "self").set_index("code")
    done, planned = str(stored.loc["1.1.4", "value"]).split("/")
    assert (ws[cell(rows, "F", "1.1.4")].value, ws[cell(rows, "G", "1.1.4")].value) == (int(done), int(planned))
    assert book[workbooks.META].sheet_state == "hidden"


def test_round_trip_stores_what_was_filled(filled, demo):
    path, book, rows = filled
    ws = book[workbooks.SHEET]
    ws[cell(rows, "F", "1.1.1")] = "Ban hành chậm"
    ws[cell(rows, "F", "1.1.4")], ws[cell(rows, "G", "1.1.4")] = 19, 20
    ws[cell(rows, "F", "1.5.2")] = 3.5
    ws[cell(rows, "H", "1.3.3")] = "x"
    ws[cell(rows, "I", "1.3.3")] = "Không phát sinh vấn đề"
    book.save(path)
    result = workbooks.import_file(demo, path)
    stored = demo.scores("2017", UNIT, "self").set_index("code")
    assert stored.loc["1.1.1", "value"] == "Ban hành chậm"
    assert stored.loc["1.1.1", "points"] == 0.5
    assert stored.loc["1.1.4", "value"] == {"done": 19, "planned": 20}
    assert stored.loc["1.1.4", "points"] == 2
    assert stored.loc["1.5.2", "points"] == 3.5
    assert bool(stored.loc["1.3.3", "na"])
    assert stored.loc["1.3.3", "note"] == "Không phát sinh vấn đề"
    log = demo.change_log("2017", UNIT)
    assert result.rows >= 1
    assert (log["action"] == "import:phieu.xlsx").sum() == result.rows
    again = workbooks.import_file(demo, path)
    assert again.rows == 0  # nothing new: no log entries


BAD = {
    "text in a number cell": (lambda ws, rows: ws.__setitem__(cell(rows, "F", "1.2.1"), "bốn"), "F", "1.2.1", "phải là một số"),
    "value outside the rule": (lambda ws, rows: ws.__setitem__(cell(rows, "F", "2.2.2"), 150), "F", "2.2.2", "vượt 100"),
    "a formula": (lambda ws, rows: ws.__setitem__(cell(rows, "F", "1.5.2"), "=2+1"), "F", "1.5.2", "công thức"),
    "a moved row": (lambda ws, rows: ws.__setitem__(cell(rows, "A", "3.1"), "3.2"), "A", "3.1", "di chuyển"),
    "merged cells": (
        lambda ws, rows: ws.merge_cells(f"{cell(rows, 'F', '1.1.1')}:{cell(rows, 'G', '1.1.1')}"),
        None,
        None,
        "gộp",
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_file_names_the_cell_and_stores_nothing(filled, demo, kind):
    path, book, rows = filled
    change, col, code, message = BAD[kind]
    ws = book[workbooks.SHEET]
    ws[cell(rows, "F", "1.1.1")] = "Không ban hành"  # a good change beside the bad one: not stored either
    change(ws, rows)
    book.save(path)
    before = demo.scores("2017", UNIT)
    with pytest.raises(ProblemsError) as err:
        workbooks.import_file(demo, path)
    text = str(err.value)
    assert message in text
    assert "phieu.xlsx" in text
    assert f"sheet '{workbooks.SHEET}'" in text
    if col:
        assert f"ô {col}{rows[code]}" in text
        assert f"mã {code}" in text
    pd.testing.assert_frame_equal(demo.scores("2017", UNIT), before)


def test_wrong_version_missing_sheet_not_xlsx_too_large(filled, demo, tmp_path):
    path, book, rows = filled
    before = demo.scores("2017")
    book[workbooks.SHEET][cell(rows, "F", "1.1.1")] = "Không ban hành"  # would be stored if the file were accepted
    book[workbooks.META]["B3"] = "khác"  # the checksum row
    book.save(path)
    with pytest.raises(ProblemsError, match="khác bộ tiêu chí"):
        workbooks.import_file(demo, path)
    del book[workbooks.META]
    book.save(path)
    with pytest.raises(ProblemsError, match="thiếu sheet '_cchc'"):
        workbooks.import_file(demo, path)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("unit,1.1.1\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match="không phải tệp Excel"):
        workbooks.import_file(demo, fake)
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"0" * (workbooks.MAX_FILE_BYTES + 1))
    with pytest.raises(ProblemsError, match="quá lớn"):
        workbooks.import_file(demo, big)
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_cli_template_and_import(demo, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["--db", demo.url, "template", "--period", "2017", "--unit", UNIT, "--out", str(out)]) == 0
    book = load_workbook(out)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    book[workbooks.SHEET][cell(rows, "F", "1.1.1")] = "Không ban hành"
    book.save(out)
    bad = tmp_path / "bad.xlsx"
    book[workbooks.SHEET][cell(rows, "F", "1.2.1")] = -3
    book.save(bad)
    capsys.readouterr()
    assert main(["--db", demo.url, "import", str(out), "--dry-run"]) == 0
    assert "chạy thử" in capsys.readouterr().out
    assert demo.scores("2017", UNIT, "self").set_index("code").loc["1.1.1", "value"] != "Không ban hành"
    assert main(["--db", demo.url, "import", str(out), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "đã lưu" in captured.out
    assert "TỪ CHỐI" in captured.err
    assert demo.scores("2017", UNIT, "self").set_index("code").loc["1.1.1", "value"] == "Không ban hành"


def test_plain_tables_import_whole_or_nothing(demo, tmp_path, capsys):
    good = tmp_path / "dai.csv"
    good.write_text("unit,code,value,note\nso-y-te,1.1.2,không,thiếu dự toán\nso-tu-phap,1.1.2,có,\n", encoding="utf-8")
    bad = tmp_path / "sai.csv"
    bad.write_text("unit,1.1.2,1.2.1\nso-y-te,có,4\nso-khong-co,có,1\n", encoding="utf-8")
    before = demo.scores("2017")
    assert main(["--db", demo.url, "import", str(bad), "--period", "2017"]) == 1
    err = capsys.readouterr().err
    assert "dòng 2, cột '1.2.1': mã 1.2.1: điểm 4 vượt điểm tối đa 1" in err
    pd.testing.assert_frame_equal(demo.scores("2017"), before)
    assert main(["--db", demo.url, "import", str(good)]) == 1
    assert "cần --period" in capsys.readouterr().err
    assert main(["--db", demo.url, "import", str(good), "--period", "2017"]) == 0
    stored = demo.scores("2017", stage="self").set_index(["unit", "code"])
    assert stored.loc[("so-y-te", "1.1.2"), "value"] == "không"
    assert stored.loc[("so-y-te", "1.1.2"), "note"] == "thiếu dự toán"


def test_xlsx_parsing_is_protected_against_xml_bombs():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # openpyxl parses with defusedxml, a declared dependency
