"""Published tables in, exactly (issue 29): a province's table as it prints it — a `;` file of
a Vietnamese Excel with decimal commas, headings as printed (STT, Mã đơn vị, Tổng điểm, Chỉ số,
Hạng, Xếp loại), bonus and penalty columns, 4 of the 17 units of its list — scored, checked
and imported; the flat criteria file saying everything the YAML says; group ranks without an
invented overall rank; and what cchc writes read back by cchc.
"""

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core.criteria import check_criteria, load_criteria
from cchc_widgets.files.unit_tables import read_units

REPO = Path(__file__).resolve().parent.parent

# the set as an analyst types it: a `;` file with Vietnamese settings lines
SET = """# tên: Chỉ số CCHC các sở, ban, ngành 2024
# ghi chú: năm lĩnh vực 20 điểm; điểm thưởng, điểm trừ do Hội đồng thẩm định
# làm tròn: 3
# xếp loại: Xuất sắc=90; Tốt=80; Khá=70; Trung bình=50
# trần chỉ số: 100
code;parent;name;max_points;kind
LV1;;Công tác chỉ đạo, điều hành;20;
LV2;;Cải cách thể chế;20;
LV3;;Cải cách thủ tục hành chính;20;
LV4;;Cải cách tổ chức bộ máy, công vụ;20;
LV5;;Chính quyền điện tử, số;20;
T1;;Sáng kiến được công nhận;2;điểm thưởng
P1;;Chậm báo cáo;3;điểm trừ
"""
UNITS = [
    ("van-phong-ubnd", "Văn phòng UBND tỉnh"),
    ("so-noi-vu", "Sở Nội vụ"),
    ("so-tu-phap", "Sở Tư pháp"),
    ("so-ke-hoach", "Sở Kế hoạch và Đầu tư"),
    ("so-tai-chinh", "Sở Tài chính"),
    ("so-cong-thuong", "Sở Công Thương"),
    ("so-nong-nghiep", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("so-giao-thong", "Sở Giao thông vận tải"),
    ("so-xay-dung", "Sở Xây dựng"),
    ("so-tai-nguyen", "Sở Tài nguyên và Môi trường"),
    ("so-lao-dong", "Sở Lao động - Thương binh và Xã hội"),
    ("so-van-hoa", "Sở Văn hóa, Thể thao và Du lịch"),
    ("so-khoa-hoc", "Sở Khoa học và Công nghệ"),
    ("so-giao-duc", "Sở Giáo dục và Đào tạo"),
    ("so-y-te", "Sở Y tế"),
    ("so-thong-tin", "Sở Thông tin và Truyền thông"),
    ("thanh-tra", "Thanh tra tỉnh"),
]
# 4 of the 17, as published: points to three decimals with commas, ranks among the 17
HEADER = "STT;Mã đơn vị;Đơn vị;LV1;LV2;LV3;LV4;LV5;T1;P1;Tổng điểm;Chỉ số;Hạng;Xếp loại\n"
ROWS = {
    "van-phong-ubnd": "Văn phòng UBND tỉnh;19,537;20;18,75;19,398;20;0;0;97,685;97,685;{}{};Xuất sắc",
    "so-tu-phap": "Sở Tư pháp;18,125;17,5;19;16,25;18,5;1;0;90,375;90,375;{}{};Xuất sắc",
    "so-y-te": "Sở Y tế;17;16,5;15,75;16;17,25;0;1,5;81;81;{}{};Tốt",
    "so-xay-dung": "Sở Xây dựng;14;13,5;15;12,25;14;0;0;68,75;68,75;{}{};Trung bình",
}
RANKS = {"van-phong-ubnd": 1, "so-tu-phap": 4, "so-y-te": 9, "so-xay-dung": 16}


def _write(path, text: str, encoding: str = "utf-8-sig"):
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def published(tmp_path, ranks=RANKS, reasons: dict | None = None, name="ket-qua-2024.csv"):
    """The published table; `reasons`: a `lý do T1` / `lý do P1` column per unit."""
    header = HEADER if reasons is None else HEADER.replace("P1;", "P1;lý do T1;lý do P1;")
    lines = []
    for n, (unit, row) in enumerate(ROWS.items(), start=1):
        text = row.format(ranks[unit], "")
        if reasons is not None:
            parts = text.split(";")
            text = ";".join([*parts[:8], *reasons.get(unit, ("", "")), *parts[8:]])
        lines.append(f"{n};{unit};{text}")
    return _write(tmp_path / name, header + "\n".join(lines) + "\n")


@pytest.fixture
def files(tmp_path):
    criteria = _write(tmp_path / "bo-tieu-chi.csv", SET)
    units = tmp_path / "don-vi.csv"
    units.write_text("id,name,group\n" + "".join(f'{i},"{n}",Sở\n' for i, n in UNITS), encoding="utf-8")
    return criteria, units


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_flat_set_says_its_settings_in_vietnamese(files):
    cs = load_criteria(files[0])
    assert cs.name == "Chỉ số CCHC các sở, ban, ngành 2024"
    assert cs.meta["note"].startswith("năm lĩnh vực")
    assert cs.decimals == 3
    assert [(c.label, c.min) for c in cs.classes][:2] == [("Xuất sắc", 90), ("Tốt", 80)]
    assert [(a.code, a.kind, a.max_points) for a in cs.adjustments] == [("T1", "bonus", 2), ("P1", "penalty", 3)]


def test_bonus_columns_of_a_wide_table_need_the_appraisal_stage(tmp_path, files, capsys):
    criteria, units = files
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", published(tmp_path), "--units", units)
    assert code == 1
    assert "ket-qua-2024.csv: dòng 3, cột 'T1': mã T1: điểm thưởng/điểm trừ do người thẩm định nhập" in err
    assert "--stage appraisal" in err


def test_four_of_seventeen_scored_checked_and_nobody_dropped(tmp_path, files, capsys):
    criteria, units = files
    out = tmp_path / "r.csv"
    args = ["score", "--criteria", criteria, "--scores", published(tmp_path), "--units", units, "--stage", "appraisal"]
    code, _, err = run(capsys, *args, "--out", out, "--machine-headings")
    assert code == 0, err
    assert max(len(line) for line in err.splitlines()) <= 120  # a terminal's width, 13 names and all
    starts = ("13 đơn vị trong danh sách", "Hạng in sẵn là hạng", "Cột in sẵn khớp")  # three messages, each wrapped
    said = [" ".join(part.split()) for part in re.split("\n(?=" + "|".join(starts[1:]) + ")", err.strip())]
    unscored = [n for i, n in UNITS if i not in ROWS]
    assert said[0] == f"13 đơn vị trong danh sách chưa có điểm, không xếp hạng: {', '.join(unscored)}"
    assert said[1].startswith("Hạng in sẵn là hạng trong 17 đơn vị của danh sách, bảng có điểm của 4")
    assert said[2] == "Cột in sẵn khớp với kết quả tính: chỉ số (%) (4 đơn vị), hạng (4 đơn vị), xếp loại (4 đơn vị)"
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("unit")
    assert len(table) == 17
    assert table.loc["so-tu-phap", "total"] == "90.375"  # 89,375 + 1 bonus, to the set's three places
    assert table.loc["so-y-te", "total"] == "81.000"  # 82,5 − 1,5
    assert table.loc["so-y-te", ["bonus", "penalty", "class"]].tolist() == ["0.000", "1.500", "Tốt"]
    assert table.loc[table["total"] == "chưa có điểm"].index.tolist() == [i for i, _ in UNITS if i not in ROWS]
    assert (table.loc[table["total"] == "chưa có điểm", ["rank", "index", "class"]] == "").all().all()
    assert table.loc[list(ROWS), "rank"].tolist() == ["1", "2", "3", "4"]  # among the 4 that have scores


def test_printed_ranks_among_all_listed_that_cannot_be_are_reported(tmp_path, files, capsys):
    criteria, units = files
    swapped = {**RANKS, "so-y-te": 16, "so-xay-dung": 9}  # Sở Y tế (81) printed below Sở Xây dựng (68,75): in span, out of order
    args = ["score", "--criteria", criteria, "--units", units, "--stage", "appraisal", "--scores"]
    code, _, err = run(capsys, *args, published(tmp_path, swapped))
    assert code == 3
    assert re.search(r"so-y-te\s+Hạng\s+16\s+3–16, sai thứ tự$", err, re.M), err
    assert re.search(r"so-xay-dung\s+Hạng\s+9\s+4–17, sai thứ tự$", err, re.M), err
    assert "2 giá trị in sẵn khác kết quả tính:" in err
    beyond = {**RANKS, "van-phong-ubnd": 15, "so-tu-phap": 16, "so-y-te": 17}  # first of the 4: at best 14th
    code, _, err = run(capsys, *args, published(tmp_path, beyond))
    assert code == 3
    assert re.search(r"van-phong-ubnd\s+Hạng\s+15\s+1–14$", err, re.M), err


def test_the_whole_list_printed_is_checked_rank_by_rank(tmp_path, files, capsys):
    criteria, _ = files
    table = published(tmp_path, {u: r for u, r in zip(ROWS, (1, 2, 3, 4), strict=True)})
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", table, "--stage", "appraisal")
    assert (code, err) == (0, "Cột in sẵn khớp với kết quả tính: chỉ số (%) (4 đơn vị), hạng (4 đơn vị), xếp loại (4 đơn vị)\n")
    table = published(tmp_path, {u: r for u, r in zip(ROWS, (1, 2, 4, 3), strict=True)})
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", table, "--stage", "appraisal")
    assert code == 3
    assert re.search(r"so-y-te\s+Hạng\s+4\s+3$", err, re.M), err


def test_a_published_appraisal_imported_through_the_one_door(tmp_path, files, capsys, sqlite_store):
    criteria, units = files
    store = sqlite_store
    store.add_period("2024", "Năm 2024", load_criteria(criteria))
    store.add_units(read_units(units), period="2024")
    db = ["--db", store.url]
    own = tmp_path / "tu-danh-gia.csv"  # the units' own points, as their self-assessments gave them
    own.write_text(
        "unit;LV1;LV2;LV3;LV4;LV5\n" + "".join(f"{u};{';'.join(r.split(';')[1:6])}\n" for u, r in ROWS.items()),
        encoding="utf-8",
    )
    code, out, err = run(capsys, *db, "import", own, "--period", "2024")
    assert code == 0, err
    # the appraisal's bonus and penalty without a reason: refused, naming file, row and code; nothing written
    code, _, err = run(capsys, *db, "import", published(tmp_path), "--period", "2024", "--stage", "appraisal")
    assert code == 1
    assert "dòng 3, cột 'T1': mã T1: điểm thưởng cần ghi lý do" in err
    assert "dòng 4, cột 'P1': mã P1: điểm trừ cần ghi lý do" in err
    assert store.scores("2024", stage="appraisal").empty
    reasons = {"so-tu-phap": ("Bằng khen sáng kiến số 12", ""), "so-y-te": ("", "Chậm 2 báo cáo quý")}
    code, out, err = run(capsys, *db, "import", published(tmp_path, reasons=reasons), "--period", "2024", "--stage", "appraisal")
    assert code == 0, err
    assert out.endswith(": đã lưu — Sở Tư pháp, Sở Xây dựng, Sở Y tế, Văn phòng UBND tỉnh, kỳ 2024, 28 tiêu chí thay đổi\n"), out
    stored = store.scores("2024", stage="appraisal").set_index(["unit", "code"])
    assert stored.loc[("so-tu-phap", "LV1"), "note"] == ""  # no reason column for it: no reason asked, none made up
    assert stored.loc[("so-tu-phap", "T1"), ["points", "note"]].tolist() == [1, "Bằng khen sáng kiến số 12"]
    assert stored.loc[("so-y-te", "P1"), ["points", "note"]].tolist() == [1.5, "Chậm 2 báo cáo quý"]
    # the period's list of 17: `cchc ranking` names the 13 without scores and shows them, unranked
    code, _out, err = run(capsys, *db, "ranking", "--period", "2024", "--out", tmp_path / "xh.csv", "--machine-headings")
    assert code == 0
    said = " ".join(err.splitlines()).removeprefix("13 đơn vị trong danh sách chưa có điểm, không xếp hạng: ").strip()
    assert sorted(said.replace("Văn hóa, Thể", "Văn hóa; Thể").split(", ")) == sorted(
        n.replace("Văn hóa, Thể", "Văn hóa; Thể") for i, n in UNITS if i not in ROWS
    )
    ranking = pd.read_csv(tmp_path / "xh.csv", dtype=str, keep_default_na=False).set_index("unit")
    assert len(ranking) == 17
    assert ranking.loc["so-tu-phap", ["total", "rank"]].tolist() == ["90.375", "2"]
    assert ranking.loc["thanh-tra", ["total", "rank"]].tolist() == ["chưa có điểm", ""]


def test_a_reason_column_without_its_points_is_refused(tmp_path, files, capsys):
    table = _write(tmp_path / "ly-do.csv", "Mã đơn vị;LV1;lý do T1\nso-y-te;17;Bằng khen\n")
    code, _, err = run(capsys, "score", "--criteria", files[0], "--scores", table, "--stage", "appraisal")
    said = "cột 'lý do T1' là lý do của mã T1, nhưng bảng không có cột 'T1'"
    assert (code, err) == (1, f"ly-do.csv: dòng 2, cột 'lý do T1': mã T1: {said}\n")


def test_what_cchc_writes_cchc_reads(tmp_path, files, capsys):
    criteria, units = files
    out = tmp_path / "r.csv"
    args = ["score", "--criteria", criteria, "--units", units, "--stage", "appraisal"]
    assert run(capsys, *args, "--scores", published(tmp_path), "--out", out, "--machine-headings")[0] == 0
    code, _, err = run(capsys, *args, "--scores", out)  # ids, bonus and penalty, «chưa có điểm» rows
    assert code == 0, err
    assert err.splitlines()[-1] == (
        "Cột in sẵn khớp với kết quả tính: điểm thưởng (4 đơn vị), điểm trừ (4 đơn vị), chỉ số (%) (4 đơn vị), "
        "hạng (4 đơn vị), xếp loại (4 đơn vị)"
    )  # the list's one group «Sở»: no «Hạng trong nhóm» written, a copy of «Hạng» (two groups: test_published_small)
    # the headings our tables show on screen, in a Vietnamese Excel's `;` file
    shown = _write(
        tmp_path / "man-hinh.csv",
        "Kỳ;Mã đơn vị;Nhóm;LV1;LV2;LV3;LV4;LV5;Điểm thưởng;Điểm trừ;Tổng điểm;Chỉ số (%);Hạng;Xếp loại\n"
        "2024;so-y-te;Sở;17;16,5;15,75;16;17,25;0;-1,5;81;81;1;Tốt\n",
    )
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", shown, "--period", "2024", "--stage", "appraisal")
    said = "điểm thưởng (1 đơn vị), điểm trừ (1 đơn vị), chỉ số (%) (1 đơn vị), hạng (1 đơn vị), xếp loại (1 đơn vị)"
    assert (code, err) == (0, f"Cột in sẵn khớp với kết quả tính: {said}\n")  # one group: «Hạng» is the rank
    wrong = _write(tmp_path / "sai.csv", "Mã đơn vị;LV1;Tổng điểm\nso-y-te;17;18\n")
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", wrong)
    assert code == 3
    assert re.search(r"so-y-te\s+Tổng điểm\s+18\s+17\s+1$", err, re.M), err
    twice = _write(tmp_path / "hai.csv", "unit;Mã đơn vị;LV1\nso-y-te;so-y-te;17\n")
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", twice)
    assert (code, err) == (1, "hai.csv: cột 'unit' và cột 'Mã đơn vị' cùng là 'unit': hãy giữ một\n")


def test_a_published_total_that_differs_is_told_in_vietnamese(tmp_path, files, capsys):
    criteria, _ = files
    # Văn phòng UBND tỉnh's total misprinted: 99,685 for 97,685
    table = HEADER + "1;van-phong-ubnd;" + ROWS["van-phong-ubnd"].replace("97,685;97,685", "99,685;97,685").format(1, "") + "\n"
    wrong = _write(tmp_path / "ket-qua-2024.csv", table)
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", wrong, "--stage", "appraisal")
    assert code == 3
    assert err.splitlines()[-3:] == [
        "1 tổng được công bố khác tổng các thành phần quá sai số 0,001:",
        "        đơn vị        mã công bố tính được chênh lệch",
        "van-phong-ubnd Tổng điểm  99,685    97,685          2",
    ]
    code, _, err = run(capsys, "score", "--criteria", criteria, "--scores", wrong, "--stage", "appraisal", "--period", "2024")
    assert err.splitlines()[-2:] == [  # the period only when there is one
        "  kỳ         đơn vị        mã công bố tính được chênh lệch",
        "2024 van-phong-ubnd Tổng điểm  99,685    97,685          2",
    ]


def _period_of_17(store, files, tmp_path):
    """The period of 17 units, 4 of them self-assessed as the published table's points."""
    criteria, units = files
    store.add_period("2024", "Năm 2024", load_criteria(criteria))
    store.add_units(read_units(units), period="2024")
    own = _write(
        tmp_path / "tu-danh-gia.csv",
        "unit;LV1;LV2;LV3;LV4;LV5\n" + "".join(f"{u};{';'.join(r.split(';')[1:6])}\n" for u, r in ROWS.items()),
    )
    assert main(["--db", store.url, "import", str(own), "--period", "2024"]) == 0
    return ["--db", store.url]


REASONS = {"so-tu-phap": ("Bằng khen sáng kiến số 12", ""), "so-y-te": ("", "Chậm 2 báo cáo quý")}


def test_an_import_checks_the_printed_columns_as_score_does_before_it_stores(tmp_path, files, capsys, sqlite_store):
    criteria, units = files
    db = _period_of_17(sqlite_store, files, tmp_path)
    swapped = published(tmp_path, {**RANKS, "so-y-te": 16, "so-xay-dung": 9}, REASONS)  # Sở Y tế printed below Sở Xây dựng
    score = ["score", "--criteria", criteria, "--units", units, "--period", "2024", "--stage", "appraisal", "--scores", swapped]
    code, _, scored = run(capsys, *score)
    assert code == 3
    for dry_run in (["--dry-run"], []):
        code, out, err = run(capsys, *db, "import", swapped, "--period", "2024", "--stage", "appraisal", *dry_run)
        assert (code, out) == (3, "")  # was 0: the scores were stored and the printed ranks never looked at
        said = scored[scored.index("Hạng in sẵn") :]  # what score says after naming the 13 units without scores
        assert err == f"{swapped}: TỪ CHỐI — không lưu gì: giá trị công bố khác kết quả tính từ điểm\n{said}"
        assert re.search(r"so-y-te\s+Hạng\s+16\s+3–16, sai thứ tự$", err, re.M), err
        assert sqlite_store.scores("2024", stage="appraisal").empty  # nothing written
    # as published: the same lines as cchc score says, then stored
    right = published(tmp_path, RANKS, REASONS)
    code, _, scored = run(capsys, *score[:-1], right)
    assert code == 0
    code, out, err = run(capsys, *db, "import", right, "--period", "2024", "--stage", "appraisal")
    assert (code, err) == (0, scored[scored.index("Hạng in sẵn") :])
    assert err.startswith("Hạng in sẵn là hạng trong 17 đơn vị của danh sách, bảng có điểm của 4")
    assert out.endswith("kỳ 2024, 28 tiêu chí thay đổi\n")


def test_an_imported_total_that_differs_is_refused_unless_within_the_tolerance(tmp_path, files, capsys, sqlite_store):
    db = _period_of_17(sqlite_store, files, tmp_path)
    # Văn phòng UBND tỉnh's total printed 97,69 (rounded) beside its points' 97,685, and its index to 97,685
    text = published(tmp_path, RANKS, REASONS).read_text(encoding="utf-8-sig").replace("97,685;97,685", "97,69;97,685")
    table = _write(tmp_path / "ket-qua-2024.csv", text)
    args = [*db, "import", table, "--period", "2024", "--stage", "appraisal"]
    code, _, err = run(capsys, *args)
    assert code == 3
    assert err.splitlines()[-2:] == [
        "  kỳ         đơn vị        mã công bố tính được chênh lệch",
        "2024 van-phong-ubnd Tổng điểm   97,69    97,685      0,005",
    ]
    assert sqlite_store.scores("2024", stage="appraisal").empty
    code, _, err = run(capsys, *args, "--tolerance", "0,01")  # a table rounded to two places: told how far it may be
    assert code == 0, err
    assert sqlite_store.scores("2024", stage="appraisal").shape[0] == 28


def test_a_page_upload_of_a_table_that_differs_names_each_difference(tmp_path, files, sqlite_store):
    from cchc_widgets.core.table_checks import PublishedDiffers
    from cchc_widgets.services.imports import import_any

    _period_of_17(sqlite_store, files, tmp_path)
    swapped = published(tmp_path, {**RANKS, "so-y-te": 16, "so-xay-dung": 9}, REASONS)
    with pytest.raises(PublishedDiffers) as refused:
        import_any(sqlite_store, swapped, "2024", stage="appraisal")
    assert refused.value.lines() == [
        "ket-qua-2024.csv: đơn vị 'so-y-te', kỳ 2024: Hạng in sẵn 16, tính được 3–16, sai thứ tự",
        "ket-qua-2024.csv: đơn vị 'so-xay-dung', kỳ 2024: Hạng in sẵn 9, tính được 4–17, sai thứ tự",
    ]
    assert sqlite_store.scores("2024", stage="appraisal").empty



def test_headings_as_a_province_prints_them_are_read_as_codes(tmp_path):
    from cchc_widgets.core.errors import ProblemsError
    from cchc_widgets.files.score_tables import read_scores

    cs = load_criteria(REPO / "criteria" / "dien-bien-so-2016.yaml")
    head = (
        "STT;Mã đơn vị;Tiêu chí 1.1.1 – Ban hành kế hoạch CCHC năm;1.1.2. Xác định đầy đủ các nhiệm vụ CCHC;"
        "1.1.3: Kết quả xác định rõ ràng;TIÊU CHÍ 1.1.4 - Mức độ thực hiện kế hoạch;1.1. Kế hoạch CCHC năm"
    )
    table = _write(tmp_path / "linh-vuc-1.csv", f"{head}\n1;so-tu-phap;1;1;0;2;4\n2;so-y-te;0,5;1;1;1;3,5\n")
    data = read_scores(table, cs)  # was refused: «cột 'Tiêu chí 1.1.1 – …' không phải mã tiêu chí»
    points = data.scores.set_index(["unit", "code"])["points"]
    assert points[("so-y-te", "1.1.1")] == 0.5
    assert points[("so-tu-phap", "1.1.4")] == 2
    assert data.given.set_index("unit").loc["so-y-te", ["code", "value"]].tolist() == ["1.1", 3.5]
    # a code the set does not have, and two headings of one code: refused, each heading named
    wrong = head.replace("1.1.3: Kết quả", "1.1.9: Kết quả").replace("1.1. Kế hoạch CCHC năm", "1.1.1 - Ban hành lại")
    with pytest.raises(ProblemsError) as refused:
        read_scores(_write(tmp_path / "linh-vuc-1.csv", f"{wrong}\n1;so-tu-phap;1;1;0;2;1\n"), cs)
    assert refused.value.lines() == [
        "linh-vuc-1.csv: cột 'Tiêu chí 1.1.1 – Ban hành kế hoạch CCHC năm' và cột '1.1.1 - Ban hành lại' cùng là '1.1.1': "
        "hãy giữ một"
    ]
    wrong = head.replace("1.1.3: Kết quả", "1.1.9: Kết quả")
    with pytest.raises(ProblemsError) as refused:
        read_scores(_write(tmp_path / "linh-vuc-1.csv", f"{wrong}\n1;so-tu-phap;1;1;0;2;4\n"), cs)
    assert refused.value.lines() == [
        "linh-vuc-1.csv: dòng 2, cột '1.1.9: Kết quả xác định rõ ràng': mã '1.1.9' không có trong bộ 'dien-bien-so'"
    ]


# ------------------------------------------------------------ the flat set's settings

FLAT_TREE = "code,parent,name,max_points,kind\nA,,Lĩnh vực A,50,\nB,,Lĩnh vực B,50,\n"


def test_english_keys_and_every_setting_the_yaml_has(tmp_path):
    path = tmp_path / "bo.csv"
    path.write_text(
        "# name: Bộ thử\n# id: bo-thu\n# version: 2025.1\n# rounding: 1\n# rank_on: rounded\n"
        "# classes: Tốt=80; Khá=60\n# index_cap: none\n# overall_rank: yes\n# na_label: KAD\n"
        "# explain_missing_evidence: có\n# survey answers: A=100; B=50; C=0\n# survey within total: không\n"
        "# survey without answers: zero\n# survey groups: LD Lãnh đạo các sở=2; DN Doanh nghiệp=1\n"
        + FLAT_TREE
        + "KS1,A,Hài lòng về thủ tục,2,khảo sát\nT1,,Sáng kiến,2,bonus\n",
        encoding="utf-8",
    )
    cs = load_criteria(path)
    assert (cs.id, cs.name, cs.version, cs.decimals, cs.rank_on_rounded) == ("bo-thu", "Bộ thử", "2025.1", 1, True)
    assert (cs.index_cap, cs.overall_rank, cs.explain_missing_evidence) == (None, True, True)
    assert cs.survey.answers == {"A": 100, "B": 50, "C": 0}
    assert cs.survey.without_answers == "zero"
    assert [(i.code, i.domain, i.max_points) for i in cs.survey.items] == [("KS1", "A", 2)]
    assert [(g.id, g.name, g.weight) for g in cs.survey.groups] == [("LD", "Lãnh đạo các sở", 2), ("DN", "Doanh nghiệp", 1)]
    assert [a.code for a in cs.adjustments] == ["T1"]


def test_the_rounding_line_rounds_what_is_published(tmp_path, capsys):
    table = tmp_path / "bang.csv"
    table.write_text("unit,A,B\nSở Y tế,40.126,39.5\n", encoding="utf-8")
    for line, total in (("", "79,63"), ("# làm tròn: 3\n", "79,626"), ("# rounding: 0\n", "80")):
        (tmp_path / "bo.csv").write_text(line + FLAT_TREE, encoding="utf-8")
        code, out, _ = run(capsys, "score", "--criteria", tmp_path / "bo.csv", "--scores", table)
        assert code == 0
        assert out.splitlines()[1].split()[-4] == total, out


def test_an_unknown_settings_line_is_refused_with_the_keys_known(tmp_path, capsys):
    path = tmp_path / "bo.csv"
    path.write_text("# Lai Châu, năm 2023\n# rouding: 2\n# làm tròn: hai\n" + FLAT_TREE, encoding="utf-8")
    code, out, err = run(capsys, "validate", path)
    assert (code, out) == (1, "")
    assert f"{path}: dòng 2: không biết cài đặt 'rouding'; các cài đặt có: mã bộ (id); tên bộ (name);" in err
    assert "làm tròn (rounding); xếp hạng theo (rank_on); xếp loại (classes); trần chỉ số (index_cap)" in err
    assert f"{path}: dòng 3: làm tròn: số chữ số thập phân phải là một số; đã nhập 'hai'" in err
    path.write_text("# xếp loại: Tốt=80\n# classes: Khá=70\n# khảo sát trong tổng: có\n" + FLAT_TREE, encoding="utf-8")
    problems = [str(p) for p in check_criteria(path)]
    assert f"{path}: dòng 2: cài đặt 'classes' đã khai báo ở dòng 1" in problems
    assert f"{path}: dòng 3: có cài đặt khảo sát nhưng bảng không có câu hỏi khảo sát (dòng có kind = khảo sát)" in problems
    path.write_text("# làm tròn: 9\n# trần chỉ số: -5\n" + FLAT_TREE, encoding="utf-8")
    problems = [str(p) for p in check_criteria(path)]
    assert f"{path}: dòng 1: 'rounding': 'decimals' không được lớn hơn 6; đang là 9" in problems
    assert f"{path}: dòng 2: 'index_cap' phải lớn hơn 0; đang là -5.0" in problems
    path.write_text(FLAT_TREE + "# làm tròn: 3\n", encoding="utf-8")  # below the rows: not taken for a criterion «# …»
    lines = len(FLAT_TREE.splitlines()) + 1
    problems = [str(p) for p in check_criteria(path)]
    assert problems == [f"bo.csv: dòng {lines}: dòng «# …» (cài đặt, ghi chú) phải đặt ở đầu tệp, trước dòng tiêu đề"]


def test_an_xlsx_set_has_a_settings_sheet(tmp_path):
    book = Workbook()
    sheet = book.active
    for row in (["code", "parent", "name", "max_points"], ["A", None, "A", 50], ["B", None, "B", 50]):
        sheet.append(row)
    settings = book.create_sheet("Cài đặt")
    for row in (["khóa", "giá trị"], ["làm tròn", 1], ["xếp loại", "Tốt=80; Khá=60"], ["mức trần", "90"]):
        settings.append(row)
    path = tmp_path / "bo.xlsx"
    book.save(path)
    assert [str(p) for p in check_criteria(path)] == [
        f"{path}: sheet 'Cài đặt', ô A4: không biết cài đặt 'mức trần'; các cài đặt có: " + _known()
    ]
    settings["A4"] = "trần chỉ số"
    book.save(path)
    cs = load_criteria(path)
    assert (cs.decimals, cs.index_cap, [c.label for c in cs.classes]) == (1, 90, ["Tốt", "Khá"])


def _settings_book(path, *rows) -> None:
    """A flat xlsx set with a sheet «Cài đặt» holding `rows` (key, value) from its first row."""
    book = Workbook()
    for row in (["code", "parent", "name", "max_points"], ["LV1", None, "Lĩnh vực 1", 40], ["LV2", None, "Lĩnh vực 2", 60]):
        book.active.append(row)
    settings = book.create_sheet("Cài đặt")
    for row in rows:
        settings.append(row)
    book.save(path)


def test_the_first_row_of_a_settings_sheet_is_a_setting_unless_it_heads_the_columns(tmp_path, capsys):
    path = tmp_path / "bo.xlsx"
    _settings_book(path, ["làm tròn", 3], ["trần chỉ số", 105])  # no header row: the rounding is said on row 1
    code, out, _ = run(capsys, "validate", path)
    assert (code, load_criteria(path).decimals) == (0, 3)
    assert "làm tròn 3 chữ số; trần chỉ số 105 %" in out
    _settings_book(path, ["nguồn", "QĐ 1"], ["làm tròn", 3])  # an unknown first key is refused like any other
    refused = f"{path}: sheet 'Cài đặt', ô A1: không biết cài đặt 'nguồn'; các cài đặt có: " + _known()
    assert [str(p) for p in check_criteria(path)] == [refused]
    for header in (["cài đặt", "giá trị"], ["key", "value"], ["Tham số", "Giá trị"]):
        _settings_book(path, header, ["làm tròn", 3])
        assert (check_criteria(path), load_criteria(path).decimals) == ([], 3), header


def _known() -> str:
    from cchc_widgets.core.flat_settings import FREE_TEXT, known_keys

    return f"{known_keys()}; {FREE_TEXT}"


# ------------------------------------------------------------ ranking groups: no invented overall rank


def test_group_ranks_without_an_overall_rank_unless_asked(tmp_path, files, capsys):
    criteria, _ = files
    units = tmp_path / "don-vi.csv"
    groups = {"van-phong-ubnd": "Cơ quan", "so-tu-phap": "Sở", "so-y-te": "Sở", "so-xay-dung": "Sở"}
    units.write_text("id,name,group\n" + "".join(f"{u},{u},{g}\n" for u, g in groups.items()), encoding="utf-8")
    in_group = {"van-phong-ubnd": 1, "so-tu-phap": 1, "so-y-te": 2, "so-xay-dung": 3}  # as each group's table prints them
    args = ["score", "--criteria", criteria, "--units", units, "--stage", "appraisal", "--scores", published(tmp_path, in_group)]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "hạng trong nhóm (4 đơn vị)" in err  # a group's «Hạng» is the rank in the group
    assert re.search(r"Hạng(?! trong)", out.splitlines()[0]) is None
    assert "Hạng trong nhóm" in out.splitlines()[0]
    code, out, err = run(capsys, *args, "--overall-rank")
    assert code == 3  # now «Hạng» is the overall rank: Sở Tư pháp is 2nd of 4, not 1st
    assert re.search(r"so-tu-phap\s+Hạng\s+1\s+2$", err, re.M), err
    assert re.search(r"Hạng\s+Hạng trong nhóm", out.splitlines()[0])
    (tmp_path / "chung.csv").write_text("# xếp hạng chung: có\n" + SET, encoding="utf-8")
    assert "overall_rank" in load_criteria(tmp_path / "chung.csv").meta


def test_the_flat_form_says_which_items_may_be_handed_in_unfinished(tmp_path):
    """`submit_incomplete`, as the YAML has it (an item a unit may submit unscored or without
    its evidence), is a yes/no column of the flat form too."""
    path = tmp_path / "bo.csv"
    path.write_text("code,parent,name,max_points,submit_incomplete\nA,,Mục A,50,có\nB,,Mục B,50,\n", encoding="utf-8")
    cs = load_criteria(path)
    assert (cs.entries["A"].submit_incomplete, cs.entries["B"].submit_incomplete) == (True, False)
    path.write_text("code,parent,name,max_points,submit_incomplete\nA,,Mục A,50,hay\nB,,Mục B,50,\n", encoding="utf-8")
    said = "mã A: submit_incomplete phải là có/không; đang là 'hay'"
    assert [str(p) for p in check_criteria(path)] == [f"{path}: dòng 2, cột 'submit_incomplete': {said}"]
