"""Hostile text in what we write: formula-looking notes stay text in every xlsx and CSV we
produce, and a unit's own template with such a note imports back."""

import csv

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core.errors import EvidenceError, ProblemsError
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
    assert (
        main(["--db", noted.url, "differences", "--period", "2017", "--unit", UNIT, "--out", str(xlsx), "--machine-headings"])
        == 0
    )
    assert (
        main(["--db", noted.url, "differences", "--period", "2017", "--unit", UNIT, "--out", str(csv_path), "--machine-headings"])
        == 0
    )
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


# ---------------------------------------------------------------- every refusal leaves the store as it was


def snapshot(store, evidence_dir):
    """What a refused write must not change: every score, every evidence record, every file kept."""
    files = sorted((p.name, p.stat().st_size) for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.exists() else []
    evidence = store.evidence("2017", UNIT)
    return store.scores("2017").to_csv(), evidence.drop(columns="uploaded_at", errors="ignore").to_csv(), files


WHY = "Tài liệu kiểm chứng lưu tại đơn vị"  # the item asks for evidence or a word on where it is


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("1e308", "mã 1.5.2: điểm phải là một số; đã nhập '1e308'"),
        ("nan", "mã 1.5.2: điểm phải là một số; đã nhập 'nan'"),
        ("inf", "mã 1.5.2: điểm phải là một số; đã nhập 'inf'"),
        ("-inf", "mã 1.5.2: điểm phải là một số; đã nhập '-inf'"),
        ("-1", "mã 1.5.2: điểm không được âm"),
        ("4,5", "mã 1.5.2: điểm 4,5 vượt điểm tối đa 4"),
        ("1,25", "mã 1.5.2: điểm 1,25 không có trong quy tắc chấm"),  # off the half-point step
        ("1.234,5", "mã 1.5.2: điểm 1.234,5 vượt điểm tối đa 4"),
        ("=1+1", "mã 1.5.2: điểm phải là một số; đã nhập '=1+1'"),
    ],
)
def test_hostile_numbers_are_refused_naming_the_item_and_nothing_is_written(demo, tmp_path, typed, refusal):
    before = snapshot(demo, tmp_path / "evidence")
    rows = pd.DataFrame([{"unit": UNIT, "code": "1.5.2", "stage": "self", "value": typed, "note": WHY}])
    with pytest.raises(ProblemsError) as refused:
        Writer(demo).save_scores(Scope("2017", UNIT, "self"), rows, "Đơn vị", "test")
    assert refusal in str(refused.value)
    assert snapshot(demo, tmp_path / "evidence") == before


@pytest.mark.parametrize(("typed", "points"), [("1,5", 1.5), ("  3 ", 3.0), ("1.5", 1.5), ("\u00a02\u00a0", 2.0)])
def test_numbers_as_people_type_them_are_read_as_meant(demo, typed, points):
    rows = pd.DataFrame([{"unit": UNIT, "code": "1.5.2", "stage": "self", "value": typed, "note": WHY}])
    Writer(demo).save_scores(Scope("2017", UNIT, "self"), rows, "Đơn vị", "test")
    assert demo.scores("2017", UNIT, "self").set_index("code").loc["1.5.2", "points"] == points


PDF = b"%PDF-1.4\n" + b"0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 64


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("a.pdf.exe", PDF, "không thuộc loại được nhận"),
        ("bao-cao.pdf", PNG, "không phải pdf như tên tệp"),  # a PNG named .pdf
        ("chuong-trinh.pdf", ELF, "không phải pdf như tên tệp"),  # an executable renamed .pdf
        ("rong.pdf", b"", "rỗng"),
        ("qua-lon.pdf", PDF + b"0" * (8 * 1024 * 1024 + 1 - len(PDF)), "quá lớn"),  # 8 MB + 1 byte
        ("../../", PDF, "không thuộc loại được nhận"),  # nothing left of the name
    ],
)
def test_hostile_evidence_is_refused_and_nothing_kept(demo, tmp_path, name, data, said):
    evidence_dir = tmp_path / "evidence"
    before = snapshot(demo, evidence_dir)
    with pytest.raises(EvidenceError, match=said):
        Writer(demo).add_evidence(Scope("2017", UNIT, "self"), "1.5.2", name, data, "Đơn vị")
    assert snapshot(demo, evidence_dir) == before


