"""The administrator's form to open a new period: the units (a table uploaded, or those of the
period the page shows) and, for each block of them, a criteria set — the one that period
gives the block, one shipped in `criteria/`, or a file uploaded (`services.period_setup`).

The page sends a choice per block; what a choice may name is what `state` offered, so the page
never names a path on the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import block_label, other_block
from cchc_widgets.services import period_setup
from cchc_widgets.services.access import Actor, require_admin
from cchc_widgets.store.database import Store

KEEP, UPLOAD, SHIPPED = "period", "upload", "file:"  # a choice: the shown period's set, a file sent, a shipped set


class PeriodForm:
    def __init__(self, store: Store, actor: Actor | None) -> None:
        self.store, self.actor = store, actor
        self.units: pd.DataFrame | None = None  # a units table uploaded for the new period
        self.units_file = ""

    def take_units(self, name: str, data: bytes) -> None:
        """A units table for the new period: its blocks are offered a set each."""
        require_admin(self.store, self.actor, "mở kỳ đánh giá")
        self.units, self.units_file = period_setup.uploaded_units(name, data), name

    def _units(self, shown: str) -> pd.DataFrame:
        """The uploaded table, or the shown period's units with their blocks, groups and ranking."""
        if self.units is not None:
            return self.units
        return self.store.units(shown).fillna({"kind": "", "block": "", "group": ""})

    def state(self, shown: str) -> dict[str, Any]:
        """What the form offers: where its units come from and a choice of set for each block."""
        units = self._units(shown)
        held = self.store.blocks(shown)
        source = f"từ tệp {self.units_file}" if self.units is not None else f"của kỳ {shown}"
        return {
            "units": f"{len(units)} đơn vị {source}",
            "blocks": [
                {"block": b, "label": block_label(b) or "Mọi đơn vị", **self._options(b, held.get(b), shown)}
                for b in period_setup.unit_blocks(units)
            ],
        }

    def _options(self, block: str, held: CriteriaSet | None, shown: str) -> dict[str, Any]:
        options = [[KEEP, f"Giữ bộ của kỳ {shown}: {held.name}"]] if held is not None else []
        for s in period_setup.shipped_sets():
            declared = f" — khối {block_label(s.block)}" if s.block else ""
            options.append([SHIPPED + s.file, f"{s.name} ({s.file}){declared}"])
        options.append([UPLOAD, "Tệp khác (tải lên)…"])
        fits = [SHIPPED + s.file for s in period_setup.shipped_sets() if s.block == block]
        chosen = KEEP if held is not None else (fits[0] if fits else "")
        return {"options": options, "chosen": chosen}

    def open(self, shown: str, period: str, name: str, chosen: dict[str, str], files: dict[str, tuple[str, bytes]]) -> str:
        """Open the period with a set per block, as chosen (`files`: the sets uploaded, by block)."""
        require_admin(self.store, self.actor, "mở kỳ đánh giá")
        units = self._units(shown)
        sets = {b: self._set(b, chosen.get(b, ""), files.get(b), shown) for b in period_setup.unit_blocks(units)}
        done = period_setup.open_period(self.store, self.actor, period, name, units, sets)
        self.units, self.units_file = None, ""
        return done

    def _set(self, block: str, choice: str, file: tuple[str, bytes] | None, shown: str) -> CriteriaSet:
        """The set chosen for a block; one declaring another block is refused naming its file."""
        label = block_label(block) or "mọi đơn vị"
        if choice == UPLOAD and file is not None:
            return _for(block, period_setup.uploaded_set(*file), file[0])
        if choice.startswith(SHIPPED):
            return _for(block, period_setup.shipped_set(choice.removeprefix(SHIPPED)), choice.removeprefix(SHIPPED))
        if choice == KEEP and block in self.store.blocks(shown):
            return self.store.criteria_for(shown, block=block)
        wanted = "tải tệp bộ tiêu chí lên" if choice == UPLOAD else "chọn một bộ tiêu chí"
        raise ProblemsError([Problem("Mở kỳ mới", f"khối {label} chưa có bộ tiêu chí: {wanted}")])


def _for(block: str, cs: CriteriaSet, file: str) -> CriteriaSet:
    said = other_block(cs, block) if block else None
    if said:
        raise ProblemsError([Problem(Path(file).name, said)])
    return cs
