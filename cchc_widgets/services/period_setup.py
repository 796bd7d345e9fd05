"""A period opened from the administrator's page, as `cchc period add --units FILE --criteria
so=PATH --criteria huyen=PATH` opens one: a units table (uploaded, or the units of a period
already held) and a criteria set for each block of its units — one of the sets shipped in
`criteria/`, one a period already holds, or a file uploaded. The store refuses a set that
declares another block than the one it is given for, as it does for the command line."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import block_label, block_order
from cchc_widgets.files.unit_tables import read_units
from cchc_widgets.resources import resource
from cchc_widgets.services.access import Actor
from cchc_widgets.services.uploads import uploaded_copy
from cchc_widgets.services.writes import Writer
from cchc_widgets.store.database import Store

CRITERIA_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".xlsx")
UNIT_SUFFIXES = (".csv", ".xlsx")
T = TypeVar("T")


@dataclass(frozen=True)
class Shipped:
    """A criteria set shipped in `criteria/`: its file, its name and the block it declares."""

    file: str
    name: str
    block: str


@functools.cache
def shipped_sets() -> tuple[Shipped, ...]:
    """The sets shipped beside the program (read once: they do not change while it runs)."""
    return tuple(
        Shipped(path.name, cs.name, str(cs.meta.get("block") or ""))
        for path in sorted(resource("criteria").glob("*.yaml"))
        for cs in [load_criteria(path)]
    )


def shipped_set(file: str) -> CriteriaSet:
    """A shipped set by its file name: only one the page offered, never a path it was sent."""
    if file not in {s.file for s in shipped_sets()}:
        raise ProblemsError([Problem(file, "không phải bộ tiêu chí có sẵn trong thư mục criteria/")])
    return load_criteria(resource("criteria") / file)


def uploaded_set(name: str, data: bytes) -> CriteriaSet:
    """A criteria set uploaded in the page (YAML, JSON, the flat CSV or xlsx); its problems name
    the file as the person named it."""
    return _read_upload(name, data, CRITERIA_SUFFIXES, "bộ tiêu chí", load_criteria)


def uploaded_units(name: str, data: bytes) -> pd.DataFrame:
    """A units table uploaded in the page (`files.unit_tables.read_units`)."""
    return _read_upload(name, data, UNIT_SUFFIXES, "bảng đơn vị", read_units)


def _read_upload(name: str, data: bytes, suffixes: tuple[str, ...], what: str, read: Callable[[Path], T]) -> T:
    with uploaded_copy(name, data) as path:
        if path.suffix.lower() not in suffixes:
            raise ProblemsError([Problem(path.name, f"{what} nhận tệp {', '.join(suffixes)}")])
        try:
            return read(path)
        except ProblemsError as exc:  # name the file, never the temporary folder it was read from
            raise ProblemsError([_named(p, path) for p in exc.problems]) from None


def _named(problem: Problem, path: Path) -> Problem:
    return dataclasses.replace(problem, file=problem.file.replace(str(path), path.name))


def open_period(
    store: Store, actor: Actor | None, period: str, name: str, units: pd.DataFrame, sets: dict[str, CriteriaSet]
) -> str:
    """Open `period` with its units and a set for each block of them (`sets`, by block; ""
    for units of no block): refused whole when a block has none. Returns what was opened, as
    `cchc period add` prints it."""
    present = unit_blocks(units)
    missing = [b for b in present if b not in sets]
    if missing:
        named = ", ".join(block_label(b) if b else "(không ghi khối)" for b in missing)
        raise ProblemsError([Problem(f"kỳ {period}", f"đơn vị thuộc khối {named} chưa có bộ tiêu chí: chọn hoặc tải lên một bộ")])
    blocks = {b: cs for b, cs in sets.items() if b and b in present}
    cs = sets.get("") or next(iter(blocks.values()))
    Writer(store, actor).set_up_period(period, name or f"Năm {period}", cs, units, blocks)
    return f"Đã mở kỳ {period}: {len(units)} đơn vị" + "".join(f"; khối {block_label(b)}: bộ '{s.id}'" for b, s in blocks.items())


def unit_blocks(units: pd.DataFrame) -> list[str]:
    """The blocks of a units table in the decision's order ("" for units of none)."""
    present = set(units["block"].fillna("")) if "block" in units.columns else {""}
    return sorted(present, key=block_order)