def test_evidence_names_cannot_leave_the_evidence_folder_and_the_limit_is_exact(demo, tmp_path):
    evidence_dir = tmp_path / "evidence"
    writer = Writer(demo)
    scope = Scope("2017", UNIT, "self")
    writer.add_evidence(scope, "1.5.2", "../../x.pdf", PDF, "Đơn vị")
    writer.add_evidence(scope, "1.5.2", "..\\..\\windows\\y.pdf", PDF, "Đơn vị")
    writer.add_evidence(scope, "1.5.2", "dung-8MB.pdf", PDF + b"0" * (8 * 1024 * 1024 - len(PDF)), "Đơn vị")  # exactly 8 MB
    kept = demo.evidence("2017", UNIT, "1.5.2")
    assert kept["filename"].tolist() == ["x.pdf", "y.pdf", "dung-8MB.pdf"]
    assert kept["size"].tolist() == [len(PDF), len(PDF), 8 * 1024 * 1024]
    outside = [p for p in tmp_path.rglob("*.pdf") if evidence_dir not in p.parents]
    assert outside == []
    assert len([p for p in evidence_dir.rglob("*") if p.is_file()]) == 3


def test_fifty_uploads_in_a_row_are_each_kept_once(demo, tmp_path):
    writer = Writer(demo)
    ids = [
        writer.add_evidence(Scope("2017", UNIT, "self"), "1.5.2", "cung-ten.pdf", PDF + bytes([k]), "Đơn vị") for k in range(50)
    ]
    assert len(set(ids)) == 50
    kept = demo.evidence("2017", UNIT, "1.5.2")
    assert len(kept) == 50
    assert len({p.name for p in (tmp_path / "evidence").rglob("*") if p.is_file()}) == 50  # the same name, fifty files


# ---------------------------------------------------------------- what a URL asks for


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("unit=../../etc/passwd&period=2017", "Đơn vị '../../etc/passwd' không có"),
        ("unit=<script>alert(1)</script>&period=2017", "Đơn vị '<script>alert(1)</script>' không có"),  # shown as text
        ("unit=so-tu-phap&period=' OR 1=1 --", "Không có kỳ đánh giá"),
        ("unit=so-tu-phap&period=2017&stage=admin", "Giai đoạn 'admin' không có"),
        ("unit=so-tu-phap&period=2017&stage=<img src=x onerror=alert(1)>", "Giai đoạn '<img"),
        ("unit=" + "x" * 5000, "Đơn vị 'xxx"),
        ("period=2017&period=2016&unit=", ""),  # a repeated key: the first; an empty unit: the first unit
    ],
)
def test_hostile_queries_open_a_known_unit_with_a_word_and_write_nothing(demo, tmp_path, query, said):
    """The alert is text (the page sets textContent; tests/e2e checks nothing runs)."""
    from cchc_widgets.app.widgets.scoring_form import ScoringForm

    before = snapshot(demo, tmp_path / "evidence")
    form = ScoringForm.from_query(demo, query)
    assert form.session.unit in set(demo.units(form.session.period)["id"])
    assert form.session.period in set(demo.periods()["id"])
    assert form.session.stage in ("self", "appraisal")
    assert form.alert.startswith(said) if said else form.alert == ""
    assert snapshot(demo, tmp_path / "evidence") == before


# ---------------------------------------------------------------- score tables a person might send

HEADER = "unit,code,value,note\n"


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("trung.csv", HEADER + "so-y-te,1.1.2,có,a\nso-y-te,1.1.2,không,b\n", "dòng 3, cột 'value': mã 1.1.2: điểm của đơn vị"),
        ("ma-la.csv", HEADER + "so-y-te,9.9.9,có,b\n", "mã '9.9.9' không có trong bộ tiêu chí"),
        ("don-vi-la.csv", HEADER + "so-khong-co,1.1.2,có,a\n", "đơn vị 'so-khong-co' không tham gia kỳ '2017'"),
        ("trong.csv", "", "tệp trống"),
        ("chi-tieu-de.csv", HEADER, "tệp chỉ có dòng tiêu đề, không có dòng điểm nào"),
        ("cong-thuc.csv", HEADER + "so-y-te,1.2.1,=1+3,a\n", "mã 1.2.1: số lượng phải là một số; đã nhập '=1+3'"),
    ],
)
def test_hostile_score_tables_are_refused_naming_file_and_row(demo, tmp_path, capsys, name, text, said):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = snapshot(demo, tmp_path / "evidence")
    assert main(["--db", demo.url, "import", str(path), "--period", "2017"]) == 1
    err = capsys.readouterr().err
    assert f"{name}: TỪ CHỐI" in err
    assert f"\n  {name}: " in err  # each problem names the file (not the folder it was read from)
    assert said in err
    assert snapshot(demo, tmp_path / "evidence") == before


def test_a_latin1_table_is_read_by_its_bytes_not_guessed_as_utf8(demo, tmp_path, capsys):
    """Not UTF-8: read as Windows-1258 (what a Vietnamese Excel writes), where Latin-1's
    accented letters sit at the same bytes."""
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "so-y-te,1.1.2,có,Ghi chú café résumé\n").encode("latin-1"))
    assert main(["--db", demo.url, "import", str(path), "--period", "2017"]) == 0
    assert demo.scores("2017", "so-y-te", "self").set_index("code").loc["1.1.2", "note"] == "Ghi chú café résumé"
