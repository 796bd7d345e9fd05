"""What an outside audit of published tables found (issue 29): a province's table as it prints
it — a total rounded to two places beside parts of three, an index printed as a percentage (in a
CSV, and as an xlsx cell formatted `0.00%`), units named only by name, deductions printed
negative, group ranks without groups — read through `cchc score` and `cchc import` as a clerk
runs them, from real files.
"""

import re

import pytest
from openpyxl import Workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.files.unit_tables import read_units

SET = """# tên: Bộ hai lĩnh vực
# làm tròn: 2
code,parent,name,max_points,kind
A,,Lĩnh vực A,50,
B,,Lĩnh vực B,50,
T1,,Sáng kiến,2,điểm thưởng
P1,,Chậm báo cáo,3,điểm trừ
"""
UNITS = "id,name\nso-a,Sở Tư pháp\nso-b,Sở Y tế\nso-c,Sở Xây dựng\n"


def _write(path, text: str):
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))  # a Vietnamese Excel's `;` file
    return path


@pytest.fixture
def files(tmp_path):
    return _write(tmp_path / "bo.csv", SET), _write(tmp_path / "don-vi.csv", UNITS)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def score(capsys, criteria, table, *more):
    return run(capsys, "score", "--criteria", criteria, "--scores", table, *more)


def test_a_total_printed_to_two_places_agrees_with_its_parts_rounded(tmp_path, files, capsys):
    table = _write(tmp_path / "ket-qua.csv", "Mã đơn vị;A;B;Tổng điểm\nso-a;40,1;45,075;85,18\nso-b;40;45,005;85,01\n")
    code, _, err = score(capsys, files[0], table)
    assert (code, err) == (0, "")  # was 3: «so-a Tổng điểm 85,18 85,175 0,005»
    # rounded down (not half up), and a column of two places whose `85` stands for 85,00: differ
    wrong = _write(tmp_path / "sai.csv", "Mã đơn vị;A;B;Tổng điểm\nso-a;40,1;45,075;85,17\nso-b;40;45,075;85\n")
    code, _, err = score(capsys, files[0], wrong)
    assert code == 3
    assert re.search(r"so-a Tổng điểm\s+85,17\s+85,175\s+-0,005$", err, re.M), err
    assert re.search(r"so-b Tổng điểm\s+85\s+85,075\s+-0,075$", err, re.M), err


def test_cchc_import_takes_a_total_rounded_as_printed(tmp_path, files, capsys, sqlite_store):
    criteria, units = files
    sqlite_store.add_period("2024", "Năm 2024", load_criteria(criteria))
    sqlite_store.add_units(read_units(units), period="2024")
    table = _write(tmp_path / "ket-qua.csv", "Mã đơn vị;A;B;Tổng điểm\nso-a;40,1;45,075;85,18\n")
    code, _, err = run(capsys, "--db", sqlite_store.url, "import", table, "--period", "2024")
    assert code == 0, err  # was 3: refused, nothing stored
    assert sqlite_store.scores("2024").set_index("code").loc["B", "points"] == 45.075


def test_an_index_printed_as_a_percentage_is_read_as_one(tmp_path, files, capsys):
    table = _write(tmp_path / "chi-so.csv", "Mã đơn vị;A;B;Chỉ số\nso-a;50;47,685;97,69%\nso-b;44,38;45;89,38 %\n")
    code, _, err = score(capsys, files[0], table)
    assert (code, err) == (0, "Cột in sẵn khớp với kết quả tính: chỉ số (%) (2 đơn vị)\n")  # was 3: «97,69% … 97,685»
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "A", "B", "Chỉ số"])
    sheet.append(["so-a", 50, 47.685, 0.97685])
    sheet["D2"].number_format = "0.00%"  # Excel shows 97,69%
    book.save(tmp_path / "chi-so.xlsx")
    code, _, err = score(capsys, files[0], tmp_path / "chi-so.xlsx")
    assert (code, err) == (0, "Cột in sẵn khớp với kết quả tính: chỉ số (%) (1 đơn vị)\n")  # was 3: 0,97685 for 97,685


def test_a_percentage_outside_the_index_is_refused_where_it_is(tmp_path, files, capsys):
    table = _write(tmp_path / "tong.csv", "Mã đơn vị;A;B;Tổng điểm\nso-a;50;47,685;97,69%\n")
    code, _, err = score(capsys, files[0], table)
    said = "'97,69%' ghi theo phần trăm: chỉ cột chỉ số ghi được phần trăm; ở cột này hãy ghi số, không có %"
    assert (code, err) == (1, f"tong.csv: dòng 2, cột 'Tổng điểm': {said}\n")
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "A", "B"])
    sheet.append(["so-a", 0.5, 47])
    sheet["B2"].number_format = "0%"
    book.save(tmp_path / "diem.xlsx")
    code, _, err = score(capsys, files[0], tmp_path / "diem.xlsx")
    assert code == 1
    assert err.startswith("diem.xlsx: sheet 'Sheet', ô B2: mã A: số 0,5 định dạng phần trăm (50%): chỉ cột chỉ số"), err


