"""`cchc score` of a file whose units are of two blocks (issue 30): each unit's rows read and
scored on its own block's set (departments on `two_manual_items`, codes A1, A2; districts on the
small set, L1–L4), ranked only within its block, one table per block."""

import pandas as pd
import pytest
import yaml

from cchc_widgets.cli.main import main
from tests.conftest import SMALL, two_manual_items

UNITS = """id,name,khối,group
s1,Sở Một,so,
s2,Sở Hai,so,
h1,Huyện Một,huyen,miền núi
h2,Huyện Hai,huyen,miền núi
h3,Huyện Ba,huyen,thành phố
"""

# s1 85, s2 60 of 100; h1 8,5 and h2 10 of 10 (85 % and 100 %), h3 1 of 10, alone in its group
WIDE = """unit,A1,A2,L1,L2,L3,L4,Hạng
s1,40,45,,,,,1
s2,30,30,,,,,2
h1,,,có,b,2,80%,2
h2,,,có,a,2,90%,1
h3,,,không,c,1,40%,1
"""


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "so.yaml").write_text(yaml.safe_dump(two_manual_items([("Tốt", 80), ("Khá", 0)]), allow_unicode=True), "utf-8")
    (tmp_path / "huyen.yaml").write_text(yaml.safe_dump({**SMALL, "id": "huyen-thu"}, allow_unicode=True), "utf-8")
    (tmp_path / "don-vi.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "diem.csv").write_text(WIDE, encoding="utf-8")
    return tmp_path


SETS = ["--criteria", "so=so.yaml", "--criteria", "huyen=huyen.yaml"]


def score(*extra: str, scores: str = "diem.csv") -> int:
    return main(["score", *SETS, "--scores", scores, "--units", "don-vi.csv", *extra])


def test_each_block_is_scored_on_its_set_ranked_within_itself_and_printed_under_its_label(files, capsys):
    assert score() == 0
    out, err = capsys.readouterr()
    so, huyen = out.split("Kết quả chỉ số CCHC — khối UBND cấp huyện (Bộ nhỏ)")
    assert so.startswith("Kết quả chỉ số CCHC — khối Sở, ban, ngành (Bộ thử hai mục)\n")
    assert "D1" not in so
    assert "D1" in huyen
    # the printed ranks are ranks within each block, and in the districts' groups within their group
    assert "khối Sở, ban, ngành: Cột in sẵn khớp với kết quả tính: hạng (2 đơn vị)" in err
    assert "khối UBND cấp huyện: Cột in sẵn khớp với kết quả tính: hạng trong nhóm (3 đơn vị)" in err


def test_a_printed_rank_that_ranks_across_blocks_differs(files, capsys):
    (files / "diem.csv").write_text(WIDE.replace(",80%,2\n", ",80%,3\n"), encoding="utf-8")  # h1 3rd: as if ranked with s1, s2
    assert score() == 3
    err = capsys.readouterr().err
    assert "khối UBND cấp huyện: 1 giá trị in sẵn khác kết quả tính" in err
    assert "khối Sở, ban, ngành: Cột in sẵn khớp" in err


def test_the_out_table_carries_each_units_block(files, capsys):
    assert score("--out", "ket-qua.csv", "--machine-headings") == 0
    written = pd.read_csv(files / "ket-qua.csv", keep_default_na=False)
    assert list(written.columns) == ["block", "unit", "group", "A", "D1", "D2", "total", "index", "rank", "group_rank", "class"]
    # the block's id, as the units table names it (and `cchc ranking --out` writes it)
    blocks = {"s1": "so", "s2": "so", "h2": "huyen", "h1": "huyen", "h3": "huyen"}
    assert dict(zip(written["unit"], written["block"], strict=True)) == blocks
    assert written.set_index("unit")["index"].to_dict() == pytest.approx({"s1": 85, "s2": 60, "h1": 85, "h2": 100, "h3": 10})


def test_a_long_row_whose_code_is_not_in_its_units_blocks_set_is_refused_naming_row_unit_and_code(files, capsys):
    (files / "dai.csv").write_text("unit,code,points\ns1,A1,40\nh1,L3,2\nh1,A1,30\n", encoding="utf-8")
    assert score(scores="dai.csv") == 1
    err = capsys.readouterr().err
    refused = "dai.csv: dòng 4, cột 'code': mã A1: đơn vị 'h1' thuộc khối UBND cấp huyện: mã 'A1' không có trong bộ tiêu chí "
    assert refused + "'huyen-thu' của khối này" in err
    assert "Kết quả" not in err


def test_a_wide_cell_in_another_blocks_column_is_refused_where_it_is(files, capsys):
    (files / "diem.csv").write_text(WIDE.replace("s2,30,30,,,,,2", "s2,30,30,,,1,,2"), encoding="utf-8")
    assert score() == 1
    err = capsys.readouterr().err
    refused = "diem.csv: dòng 3, cột 'L3': mã L3: đơn vị 's2' thuộc khối Sở, ban, ngành: mã 'L3' không có trong bộ tiêu chí "
    assert refused + "'hai-muc' của khối này" in err


def test_a_unit_of_a_block_without_a_set_and_a_unit_not_listed_are_refused(files, capsys):
    (files / "don-vi.csv").write_text(UNITS + "x1,Xã Một,xa,\n", encoding="utf-8")
    assert score() == 1
    assert "đơn vị thuộc khối 'xa' chưa có bộ tiêu chí" in capsys.readouterr().err
    (files / "don-vi.csv").write_text(UNITS.replace("h3,Huyện Ba,huyen,thành phố\n", ""), encoding="utf-8")
    assert score() == 1
    assert "dòng 6, cột 'unit': đơn vị 'h3' không có trong bảng đơn vị" in capsys.readouterr().err
    assert main(["score", *SETS, "--scores", "diem.csv"]) == 1
    assert "mỗi khối một bộ tiêu chí cần --units" in capsys.readouterr().err


def test_a_block_with_no_row_in_the_file_lists_its_units_unscored(files, capsys):
    (files / "diem.csv").write_text("unit,A1,A2\ns1,40,45\ns2,30,30\n", encoding="utf-8")
    assert score() == 0
    out, err = capsys.readouterr()
    assert "3 đơn vị trong danh sách chưa có điểm, không xếp hạng: Huyện Một, Huyện Hai, Huyện Ba" in err
    assert "khối UBND cấp huyện" in out
