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
    # each option of a command says its own thing (whatif's --criteria and --scores said the same)
    same = [
        f"{name}: {' = '.join(flags)}"
        for name, p in sub.choices.items()
        for flags in _by_help(p._actions).values()
        if len(flags) > 1
    ]
    assert same == []


def _by_help(actions: list) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a in actions:
        if a.help:
            out.setdefault(a.help, []).append("/".join(a.option_strings) or a.dest)
    return out


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
    # with what its set says of itself (the demo's department set is a reference allocation)
    assert whatif.stdout.splitlines()[0].endswith("Năm 2016, khối Sở, ban, ngành (phân bổ điểm tham khảo) trong kho")
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
    # not appraised yet: said as that, not as items that agree
    assert ran.stdout.splitlines()[-1] == "Sở Tư pháp chưa thẩm định: chưa có gì để so với tự đánh giá"


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


# each table a clerk writes with --out and opens in Excel: the headings the printed table uses,
# and the column ids a program reads only when asked (--machine-headings / --cot-may)
FILES = {
    "whatif": (("whatif", "--period", "2016", "--scenario", SCENARIO), {"unit": "Mã đơn vị", "delta_rank": "Đổi hạng"}),
    "sensitivity": (
        ("sensitivity", "--period", "2016", "--samples", "50"),
        {"q05": "Hạng tốt (5%)", "median_rank": "Hạng trung vị"},
    ),
    "ranking": (("ranking", "--period", "2016"), {"unit": "Mã đơn vị", "total": "Tổng điểm", "class": "Xếp loại"}),
    "differences": (("differences", "--period", "2016"), {"points_self": "Tự đánh giá", "status": "Tình trạng"}),
    "progress": (("progress", "--period", "2016"), {"name": "Đơn vị", "lacking": "Thiếu tài liệu kiểm chứng"}),
}


