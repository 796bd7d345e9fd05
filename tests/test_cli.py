import subprocess
import sys

import pandas as pd
import pytest

from cchc_widgets.cli.main import main
from cchc_widgets.services.demo import demo_scores


def _run(capsys, *args):
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_ok_and_bad(tmp_path, capsys, reference_path):
    code, out, _ = _run(capsys, "validate", reference_path)
    assert code == 0
    assert "70 mục lá" in out
    assert "tổng 100 điểm" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("code,parent,name,max_points\nA,,A,2\nA.1,A,x,1\nA.1,A,y,abc\n", encoding="utf-8")
    code, _, err = _run(capsys, "validate", reference_path, bad)
    assert code == 1
    assert "2 lỗi" in err or "3 lỗi" in err
    assert "mã bị trùng" in err
    assert "điểm tối đa phải là số" in err


# numbers are points; text is what the unit declared, scored by the item's rule
WIDE = "unit,1.1.1,1.1.2,1.1.4,1.2.1,1.3.3\nso-a,Ban hành chậm,1,2,1,N/A\nso-b,1,có,95%,0.75,1\n"


def test_score_wide_with_declared_values(tmp_path, capsys, reference_path):
    scores = tmp_path / "wide.csv"
    scores.write_text(WIDE, encoding="utf-8")
    out = tmp_path / "r.csv"
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores, "--out", out, "--machine-headings")
    assert (code, err) == (0, "")
    res = pd.read_csv(out).set_index("unit")
    # so-a: 0.5 + 1 + 2 + 1 = 4.5 of 99 (1.3.3 N/A); so-b: 1 + 1 + 2 + 0.75 + 1 = 5.75 of 100
    assert res.loc["so-a", "total"] == 4.5
    assert res.loc["so-a", "index"] == 4.55  # 450 / 99, published to the set's two places (the default)
    assert res.loc["so-b", "total"] == 5.75
    assert res.loc["so-b", "1"] == 5.75
    assert res["rank"].tolist() == [1, 2]
    assert res.index.tolist() == ["so-b", "so-a"]
    assert res["class"].tolist() == ["Yếu", "Yếu"]


def test_score_long_with_periods_and_stages(tmp_path, capsys, reference_path):
    scores = tmp_path / "long.csv"
    scores.write_text(
        "period,unit,code,stage,points,note\n"
        "2019,x,1.1.1,self,1,\n2019,x,1.1.1,appraisal,0.5,muộn\n2019,y,1.1.1,self,0.5,\n2020,x,1.1.1,self,0,\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "score", "--criteria", reference_path, "--scores", scores)
    assert code == 0
    assert "Kỳ" in out.splitlines()[0].split()  # a column per period, headed in Vietnamese
    code, out, _ = _run(capsys, "score", "--criteria", reference_path, "--scores", scores, "--period", "2019")
    lines = out.strip().splitlines()
    assert code == 0
    assert len(lines) == 3
    assert lines[1].split()[0] == "x"
    assert lines[1].split()[-2] == "1"
    assert lines[2].split()[-2] == "1"
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores, "--period", "2030")
    assert code == 1
    assert "không có dòng nào của kỳ '2030'" in err


def test_score_refuses_bad_files_with_places(tmp_path, capsys, reference_path):
    scores = tmp_path / "bad.csv"
    scores.write_text("unit,1.1.1,9.9.9\nso-a,2,1\n", encoding="utf-8")
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores)
    assert code == 1
    assert "cột '9.9.9' không phải mã tiêu chí" in err
    scores.write_text("unit,1.1.1,1.1.4\nso-a,2,120%\n,1,\n", encoding="utf-8")
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores)
    assert code == 1
    assert "dòng 2, cột '1.1.1': mã 1.1.1: điểm 2 vượt điểm tối đa 1" in err
    assert "dòng 2, cột '1.1.4': mã 1.1.4: tỷ lệ không được vượt 100 %" in err
    assert "dòng 3, cột 'unit': thiếu mã đơn vị" in err


def test_score_argument_errors(tmp_path, capsys, reference_path):
    scores = tmp_path / "s.csv"
    scores.write_text(WIDE, encoding="utf-8")
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores, "--out", tmp_path / "r.txt")
    assert code == 1
    assert ".csv hoặc .xlsx" in err
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores, "--out", tmp_path / "no" / "r.csv")
    assert code == 1
    assert "không tồn tại" in err
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores, "--tolerance", "-1")
    assert code == 1
    assert "không được âm" in err
    code, _, err = _run(capsys, "score", "--criteria", tmp_path / "none.yaml", "--scores", scores)
    assert code == 1
    assert "không tìm thấy tệp" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["score", "--criteria", str(reference_path)])
    assert exit_info.value.code == 2


