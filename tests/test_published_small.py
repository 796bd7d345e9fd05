"""Published tables in (issue 29), the small things an analyst met: a units list without groups
prints no empty «Nhóm» nor a copy of «Hạng»; criteria headed «Tiêu chí 1.1» or «1.1 Kế hoạch»
are read as codes (a reason column `T1 lý do` stays one), any other heading refused with the
shapes accepted; a count given as people in a wide table, a number of two readings in a file
showing both decimal marks and printed ranks in the wrong order each told what to do."""

import pandas as pd

from cchc_widgets.cli.main import main

TREE = "# làm tròn: 2\ncode,parent,name,max_points\n1,,Chỉ đạo,10\n1.1,1,Kế hoạch,4\n1.2,1,Báo cáo,6\n2,,Thủ tục,10\n"


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    said = capsys.readouterr()
    return code, said.out, said.err


def test_a_units_list_without_groups_prints_no_group_columns(tmp_path, capsys):
    criteria = tmp_path / "set.csv"
    criteria.write_text(TREE, encoding="utf-8")
    units = tmp_path / "don-vi.csv"
    units.write_text("id,name\nu1,Sở A\nu2,Sở B\nu3,Sở C\n", encoding="utf-8")
    scores = tmp_path / "diem.csv"
    scores.write_text("unit,1.1,1.2,2\nu1,4,5.5,8\nu2,3,4,6\n", encoding="utf-8")
    code, out, err = run(capsys, "score", "--criteria", criteria, "--scores", scores, "--units", units)
    assert code == 0
    assert "Hạng" in out
    assert "Nhóm" not in out and "Hạng trong nhóm" not in out  # noqa: PT018
    assert "Sở C" in err  # listed, not scored: still said
    written = tmp_path / "kq.csv"
    assert (
        run(
            capsys, "score", "--criteria", criteria, "--scores", scores, "--units", units, "--out", written, "--machine-headings"
        )[0]
        == 0
    )
    columns = pd.read_csv(written).columns.tolist()
    assert "rank" in columns
    assert "group" not in columns and "group_rank" not in columns  # noqa: PT018


