"""Rank uncertainty: 100,000 weight samples × 63 units × 8 domains (PAPI 2019, real data),
vectorised, beside a straightforward per-sample loop over the engine in the same run.

The loop rebuilds the index once per sample (as COINr does); it runs on --loop-samples and
is projected to the full count. Both compute the same ranks for those samples (checked).

    python bench/uncertainty_bench.py [--samples 100000] [--loop-samples 200]
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import time

import numpy as np
import pandas as pd

from cchc_widgets.core import engine, sensitivity, whatif
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.resources import REPO_DIR

PUBLISHED = REPO_DIR / "tests" / "data" / "published" / "papi_2019_provinces.csv"


def papi_2019() -> tuple:
    cs = load_criteria(REPO_DIR / "criteria" / "examples" / "papi-2019-dimensions.csv")
    rows = []
    with PUBLISHED.open(encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            for header, value in rec.items():
                if (m := re.match(r"^(\d): ", header)) is not None:
                    rows.append({"unit": rec["province_en (as in source)"], "code": m.group(1), "points": float(value)})
    resolved = engine.resolve(pd.DataFrame(rows), cs)
    return cs, resolved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--loop-samples", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cs, resolved = papi_2019()
    scored = engine.aggregate(resolved, cs)
    n_units, n_domains = len(scored.results), len(cs.top_codes)

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        sensitivity.uncertainty(scored, cs, samples=args.samples, noise=0.25, seed=1)
        times.append(time.perf_counter() - start)
    vectorised = statistics.median(times)

    rng = np.random.default_rng(2)
    weights = sensitivity.sample_weights(n_domains, args.loop_samples, 0.25, "uniform", rng)
    start = time.perf_counter()
    loop_ranks = []
    for w in weights:
        scenario = whatif.Scenario("mẫu", weights=dict(zip(cs.top_codes, w.tolist(), strict=True)))
        loop_ranks.append(whatif.run(resolved, cs, scenario).results["rank"].to_numpy())
    per_sample = (time.perf_counter() - start) / args.loop_samples
    data = sensitivity.level_data(scored, cs)
    assert (np.array(loop_ranks) == sensitivity.sample_ranks(data, weights)).all(), "loop and vectorised ranks differ"

    print(f"rank uncertainty, {args.samples:,} samples × {n_units} units × {n_domains} domains (PAPI 2019), ±25 % uniform")
    print(f"  vectorised (median of {args.repeat}) : {vectorised * 1000:9.0f} ms   (target ≤ 500 ms)")
    print(
        f"  per-sample engine loop       : {per_sample * 1000:9.2f} ms per sample, measured on {args.loop_samples}; "
        f"projected {per_sample * args.samples:,.0f} s for {args.samples:,}"
    )
    print(
        f"  speed-up                     : {per_sample * args.samples / vectorised:9,.0f} ×  (same ranks on the measured samples)"
    )


if __name__ == "__main__":
    main()
