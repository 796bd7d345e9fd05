"""What one edit from the scoring form costs the kernel: CPU per save through the whole page
(`ScoringForm` message → `ScoringSession.edit` → the write door → the page's re-read and
new state), SQL statements and transactions per edit, and `ScoringForm.from_frame` of a
unit's 70 rows — beside, in the same run, the floor for the same database work: a bare
compare-and-set UPDATE plus its log INSERT in one transaction, with no checks and no page.

    python bench/save_bench.py [--edits 200] [--url sqlite:///...] [--baseline DIR]

`--baseline DIR`: also run this same bench, in the same run and just before, over the
package in DIR (the code before this save path, e.g. `git archive 998703a | tar -x -C DIR`),
so the old way is measured beside the new under the same load. Issue 25 recorded on main:
39–56 ms CPU per save, 17 statements in 8 transactions per edit, from_frame 70–80 ms.
Figures move with what else runs on the machine: say what did.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from cchc_widgets.app.widgets.scoring_form import ScoringForm
from cchc_widgets.services.access import actor_of, add_account, open_sign_in, token_hash
from cchc_widgets.services.demo import load_demo
from cchc_widgets.services.permissions import console
from cchc_widgets.store.database import Store, score_log, scores

UNIT, CODE, VALUES = "so-tu-phap", "1.5.2", ("1", "1,5", "2", "0,5")


def counted(engine: sa.Engine) -> dict[str, int]:
    seen = {"statements": 0, "transactions": 0}

    def statement(_c, _cur, text, *_a) -> None:
        if text.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen["statements"] += 1

    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "begin", lambda _c: seen.__setitem__("transactions", seen["transactions"] + 1))
    return seen


def form_saves(store: Store, edits: int) -> tuple[float, dict[str, float]]:
    """CPU ms per save through the page, signed in as the unit's officer; and per-edit counts."""
    add_account(store, "bench", "Bench", "unit", [UNIT], "mat-khau-bench", console("bench"))
    actor = actor_of(store, "bench", token_hash(open_sign_in(store, "bench")))
    form = ScoringForm(store, "2017", UNIT, "self", actor=actor)
    seen = counted(store.engine)

    def edit(i: int) -> None:
        mine = form.session.row(CODE)["mine"]
        message = {"type": "edit", "code": CODE, "value": VALUES[i % 4], "note": "Hồ sơ lưu tại văn phòng"}
        form._on_message(None, {**message, "version": mine["version"] if mine else 0}, [])
        if form.alert:
            raise SystemExit(form.alert)

    for i in range(5):  # warm: first reads, caches
        edit(i)
    seen.update(statements=0, transactions=0)
    start = time.process_time()
    for i in range(edits):
        edit(i)
    per = (time.process_time() - start) / edits * 1000
    return per, {k: v / edits for k, v in seen.items()}


def bare_saves(store: Store, edits: int) -> float:
    """CPU ms per bare compare-and-set + log row in one transaction: the database work's floor."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(scores).where(scores.c.unit == UNIT, scores.c.stage == "self")).mappings().first()
    key = (
        (scores.c.period == row["period"]) & (scores.c.unit == UNIT) & (scores.c.code == row["code"]) & (scores.c.stage == "self")
    )
    version = row["version"]
    start = time.process_time()
    for i in range(edits):
        with store.engine.execution_options(cchc_write=True).begin() as conn:
            done = conn.execute(
                scores.update().where(key & (scores.c.version == version)).values(points=float(i % 3), version=version + 1)
            )
            assert done.rowcount == 1
            conn.execute(
                score_log.insert().values(
                    period=row["period"],
                    unit=UNIT,
                    code=row["code"],
                    stage="self",
                    version=version + 1,
                    author="bench",
                    action="bench",
                    at=row["updated_at"],
                )
            )
        version += 1
    return (time.process_time() - start) / edits * 1000


def from_frame_ms(store: Store, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU ms of each `from_frame` (CPU moves less with what else runs on the machine)."""
    frame = store.scores("2017", UNIT, "self")[["unit", "code", "stage", "value", "points", "na", "note"]]
    cs = store.criteria_for("2017")
    ScoringForm.from_frame(frame, cs, unit=UNIT)  # warm
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        ScoringForm.from_frame(frame, cs, unit=UNIT)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--url", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--baseline", help="a folder holding the package before: measured first, in the same run")
    args = parser.parse_args()
    if args.baseline:
        print(f"— before ({args.baseline}):", flush=True)
        env = {**os.environ, "PYTHONPATH": str(Path(args.baseline).resolve())}
        command = [sys.executable, __file__, "--edits", str(args.edits), *(["--url", args.url] if args.url else [])]
        subprocess.run(command, env=env, check=True, cwd=args.baseline)
        print("— now:", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="cchc-save-bench-"))
    store = Store(args.url or f"sqlite:///{folder / 'bench.sqlite'}", evidence_dir=folder / "evidence")
    if store.periods().empty:
        load_demo(store)
    per_save, counts = form_saves(store, args.edits)
    bare = bare_saves(store, args.edits)
    frames, frames_cpu = from_frame_ms(store, 15)
    print(f"backend: {store.engine.dialect.name}; {args.edits} edits of {CODE} on {UNIT}")
    print(f"kernel CPU per save, whole page:        {per_save:6.1f} ms   (target ≤ 20; before: 39–56)")
    print(f"bare compare-and-set + log, same store: {bare:6.1f} ms   (the database work's floor)")
    print(f"per edit: {counts['statements']:.1f} statements in {counts['transactions']:.1f} transactions (before: 17 in 8)")
    print(f"from_frame of 70 rows: median {statistics.median(frames):.0f} ms, best {min(frames):.0f} ms (target ≤ 50)")
    print(f"  its CPU:             median {statistics.median(frames_cpu):.0f} ms, best {min(frames_cpu):.0f} ms")
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    store.close()


if __name__ == "__main__":
    main()
