"""What-ifs and rank uncertainty give no silently wrong numbers: the command line reads the
store as the apps do, the README's commands run as written, and a level whose nodes some
units cannot score no longer ranks every unit first."""

import shlex
import warnings

import numpy as np
import pandas as pd
import pytest

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine, sensitivity
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services.results import score_period
from tests.conftest import REPO

SCENARIO = "criteria/examples/kich-ban-linh-vuc-1-gap-doi.yaml"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_whatif_and_sensitivity_read_the_store_like_the_apps(demo, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    stored = score_period(demo, "2016", "so").results.set_index("unit")["rank"].astype(int)  # the first block
    cmp_file, unc_file = tmp_path / "cmp.csv", tmp_path / "unc.csv"
    code, _, _ = run(
        capsys, "--db", demo.url, "whatif", "--period", "2016", "--scenario", SCENARIO, "--out", cmp_file, "--machine-headings"
    )
    assert code == 0
    cmp = pd.read_csv(cmp_file).set_index("unit")
    assert cmp.loc[stored.index, "rank_base"].tolist() == stored.tolist()  # survey points included, as in the apps
    assert cmp["delta_rank"].abs().sum() > 0
    args = ("--db", demo.url, "sensitivity", "--period", "2016", "--samples", 500, "--out", unc_file, "--machine-headings")
    assert run(capsys, *args)[0] == 0
    unc = pd.read_csv(unc_file).set_index("unit")
    assert unc.loc[stored.index, "rank"].tolist() == stored.tolist()
    assert set(cmp.index) == set(unc.index) == set(stored.index)  # one block at a time: never two sets mixed


def test_the_analysis_commands_take_one_block_at_a_time(demo, tmp_path, capsys, monkeypatch):
    """--block names the block of units analysed (its own set, ranked among its own units); a
    block the period does not assess is refused naming those it does."""
    monkeypatch.chdir(REPO)
    districts = score_period(demo, "2016", "huyen").results.set_index("unit")["rank"].astype(int)
    out = tmp_path / "cmp.csv"
    districts_only = ("--period", "2016", "--block", "huyen")
    code, _, err = run(
        capsys, "--db", demo.url, "whatif", *districts_only, "--scenario", SCENARIO, "--out", out, "--machine-headings"
    )
    assert code == 0, err
    cmp = pd.read_csv(out).set_index("unit")
    assert set(cmp.index) == set(districts.index)
    assert cmp.loc[districts.index, "rank_base"].tolist() == districts.tolist()
    code, out_text, _ = run(capsys, "--db", demo.url, "sensitivity", "--period", "2016", "--block", "huyen", "--samples", 50)
    assert code == 0
    assert "khối UBND cấp huyện" in out_text
    code, _, err = run(capsys, "--db", demo.url, "sensitivity", "--period", "2016", "--block", "xa", "--samples", 50)
    assert code == 1
    assert "kỳ không đánh giá khối 'xa'" in err
    assert "'huyen' (UBND cấp huyện)" in err


def test_files_stay_an_option_and_need_each_other(demo, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    out = tmp_path / "cmp.csv"
    files = ("--criteria", "criteria/dien-bien-so-2016.yaml", "--scores", "data/demo_scores.csv")
    code, _, _ = run(
        capsys, "--db", demo.url, "whatif", *files, "--period", "2016", "--scenario", SCENARIO, "--out", out, "--machine-headings"
    )
    assert code == 0
    from_files = pd.read_csv(out).set_index("unit")
    frame = pd.read_csv(REPO / "data" / "demo_scores.csv", dtype=str, keep_default_na=False).query("period == '2016'")
    expected = engine.score(frame, demo.criteria_for("2016"))
    expected = expected.results.set_index("unit")["rank"].astype(int)
    assert from_files.loc[expected.index, "rank_base"].tolist() == expected.tolist()  # no survey in the files
    code, _, err = run(capsys, "--db", demo.url, "whatif", "--scores", "data/demo_scores.csv", "--scenario", SCENARIO)
    assert code == 1
    assert "--scores cần đi cùng --criteria" in err


def test_dirichlet_on_level_2_spreads_ranks(tmp_path, capsys, monkeypatch, reference):
    """Level 2 from files has survey items nobody answered: they used to get a Dirichlet share
    of 0, NaN weights, and every unit median rank 1 with exit 0."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "unc.csv"
    files = ("--criteria", "criteria/dien-bien-so-2016.yaml", "--scores", "data/demo_scores.csv", "--period", "2016")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy warning here would be a wrong number
        code, _, err = run(
            capsys,
            "sensitivity",
            *files,
            "--method",
            "dirichlet",
            "--level",
            2,
            "--samples",
            2000,
            "--out",
            out,
            "--machine-headings",
        )
    assert (code, err) == (0, "")
    table = pd.read_csv(out)
    assert table["median_rank"].nunique() > 5
    assert (table["q05"] <= table["median_rank"]).all()
    assert (table["median_rank"] <= table["q95"]).all()
    assert (table["q95"] - table["q05"]).max() > 0


def test_nan_weights_are_refused(reference):
    frame = pd.read_csv(REPO / "data" / "demo_scores.csv", dtype=str, keep_default_na=False).query("period == '2017'")
    scored = engine.score(frame, reference)
    data = sensitivity.level_data(scored, reference, 1)
    weights = np.ones((3, len(data.codes)))
    weights[1, 2] = np.nan
    with pytest.raises(ProblemsError, match="trọng số mẫu không hợp lệ"):
        sensitivity.sample_ranks(data, weights)
    with pytest.raises(ProblemsError, match="phần dương"):
        sensitivity.sample_weights(3, 2, 0.25, "dirichlet", np.random.default_rng(0), np.array([1.0, 0.0, 2.0]))


def test_readme_analysis_commands_run_as_written(demo, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("CCHC_DB", demo.url)
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## What you can do", 1)[1].split("```", 2)[1]
    wanted = ("cchc whatif", "cchc sensitivity", "cchc compare")
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.startswith(wanted)]
    assert len(commands) == 4
    for command in commands:
        code, out, err = run(capsys, *shlex.split(command)[1:])
        assert code == 0, (command, err)
        assert out.startswith(("Kịch bản", "Thứ hạng", "Năm 2016 theo bộ"))
