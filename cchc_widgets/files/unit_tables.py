"""A province's list of units as a table (CSV or xlsx): `id, name` and, optionally, `kind`,
`block` (or `khối`: the block the unit is assessed in — so, huyen, xa … — each block on its
own criteria set, ranked within itself), `group` (units are ranked within their group:
sở, huyện, xã …) and `ranked` (có/không: a unit the decision keeps out of the ranking is
scored and classed, not ranked). Every problem is named by row and column; a file with any
problem gives nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.tables import Table, read_table
from cchc_widgets.core.text import name_key
from cchc_widgets.core.vocabulary import is_no, is_yes, unknown_block

UNIT_COLUMNS = ("id", "name", "kind", "block", "group", "ranked")


def read_units(path: str | Path) -> pd.DataFrame:
    """id, name, kind, block, group, ranked (bool; blank means ranked) from a units table; no
    `block` column when the table has none, so a period set up again from a list of names keeps
    each unit's block (the store refuses to move a unit that holds scores)."""
    table = read_table(path)
    table = table.renamed({c: "block" for c in table.columns if c.lower() in ("khối", "block")})
    missing = [c for c in ("id", "name") if c not in table.columns]
    if missing:
        raise ProblemsError([Problem(table.file, "thiếu cột bắt buộc " + ", ".join(f"'{c}'" for c in missing))])
    problems: list[Problem] = []
    rows, seen = [], set()
    for row in table.rows():
        unit = row.text("id")
        if not unit:
            problems.append(Problem(table.file, "thiếu mã đơn vị", where=row.where("id")))
            continue
        if unit in seen:
            problems.append(Problem(table.file, f"đơn vị '{unit}' có hai dòng", where=row.where("id")))
        seen.add(unit)
        if not row.text("name"):
            problems.append(Problem(table.file, f"đơn vị '{unit}' thiếu tên", where=row.where("name")))
        unknown = unknown_block(row.text("block"))
        if unknown:
            problems.append(Problem(table.file, f"đơn vị '{unit}': {unknown}", where=row.where("block")))
        flag = row.text("ranked")
        if flag and not (is_yes(flag) or is_no(flag)):
            problems.append(Problem(table.file, f"cột ranked nhận có/không; đã nhập '{flag}'", where=row.where("ranked")))
        rows.append(
            {
                "id": unit,
                "name": row.text("name"),
                "kind": row.text("kind"),
                "block": row.text("block"),
                "group": row.text("group"),
                "ranked": not is_no(flag) if flag else True,
            }
        )
    if problems:
        raise ProblemsError(problems)
    frame = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    return frame if "block" in table.columns else frame.drop(columns="block")


def ranking(units: pd.DataFrame) -> pd.DataFrame:
    """The engine's view of a units table: unit, group, ranked."""
    return units.rename(columns={"id": "unit"})[["unit", "group", "ranked"]]


def by_unit_id(table: Table, position: int, names: dict[str, str]) -> Table:
    """A table that names its units only by name (`Đơn vị`, no `Mã đơn vị`: a province's
    published table) with each unit's id in their place, matched to the list's names (`names`:
    id → name) in NFC, case and spacing aside (`text.name_key`). A name the list does not have,
    or has twice, is refused where it is, named."""
    ids: dict[str, list[str]] = {}
    for unit, name in names.items():
        ids.setdefault(name_key(name), []).append(unit)
    problems, records = [], []
    for number, values in table.records:
        name = "" if values[position] is None else str(values[position]).strip()
        found = ids.get(name_key(name), []) if name else [None]
        if len(found) != 1:
            said = (
                f"đơn vị '{name}' không có trong danh sách đơn vị"
                if not found
                else f"tên '{name}' là tên của {len(found)} đơn vị trong danh sách ({', '.join(found)}): hãy thêm cột Mã đơn vị"
            )
            problems.append(Problem(table.file, said, where=table.where(number, "unit")))
        records.append((number, (*values[:position], found[0] if found else name, *values[position + 1 :])))
    if problems:
        raise ProblemsError(problems)
    return replace(table, records=tuple(records))
