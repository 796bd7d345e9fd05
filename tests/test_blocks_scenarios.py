"""`cchc scenarios import --block KHỐI` (issue 30): a scenario file is checked against that
block's criteria set; without --block in a period of several blocks, against the first block's
(the departments', as `cchc whatif` takes it), and the command says which set it checked."""

import os
import subprocess
import sys

import pytest

from cchc_widgets.cli.main import main
from cchc_widgets.core.whatif import Scenario


@pytest.fixture
def db(demo):
    return demo.url


def scenario(tmp_path, name, weights):
    path = tmp_path / f"{name}.yaml"
    path.write_text(Scenario(name, weights=weights).to_yaml(), encoding="utf-8")
    return path


def test_a_districts_scenario_is_checked_against_the_district_set(db, tmp_path, capsys):
    district = scenario(tmp_path, "huyen-so-hoa", {"3.3": 2})  # 3.3 is the district set's only
    assert main(["--db", db, "scenarios", "import", str(district), "--period", "2017", "--block", "huyen"]) == 0
    assert "đối chiếu với bộ tiêu chí 'dien-bien-huyen-minh-hoa' của khối UBND cấp huyện" in capsys.readouterr().out
    assert main(["--db", db, "scenarios", "list"]) == 0
    assert capsys.readouterr().out.startswith("huyen-so-hoa\tnháp\tkhối UBND cấp huyện\t")  # the block it is for


def test_without_block_the_first_blocks_set_checks_and_the_refusal_says_so(db, tmp_path, capsys):
    district = scenario(tmp_path, "huyen-so-hoa", {"3.3": 2})
    assert main(["--db", db, "scenarios", "import", str(district), "--period", "2017"]) == 1
    err = capsys.readouterr().err
    assert "mã '3.3' không có trong bộ tiêu chí 'dien-bien-so'" in err
    assert "đã đối chiếu với bộ tiêu chí 'dien-bien-so' của khối Sở, ban, ngành (khối đầu của kỳ)" in err
    assert "thêm --block KHỐI" in err
    department = scenario(tmp_path, "so-gap-doi", {"1.1.3": 2})  # a department-only code
    assert main(["--db", db, "scenarios", "import", str(department), "--period", "2017", "--block", "huyen"]) == 1
    assert "mã '1.1.3' không có trong bộ tiêu chí 'dien-bien-huyen-minh-hoa'" in capsys.readouterr().err
    assert main(["--db", db, "scenarios", "import", str(department), "--period", "2017"]) == 0
    assert "(khối đầu của kỳ)" in capsys.readouterr().out
    assert main(["--db", db, "scenarios", "import", str(department), "--period", "2017", "--block", "xa"]) == 1
    assert "kỳ không đánh giá khối 'xa'" in capsys.readouterr().err
    assert main(["--db", db, "scenarios", "list"]) == 0
    assert capsys.readouterr().out.startswith("so-gap-doi\tnháp\tkhối Sở, ban, ngành\t")


def test_the_file_may_follow_the_options_as_in_every_other_command(db, tmp_path):
    """`cchc scenarios import --period 2017 --block huyen FILE` and `cchc survey import --period
    2017 FILE`, run as a clerk runs them: argparse gave the file list only what followed the
    command word up to the first option, and refused the file as «không hiểu tham số»."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def cchc(*args):
        command = [sys.executable, "-m", "cchc_widgets.cli", "--db", db, *args]
        return subprocess.run(command, capture_output=True, text=True, env=env)

    district = scenario(tmp_path, "huyen-so-hoa", {"3.3": 2})
    done = cchc("scenarios", "import", "--period", "2017", "--block", "huyen", str(district))
    assert done.returncode == 0, done.stderr
    assert cchc("scenarios", "list").stdout.startswith("huyen-so-hoa\tnháp\tkhối UBND cấp huyện\t")
    answers = tmp_path / "phieu.csv"
    answers.write_text('unit,respondent,group,item,answer\nso-noi-vu,r1,"Lãnh đạo HĐND, UBMTTQ tỉnh",KS1,A\n', encoding="utf-8")
    survey = cchc("survey", "import", "--period", "2017", "--dry-run", str(answers))
    assert survey.returncode == 0, survey.stderr
    wrong = cchc("scenarios", "list", "--khong-co")
    assert wrong.returncode == 2
    assert "không hiểu tham số: --khong-co" in wrong.stderr  # an unknown option is still refused


def test_a_scenario_marked_for_the_report_is_compared_in_its_own_blocks_section_only(demo, tmp_path):
    """Domain 1 is a code of both sets: a districts' scenario doubling it fits the departments'
    set too, so applying every marked scenario to every block put it under the departments'
    annex of the report and workbook. It belongs to the block it was checked against."""
    from cchc_widgets.report.analysis import scenario_comparisons

    district = scenario(tmp_path, "huyen-lv1", {"1": 2})
    assert main(["--db", demo.url, "scenarios", "import", str(district), "--period", "2017", "--block", "huyen"]) == 0
    assert main(["--db", demo.url, "scenarios", "mark", "huyen-lv1"]) == 0
    shown = {b: [s.name for s, _ in scenario_comparisons(demo, "2017", block=b)] for b in ("so", "huyen")}
    assert shown == {"so": [], "huyen": ["huyen-lv1"]}


def test_the_workbook_compares_each_block_on_the_scoring_its_sheets_made(demo, tmp_path):
    """The results workbook hands each block's published scoring (its own sheets') to
    `scenario_comparisons` instead of it scoring the block again (issue 25): the comparisons are
    those the report makes scoring the block itself, each block's on its own scoring."""
    import io

    import openpyxl
    import pandas as pd

    from cchc_widgets.report.analysis import scenario_comparisons
    from cchc_widgets.report.published import published_scoring
    from cchc_widgets.report.results_workbook import results_workbook
    from cchc_widgets.services.results import each_block

    made_for = {"huyen": "huyen-lv1", "so": "so-lv8"}
    for (block, name), weights in zip(made_for.items(), ({"1": 3}, {"8": 2}), strict=True):
        made = scenario(tmp_path, name, weights)
        assert main(["--db", demo.url, "scenarios", "import", str(made), "--period", "2017", "--block", block]) == 0
        assert main(["--db", demo.url, "scenarios", "mark", name]) == 0
    expected = []
    for block, rows in each_block(demo, "2017"):
        scored, _, done = published_scoring(rows, block.cs, block.ranking)
        given = scenario_comparisons(demo, "2017", block=block.block, published=(scored, done))
        again = scenario_comparisons(demo, "2017", block=block.block)
        assert [s.name for s, _ in given] == [s.name for s, _ in again] == [made_for[block.block]]
        for (_, a), (_, b) in zip(given, again, strict=True):
            pd.testing.assert_frame_equal(a.table, b.table)
            assert (a.spearman, a.kendall, a.class_changes) == (b.spearman, b.kendall, b.class_changes)
        expected += [(block.label, s.name, round(c.spearman, 9), round(c.kendall, 9), c.class_changes) for s, c in again]
    sheet = openpyxl.load_workbook(io.BytesIO(results_workbook(demo, "2017")), read_only=True)["Kịch bản"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]]
    shown = [(r[0], r[1], round(r[6], 9), round(r[7], 9), r[8]) for r in rows]
    assert sorted(shown) == sorted(expected)