def test_headings_without_a_separator_are_codes_and_reasons_stay_reasons(tmp_path, capsys):
    criteria = tmp_path / "set.csv"
    criteria.write_text(TREE.replace("max_points\n", "max_points,kind\n") + "T1,,Sáng kiến,2,điểm thưởng\n", encoding="utf-8")
    scores = tmp_path / "diem.csv"
    scores.write_text(
        "Đơn vị;Tiêu chí 1.1;1.2 Báo cáo định kỳ;2;T1;T1 lý do\nSở A;4;5,5;8;1;Sáng kiến cấp tỉnh\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "score", "--criteria", criteria, "--scores", scores, "--stage", "appraisal")
    assert code == 0, err
    assert "18,50" in out  # 4 + 5,5 + 8 + 1
    both = tmp_path / "hai.csv"
    both.write_text("Đơn vị;1.1 Kế hoạch;Tiêu chí 1.1;1.2;2\nSở A;4;4;5,5;8\n", encoding="utf-8")
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", both)
    assert code == 1
    assert "cột '1.1 Kế hoạch' và cột 'Tiêu chí 1.1' cùng là '1.1'" in err


def test_a_heading_that_is_no_code_is_refused_with_the_shapes_accepted(tmp_path, capsys):
    criteria = tmp_path / "set.csv"
    criteria.write_text(TREE, encoding="utf-8")
    scores = tmp_path / "diem.csv"
    scores.write_text("Đơn vị;Kế hoạch năm;1.2;2\nSở A;4;5,5;8\n", encoding="utf-8")
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", scores)
    assert code == 1
    assert "cột 'Kế hoạch năm' không phải mã tiêu chí" in err
    assert "'1.1: Tên', '1.1. Tên', '1.1 – Tên', '1.1 Tên', 'Tiêu chí 1.1'" in err


def test_a_count_given_as_people_in_a_wide_table_is_told_where_counts_go(tmp_path, capsys):
    criteria = tmp_path / "set.csv"
    criteria.write_text(
        "code,parent,name,max_points,rule\nA,,Điểm A,10,\nN,,Số người được đào tạo,2,count: 2000\n", encoding="utf-8"
    )
    scores = tmp_path / "diem.csv"
    scores.write_text("unit,A,N\nu1,9,2.000\nu2,8,1500\n", encoding="utf-8")
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", scores)
    assert code == 1
    assert "điểm 1.500 vượt điểm tối đa 2" in err
    assert "số lượng ghi ở cột 'value' của bảng dạng dọc (period, unit, code, value)" in err


def test_a_file_showing_both_decimal_marks_is_asked_for_one(tmp_path, capsys):
    criteria = tmp_path / "set.csv"
    criteria.write_text("code,parent,name,max_points\nA,,A,5000\nB,,B,5000\nC,,C,5000\n", encoding="utf-8")
    scores = tmp_path / "diem.csv"
    scores.write_text("unit;A;B;C\nu1;1.907;1.5;4,25\nu2;2;3;4\n", encoding="utf-8")
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", scores)
    assert code == 1
    assert "'1.907' có thể là 1907 hoặc 1,907" in err
    assert "hãy viết 1907 nếu là số nguyên, hoặc dùng một dấu thập phân cho cả tệp" in err
    assert "1,9070" not in err


def test_printed_ranks_within_their_spans_in_the_wrong_order_say_so(tmp_path, capsys):
    criteria = tmp_path / "set.csv"
    criteria.write_text("code,parent,name,max_points\nA,,A,100\n", encoding="utf-8")
    units = tmp_path / "don-vi.csv"
    units.write_text("id,name\n" + "".join(f"u{i},Đơn vị {i}\n" for i in range(1, 7)), encoding="utf-8")
    scores = tmp_path / "diem.csv"  # 3 of 6: u2 above u3 by points, printed 5 and 4 (each within its span)
    scores.write_text("unit;A;Hạng\nu1;97;1\nu2;90;5\nu3;81;4\n", encoding="utf-8")
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", scores, "--units", units)
    assert code == 3
    assert "2–5, sai thứ tự" in err and "3–6, sai thứ tự" in err  # noqa: PT018
    assert "thứ tự các đơn vị theo hạng in sẵn khác thứ tự theo điểm" in err


FLAT = "code,parent,name,max_points\n1,,Chỉ đạo,10\n2,,Thủ tục,10\n"


def test_one_group_is_no_group_in_the_file_and_two_groups_read_back(tmp_path, capsys):
    """The --out file shows the group columns as the terminal does, only with more than one
    group (issue 28's audit: one named group wrote «Nhóm» and a «Hạng trong nhóm» copying
    «Hạng»); with two, what `cchc score --out` writes reads back with its group ranks."""
    from openpyxl import load_workbook

    criteria = tmp_path / "set.csv"
    criteria.write_text(FLAT, encoding="utf-8")
    scores = tmp_path / "diem.csv"
    scores.write_text("unit,1,2\nu1,4,8\nu2,3,6\nu3,9,9\n", encoding="utf-8")
    one = tmp_path / "mot-nhom.csv"
    one.write_text("id,name,group\nu1,Sở A,Sở\nu2,Sở B,Sở\nu3,Sở C,Sở\n", encoding="utf-8")
    written = tmp_path / "kq.xlsx"
    assert run(capsys, "score", "--criteria", criteria, "--scores", scores, "--units", one, "--out", written)[0] == 0
    header = [c.value for c in load_workbook(written).active[1]]
    assert "Hạng" in header
    assert "Nhóm" not in header and "Hạng trong nhóm" not in header  # noqa: PT018
    two = tmp_path / "hai-nhom.csv"
    two.write_text("id,name,group\nu1,Sở A,Sở\nu2,Sở B,Sở\nu3,Huyện C,Huyện\n", encoding="utf-8")
    again = tmp_path / "kq2.csv"
    assert run(capsys, "score", "--criteria", criteria, "--scores", scores, "--units", two, "--out", again)[0] == 0
    table = pd.read_csv(again, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    ranks = table[["Mã đơn vị", "Nhóm", "Hạng trong nhóm"]].values.tolist()
    assert ranks == [["u1", "Sở", "1"], ["u2", "Sở", "2"], ["u3", "Huyện", "1"]]
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", again, "--units", two)
    assert code == 0, err
    assert err.splitlines()[-1] == "Cột in sẵn khớp với kết quả tính: chỉ số (%) (3 đơn vị), hạng trong nhóm (3 đơn vị)"


def test_the_ranking_file_of_one_group_a_block_has_no_group_columns(demo, tmp_path, capsys):
    """The demo's blocks are one group each: `cchc ranking --out` writes no «Nhóm» (the block's
    name again) nor «Hạng trong nhóm» (a copy of «Hạng»), as its terminal table shows none."""
    written = tmp_path / "xh.csv"
    assert run(capsys, "--db", demo.url, "ranking", "--period", "2017", "--out", written)[0] == 0
    columns = pd.read_csv(written, encoding="utf-8-sig").columns.tolist()
    assert columns[:3] == ["Khối", "Mã đơn vị", "Đơn vị"]
    assert "Nhóm" not in columns and "Hạng trong nhóm" not in columns  # noqa: PT018
    assert "Hạng" in columns
