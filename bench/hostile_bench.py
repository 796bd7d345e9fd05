"""`cchc import` of files built to be expensive (tests/hostile_files.py: xlsx parts that inflate,
deep or wide XML, CSV with long fields or a million columns), each at most 8 MB on disk:
wall time and the peak resident memory of the whole process tree (the command, its reader and
the reader's forks, summed, sampled every 10 ms). Target: ≤ 5 s and ≤ 300 MB each.

    python bench/hostile_bench.py [--baseline]

`--baseline` also times what the import did before issue 24: openpyxl's `load_workbook` of
the same xlsx in one process, stopped at 15 s and printed «≥ 15 s (stopped)» with the peak
reached so far: an import that takes longer already says the old way was unusable, and letting
them run cost the bench two minutes (run to the end on 2026-12-07 they took 25–71 s each, up to
1.75 GB). Writes only under exports/bench/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

from cchc_widgets.resources import REPO_DIR

sys.path.insert(0, str(REPO_DIR))  # tests/hostile_files.py makes the files
from tests import hostile_files

WORK = REPO_DIR / "exports" / "bench" / "hostile"
BASELINE_CAP = 15  # seconds: 3 × the target is enough to show the old way unusable
BASELINE = """
import sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True)
for row in book.worksheets[0].iter_rows(values_only=True):
    pass
"""


def tree_rss(pid: int) -> float:
    """Resident MB of `pid` and every process under it, now."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total / 1024


def measured(command: list[str], timeout: float = 90) -> tuple[float, float, int | None]:
    """(seconds, peak MB of the tree, exit code or None when stopped at `timeout`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        if time.perf_counter() - start > timeout:
            proc.kill()
            proc.wait()
            return timeout, peak, None
        time.sleep(0.01)
    return time.perf_counter() - start, peak, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    db = WORK / "demo.sqlite"
    env_db = ["--db", f"sqlite:///{db}"]
    subprocess.run([sys.executable, "-m", "cchc_widgets.cli", *env_db, "demo"], check=True, capture_output=True)
    files = hostile_files.write_all(WORK)
    print(f"{'file':16} {'on disk':>9}  {'cchc import':>22}  {'baseline (openpyxl in one process)':>36}")
    for name, path in files.items():
        command = [sys.executable, "-m", "cchc_widgets.cli", *env_db, "import", str(path), "--period", "2017", "--dry-run"]
        seconds, peak, code = measured(command)
        ours = f"{seconds:5.2f} s {peak:5.0f} MB exit {code}"
        base = ""
        if args.baseline and path.suffix == ".xlsx":
            b_seconds, b_peak, b_code = measured([sys.executable, "-c", BASELINE, str(path)], timeout=BASELINE_CAP)
            at_least = "≥" if b_code is None else " "  # stopped: it would have taken longer, and more memory
            base = f"{at_least}{b_seconds:5.1f} s {at_least}{b_peak:5.0f} MB" + (" (stopped)" if b_code is None else "")
        print(f"{name:16} {path.stat().st_size / 1e6:7.2f} MB  {ours:>22}  {base:>36}", flush=True)
    print("target: each ≤ 5 s and ≤ 300 MB")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