def _written(path) -> list[list[str]]:
    """The file's rows as a person's program reads them (Excel drops a CSV's byte-order mark)."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        return [["" if c is None else str(c) for c in row] for row in load_workbook(path).active.iter_rows(values_only=True)]
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("name", FILES)
def test_files_written_for_a_clerk_are_headed_in_vietnamese(demo, tmp_path, capsys, name):
    from cchc_widgets.cli.main import main

    command, headings = FILES[name]
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"{name}{suffix}"
        assert main(["--db", demo.url, *command, "--out", str(out)]) == 0
        rows = _written(out)
        assert set(headings.values()) <= set(rows[0]), rows[0]
        assert not set(headings) & set(rows[0]), rows[0]
        assert not {"True", "False"} & {cell for row in rows for cell in row}
        if suffix == ".csv":
            assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # without it Excel reads the accents as Windows-1258
    program = tmp_path / f"{name}-may.csv"
    assert main(["--db", demo.url, *command, "--out", str(program), "--cot-may"]) == 0
    assert set(headings) <= set(_written(program)[0])
    assert not program.read_bytes().startswith(b"\xef\xbb\xbf")
    capsys.readouterr()


@pytest.mark.parametrize("period", ["2016", "2017"])
@pytest.mark.parametrize("block", ["so", "huyen"])
def test_the_whatif_prints_within_120_columns_as_its_file_is_headed(demo, tmp_path, capsys, period, block):
    from cchc_widgets.cli.main import main

    command = ["--db", demo.url, "whatif", "--period", period, "--block", block, "--scenario", SCENARIO]
    assert main(command) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 120, max(lines, key=len)
    out = tmp_path / "cmp.csv"
    assert main([*command, "--out", str(out)]) == 0
    capsys.readouterr()
    rows = _written(out)
    for heading in ("Điểm gốc", "Hạng gốc", "Xếp loại mới", "Đổi hạng"):  # one mapping: the same words on screen and in the file
        assert heading in lines[1]
        assert heading in rows[0]
    changed = rows[0].index("Đổi xếp loại")
    assert {row[changed] for row in rows[1:]} <= {"có", "không"}
    assert any(line.startswith("(cột Đổi xếp loại") and line.endswith(": ghi bảng đầy đủ bằng --out TỆP.xlsx)") for line in lines)


def test_the_whatif_leaves_units_not_appraised_unranked_as_the_ranking_does(demo, tmp_path, capsys):
    from cchc_widgets.cli.main import main

    ranking = tmp_path / "xh.csv"
    assert main(["--db", demo.url, "ranking", "--period", "2017", "--out", str(ranking), "--cot-may"]) == 0
    published = {row[1]: row for row in _written(ranking)[1:] if row[0] == "so"}  # block, unit, …
    header = _written(ranking)[0]
    waiting = {u for u, row in published.items() if row[header.index("class")] == "Chưa thẩm định"}
    assert waiting  # the demo's 2017: some departments not appraised yet
    out = tmp_path / "cmp.csv"
    assert main(["--db", demo.url, "whatif", "--period", "2017", "--scenario", SCENARIO, "--out", str(out), "--cot-may"]) == 0
    capsys.readouterr()
    rows = _written(out)
    col = {c: i for i, c in enumerate(rows[0])}
    for row in rows[1:]:
        unit = row[col["unit"]]
        assert row[col["rank_base"]] == published[unit][header.index("rank")], unit  # the baseline is the published ranking
        if unit in waiting:
            assert (row[col["rank_alt"]], row[col["class_base"]], row[col["class_alt"]]) == (
                "",
                "Chưa thẩm định",
                "Chưa thẩm định",
            )
    from cchc_widgets.app.whatif_session import WhatIfSession

    page, _ = WhatIfSession(demo, "2017").result()  # the what-if page reads the same baseline
    shown = {row["unit"]: row for row in page["rows"]}
    for unit in waiting:
        assert (shown[unit]["rank_base"], shown[unit]["class_base"], shown[unit]["median"]) == (None, "Chưa thẩm định", None)
    ranked = sorted(row["rank_base"] for row in page["rows"] if row["rank_base"] is not None)
    assert ranked == sorted(int(published[u][header.index("rank")]) for u in published if u not in waiting)


# every table a clerk writes with --out: (command, its sheet's name, its rank columns)
SHEETS = {
    "whatif": (("whatif", "--period", "2017", "--scenario", SCENARIO), "Kịch bản", ("Hạng gốc", "Hạng mới", "Đổi hạng")),
    "sensitivity": (("sensitivity", "--period", "2017", "--samples", "50"), "Độ nhạy thứ hạng", ("Hạng", "Hạng tốt (5%)")),
    "ranking": (("ranking", "--period", "2017"), "Xếp hạng", ("Hạng",)),  # one group a block: no «Hạng trong nhóm»
    "differences": (("differences", "--period", "2017"), "Chênh lệch", ()),
    "score": (
        ("score", "--criteria", "criteria/dien-bien-so-2016.yaml", "--scores", "data/demo_scores.csv"),
        "Kết quả",
        ("Hạng",),
    ),
    "compare": (
        ("compare", "--period", "2016", "--criteria", "criteria/dien-bien-so-2016-khao-sat-trong-100.yaml"),
        "So sánh bộ tiêu chí",
        ("Hạng gốc", "Hạng mới", "Đổi hạng"),
    ),
}


@pytest.mark.parametrize("name", SHEETS)
def test_files_for_a_clerk_are_sheets_to_work_in(demo, tmp_path, capsys, name):
    """The xlsx named for what it holds, its header frozen and filtered as the progress
    workbook's is (one writer); ranks whole numbers in both files, never «3.0» or «-1.0»; no
    figure longer than the set's places (the sensitivity's mean shift of rank was 0.206666667)."""
    from openpyxl import load_workbook

    from cchc_widgets.cli.main import main

    command, sheet, ranks = SHEETS[name]
    book = tmp_path / f"{name}.xlsx"
    assert main(["--db", demo.url, *command, "--out", str(book)]) in (0, 1)  # `score` says 1 where printed figures differ
    ws = load_workbook(book).active
    assert (ws.title, ws.freeze_panes) == (sheet, "A2")
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    table = tmp_path / f"{name}.csv"
    assert main(["--db", demo.url, *command, "--out", str(table)]) in (0, 1)
    capsys.readouterr()
    for rows in (_written(book), _written(table)):
        for heading in ranks:
            cells = [row[rows[0].index(heading)] for row in rows[1:]]
            assert [c for c in cells if c and not c.lstrip("-").isdigit()] == [], heading
            assert any(cells), heading
    figures = [cell for row in _written(table)[1:] for cell in row if cell.replace(".", "", 1).lstrip("-").isdigit()]
    assert figures
    assert max(len(f.split(".")[1]) if "." in f else 0 for f in figures) <= 2


def test_the_terminal_names_units_and_speaks_vietnamese(demo):
    """whatif, sensitivity and differences name units as `cchc ranking` does, not by id; the
    what-if's rank correlations with decimal commas; the sensitivity's title without «seed»;
    the differences within 120 columns."""
    whatif = cchc_here("whatif", "--period", "2017", "--scenario", SCENARIO, db=demo.url)
    assert whatif.returncode == 0, whatif.stderr
    assert "Sở Công Thương" in whatif.stdout
    assert "so-cong-thuong" not in whatif.stdout
    assert whatif.stderr.startswith("Spearman ρ = 0,")
    assert "Kendall τ = 0," in whatif.stderr
    spread = cchc_here("sensitivity", "--period", "2017", "--samples", "50", "--seed", "1", db=demo.url)
    assert spread.returncode == 0, spread.stderr
    assert "Sở Công Thương" in spread.stdout
    assert "so-cong-thuong" not in spread.stdout
    assert "seed" not in spread.stdout
    assert "số khởi tạo ngẫu nhiên 1" in spread.stdout.splitlines()[0]
    for period in ("2016", "2017"):
        differences = cchc_here("differences", "--period", period, db=demo.url)
        assert differences.returncode == 0, differences.stderr
        lines = differences.stdout.splitlines()
        assert max(len(line) for line in lines) <= 120, max(lines, key=len)
        assert "Huyện Điện Biên" in differences.stdout or "Sở Tư pháp" in differences.stdout
        assert "so-tu-phap" not in differences.stdout
        assert "huyen-dien-bien" not in differences.stdout
