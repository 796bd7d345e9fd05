"""Time to score 1,000 units × 70 sub-criteria: the vectorised engine beside a
straightforward per-unit loop over the same frame, in the same run.

    python bench/engine_bench.py [--units 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.resources import REFERENCE_CRITERIA, resource


def synthetic(cs: CriteriaSet, n_units: int, seed: int = 7) -> pd.DataFrame:
    """Self-assessment for every leaf, appraisal for a third, points the rules can give."""
    rng = np.random.default_rng(seed)
    rows = []
    for code in cs.leaf_codes:
        node = cs[code]
        reach = np.array(node.rule.reachable(node.max_points))
        own = rng.choice(reach, size=n_units)
        units = [f"u{i:04d}" for i in range(n_units)]
        rows.append(pd.DataFrame({"period": "2024", "unit": units, "code": code, "stage": "self", "points": own}))
        appraised = rng.random(n_units) < 1 / 3
        lower = np.minimum(own, rng.choice(reach, size=n_units))
        rows.append(
            pd.DataFrame(
                {
                    "period": "2024",
                    "unit": np.array(units)[appraised],
                    "code": code,
                    "stage": "appraisal",
                    "points": lower[appraised],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def per_unit_loop(frame: pd.DataFrame, cs: CriteriaSet) -> pd.DataFrame:
    """The obvious implementation: one unit at a time, dicts and loops, same checks and results."""
    out = []
    for unit, rows in frame.groupby("unit", sort=False):
        final: dict[str, float] = {}
        for stage in engine.STAGES:
            for rec in rows[rows["stage"] == stage].itertuples():
                node = cs[rec.code]
                node.rule.check_points(rec.points, node.max_points)
                final[rec.code] = rec.points
        points = dict.fromkeys(cs.nodes, 0.0)
        for code, value in final.items():
            for c in (code, *cs.ancestors(code)):
                points[c] += value
        total = sum(points[c] for c in cs.top_codes)
        out.append({"unit": unit, **{c: points[c] for c in cs.top_codes}, "total": total, "index": 100 * total / cs.max_points})
    res = pd.DataFrame(out)
    res["rank"] = res["index"].rank(method="min", ascending=False).astype(int)
    res["class"] = engine.classify(res["index"], cs.classes)
    return res


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cs = load_criteria(resource(REFERENCE_CRITERIA))
    frame = synthetic(cs, args.units)
    vec_time, vec = timed(lambda: engine.score(frame, cs), args.repeat)
    loop_time, loop = timed(lambda: per_unit_loop(frame, cs), max(1, args.repeat // 2))
    merged = vec.results.merge(loop, on="unit", suffixes=("", "_loop"))
    assert np.allclose(merged["total"], merged["total_loop"])
    assert (merged["rank"] == merged["rank_loop"]).all()
    print(f"score {args.units} units × {len(cs.leaf_codes)} sub-criteria ({len(frame)} score rows), median of runs")
    print(f"  vectorised engine : {vec_time * 1000:9.1f} ms")
    print(f"  per-unit loop     : {loop_time * 1000:9.1f} ms")
    print(f"  speed-up          : {loop_time / vec_time:9.1f} ×  (same totals and ranks)")


if __name__ == "__main__":
    main()
