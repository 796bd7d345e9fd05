"""A store made before blocks of units (commit d53c1a6) opens unchanged: one block for all
its units, and the same results, ranking, progress and results workbook as that version
printed from it. The old version is taken from the repository's history and run in its own
interpreter (its own PYTHONPATH), the store it made copied and read by this version."""

import csv
import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc_widgets.store.database import Store
from tests.conftest import REPO

pytestmark = pytest.mark.external  # CLI subprocesses of two versions
OLD = "d53c1a6"
NOW = "2026-12-07T09:00:00+07:00"  # both versions' clock: the workbook prints when it was made


def cchc(code: Path, db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(code), "CCHC_DATA_DIR": str(db.parent / "data"), "CCHC_CLOCK": NOW}
    return subprocess.run(
        [sys.executable, "-m", "cchc_widgets.cli", "--db", f"sqlite:///{db}", *args],
        capture_output=True, text=True, env=env, cwd=db.parent, check=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def old_code(tmp_path_factory):
    """The package as it was at `OLD`, unpacked from the history (no worktree registered)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", OLD, "cchc_widgets", "criteria", "data"], capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"lịch sử git không có {OLD}")
    where = tmp_path_factory.mktemp("old")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(where, filter="data")
    return where


def outputs(code: Path, db: Path, out: Path) -> dict[str, object]:
    out.mkdir()
    found: dict[str, object] = {}
    machine = ["--machine-headings"] if code == REPO else []  # a ranking file has Vietnamese headings since issue 27
    for period in ("2016", "2017"):
        found[f"ranking {period}"] = cchc(code, db, "ranking", "--period", period).stdout
        cchc(code, db, "ranking", "--period", period, "--out", str(out / f"r{period}.csv"), *machine)
        cchc(code, db, "progress", "--period", period, "--out", str(out / f"p{period}.csv"))
        cchc(code, db, "export", "--period", period, "--out", str(out / f"b{period}.xlsx"))
        ranking = (out / f"r{period}.csv").read_bytes()
        found[f"ranking file {period}"] = ranking if code == REPO else one_group_dropped(ranking)
        found[f"progress file {period}"] = (out / f"p{period}.csv").read_bytes()
        book = load_workbook(out / f"b{period}.xlsx")
        found[f"workbook {period}"] = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}
    return found


def one_group_dropped(written: bytes) -> bytes:
    """The old version's ranking file as this one writes it: since issue 28 the group columns are
    written only with more than one group (one group's rank is the rank), by design; every other
    byte is compared as it was."""
    rows = list(csv.reader(io.StringIO(written.decode("utf-8"))))
    head = rows[0]
    if "group" not in head or len({row[head.index("group")] for row in rows[1:]}) > 1:
        return written
    keep = [i for i, name in enumerate(head) if name not in ("group", "group_rank")]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([[row[i] for i in keep] for row in rows])
    return text.getvalue().encode("utf-8")


def test_a_store_made_before_blocks_gives_the_same_outputs(old_code, tmp_path):
    made = tmp_path / "old" / "cchc.sqlite"
    made.parent.mkdir()
    cchc(old_code, made, "demo")
    before = outputs(old_code, made, tmp_path / "old-out")
    copied = tmp_path / "new" / "cchc.sqlite"
    copied.parent.mkdir()
    shutil.copy(made, copied)
    after = outputs(REPO, copied, tmp_path / "new-out")
    assert after == before
    store = Store(f"sqlite:///{copied}")
    assert list(store.blocks("2017")) == [""]  # one block for every unit
    store.close()
