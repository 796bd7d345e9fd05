import re
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from cchc_widgets.core.criteria import check_criteria, load_criteria, load_dict, parse_rule_text
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.rules import PercentRule

SEED = Path(__file__).resolve().parent / "data" / "seed_criteria_dien_bien.txt"


def test_reference_set_shape(reference):
    levels = [n.level for n in reference]
    assert (levels.count(1), levels.count(2), levels.count(3)) == (8, 28, 70)
    assert len(reference.leaf_codes) == 70
    assert reference.max_points == pytest.approx(100)
    for node in reference:
        if node.children:
            assert sum(reference[c].max_points for c in node.children) == pytest.approx(node.max_points), node.code
    assert reference["1"].max_points == 20  # Cà Mau template for domain 1
    assert reference["1.1"].max_points == 5
    assert reference.meta["reference_allocation"] is True


def test_every_leaf_has_rule_evidence_and_na_flag(reference):
    for code in reference.leaf_codes:
        node = reference[code]
        assert node.has_rule, code
        assert node.evidence.strip(), code
        assert isinstance(node.allow_na, bool)
    kinds = {reference[c].rule.kind for c in reference.leaf_codes}
    assert kinds == {"yesno", "levels", "percent", "count", "manual"}
    assert any(reference[c].allow_na for c in reference.leaf_codes)


def test_cà_mau_rule_for_1_1_4(reference):
    rule = reference["1.1.4"].rule
    assert isinstance(rule, PercentRule)
    assert [rule.points_for_percentage(p) for p in (95, 90, 80, 70, 50)] == [2, 1, 1, 0, 0]


def test_codes_match_the_seed(reference):
    seed = SEED.read_text(encoding="utf-8")
    seed_codes = set(re.findall(r"^\s+(?:Collapse )?(\d(?:\.\d+){0,2})\. ", seed, flags=re.M))
    assert seed_codes == set(reference.nodes)


def test_round_trip_through_dict_is_equal(reference):
    again = load_dict(reference.to_dict())
    assert again == reference
    assert again.checksum == reference.checksum


def _doc(reference_path, **over):
    doc = yaml.safe_load(reference_path.read_text(encoding="utf-8"))
    doc.update(over)
    return doc


