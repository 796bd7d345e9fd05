"""Numbers in published tables read by the file's own convention, never by guess.

The tables are written as provinces publish them: Lai Châu's item points to two and three
decimals in a comma-separated export, totals to three decimals, a Vietnamese Excel's `;` file
with decimal commas and thousands dots. Only what the file, the column and the item's maximum
leave ambiguous is refused, with the file, row, column and both readings.
"""

import io
import re

import pandas as pd
import pytest
from openpyxl import Workbook

from cchc_widgets import ProblemsError, ScoringForm
from cchc_widgets.cli.main import main
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.core.numbers import decide_column, parse_decimal
from cchc_widgets.files.score_tables import read_scores

# Lai Châu's department index as a flat set: nine items of 2 points (the published table's columns)
LAI_CHAU = """code,parent,name,max_points
ci1,,Công tác chỉ đạo điều hành CCHC,2
ci2,,Cải cách thể chế,2
ci3,,Cải cách thủ tục hành chính,2
ci4,,Cải cách tổ chức bộ máy,2
ci5,,Cải cách chế độ công vụ,2
ci6,,Cải cách tài chính công,2
ci7,,Xây dựng chính quyền điện tử,2
ci8,,Tác động của CCHC,2
ci9,,Khảo sát sự hài lòng,2
"""
LAI_CHAU_TABLE = """unit,ci1,ci2,ci3,ci4,ci5,ci6,ci7,ci8,ci9
Sở Tài chính,2,2,2,2,1,1.5,1.907,2,1.34
Sở Tư pháp,2,1.75,2,2,1,1.5,1.625,2,1.5
Sở Nội vụ,2,2,1.875,2,1.5,2,1.5,2,1.25
"""
# totals to three decimals, out of 100: five domains of 20
TOTALS_SET = "code,parent,name,max_points\n" + "".join(f"LV{i},,Lĩnh vực {i},20\n" for i in range(1, 6))
# a count of people next to points: «số lượt người được tập huấn» (1.000 required) and a yes/no item
COUNT_SET = """code,parent,name,max_points,rule
TH1,,Số lượt cán bộ được tập huấn,2,count: 1000
TH2,,Có kế hoạch tập huấn,1,yesno
"""


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


@pytest.fixture
def lai_chau(tmp_path):
    return load_criteria(_write(tmp_path, "lai-chau.csv", LAI_CHAU))


def _points(data, unit: str, code: str) -> float:
    return data.scores.set_index(["unit", "code"]).loc[(unit, code), "points"]


def test_comma_file_reads_points_as_lai_chau_prints_them(tmp_path, lai_chau, capsys):
    data = read_scores(_write(tmp_path, "lai-chau-2023.csv", LAI_CHAU_TABLE), lai_chau)
    assert _points(data, "Sở Tài chính", "ci7") == 1.907
    assert _points(data, "Sở Tư pháp", "ci7") == 1.625
    assert _points(data, "Sở Nội vụ", "ci3") == 1.875
    assert _points(data, "Sở Tài chính", "ci9") == 1.34
    code = main(["score", "--criteria", str(tmp_path / "lai-chau.csv"), "--scores", str(tmp_path / "lai-chau-2023.csv")])
    out = capsys.readouterr()
    assert (code, out.err) == (0, "")
    assert "15,75" in out.out  # Sở Tài chính: 2+2+2+2+1+1,5+1,907+2+1,34 = 15,747


def test_three_decimal_totals_are_read_and_checked(tmp_path):
    cs = load_criteria(_write(tmp_path, "lv.csv", TOTALS_SET))
    table = (
        "unit,LV1,LV2,LV3,LV4,LV5,total\n"
        "Văn phòng UBND tỉnh,19.537,20,18.75,19.398,20,97.685\n"
        "Sở Y tế,18.125,17.5,19,16.25,18.5,89.375\n"
    )
    data = read_scores(_write(tmp_path, "tong.csv", table), cs)
    given = data.given.set_index("unit")["value"]
    assert given["Văn phòng UBND tỉnh"] == 97.685  # 97685 is far above the maximum of 100
    assert given["Sở Y tế"] == 89.375
    assert _points(data, "Văn phòng UBND tỉnh", "LV1") == 19.537