def test_score_xlsx_input(tmp_path, capsys, reference_path):
    scores = tmp_path / "in.xlsx"
    pd.DataFrame({"unit": ["a", "b"], "1.1.2": [1, 0], "1.1.3": ["có", "không"]}).to_excel(scores, index=False, sheet_name="Điểm")
    code, out, _ = _run(capsys, "score", "--criteria", reference_path, "--scores", scores)
    assert code == 0
    assert out.splitlines()[1].split()[:2] == ["a", "2,00"]  # a decimal comma for people
    pd.DataFrame({"unit": ["a"], "1.1.2": [7]}).to_excel(scores, index=False, sheet_name="Điểm")
    code, _, err = _run(capsys, "score", "--criteria", reference_path, "--scores", scores)
    assert code == 1
    assert "sheet 'Điểm', ô B2: mã 1.1.2" in err


def test_store_commands(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    code, _, err = _run(capsys, "--db", db, "ranking")
    assert code == 1
    assert "cchc demo" in err
    code, out, _ = _run(capsys, "--db", db, "demo")
    assert code == 0
    districts = demo_scores("huyen").query("period == '2016'")
    assert f"kỳ 2016: {2660 + len(districts)}" in out  # the departments' rows as before, and the districts'
    code, out, _ = _run(capsys, "demo", "--db", db)
    assert code == 0
    assert "kỳ 2016: 0" in out
    assert "kỳ 2017: 0" in out
    code, out, _ = _run(capsys, "periods", "--db", db)
    assert out.splitlines() == ["2016\tNăm 2016", "2017\tNăm 2017"]
    code, out, _ = _run(capsys, "units", "--db", db, "--period", "2017")
    lines = out.splitlines()
    assert len(lines) == 19 + 10
    assert "so-tu-phap\tSở Tư pháp" in lines
    code, _, err = _run(capsys, "units", "--db", db, "--period", "1999")
    assert code == 1
    assert "không có kỳ '1999'" in err
    code, out, _ = _run(capsys, "ranking", "--db", db, "--period", "2016")
    lines = out.splitlines()
    assert code == 0
    assert "Năm 2016 — khối Sở, ban, ngành" in lines[0]  # one table per block, each titled with its block
    second = next(i for i, line in enumerate(lines) if "khối UBND cấp huyện" in line)
    assert lines[second - 1] == ""
    assert sum("Huyện" in line or "Thị xã" in line or "Thành phố" in line for line in lines[second:]) == 10
    out_file = tmp_path / "rank.csv"
    _run(capsys, "ranking", "--db", db, "--out", out_file, "--machine-headings")
    table = pd.read_csv(out_file)
    assert table["block"].value_counts().to_dict() == {"so": 19, "huyen": 10}  # the block's id, as the units table names it
    assert table.groupby("block")["rank"].min().tolist() == [1, 1]
    assert set(table.columns) >= {"name", "total", "index", "class"}
    diff_file = tmp_path / "diff.csv"
    code, _, _ = _run(
        capsys, "differences", "--db", db, "--period", "2016", "--unit", "so-tu-phap", "--out", diff_file, "--machine-headings"
    )
    diff = pd.read_csv(diff_file)
    assert code == 0
    assert len(diff) > 0
    assert set(diff["unit"]) == {"so-tu-phap"}
    assert (diff["diff"] < 0).all()
    assert diff["reason"].str.len().gt(0).all()


@pytest.mark.external  # the command as a process
def test_console_script_runs(tmp_path, small_doc):
    flat = tmp_path / "f.yaml"
    import yaml

    flat.write_text(yaml.safe_dump(small_doc, allow_unicode=True), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "cchc_widgets.cli", "validate", str(flat)], capture_output=True, text=True)
    assert done.returncode == 0
    assert "hợp lệ" in done.stdout


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--pool", "-1"], "--pool: số kernel sẵn sàng không thể âm"),
        (["--refill-delay", "-5"], "--refill-delay: cần từ 0 đến 3600 giây"),
    ],
)
def test_serve_refuses_pool_settings_it_cannot_honour(demo, capsys, option, said):
    code, _, err = _run(capsys, "--db", demo.url, "serve", "--port", "1", "--auth", "none", *option)
    assert code == 1
    assert said in err


def test_ranking_publishes_like_the_report_the_unappraised_kept_unranked(demo, tmp_path):
    """2017's appraisal is under way (12 of 19 units appraised): `cchc ranking` ranks the 12 and
    prints the other seven with their own points, «Chưa thẩm định», like the report and workbook."""
    from tests.conftest import cchc_here

    out = tmp_path / "xep-hang.csv"
    shown = cchc_here("ranking", "--period", "2017", "--out", str(out), "--machine-headings", db=demo.url)
    assert shown.returncode == 0, shown.stderr
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    table = table[table["block"] == "so"]  # the departments' table; the districts have their own
    waiting = table[table["class"] == "Chưa thẩm định"]
    assert len(waiting) == 7
    assert (waiting["rank"] == "").all()
    ranked = table[table["class"] != "Chưa thẩm định"]
    assert sorted(int(r) for r in ranked["rank"]) == list(range(1, 13))
    printed = cchc_here("ranking", "--period", "2017", db=demo.url)
    assert "«Chưa thẩm định»: đơn vị chưa được thẩm định" in printed.stdout
    assert max(map(len, printed.stdout.splitlines()[1:])) <= 120  # the table and its key fit a terminal
