"""The command line speaks Vietnamese (issue 27): every `--help`, argparse's own words and
errors included (without changing argparse for anyone else in the process), the headings of
every printed table, an empty result said in words, a past closing day warned of, a ranking
that fits 120 columns, and `cchc report` without a library's warning."""

import argparse
import os
import subprocess
import sys

import pytest

from cchc_widgets.cli.main import build_parser
from tests.conftest import cchc_here

SCENARIO = "criteria/examples/kich-ban-linh-vuc-1-gap-doi.yaml"
ENGLISH = ("usage:", "positional arguments", "options:", "show this help", "default:", "error:")


def _commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


@pytest.mark.parametrize("command", ["", *_commands()])
def test_every_help_is_in_vietnamese(command):
    ran = cchc_here(*([command] if command else []), "--help")
    assert ran.returncode == 0
    assert ran.stdout.startswith("cách dùng: cchc")
    assert "tùy chọn:" in ran.stdout
    assert "in hướng dẫn này rồi thoát" in ran.stdout
    for word in ENGLISH:
        assert word not in ran.stdout, word


def test_every_option_says_what_it_is_for():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    silent = [
        f"{name} {'/'.join(a.option_strings) or a.dest}" for name, p in sub.choices.items() for a in p._actions if not a.help
    ]
    assert silent == []


def test_argparse_errors_in_vietnamese_and_argparse_itself_untouched():
    wrong = cchc_here("rankin")
    assert wrong.returncode == 2
    assert "cchc: lỗi: tham số LỆNH: không có lựa chọn 'rankin'" in wrong.stderr
    assert "cách dùng: cchc" in wrong.stderr
    missing = cchc_here("stage", "open")
    assert "thiếu tham số bắt buộc: --stage" in missing.stderr
    other = argparse.ArgumentParser(prog="khac")  # any other parser in the process keeps its own words
    assert other.format_help().startswith("usage: khac")
    assert "show this help message and exit" in other.format_help()


def test_printed_tables_have_vietnamese_headings(demo):
    whatif = cchc_here("whatif", "--period", "2016", "--scenario", SCENARIO, db=demo.url)
    assert whatif.returncode == 0, whatif.stderr
    header = whatif.stdout.splitlines()[1]
    assert "Đổi hạng" in header
    assert "Hạng gốc" in header
    for english in ("delta_rank", "class_changed", "_base", "_alt", "True", "False"):
        assert english not in whatif.stdout
    # the period as the form names it, and the block analysed (the demo has two: the first by default)
    assert whatif.stdout.splitlines()[0].endswith("Năm 2016, khối Sở, ban, ngành trong kho")
    spread = cchc_here("sensitivity", "--period", "2016", "--samples", "50", db=demo.url)
    assert spread.returncode == 0, spread.stderr
    assert "Hạng tốt (5%)" in spread.stdout.splitlines()[1]
    for english in ("median_rank", "q05", "q95", "mean_abs_shift"):
        assert english not in spread.stdout


def test_differences_with_nothing_different(demo, tmp_path):
    from cchc_widgets.core.vocabulary import APPRAISAL

    scores = demo.scores("2016")
    unit = "so-tu-phap"
    mine = scores[(scores["unit"] == unit) & (scores["stage"] == APPRAISAL)]
    with demo.engine.begin() as conn:  # the appraisal withdrawn: nothing differs for the unit
        from cchc_widgets.store.database import scores as table

        conn.execute(table.delete().where(table.c.period == "2016", table.c.unit == unit, table.c.stage == APPRAISAL))
    assert len(mine) > 0
    ran = cchc_here("differences", "--period", "2016", "--unit", unit, db=demo.url)
    assert ran.returncode == 0, ran.stderr
    assert "Empty DataFrame" not in ran.stdout
    assert ran.stdout.splitlines()[-1] == "không có tiêu chí nào có tự đánh giá và thẩm định khác nhau"


@pytest.mark.parametrize("period", ["2016", "2017"])
def test_the_ranking_fits_120_columns(demo, period):
    ran = cchc_here("ranking", "--period", period, db=demo.url)
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120, max(lines, key=len)
    assert "Sở Tư pháp" in ran.stdout
    assert lines[0].startswith(f"Xếp hạng chỉ số CCHC — Năm {period}")


def test_a_closing_day_already_past_in_the_province_warns(demo, stopped_clock):
    stopped_clock("2026-12-06T23:30:00+00:00")  # the server's 06/12 is the province's 07/12
    past = cchc_here("stage", "open", "--stage", "self", "--period", "2017", "--until", "2026-12-06", db=demo.url)
    assert past.returncode == 0
    assert "cảnh báo: ngày cuối 06/12/2026 đã qua (hôm nay 07/12/2026 theo giờ của tỉnh)" in past.stderr
    today = cchc_here("stage", "open", "--stage", "self", "--period", "2017", "--until", "2026-12-07", db=demo.url)
    assert today.stderr == ""
    assert "đang mở đến hết ngày 07/12/2026" in today.stdout


@pytest.mark.slow
def test_the_report_prints_no_library_warning(demo, tmp_path):
    out = tmp_path / "bao-cao.html"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    ran = subprocess.run(
        [sys.executable, "-m", "cchc_widgets.cli", "--db", demo.url, "report", "--period", "2016", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr
    assert out.stat().st_size > 10_000
    assert ran.stderr == ""
    assert ran.stdout.strip() == f"đã ghi báo cáo kỳ 2016: {out}"
