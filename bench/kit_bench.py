"""The widget kit's speed in a notebook: a scoring form built from a 70-row DataFrame, and
`form.results` read after an edit — each beside the engine scoring the same frame in the
same run (the floor: the kit adds a store in memory, the one write path and the page state).
Target: each under 50 ms.

    python bench/kit_bench.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

from cchc_widgets import ScoringForm, load_criteria
from cchc_widgets.core import engine
from cchc_widgets.resources import REFERENCE_CRITERIA, resource
from cchc_widgets.services.demo import demo_scores

TARGET_MS = 50.0


def timed(action, repeat: int) -> float:
    """Median milliseconds of `repeat` runs (after one warm-up)."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    cs = load_criteria(resource(REFERENCE_CRITERIA))
    scores = demo_scores()
    frame = scores[(scores["period"] == "2017") & (scores["unit"] == "so-tu-phap") & (scores["stage"] == "self")]
    frame = frame.drop(columns="period")
    assert len(frame) == 70

    build = timed(lambda: ScoringForm.from_frame(frame, cs), args.repeat)
    engine_ms = timed(lambda: engine.score(frame, cs), args.repeat)

    form = ScoringForm.from_frame(frame, cs)
    levels = [lv.label for lv in cs["1.1.1"].rule.levels]
    turn = iter(range(10**6))

    def edit() -> None:
        form.set_value("1.1.1", levels[next(turn) % len(levels)], note="đổi mức để đo")

    edit_ms = timed(edit, args.repeat)
    after = []  # form.results read right after each edit (the edit itself not counted)
    for _ in range(args.repeat):
        edit()
        start = time.perf_counter()
        form.results  # noqa: B018 — what is timed
        after.append(time.perf_counter() - start)
    results_ms = 1000 * statistics.median(after)
    print(f"widget kit, one unit × {len(frame)} rows (median of {args.repeat}):")
    print(f"  engine.score of the frame (baseline)      {engine_ms:7.1f} ms")
    print(f"  ScoringForm.from_frame                    {build:7.1f} ms   target < {TARGET_MS:.0f}")
    print(f"  form.set_value (checked, saved, logged)   {edit_ms:7.1f} ms")
    print(f"  form.results after an edit                {results_ms:7.1f} ms   target < {TARGET_MS:.0f}")
    print(f"  edit, then results (both)                 {edit_ms + results_ms:7.1f} ms")


if __name__ == "__main__":
    main()