def test_semicolon_file_of_a_vietnamese_excel(tmp_path):
    cs = load_criteria(_write(tmp_path, "lv.csv", TOTALS_SET))
    table = "unit;LV1;LV2;LV3;LV4;LV5;total\nVăn phòng UBND tỉnh;19,537;20;18,75;19,398;20;97,685\n"
    data = read_scores(_write(tmp_path, "tong.csv", table, "utf-8-sig"), cs)
    assert _points(data, "Văn phòng UBND tỉnh", "LV1") == 19.537
    assert _points(data, "Văn phòng UBND tỉnh", "LV4") == 19.398
    assert data.given["value"].item() == 97.685


def test_thousands_in_a_count_of_a_semicolon_file(tmp_path):
    cs = load_criteria(_write(tmp_path, "tap-huan.csv", COUNT_SET))
    table = "unit;code;value\nSở Y tế;TH1;1.234\nSở Y tế;TH2;có\nSở Xây dựng;TH1;850\n"
    data = read_scores(_write(tmp_path, "tap-huan-2024.csv", table), cs)
    values = data.scores.set_index(["unit", "code"])["value"]
    assert values[("Sở Y tế", "TH1")] == 1234  # 1.234 people, as a Vietnamese Excel writes them
    assert _points(data, "Sở Y tế", "TH1") == 2
    assert _points(data, "Sở Xây dựng", "TH1") == pytest.approx(1.7)


def test_a_column_that_shows_its_mark_decides_for_itself(tmp_path):
    cs = load_criteria(_write(tmp_path, "tap-huan.csv", COUNT_SET))
    # a `;` file whose writer used decimal points: 2.5 says so, so 1.250 is one and a quarter
    table = "unit;code;points\nSở Y tế;TH1;1.250\nSở Xây dựng;TH1;0.5\nSở Công Thương;TH1;1.5\n"
    data = read_scores(_write(tmp_path, "diem.csv", table), cs)
    assert _points(data, "Sở Y tế", "TH1") == 1.25


def test_what_stays_ambiguous_is_refused_with_file_row_column_and_both_readings(tmp_path):
    cs = load_criteria(_write(tmp_path, "tap-huan.csv", COUNT_SET))
    # comma-separated, the count quoted: an English Excel's 2,000 people, or 2 with a decimal comma?
    table = 'unit,code,value\nSở Y tế,TH1,"2,000"\nSở Y tế,TH2,có\n'
    with pytest.raises(ProblemsError) as refused:
        read_scores(_write(tmp_path, "tap-huan-2024.csv", table), cs)
    (problem,) = refused.value.problems
    assert str(problem).startswith("tap-huan-2024.csv: dòng 2, cột 'value': mã TH1: giá trị: '2,000' có thể là 2000 hoặc 2")


@pytest.mark.parametrize(
    "table",
    [
        'unit,code,value\nSở Y tế,TH1,"1,234"\nSở Y tế,TH2,có\n',  # an English Excel's thousands comma, quoted
        "unit,code,value\nSở Y tế,TH1,1.234\nSở Y tế,TH2,có\n",  # a Vietnamese thousands dot in a comma-separated file
    ],
    ids=["quoted-comma", "dot"],
)
def test_a_count_is_never_read_with_a_fraction(tmp_path, table):
    cs = load_criteria(_write(tmp_path, "tap-huan.csv", COUNT_SET))
    data = read_scores(_write(tmp_path, "tap-huan-2024.csv", table), cs)
    assert data.scores.set_index(["unit", "code"]).loc[("Sở Y tế", "TH1"), "value"] == 1234  # 1,234 people cannot be
    assert _points(data, "Sở Y tế", "TH1") == 2


# counts as a Sở reports them: people trained, documents reviewed, and a rate of documents on time
COUNTS_SET = """code,parent,name,max_points,rule
TH1,,Số lượt cán bộ được tập huấn,2,count: 1000
VB1,,Số văn bản QPPL được rà soát,2,count: 1500
TL1,,Tỷ lệ hồ sơ giải quyết đúng hạn,2,percent: 0-80=0; 80-95=1; 95-100=2
"""


def _values(data) -> dict:
    return data.scores.set_index(["unit", "code"])["value"].to_dict()