def test_group_ranks_without_groups_are_said_once(tmp_path, files, capsys):
    table = _write(tmp_path / "nhom.csv", "Mã đơn vị;A;B;Hạng trong nhóm\nso-a;40;45;1\nso-b;30;45;2\n")
    code, _, err = score(capsys, files[0], table)
    assert code == 3
    assert err == (  # was a row «tính được —» for each unit
        "Bảng có cột hạng trong nhóm nhưng không có nhóm nào được cho: các đơn vị cần cột nhóm (group) — "
        "trong bảng --units của cchc score, hoặc trong bảng đơn vị của kỳ khi nhập vào kho\n"
    )
    grouped = _write(tmp_path / "don-vi-nhom.csv", "id,name,group\nso-a,Sở Tư pháp,Sở\nso-b,Sở Y tế,Sở\n")
    code, _, err = score(capsys, files[0], table, "--units", grouped)
    assert (code, err) == (0, "Cột in sẵn khớp với kết quả tính: hạng trong nhóm (2 đơn vị)\n")


def test_a_table_of_names_is_read_by_the_lists_ids(tmp_path, files, capsys, sqlite_store):
    criteria, units = files
    table = _write(tmp_path / "ten.csv", "STT;Đơn vị;A;B;Tổng điểm\n1;Sở tư  pháp;40,1;45,075;85,18\n2;SỞ Y TẾ;40;45;85\n")
    code, _, err = score(capsys, criteria, table, "--units", units, "--out", tmp_path / "r.csv", "--machine-headings")
    assert code == 0, err  # was 1: «thiếu đơn vị có điểm: SỞ Y TẾ, Sở tư  pháp»
    assert err == "1 đơn vị trong danh sách chưa có điểm, không xếp hạng: Sở Xây dựng\n"
    written = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in written[1:]] == ["so-a", "so-b", "so-c"]
    # a name the list does not have, or has twice: refused, named where it is
    twice = _write(tmp_path / "hai.csv", UNITS + "so-d,Sở  y tế\n")
    unknown = _write(tmp_path / "la.csv", "Đơn vị;A;B\nSở Y tế;40;45\nSở Lạ;1;1\n")
    code, _, err = score(capsys, criteria, unknown, "--units", twice)
    assert code == 1
    assert err.splitlines() == [
        "la.csv: dòng 2, cột 'Đơn vị': tên 'Sở Y tế' là tên của 2 đơn vị trong danh sách (so-b, so-d): hãy thêm cột Mã đơn vị",
        "la.csv: dòng 3, cột 'Đơn vị': đơn vị 'Sở Lạ' không có trong danh sách đơn vị",
    ]
    # the period's units are the list of `cchc import`
    sqlite_store.add_period("2024", "Năm 2024", load_criteria(criteria))
    sqlite_store.add_units(read_units(units), period="2024")
    code, _, err = run(capsys, "--db", sqlite_store.url, "import", table, "--period", "2024")
    assert code == 0, err
    assert sorted(set(sqlite_store.scores("2024")["unit"])) == ["so-a", "so-b"]


def test_a_deduction_printed_negative_is_a_penalty(tmp_path, files, capsys):
    table = _write(tmp_path / "tru.csv", "Mã đơn vị;A;B;T1;P1;Tổng điểm\nso-a;40;45;1;-1,5;84,5\nso-b;40;45;0;1,5;83,5\n")
    code, out, err = score(capsys, files[0], table, "--stage", "appraisal")
    assert (code, err) == (0, "")  # was 1: «mã P1: điểm không được âm; đã nhập -1,5»
    assert re.search(r"so-a\s+40,00\s+45,00\s+1,00\s+1,50\s+84,50", out), out
    rows = "unit;code;stage;points\nso-a;A;appraisal;40\nso-a;B;appraisal;45\nso-a;P1;appraisal;-1,5\n"
    long = _write(tmp_path / "doc.csv", rows)
    code, out, err = score(capsys, files[0], long)  # the same deduction in the long form
    assert (code, err) == (0, "")
    assert re.search(r"so-a\s+40,00\s+45,00\s+(0,00\s+)?1,50\s+83,50", out), out
    negative = _write(tmp_path / "thuong.csv", "Mã đơn vị;A;B;T1\nso-a;40;45;-1\n")  # a bonus is never negative
    code, _, err = score(capsys, files[0], negative, "--stage", "appraisal")
    assert (code, err) == (1, "thuong.csv: dòng 2, cột 'T1': mã T1: điểm không được âm; đã nhập -1\n")


def test_a_printed_figure_that_differs_is_shown_as_a_vietnamese_reads_it(tmp_path, files, capsys):
    table = tmp_path / "phay.csv"
    table.write_text("unit,A,B,Chỉ số\nso-a,40,45,97.6\n", encoding="utf-8")  # a comma-separated file's decimal point
    code, _, err = score(capsys, files[0], table)
    assert code == 3
    assert err.splitlines() == [
        "1 giá trị in sẵn khác kết quả tính:",
        "đơn vị    cột công bố tính được",  # the column it is printed in, not a criterion's code
        "  so-a Chỉ số    97,6        85",  # was `97.6`
    ]
