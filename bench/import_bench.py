"""Importing 100 filled self-assessment templates (each checked whole, then one transaction),
beside a plain `pandas.read_excel` of the same 100 files, in the same run. Target: ≤ 10 s.

    python bench/import_bench.py [--files 100]

Writes only under exports/bench/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time

import pandas as pd
from openpyxl import load_workbook

from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.files import templates as workbooks
from cchc_widgets.resources import REFERENCE_CRITERIA, REPO_DIR, resource
from cchc_widgets.store.database import Store

WORK = REPO_DIR / "exports" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    folder = WORK / "templates"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = WORK / "import.sqlite"
    db.unlink(missing_ok=True)
    cs = load_criteria(resource(REFERENCE_CRITERIA))
    store = Store(f"sqlite:///{db}", evidence_dir=WORK / "evidence")
    store.add_period("2016", "Năm 2016", cs)
    units = [f"don-vi-{i:03d}" for i in range(args.files)]
    store.add_units(pd.DataFrame({"id": units, "name": units}), period="2016")
    paths = []
    for i, unit in enumerate(units):  # each unit fills its template: yes/no, levels, pairs, counts, points
        path = folder / f"{unit}.xlsx"
        path.write_bytes(workbooks.template(store, "2016", unit))
        book = load_workbook(path)
        ws = book[workbooks.SHEET]
        rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
        for code in cs.leaf_codes:
            rule, r = cs[code].rule, rows[code]
            if rule.kind == "yesno":
                ws[f"F{r}"] = "Có" if (i + r) % 3 else "Không"
            elif rule.kind == "levels":
                ws[f"F{r}"] = rule.levels[(i + r) % len(rule.levels)].label
            elif rule.kind == "percent" and rule.input == "pair":
                ws[f"F{r}"], ws[f"G{r}"] = 10 + (i + r) % 10, 20
            elif rule.kind == "percent":
                ws[f"F{r}"] = 60 + (i + r) % 40
            elif rule.kind == "count":
                ws[f"F{r}"] = (i + r) % (rule.required + 1)
            else:
                ws[f"F{r}"] = rule.step * ((i + r) % 3) if rule.step else 0.5
        book.save(path)
        paths.append(path)

    start = time.perf_counter()
    stored = sum(workbooks.import_file(store, path).rows for path in paths)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for path in paths:
        pd.read_excel(path, sheet_name=workbooks.SHEET, header=workbooks.HEADER_ROW - 1)
    plain = time.perf_counter() - start
    print(f"import of {args.files} filled templates × {len(cs.leaf_codes)} sub-criteria ({stored} scores stored)")
    print(f"  cchc import (every cell checked, one transaction per file) : {ours:6.2f} s   (target ≤ 10 s)")
    print(f"  plain pandas.read_excel of the same files                  : {plain:6.2f} s")
    store.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