def test_a_thousands_dot_in_a_count_speaks_for_the_counts_beside_it(tmp_path):
    cs = load_criteria(_write(tmp_path, "dem.csv", COUNTS_SET))
    # a comma-separated export by a Vietnamese writer: 1.234 people can only be a thousands dot, so 2.000 is 2000
    table = (
        "unit,code,value\n"
        "Sở Y tế,TH1,1.234\n"
        "Sở Xây dựng,TH1,2.000\n"
        "Sở Y tế,VB1,1.500\n"  # 1,5 documents cannot be either
        "Sở Y tế,TL1,96.5\n"  # a rate with a decimal point does not make those dots decimals
        "Sở Xây dựng,TL1,87.5\n"
    )
    data = read_scores(_write(tmp_path, "bao-cao-2024.csv", table), cs)
    values = _values(data)
    assert values[("Sở Xây dựng", "TH1")] == 2000  # was 2: the file's comma separator was taken for the dot's meaning
    assert values[("Sở Y tế", "VB1")] == 1500
    assert _points(data, "Sở Xây dựng", "TH1") == 2
    # no rate: the column's counts decide for each other, TH1's 1.234 for VB1's 2.000
    data = read_scores(_write(tmp_path, "bao-cao-2024.csv", "unit,code,value\nSở Y tế,TH1,1.234\nSở Y tế,VB1,2.000\n"), cs)
    assert _values(data)[("Sở Y tế", "VB1")] == 2000
    # a rate with a decimal point beside them: the column proves both marks, and VB1's 2.000 is refused
    both = "unit,code,value\nSở Y tế,TH1,1.234\nSở Y tế,VB1,2.000\nSở Y tế,TL1,96.5\n"
    with pytest.raises(ProblemsError, match=r"dòng 3, cột 'value': mã VB1: giá trị: '2\.000' có thể là 2000 hoặc 2"):
        read_scores(_write(tmp_path, "bao-cao-2024.csv", both), cs)


def test_a_lone_count_with_a_dot_is_refused_where_nothing_decides(tmp_path):
    cs = load_criteria(_write(tmp_path, "dem.csv", COUNTS_SET))
    # a comma-separated file says its commas are not decimal marks; of a whole number's dot it says nothing
    table = "unit,code,value\nSở Y tế,TH1,850\nSở Xây dựng,TH1,2.000\n"
    with pytest.raises(ProblemsError) as refused:
        read_scores(_write(tmp_path, "bao-cao-2024.csv", table), cs)
    (problem,) = refused.value.problems
    assert str(problem).startswith(
        "bao-cao-2024.csv: dòng 3, cột 'value': mã TH1: giá trị: '2.000' có thể là 2000 hoặc 2 (tệp và cột không cho biết"
    )
    # a file that shows its dot is a decimal point (a rate of 96.5) reads the count by it: 2
    data = read_scores(_write(tmp_path, "bao-cao-2024.csv", table + "Sở Y tế,TL1,96.5\n"), cs)
    assert _values(data)[("Sở Xây dựng", "TH1")] == 2
    # a `;` file of a Vietnamese Excel: a thousands dot
    data = read_scores(_write(tmp_path, "bao-cao-2024.csv", table.replace(",", ";")), cs)
    assert _values(data)[("Sở Xây dựng", "TH1")] == 2000


def test_a_frame_of_counts_reads_like_a_file(tmp_path):
    cs = load_criteria(_write(tmp_path, "dem.csv", COUNTS_SET))
    frame = pd.DataFrame({"unit": ["Sở Y tế", "Sở Xây dựng"], "code": ["TH1", "TH1"], "value": ["1.234", "2.000"]})
    assert ScoringForm.from_frame(frame, cs).scores.set_index("unit")["value"]["Sở Xây dựng"] == 2000


# a set with a large item (money saved, in millions of đồng) beside points: 1.234 can be 1234 or 1,234 there
SAVINGS_SET = """code,parent,name,max_points
TK,,Kinh phí tiết kiệm (triệu đồng),2000
CD,,Công tác chỉ đạo điều hành,2
"""


def test_a_semicolon_file_whose_other_columns_show_decimal_points(tmp_path):
    cs = load_criteria(_write(tmp_path, "tiet-kiem.csv", SAVINGS_SET))
    # a `;` file written with decimal points: CD's 1.5 says so for TK's 1.234 too
    table = "unit;TK;CD\nSở Tài chính;1.234;1.5\nSở Y tế;1000;1\n"
    data = read_scores(_write(tmp_path, "tiet-kiem-2024.csv", table), cs)
    assert _points(data, "Sở Tài chính", "TK") == 1.234
    # no column shows a mark: a Vietnamese Excel's `;` file, a thousands dot
    data = read_scores(_write(tmp_path, "tiet-kiem-2024.csv", "unit;TK;CD\nSở Tài chính;1.234;2\n"), cs)
    assert _points(data, "Sở Tài chính", "TK") == 1234
    # the file shows both marks: nothing is decided by it, and 1.234 is refused where it is
    both = "unit;TK;CD\nSở Tài chính;1.234;1.5\nSở Y tế;1000;1,5\n"
    with pytest.raises(ProblemsError) as refused:
        read_scores(_write(tmp_path, "tiet-kiem-2024.csv", both), cs)
    (problem,) = refused.value.problems
    assert str(problem).startswith("tiet-kiem-2024.csv: dòng 2, cột 'TK': mã TK: điểm: '1.234' có thể là 1234 hoặc 1,234")


