"""The wheel holds everything `cchc demo` and `cchc serve` need: build it, install it in a
fresh virtual environment, and run the commands from there (not from the checkout)."""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    repo_root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(repo_root)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("cchc-*.whl")
    return built


def test_wheel_holds_the_data_the_commands_need(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "cchc_widgets/_resources/criteria/dien-bien-so-2016.yaml",
        "cchc_widgets/_resources/criteria/criteria.schema.json",
        "cchc_widgets/_resources/data/units.csv",
        "cchc_widgets/_resources/data/demo_scores.csv",
        "cchc_widgets/_resources/data/demo_scores_huyen.csv",
        "cchc_widgets/_resources/criteria/dien-bien-huyen-minh-hoa.yaml",
        "cchc_widgets/_resources/data/demo_survey.csv",
        "cchc_widgets/_resources/notebooks/apps/scoring.ipynb",
        "cchc_widgets/_resources/notebooks/apps/whatif.ipynb",
        "cchc_widgets/app/widgets/scoring_form.js",
        "cchc_widgets/app/widgets/scoring_form.css",
    ):
        assert shipped in names


def test_installed_wheel_runs_validate_demo_and_ranking(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    # the dependencies come from this environment (no download); cchc itself only from the wheel
    site = subprocess.run(
        [bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], check=True)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"CCHC_DB", "PYTHONPATH"}}
    env["CCHC_DATA_DIR"] = str(work / "data")

    def cchc(*args):
        return subprocess.run([bin_dir / "cchc", *args], cwd=work, env=env, capture_output=True, text=True, timeout=300)

    where = subprocess.run(
        [bin_dir / "python", "-c", "import cchc_widgets; print(cchc_widgets.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv))  # the installed package, not the checkout
    shipped = Path(site) / "cchc_widgets" / "_resources" / "criteria" / "dien-bien-so-2016.yaml"
    done = cchc("validate", str(shipped))
    assert done.returncode == 0, done.stderr
    done = cchc("demo")
    assert done.returncode == 0, done.stderr
    assert "kỳ 2016" in done.stdout
    done = cchc("ranking", "--period", "2016")
    assert done.returncode == 0, done.stderr
    assert "Sở Tư pháp" in done.stdout
    assert "khảo sát" in done.stdout.lower() or "survey" in done.stdout  # the survey answers shipped too
    assert (work / "data" / "cchc.sqlite").exists()
