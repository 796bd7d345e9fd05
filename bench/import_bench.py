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

from cchc_widgets.core import sandbox
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.files import rule_cells
from cchc_widgets.files import templates as workbooks
from cchc_widgets.resources import REFERENCE_CRITERIA, REPO_DIR, resource
from cchc_widgets.services.imports import import_template, template
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
    sheet = workbooks.sheet_name("self")
    for i, unit in enumerate(units):  # each unit fills its template as a person would, with a note per row
        path = folder / f"{unit}.xlsx"
        path.write_bytes(template(store, "2016", unit))
        book = load_workbook(path)
        ws = book[sheet]
        rows = json.loads({r[0].value: r[1].value for r in book[workbooks.META].iter_rows(max_col=2)}["rows"])
        for code in cs.leaf_codes:
            node, r = cs[code], rows[code]
            typed = node.rule.example(((i + r) % 10) / 10, 20, node.max_points)
            ws[f"F{r}"], ws[f"G{r}"] = rule_cells.cells(node.rule, node.rule.parse(typed))
            ws[f"I{r}"] = "Hồ sơ lưu tại đơn vị"  # the reference set asks for a file or an explanation
        book.save(path)
        paths.append(path)

    start = time.perf_counter()
    with sandbox.batch():  # as `cchc import` of many files: one reader process, a fork of it per file
        stored = sum(import_template(store, path).rows for path in paths)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for path in paths:
        pd.read_excel(path, sheet_name=sheet, header=workbooks.HEADER_ROW - 1)
    plain = time.perf_counter() - start
    print(f"import of {args.files} filled templates × {len(cs.leaf_codes)} sub-criteria ({stored} scores stored)")
    print(f"  cchc import (every cell checked, one transaction per file) : {ours:6.2f} s   (target ≤ 10 s)")
    print(f"  plain pandas.read_excel of the same files                  : {plain:6.2f} s")
    store.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
