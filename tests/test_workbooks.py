"""Scoring templates: generate → fill with openpyxl → import; every bad file refused with the
sheet and cell named, and the store unchanged; signed metadata, versions, and the same answers
as the form."""

import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.tables import MAX_TABLE_BYTES
from cchc_widgets.files import templates as workbooks
from cchc_widgets.services.imports import import_any, import_template, template

UNIT = "so-y-te"
SHEET = workbooks.sheet_name("self")


@pytest.fixture
def filled(demo, tmp_path):
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(template(demo, "2017", UNIT))
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    return path, book, rows


def cell(rows, col, code):
    return f"{col}{rows[code]}"


def test_template_has_tree_validation_and_protection(filled, demo):
    _path, book, rows = filled
    ws = book[SHEET]
    assert ws.protection.sheet
    assert ws[cell(rows, "A", "1.1.4")].value == "1.1.4"
    assert ws[cell(rows, "C", "1")].value == 20
    assert not ws[cell(rows, "F", "1.1.4")].protection.locked
    assert ws[cell(rows, "B", "1.1.4")].protection.locked
    ranges = {str(r) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    assert cell(rows, "F", "1.1.2") in ranges
    assert cell(rows, "G", "1.1.4") in ranges
    stored = demo.scores("2017", UNIT, "self").set_index("code")
    declared = stored.loc["1.1.4", "value"]  # kept in the rule's one form: {"done": …, "planned": …}
    assert (ws[cell(rows, "F", "1.1.4")].value, ws[cell(rows, "G", "1.1.4")].value) == (declared["done"], declared["planned"])
    assert book[workbooks.META].sheet_state == "hidden"


def test_round_trip_stores_what_was_filled(filled, demo):
    path, book, rows = filled
    ws = book[SHEET]
    ws[cell(rows, "F", "1.1.1")] = "Ban hành chậm"
    ws[cell(rows, "F", "1.1.4")], ws[cell(rows, "G", "1.1.4")] = 19, 20
    ws[cell(rows, "F", "1.5.2")] = 3.5
    ws[cell(rows, "H", "1.3.3")] = "x"
    ws[cell(rows, "I", "1.3.3")] = "Không phát sinh vấn đề"
    book.save(path)
    result = import_template(demo, path)
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
    again = import_template(demo, path)
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
    ws = book[SHEET]
    ws[cell(rows, "F", "1.1.1")] = "Không ban hành"  # a good change beside the bad one: not stored either
    change(ws, rows)
    book.save(path)
    before = demo.scores("2017", UNIT)
    with pytest.raises(ProblemsError) as err:
        import_template(demo, path)
    text = str(err.value)
    assert message in text
    assert "phieu.xlsx" in text
    assert f"sheet '{SHEET}'" in text
    if col:
        assert f"ô {col}{rows[code]}" in text
        assert f"mã {code}" in text
    pd.testing.assert_frame_equal(demo.scores("2017", UNIT), before)


def test_edited_metadata_missing_sheet_not_xlsx_too_large(filled, demo, tmp_path):
    path, book, rows = filled
    before = demo.scores("2017")
    book[SHEET][cell(rows, "F", "1.1.1")] = "Không ban hành"  # would be stored if the file were accepted
    edits = (("B3", "khác"), ("B5", "so-tu-phap"), ("B4", "2016"), ("B6", "appraisal"))  # checksum, unit, period, stage
    for row, value in edits:
        original = book[workbooks.META][row].value
        book[workbooks.META][row] = value
        book.save(path)
        with pytest.raises(ProblemsError, match="thông tin ẩn của mẫu phiếu đã bị sửa"):
            import_template(demo, path)
        book[workbooks.META][row] = original
    del book[workbooks.META]
    book.save(path)
    with pytest.raises(ProblemsError, match="thiếu sheet '_cchc'"):
        import_template(demo, path)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("unit,1.1.1\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match="không phải tệp Excel"):
        import_any(demo, fake, None)
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"0" * (MAX_TABLE_BYTES + 1))
    with pytest.raises(ProblemsError, match="quá lớn"):
        import_any(demo, big, None)
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_cli_template_and_import(demo, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["--db", demo.url, "template", "--period", "2017", "--unit", UNIT, "--out", str(out)]) == 0
    book = load_workbook(out)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    book[SHEET][cell(rows, "F", "1.1.1")] = "Không ban hành"
    book.save(out)
    bad = tmp_path / "bad.xlsx"
    book[SHEET][cell(rows, "F", "1.2.1")] = -3
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
    good.write_text(
        "unit,code,value,note\nso-y-te,1.1.2,không,thiếu dự toán\nso-tu-phap,1.1.2,có,quyết định lưu tại đơn vị\n",
        encoding="utf-8",
    )
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
    assert stored.loc[("so-y-te", "1.1.2"), "value"] == "Không"  # the rule's own spelling
    assert stored.loc[("so-y-te", "1.1.2"), "note"] == "thiếu dự toán"


def _fill(path, book, rows, **cells):
    """Write cells given as F_1_1_1="…" (column, code with underscores) and save."""
    for key, value in cells.items():
        col, code = key.split("_", 1)
        book[SHEET][cell(rows, col, code.replace("_", "."))] = value
    book.save(path)


def test_a_stale_template_never_overwrites_newer_work(filled, demo):
    """A template downloaded before a colleague's edit: the rows the person did not touch are
    not written back, and a row both changed is refused with who changed it."""
    from cchc_widgets.services.writes import Scope, Writer

    path, book, rows = filled
    colleague = pd.DataFrame([{"unit": UNIT, "code": "1.1.2", "value": "không", "note": "chưa có dự toán"}])
    Writer(demo).save_scores(Scope("2017", UNIT, "self"), colleague, "Đồng nghiệp", "form")
    _fill(path, book, rows, F_1_1_1="Ban hành chậm")  # the person changed another row only
    done = import_template(demo, path)
    stored = demo.scores("2017", UNIT, "self").set_index("code")
    assert done.rows == 1
    assert stored.loc["1.1.2", "value"] == "Không"  # the colleague's edit and note survive
    assert stored.loc["1.1.2", "note"] == "chưa có dự toán"
    assert stored.loc["1.1.1", "value"] == "Ban hành chậm"
    before = demo.scores("2017")
    _fill(path, book, rows, F_1_1_2="có", F_1_1_1="Ban hành đúng thời hạn")  # now touching the colleague's row too
    with pytest.raises(ProblemsError, match="đã được Đồng nghiệp sửa") as refused:
        import_template(demo, path)
    assert "mã 1.1.2" in str(refused.value)
    pd.testing.assert_frame_equal(demo.scores("2017"), before)  # nothing written, not even 1.1.1


def test_an_emptied_row_is_withdrawn(filled, demo):
    path, book, rows = filled
    assert demo.scores("2017", UNIT, "self").set_index("code").loc["1.1.2", "points"] >= 0
    _fill(path, book, rows, F_1_1_2=None, I_1_1_2=None)
    assert import_template(demo, path).rows == 1
    assert "1.1.2" not in set(demo.scores("2017", UNIT, "self")["code"])
    assert demo.change_log("2017", UNIT)["action"].iloc[-1] == "clear"


def test_decimal_comma_in_a_text_cell(filled, demo):
    path, book, rows = filled
    _fill(path, book, rows, F_1_5_2="3,5")
    import_template(demo, path)
    assert demo.scores("2017", UNIT, "self").set_index("code").loc["1.5.2", "points"] == 3.5


def test_a_template_writes_only_where_it_is_opened(filled, demo):
    path, book, rows = filled
    _fill(path, book, rows, F_1_1_1="Ban hành chậm")
    before = demo.scores("2017")
    with pytest.raises(ProblemsError, match="không phải của Sở Tư pháp"):
        import_any(demo, path, "2017", unit="so-tu-phap")  # uploaded in another unit's page
    with pytest.raises(ProblemsError, match="lập cho giai đoạn tự đánh giá"):
        import_any(demo, path, "2017", stage="appraisal")
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_appraisal_template_needs_reasons_like_the_form(demo, tmp_path):
    """The same change gets the same answer from the form and from a template."""
    from cchc_widgets.app.scoring_session import FieldError, ScoringSession

    unit = "so-tu-phap"  # appraised in 2017
    path = tmp_path / "tham-dinh.xlsx"
    path.write_bytes(template(demo, "2017", unit, "appraisal"))
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    sheet = workbooks.sheet_name("appraisal")
    own = demo.scores("2017", unit, "self").set_index("code").loc["1.1.2", "value"]
    other = "không" if str(own).lower() == "có" else "có"
    book[sheet][cell(rows, "F", "1.1.2")] = other
    book[sheet][cell(rows, "I", "1.1.2")] = None
    book.save(path)
    with pytest.raises(ProblemsError) as from_file:
        import_template(demo, path)
    session = ScoringSession(demo, "2017", unit, "appraisal")
    with pytest.raises(FieldError) as from_form:
        session.edit("1.1.2", other, "", "Thẩm định viên")
    assert from_form.value.message in str(from_file.value)
    assert "ghi lý do" in from_form.value.message
    book[sheet][cell(rows, "I", "1.1.2")] = "Thiếu quyết định giao dự toán"
    book.save(path)
    import_template(demo, path)
    stored = demo.scores("2017", unit, "appraisal").set_index("code")
    assert stored.loc["1.1.2", "note"] == "Thiếu quyết định giao dự toán"


def test_the_appraisal_template_shows_what_the_unit_declared(demo, tmp_path):
    """Beside the appraiser's inputs, read only: the unit's declared value, points, note and
    evidence files; a reason column; words that say where the file goes."""
    from cchc_widgets.services.writes import Scope, Writer

    unit = "so-tu-phap"
    Writer(demo).add_evidence(Scope("2017", unit, "self"), "1.1.2", "quyet-dinh.pdf", b"%PDF-1.4\n%%EOF\n", "Sở Tư pháp")
    path = tmp_path / "tham-dinh.xlsx"
    path.write_bytes(template(demo, "2017", unit, "appraisal"))
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    ws = book[workbooks.sheet_name("appraisal")]
    assert ws.title == "Thẩm định"
    header = [c.value for c in ws[workbooks.HEADER_ROW]]
    assert header[8] == workbooks.REASON_TITLE
    assert header[9:13] == workbooks.OWN_COLUMNS
    own = demo.scores("2017", unit, "self").set_index("code")
    r = rows["1.1.2"]
    assert ws[f"J{r}"].value.lower() == str(own.loc["1.1.2", "value"]).lower()
    assert ws[f"K{r}"].value == own.loc["1.1.2", "points"]
    assert ws[f"L{r}"].value == own.loc["1.1.2", "note"]
    assert ws[f"M{r}"].value == "quyet-dinh.pdf"
    assert ws[f"J{r}"].protection.locked  # read only
    na = own.index[own["na"]][0]
    assert ws[f"J{rows[na]}"].value == "Không áp dụng"
    assert "trang thẩm định" in ws["A2"].value
    assert "Gửi lại tệp cho Sở Nội vụ" not in ws["A2"].value
    self_book = load_workbook(io.BytesIO(template(demo, "2017", unit, "self")))
    self_ws = self_book[workbooks.sheet_name("self")]
    assert [c.value for c in self_ws[workbooks.HEADER_ROW]] == workbooks.COLUMNS  # the unit's own sheet: no extra columns
    assert "trang tự đánh giá" in self_ws["A2"].value


def test_plain_table_appraisal_needs_reasons(demo, tmp_path, capsys):
    table = tmp_path / "tham-dinh.csv"
    own = demo.scores("2017", "so-tu-phap", "self").set_index("code").loc["1.1.2", "value"]
    other = "không" if str(own).lower() == "có" else "có"
    table.write_text(f"unit,code,value\nso-tu-phap,1.1.2,{other}\n", encoding="utf-8")
    before = demo.scores("2017")
    assert main(["--db", demo.url, "import", str(table), "--period", "2017", "--stage", "appraisal"]) == 1
    assert "ghi lý do" in capsys.readouterr().err
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>"""


def _swap_part(source, target, part, data):
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == part else zin.read(item.filename))


def test_hostile_workbooks_are_refused_with_a_message_and_the_batch_goes_on(filled, demo, tmp_path, capsys):
    path, book, rows = filled
    _fill(path, book, rows, F_1_1_1="Ban hành chậm")
    bomb = tmp_path / "bom-xml.xlsx"
    _swap_part(path, bomb, "xl/worksheets/sheet1.xml", BILLION_LAUGHS.encode())
    zip_bomb = tmp_path / "bom-nen.xlsx"
    _swap_part(path, zip_bomb, "xl/worksheets/sheet1.xml", b"<" + b" " * (130 * 1024 * 1024) + b"/>")
    assert zip_bomb.stat().st_size < 1_000_000  # small on disk, 130 MB inflated
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(path.read_bytes()[:3000])
    meta = tmp_path / "meta.xlsx"
    book[workbooks.META]["B7"] = "{not json"  # the rows map
    book.save(meta)
    before = demo.scores("2017")
    files = [bomb, zip_bomb, broken, meta, path]
    capsys.readouterr()
    assert main(["--db", demo.url, "import", *map(str, files)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert "bom-xml.xlsx: TỪ CHỐI" in out.err
    assert "bom-nen.xlsx: TỪ CHỐI" in out.err
    assert "vượt giới hạn" in out.err
    assert "hong.xlsx: TỪ CHỐI" in out.err
    assert "meta.xlsx: TỪ CHỐI" in out.err
    assert "phieu.xlsx: đã lưu" in out.out  # the good file after four bad ones is still imported
    changed = demo.scores("2017", UNIT, "self").set_index("code").loc["1.1.1", "value"]
    assert changed == "Ban hành chậm"
    assert len(demo.scores("2017")) == len(before)


SAME_ANSWER = {
    # case: (stage, code, value, note, what the refusal says)
    "the rule": ("self", "1.5.2", "9", "ghi chú", "vượt điểm tối đa"),
    "an ambiguous number": ("self", "1.2.1", "1.234", "ghi chú", "có thể là 1234 hoặc 1,234"),
    "a stale version": ("self", "1.5.2", "0,5", "ghi chú", "đã được Đồng nghiệp sửa"),
}


@pytest.mark.parametrize("case", list(SAME_ANSWER))
def test_form_and_template_give_the_same_answer(demo, tmp_path, case):
    from cchc_widgets.app.scoring_session import FieldError, ScoringSession
    from cchc_widgets.services.writes import Scope, Writer

    stage, code, value, note, expected = SAME_ANSWER[case]
    unit = "so-tu-phap"
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(template(demo, "2017", unit, stage))  # both opened before anything else happens
    session = ScoringSession(demo, "2017", unit, stage)
    if case == "a stale version":
        colleague = pd.DataFrame([{"unit": unit, "code": code, "value": "1,5", "note": "biên bản"}])
        Writer(demo).save_scores(Scope("2017", unit, stage), colleague, "Đồng nghiệp", "form")
    before = demo.scores("2017")
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    sheet = book[workbooks.sheet_name(stage)]
    sheet[cell(rows, "F", code)] = value
    sheet[cell(rows, "I", code)] = note
    book.save(path)
    with pytest.raises(ProblemsError) as from_file:
        import_template(demo, path)
    with pytest.raises(FieldError) as from_form:
        session.edit(code, value, note or "", "Người chấm")
    assert expected in from_form.value.message
    assert from_form.value.message in str(from_file.value)
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_form_and_template_both_save_a_score_before_its_evidence(demo, tmp_path):
    """Score now, attach later, on both paths: a point on an item that names evidence, with no
    file and no explanation, is saved from the form and from the filled template alike."""
    from cchc_widgets.app.scoring_session import ScoringSession
    from cchc_widgets.services.progress import checklist

    unit, code = "so-tu-phap", "1.5.2"
    ScoringSession(demo, "2017", unit, "self").edit(code, "2,5", "", "Người chấm")
    assert demo.scores("2017", unit, "self").set_index("code").loc[code, "points"] == 2.5
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(template(demo, "2017", unit, "self"))
    book = load_workbook(path)
    rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
    book[workbooks.sheet_name("self")][cell(rows, "F", code)] = "2"
    book.save(path)
    import_template(demo, path)
    assert demo.scores("2017", unit, "self").set_index("code").loc[code, "points"] == 2.0
    assert [c for c, _ in checklist(demo, "2017", unit).lacking] == [code]  # counted until a file or a note comes


def test_a_template_over_5_mb_is_refused_before_it_is_read(filled, demo, tmp_path):
    import os
    import zipfile

    path, _book, _rows = filled
    padded = tmp_path / "phieu-lon.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr(zipfile.ZipInfo("xl/media/anh.bin"), os.urandom(6 * 1024 * 1024), zipfile.ZIP_STORED)
    assert workbooks.MAX_TEMPLATE_BYTES < padded.stat().st_size < MAX_TABLE_BYTES
    with pytest.raises(ProblemsError, match="tệp quá lớn"):
        import_template(demo, padded)


def test_every_rule_kind_limits_its_template_cells():
    """The template's validation is kept by rule kind in `files.rule_cells`, away from the rules:
    a kind added to `RULE_TYPES` without its entry there would make a template without limits."""
    from cchc_widgets.core.rules import RULE_TYPES
    from cchc_widgets.files.rule_cells import VALIDATIONS

    assert set(VALIDATIONS) == set(RULE_TYPES)
