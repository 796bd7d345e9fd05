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