def test_a_semicolon_table_with_decimal_points_checks_its_uncapped_index(tmp_path, capsys):
    criteria = _write(tmp_path, "lv.csv", "# trần chỉ số: không\n" + TOTALS_SET)  # no cap: 97685 % is not impossible
    table = "unit;LV1;LV2;LV3;LV4;LV5;total;chỉ số\nVăn phòng UBND tỉnh;19.537;20;18.75;19.398;20;97.685;97.685\n"
    code = main(["score", "--criteria", str(criteria), "--scores", str(_write(tmp_path, "tong.csv", table))])
    assert (code, capsys.readouterr().err) == (0, "Cột in sẵn khớp với kết quả tính: chỉ số (%) (1 đơn vị)\n")


def test_xlsx_number_cells_are_numbers_and_text_cells_follow_the_maximum(tmp_path, lai_chau):
    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "ci1", "ci7"])
    sheet.append(["Sở Tài chính", 2, 1.907])  # numbers, as Excel keeps them
    sheet.append(["Sở Tư pháp", 1.5, "1.625"])  # a text cell: 1625 is above the maximum of 2
    path = tmp_path / "lai-chau.xlsx"
    book.save(path)
    data = read_scores(path, lai_chau)
    assert _points(data, "Sở Tài chính", "ci7") == 1.907
    assert _points(data, "Sở Tư pháp", "ci7") == 1.625


def test_a_frame_of_text_reads_like_a_file(lai_chau):
    long = pd.read_csv(io.StringIO(LAI_CHAU_TABLE), dtype=str).melt(id_vars="unit", var_name="code", value_name="points")
    form = ScoringForm.from_frame(long, lai_chau)
    got = form.scores.set_index(["unit", "code"])["points"]
    assert got[("Sở Tài chính", "ci7")] == 1.907
    assert got[("Sở Nội vụ", "ci3")] == 1.875
    counts = pd.DataFrame({"unit": ["Sở Y tế"], "code": ["ci1"], "points": ["1,250"]})  # nothing else in the column
    assert ScoringForm.from_frame(counts, lai_chau).scores["points"].item() == 1.25  # 1250 is above the maximum of 2


def test_a_frame_value_with_nothing_to_decide_it_is_refused(tmp_path):
    cs = load_criteria(_write(tmp_path, "tap-huan.csv", COUNT_SET))
    frame = pd.DataFrame({"unit": ["Sở Y tế"], "code": ["TH1"], "value": ["2.000"]})
    with pytest.raises(ProblemsError, match=r"dòng 1, cột 'value': mã TH1: giá trị: '2\.000' có thể là 2000 hoặc 2"):
        ScoringForm.from_frame(frame, cs)
    frame["value"] = "1.234"  # a count cannot be 1,234
    assert ScoringForm.from_frame(frame, cs).scores["points"].item() == 2


@pytest.mark.parametrize(
    ("cells", "marks", "maxima", "expected"),
    [
        # decided cells become numbers; the others stay as they are, for parse_decimal
        (["1.907", "1.5"], None, None, [1.907, "1.5"]),  # the column shows a decimal point
        (["1.907", "1,25"], None, None, [1907.0, "1,25"]),  # ... or a decimal comma
        (["1.907", "1,25"], [".", "."], None, [1907.0, "1,25"]),  # the column outranks the file
        (["1.907", "1,25"], [","], [2, 2], [1.907, "1,25"]),  # 1907 is impossible, whatever the column says
        (["1.907"], None, [2], [1.907]),  # 1907 is above the maximum
        (["1.907"], [","], [2], [1.907]),  # ... whatever a `;` file would say
        (["1.907"], ["."], None, [1.907]),  # an unquoted cell of a comma-separated file
        (["1.234"], [","], None, [1234.0]),  # a `;` file's thousands dot
        (["1.234.567", "1.250"], None, None, ["1.234.567", 1250.0]),  # dots grouping thousands
    ],
)
def test_decide_column(cells, marks, maxima, expected):
    out, refused = decide_column(cells, "điểm", marks and marks * len(cells), maxima and maxima * len(cells))
    assert (out, refused) == (expected, {})


