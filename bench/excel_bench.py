"""The results workbook for 100 units × 70 sub-criteria (with survey responses and a saved
what-if, so every sheet is written), beside a plain `DataFrame.to_excel` of the same tables
(summary + one sheet per unit) in the same run. Target: ≤ 2 s.

Timed twice: the first call in this process reads the period's criteria set and warms
pandas, as `cchc export` does; the second is the button in a running app.

    python bench/excel_bench.py [--units 100]

Writes only under exports/bench/.
"""

from __future__ import annotations

import argparse
import io
import shutil
import time

import pandas as pd

from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.core.whatif import Scenario
from cchc_widgets.report.results_workbook import results_workbook
from cchc_widgets.resources import REFERENCE_CRITERIA, REPO_DIR, resource
from cchc_widgets.services.demo import generate, generate_survey
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store

WORK = REPO_DIR / "exports" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "excel.sqlite"
    db.unlink(missing_ok=True)
    cs = load_criteria(resource(REFERENCE_CRITERIA))
    units = [f"don-vi-{i:03d}" for i in range(args.units)]
    store = Store(f"sqlite:///{db}", evidence_dir=WORK / "evidence")
    store.add_period("2016", "Năm 2016", cs)
    store.add_units(pd.DataFrame({"id": units, "name": [f"Đơn vị số {i}" for i in range(args.units)]}), period="2016")
    scores = generate(cs, units)
    writer = Writer(store)
    writer.save_scores(Scope("2016"), scores[scores["period"] == "2016"].drop(columns="period"), "bench", "bench")
    responses = generate_survey(cs, units)
    writer.save_survey("2016", responses.drop(columns="period"), "bench", "bench")
    Writer(store).save_scenario(Scenario("Lĩnh vực 8 gấp đôi", weights={"8": 2.0}))
    Writer(store).mark_scenario("Lĩnh vực 8 gấp đôi", True)  # in the workbook, as a published one is

    start = time.perf_counter()
    results_workbook(store, "2016")
    first = time.perf_counter() - start
    start = time.perf_counter()
    data = results_workbook(store, "2016")
    ours = time.perf_counter() - start

    results = score_period(store, "2016")
    start = time.perf_counter()
    with pd.ExcelWriter(io.BytesIO(), engine="openpyxl") as writer:
        results.results.to_excel(writer, sheet_name="Tổng hợp", index=False)
        nodes = results.nodes
        for unit, frame in nodes.groupby("unit", sort=False):
            frame.to_excel(writer, sheet_name=unit[:31], index=False)
    plain = time.perf_counter() - start
    print(
        f"results workbook, {args.units} units × {len(cs.leaf_codes)} sub-criteria, {len(responses)} survey answers, "
        f"1 scenario ({len(data) / 1e6:.1f} MB)"
    )
    print(f"  cchc results_workbook (formats, filters, colours) : {ours:6.2f} s   (target ≤ 2 s)")
    print(f"  the same, first call in this process (cold caches): {first:6.2f} s")
    print(f"  plain DataFrame.to_excel of the same tables       : {plain:6.2f} s")
    store.close()
    shutil.rmtree(WORK / "evidence", ignore_errors=True)


if __name__ == "__main__":
    main()
