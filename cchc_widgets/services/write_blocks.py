"""A save's rows and the block of their unit (so, huyen …): in a period whose blocks are scored
on different sets, the rules of each row are its unit's block's set. These say what is wrong
in the block's words — a code of another block's set, a unit moved to another block while a
page held it — for `services.writes.Writer`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem
from cchc_widgets.core.vocabulary import block_label, foreign_code, unknown_block

if TYPE_CHECKING:
    import pandas as pd

    from cchc_widgets.store.database import Store

Key = tuple[str, str, str]  # unit, code, stage
# what the rules made of a batch: withdrawals and notes alone, the scored rows resolved, the notes given, problems
Ruled = tuple[dict[Key, dict[str, Any] | None], list[dict[str, Any]] | None, dict[Key, Any], list[Problem]]


def unknown_blocks(units: pd.DataFrame, blocks: dict[str, CriteriaSet], where: str) -> list[Problem]:
    """Units (a units table: id, block) and sets (`blocks`: block → set) put in a block of no
    known name (`vocabulary.unknown_block`: a typo would open a block of its own)."""
    named = zip(units["id"], units["block"], strict=True) if "block" in units.columns else ()
    said = [f"đơn vị '{u}': {why}" for u, b in named if isinstance(b, str) and (why := unknown_block(b))]
    said += [f"bộ tiêu chí '{cs.id}': {why}" for b, cs in blocks.items() if (why := unknown_block(b))]
    return [Problem(where, line) for line in said]


def moved_units(
    store: Store, period: str, units: set[str], read: tuple[dict[str, str], dict[str, str]], cs: CriteriaSet, file: str
) -> list[Problem]:
    """Units whose block, read in the save's transaction (`read`: names and blocks), no longer
    gives `cs`, the set their rows were checked with before it: moved by another process since."""
    names, blocks = read
    return [
        Problem(file, f"đơn vị '{names[u]}' vừa được chuyển sang khối {block_label(blocks[u])}: mở lại trang rồi nhập lại")
        for u in sorted(units)
        if u in names and store.criteria_for(period, block=blocks[u]).checksum != cs.checksum
    ]


def named_foreign(ruled: Ruled, foreign: list[Problem]) -> Ruled:
    """The rules' reading with `foreign` said instead of the engine's «not in the set» for those rows."""
    if not foreign:
        return ruled
    out, resolved, notes, problems = ruled
    named = {(p.code, p.where) for p in foreign}
    return out, resolved, notes, foreign + [p for p in problems if (p.code, p.where) not in named]




def foreign_codes(store: Store, records: list[dict[str, Any]], cs: CriteriaSet, file: str) -> list[Problem]:
    """Rows of a unit in a block (so, huyen …) whose code is not in its block's set: the unit,
    its block and the code named (the engine's own message names the code only, which is not
    enough when the period scores its blocks on different sets)."""
    unknown = [rec for rec in records if rec["code"] not in cs.entries and rec["code"] not in cs.nodes]
    blocks = {unit: store.unit_block(unit) for unit in {rec["unit"] for rec in unknown}}
    return [
        Problem(
            file,
            foreign_code(rec["unit"], blocks[rec["unit"]], rec["code"], cs.id),
            rec["code"],
            rec["_where"],
        )
        for rec in unknown
        if blocks[rec["unit"]]
    ]