def test_an_items_own_cells_speak_before_the_column():
    # TH1's 1.234 people prove a thousands dot for TH1's 2.000; TL1's 96.5 % proves a decimal point for the column
    cells, items, counts = ["1.234", "2.000", "96.5", "2.000"], ["TH1", "TH1", "TL1", "VB1"], [True, True, False, True]
    assert decide_column(cells, "giá trị", counts=counts, items=items) == (
        [1234.0, 2000.0, "96.5", "2.000"],
        {
            3: "giá trị: '2.000' có thể là 2000 hoặc 2 (tệp và cột không cho biết dấu nào là dấu thập phân); "
            "hãy viết 2000 hoặc 2 cho rõ"
        },
    )


def test_a_count_has_no_fraction_whatever_the_column_or_the_file_says():
    assert decide_column(["1,234", "1.5"], "giá trị", counts=[True, False]) == ([1234.0, "1.5"], {})
    assert decide_column(["1.234"], "giá trị", ["."], counts=[True]) == ([1234.0], {})
    assert decide_column(["1.234"], "giá trị", ["."], counts=[False]) == ([1.234], {})


def test_decide_column_refuses_only_what_nothing_decides():
    out, refused = decide_column(["1.234", "x", "2"], "điểm", [None] * 3, [5000, None, None])
    assert out == ["1.234", "x", "2"]
    assert refused == {
        0: "điểm: '1.234' có thể là 1234 hoặc 1,234 (tệp và cột không cho biết dấu nào là dấu thập phân); "
        "hãy viết 1234 hoặc 1,2340 cho rõ"
    }
    # a column that shows both marks is part of a file whose writer used both: the file's mark decides nothing
    out, refused = decide_column(["1.5", "2,5", "1.250"], "điểm", [","] * 3)
    assert (out, list(refused)) == (["1.5", "2,5", "1.250"], [2])
    # each spelling offered reads one way only
    assert [parse_decimal(text) for text in ("1234", "1,2340", "1.2340")] == [1234, 1.234, 1.234]


# ------------------------------------------------------------ printed results: checked, not refused

LAI_CHAU_CLASSES = "# classes: Xuất sắc=90; Tốt=80; Khá=70; Trung bình=50\n" + LAI_CHAU
# as published: points, total, then the index to two places, the rank and the class
LAI_CHAU_RANKED = """unit,ci1,ci2,ci3,ci4,ci5,ci6,ci7,ci8,ci9,total,Chỉ số,Vị thứ,Xếp loại
Sở Tài chính,2,2,2,2,1,1.5,1.907,2,1.34,15.747,87.48,2,Tốt
Sở Nội vụ,2,2,1.875,2,1.5,2,1.5,2,1.25,16.125,89.58,{rank},{klass}
Sở Tư pháp,2,1.75,2,2,1,1.5,1.625,2,1.5,15.375,85.42,3,Tốt
"""


def _score_ranked(tmp_path, capsys, rank: str, klass: str):
    criteria = _write(tmp_path, "lai-chau.csv", LAI_CHAU_CLASSES)
    scores = _write(tmp_path, "lai-chau-2023.csv", LAI_CHAU_RANKED.format(rank=rank, klass=klass))
    code = main(["score", "--criteria", str(criteria), "--scores", str(scores)])
    return code, capsys.readouterr()


def test_printed_index_rank_and_class_that_agree_say_so(tmp_path, capsys):
    code, out = _score_ranked(tmp_path, capsys, "1", "Tốt")
    assert code == 0
    assert out.err == "Cột in sẵn khớp với kết quả tính: chỉ số (%) (3 đơn vị), hạng (3 đơn vị), xếp loại (3 đơn vị)\n"
    assert "Sở Nội vụ" in out.out.splitlines()[1]  # ranked first, as printed


def test_printed_rank_and_class_that_differ_are_reported_like_totals(tmp_path, capsys):
    code, out = _score_ranked(tmp_path, capsys, "2", "Xuất sắc")  # 89,58 % is Tốt, and first
    assert code == 3
    lines = out.err.splitlines()
    assert lines[0] == "Cột in sẵn khớp với kết quả tính: chỉ số (%) (3 đơn vị), hạng (2 đơn vị), xếp loại (2 đơn vị)"
    assert lines[1] == "2 giá trị in sẵn khác kết quả tính:"
    assert re.search(r"Sở Nội vụ\s+Hạng\s+2\s+1$", lines[3])
    assert re.search(r"Sở Nội vụ\s+Xếp loại\s+Xuất sắc\s+Tốt$", lines[4])
    assert len(lines) == 5