def _write(tmp_path, doc, name="set.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_all_semantic_problems_reported_together(tmp_path, reference_path):
    doc = _doc(reference_path, classes=[{"label": "A", "min": 80}, {"label": "B", "min": 90}, {"label": "A", "min": 10}])
    domain1 = doc["criteria"][0]
    c11 = domain1["children"][0]
    c11["children"][1]["code"] = "1.1.1"  # duplicate code
    c11["children"][3]["rule"]["bands"][1]["from"] = 75  # gap 70–75 in 1.1.4
    domain1["children"][1]["children"][1]["max_points"] = 0.75  # 1.2 children sum 2.25 ≠ 2
    domain1["children"][2]["children"][0]["rule"]["levels"][0]["points"] = 3  # level above max in 1.3.1
    doc["criteria"][1]["children"][0]["children"][0]["rule"]["bands"][2]["from"] = 90  # overlap in 2.1.1
    problems = check_criteria(_write(tmp_path, doc))
    text = "\n".join(map(str, problems))
    assert "mã 1.1.1: mã bị trùng" in text
    assert "mã 1.1.4: hở khoảng" in text
    assert "mã 1.2: điểm tối đa 2 khác tổng điểm các mục con (2,25" in text
    assert "mã 1.3.1: quy tắc cho 3 điểm, vượt điểm tối đa 1" in text
    assert "mã 2.1.1: chồng khoảng" in text
    assert "thứ tự ngưỡng giảm dần" in text
    assert "hạng xếp loại 'A' bị lặp" in text
    assert all(str(p).startswith(str(tmp_path / "set.yaml")) for p in problems)


def test_schema_problems_name_code_and_field(tmp_path, reference_path):
    doc = _doc(reference_path)
    leaf = doc["criteria"][0]["children"][0]["children"][0]
    leaf["max_points"] = "một"
    leaf["rule"] = {"type": "levels", "levels": [{"label": "x", "point": 1}, {"label": "y", "points": 0}]}
    del doc["criteria"][2]["name"]
    doc["criteria"][3]["children"][0]["children"][0]["rule"] = {"type": "stars"}
    problems = [str(p) for p in check_criteria(_write(tmp_path, doc))]
    assert any("mã 1.1.1: 'max_points' phải là một số" in p for p in problems), problems
    assert any("mã 1.1.1: trường không được biết (có thể viết sai tên): 'point'" in p for p in problems), problems
    assert any("mã 3: thiếu trường bắt buộc 'name'" in p for p in problems), problems
    assert any("mã 4.1.1: 'type' phải là một trong" in p for p in problems), problems


def test_parent_max_must_equal_children_sum_and_total(tmp_path, reference_path):
    doc = _doc(reference_path, total_points=90)
    problems = [str(p) for p in check_criteria(_write(tmp_path, doc))]
    assert problems == [f"{tmp_path / 'set.yaml'}: tổng điểm các lĩnh vực là 100, khác tổng khai báo total_points = 90"]


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nname: [unclosed\nversion: 1\n", encoding="utf-8")
    (problem,) = check_criteria(path)
    assert "dòng" in problem.where
    assert "YAML" in problem.message


def test_missing_file_and_unknown_format(tmp_path):
    assert "không tìm thấy" in str(check_criteria(tmp_path / "nope.yaml")[0])
    other = tmp_path / "set.txt"
    other.write_text("x", encoding="utf-8")
    assert ".yaml" in str(check_criteria(other)[0])


FLAT = """code,parent,name,max_points,rule,allow_na
A,,Lĩnh vực A,3,,
A.1,A,Mục 1,1,yesno,
A.2,A,Mục 2,2,"percent right pair: 0-70=0; 70-90=1; 90-100=2",có
B,,Lĩnh vực B,1.675,,
"""


def test_flat_csv_is_a_criteria_set(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text(FLAT, encoding="utf-8")
    cs = load_criteria(path)
    assert cs.top_codes == ("A", "B")
    assert cs.leaf_codes == ("A.1", "A.2", "B")
    assert cs.max_points == pytest.approx(4.675)
    assert cs["A.2"].allow_na
    assert cs["A.2"].rule.input == "pair"
    assert cs["A.2"].rule.closed == "right"
    assert not cs["B"].has_rule  # any points in [0, 1.675]


def test_flat_list_without_parents_is_valid(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("code,parent,name,max_points\nx,,X,1\ny,,Y,2\n", encoding="utf-8")
    cs = load_criteria(path)
    assert cs.depth == 1
    assert cs.leaf_codes == ("x", "y")


def test_flat_table_problems_name_rows(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text(
        "code,parent,name,max_points,rule\n"
        "A,,Lĩnh vực A,3,\n"
        "A.1,A,Mục 1,hai,yesno\n"
        "A.2,Z,Mục 2,2,levels: tốt=2; kém\n"
        "A.3,A,Mục 3,1,stars: 5\n"
        "A.1,A,Mục 1 lặp,1,\n",
        encoding="utf-8",
    )
    problems = [str(p) for p in check_criteria(path)]
    assert any("dòng 3, cột 'max_points': mã A.1: điểm tối đa phải là số" in p for p in problems), problems
    assert any("dòng 4, cột 'rule': mã A.2: thiếu '=điểm'" in p for p in problems), problems
    assert any("dòng 5, cột 'rule': mã A.3: loại quy tắc 'stars'" in p for p in problems), problems
    assert any("dòng 6, cột 'code': mã A.1: mã bị trùng" in p for p in problems), problems


def test_flat_table_cycle_and_missing_parent(tmp_path):
    path = tmp_path / "cyc.csv"
    path.write_text("code,parent,name,max_points\nA,B,A,1\nB,A,B,1\nC,Q,C,1\n", encoding="utf-8")
    text = "\n".join(map(str, check_criteria(path)))
    assert "vòng lặp" in text
    assert "mục cha 'Q' không có" in text


def test_flat_xlsx_names_cells(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Tiêu chí"
    for row in (["code", "parent", "name", "max_points"], ["A", None, "A", 2], ["A.1", "A", "A1", 1], ["A.2", "A", "A2", "x"]):
        sheet.append(row)
    path = tmp_path / "flat.xlsx"
    book.save(path)
    problems = [str(p) for p in check_criteria(path)]
    assert any("sheet 'Tiêu chí', ô D4: mã A.2" in p for p in problems), problems


def test_flat_table_missing_columns(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("code,name\nA,B\n", encoding="utf-8")
    assert "thiếu cột bắt buộc 'parent', 'max_points'" in str(check_criteria(path)[0])


def test_flat_csv_classes_line(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_text("# classes: Xuất sắc=90; Tốt=80; Khá=67,5; Yếu=0\n" + FLAT, encoding="utf-8")
    cs = load_criteria(path)
    assert [(c.label, c.min) for c in cs.classes] == [("Xuất sắc", 90), ("Tốt", 80), ("Khá", 67.5), ("Yếu", 0)]
    import pandas as pd

    from cchc_widgets.core import engine

    # 1 + 1 + 1.675 = 3.675 of 4.675 = 78.6 %: from 67.5 (Khá) and below 80 (Tốt)
    points = pd.DataFrame({"unit": ["u"] * 3, "code": ["A.1", "A.2", "B"], "points": [1, 1, 1.675]})
    assert engine.score(points, cs).results["class"].item() == "Khá"
    bad = tmp_path / "bad.csv"
    bad.write_text("# classes: Tốt=80; Xuất sắc=90; Khá\ncode,parent,name,max_points\nA,,A,hai\n", encoding="utf-8")
    problems = [str(p) for p in check_criteria(bad)]
    assert any("dòng 3, cột 'max_points'" in p for p in problems), problems  # line numbers count the classes line
    assert any("Khá" in p and "tên=ngưỡng" in p for p in problems), problems
    assert any("thứ tự ngưỡng giảm dần" in p for p in problems), problems


def test_flat_xlsx_classes_sheet(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Tiêu chí"
    for row in (["code", "parent", "name", "max_points"], ["A", None, "A", 2], ["A.1", "A", "A1", 1], ["A.2", "A", "A2", 1]):
        sheet.append(row)
    bands = book.create_sheet("classes")
    for row in (["label", "min"], ["A", 90], ["B", "80"], ["C", "70,5"]):
        bands.append(row)
    path = tmp_path / "flat.xlsx"
    book.save(path)
    assert [(c.label, c.min) for c in load_criteria(path).classes] == [("A", 90), ("B", 80), ("C", 70.5)]
    bands.append(["D", "bảy mươi"])
    book.save(path)
    problems = [str(p) for p in check_criteria(path)]
    assert any("sheet 'classes', ô B5" in p for p in problems), problems


def test_rule_text_parser():
    assert parse_rule_text("count all: 4") == {"type": "count", "required": 4, "mode": "all"}
    assert parse_rule_text("manual: 0,25") == {"type": "manual", "step": 0.25}
    assert parse_rule_text('{"type": "yesno"}') == {"type": "yesno"}
    with pytest.raises(ValueError, match="từ-đến"):
        parse_rule_text("percent: 50=1")


def test_survey_block(tmp_path, reference_path):
    doc = _doc(reference_path, survey={"items": [{"code": "S1", "name": "Hài lòng", "max_points": 2, "domain": "3"}]})
    cs = load_dict(doc)
    assert cs.survey.answers == {"A": 100, "B": 60, "C": 20, "D": 0}
    bad = _doc(reference_path, survey={"items": [{"code": "1.1", "name": "x", "max_points": 1, "domain": "99"}]})
    with pytest.raises(ProblemsError) as err:
        load_dict(bad)
    text = str(err.value)
    assert "trùng với một mã khác" in text
    assert "mục '99' không có" in text


# the corrections listed in criteria/README.md, applied to the seed's names
CORRECTIONS = [
    ("báo cáo(", "báo cáo ("),
    ("kiểm tra(", "kiểm tra ("),
    ("trực thuộc,...có", "trực thuộc... có"),
    ("ké hoạch", "kế hoạch"),
    ("sô với", "so với"),
    ("văn bản Quy phạm", "văn bản quy phạm"),
    ("VBQPL", "VBQPPL"),
    ("hệ thông hóa", "hệ thống hóa"),
    ("thực hiên", "thực hiện"),
    ("(Qua kiểm tra", "(qua kiểm tra"),
    ("(Kiểm tra tại", "(kiểm tra tại"),
]


def test_names_are_the_seed_names_with_listed_corrections(reference):
    seed = {}
    for line in SEED.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s+(Collapse )?(\d(?:\.\d+){0,2})\. (.*)$", line)
        if m:
            collapsed, code, rest = m.groups()
            seed[code] = rest[: (len(rest) - len(code) - 2) // 2] if collapsed else rest
    for code, node in reference.nodes.items():
        name = seed[code].strip()
        for wrong, right in CORRECTIONS:
            name = name.replace(wrong, right)
        assert name == node.name, code


def test_every_name_imported_from_the_criteria_face_is_there():
    """`core.criteria` is the public face of the model, schema, builder, flat loader and rule
    syntax modules: whatever the package, its tests and notebooks import from it exists."""
    from cchc_widgets.core import criteria
    from tests.conftest import REPO

    wanted = set()
    for path in [*REPO.glob("cchc_widgets/**/*.py"), *REPO.glob("tests/**/*.py"), *REPO.glob("notebooks/**/*.ipynb")]:
        text = path.read_text(encoding="utf-8")
        for grouped, one_line in re.findall(r"from cchc_widgets\.core\.criteria import (?:\(([^)]*)\)|([\w ,]+))", text):
            wanted |= {n.strip() for n in (grouped or one_line).replace("\n", ",").split(",") if n.strip()}
    assert {"CriteriaSet", "load_criteria", "ClassBand", "parse_rule_text", "rule_text"} <= wanted
    assert sorted(n for n in wanted if not hasattr(criteria, n)) == []
    assert set(criteria.__all__) >= wanted
