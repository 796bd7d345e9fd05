"""Criteria sets, periods and units: what a year is scored with and who takes part."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cchc_widgets.core.criteria import CriteriaSet, load_dict
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import block_label, block_order, block_without_set, other_block
from cchc_widgets.store.base import StoreBase, _now
from cchc_widgets.store.schema import criteria_sets, period_sets, period_units, periods, scores, units


class Periods(StoreBase):
    """Periods, their criteria sets and the units enrolled in them."""

    # ------------------------------------------------------------ criteria sets and periods

    def _criteria_row(self, conn: sa.Connection, cs: CriteriaSet) -> int:
        found = conn.execute(sa.select(criteria_sets.c.id).where(criteria_sets.c.checksum == cs.checksum)).scalar()
        if found is not None:
            return found
        return conn.execute(
            criteria_sets.insert().values(
                set_id=cs.id, version=cs.version, checksum=cs.checksum, document=cs.document, created_at=_now()
            )
        ).inserted_primary_key[0]

    def add_period(
        self,
        period: str,
        name: str,
        cs: CriteriaSet,
        blocks: Mapping[str, CriteriaSet] | None = None,
        unit_blocks: Iterable[str] = (),
    ) -> None:
        """Create a period scored with `cs`, or confirm an existing one; `blocks` gives a block
        of units (so, huyen, xa …) its own set (`cs` scores the units of any other block). A
        period that holds scores keeps its criteria sets: changing one would silently rescore
        a published year. A set that declares the block it is for (`block:`) is refused for
        another block — a block's own set, and `cs` for the blocks of the units enrolled
        (`unit_blocks`) that have none: the departments' set does not score districts."""
        blocks = dict(blocks or {})
        mismatched = [Problem(self.where, said) for b, bs in blocks.items() if (said := other_block(bs, b))]
        mismatched += [
            Problem(self.where, said)
            for b in sorted(set(unit_blocks) - set(blocks), key=block_order)
            if (said := block_without_set(cs, b))
        ]
        if mismatched:
            raise ProblemsError(mismatched)
        self._criteria_cache.pop(period, None)
        self._block_cache.pop(period, None)
        with self._writing() as conn:
            set_row = self._criteria_row(conn, cs)
            block_rows = {b: self._criteria_row(conn, bs) for b, bs in blocks.items()}
            current = conn.execute(sa.select(periods).where(periods.c.id == period)).mappings().first()
            own = sa.select(period_sets.c.block, period_sets.c.criteria_set).where(period_sets.c.period == period)
            had = dict(conn.execute(own).all())
            if current is None:
                conn.execute(periods.insert().values(id=period, name=name, criteria_set=set_row, created_at=_now()))
            elif current["criteria_set"] != set_row or (blocks and had != block_rows):
                has_scores = conn.execute(
                    sa.select(sa.func.count()).select_from(scores).where(scores.c.period == period)
                ).scalar()
                if has_scores:
                    raise ProblemsError(
                        [
                            Problem(
                                self.where,
                                f"kỳ '{period}' đã có điểm chấm theo bộ tiêu chí khác; không đổi bộ tiêu chí của kỳ đã chấm",
                            )
                        ]
                    )
                conn.execute(periods.update().where(periods.c.id == period).values(criteria_set=set_row, name=name))
            elif current["name"] != name:
                conn.execute(periods.update().where(periods.c.id == period).values(name=name))
            if blocks and had != block_rows:
                conn.execute(period_sets.delete().where(period_sets.c.period == period))
                for b, row in block_rows.items():
                    conn.execute(period_sets.insert().values(period=period, block=b, criteria_set=row))
        self._criteria_cache[period] = cs  # what the period is now scored with (same checksum)

    def criteria_for(self, period: str, unit: str | None = None, block: str | None = None) -> CriteriaSet:
        """The criteria set a period scores a unit with: its block's own set (`blocks`), or the
        period's set when the block has none (a period of one set: every unit, every block).
        No unit and no block: the period's set. Read once per store: a period's sets are immutable."""
        own = self._block_sets(period)
        if unit is not None and own:  # a period of one set asks nothing about the unit: a save reads no more
            block = self.unit_block(unit)
        if block is not None and block in own:
            return own[block]
        if period in self._criteria_cache:
            return self._criteria_cache[period]
        with self._reading() as conn:
            document = conn.execute(
                sa.select(criteria_sets.c.document)
                .join(periods, periods.c.criteria_set == criteria_sets.c.id)
                .where(periods.c.id == period)
            ).scalar()
        if document is None:
            raise ProblemsError([Problem(self.where, f"không có kỳ đánh giá '{period}'")])
        cs = self._criteria_cache[period] = _stored_set(document, f"bộ tiêu chí của kỳ {period}")
        return cs

    def _block_sets(self, period: str) -> dict[str, CriteriaSet]:
        """The blocks of a period that have their own set, with it (read once per store)."""
        if period not in self._block_cache:
            query = (
                sa.select(period_sets.c.block, criteria_sets.c.document)
                .join(criteria_sets, period_sets.c.criteria_set == criteria_sets.c.id)
                .where(period_sets.c.period == period)
            )
            with self._reading() as conn:
                rows = conn.execute(query).all()
            self._block_cache[period] = {
                b: _stored_set(doc, f"bộ tiêu chí khối {block_label(b)} của kỳ {period}") for b, doc in rows
            }
        return self._block_cache[period]

    def blocks(self, period: str) -> dict[str, CriteriaSet]:
        """Every block a period assesses — the blocks of its units and those given their own
        set — with the set that scores it, in `block_order` (an old store: one block "")."""
        own = self._block_sets(period)
        with self._reading() as conn:
            present = set(conn.execute(_enrolled(period, units.c.block).distinct().order_by(None)).scalars())
        if not present and not own:
            present = {""}
        return {b: self.criteria_for(period, block=b) for b in sorted(present | set(own), key=block_order)}

    def has_block_sets(self, period: str) -> bool:
        """Whether the period gives its blocks sets of their own (read once per store): only
        then may a block have stages of its own, and a save need not look for them otherwise."""
        return bool(self._block_sets(period))

    def unit_block(self, unit: str) -> str:
        """The block a unit is assessed in ("" when it has none, or is not known). Read once:
        a save's rules are checked with its block's set before its transaction, which reads the
        block again (`unit_names_blocks`) and refuses if another process moved the unit since."""
        if unit not in self._unit_blocks:
            with self._reading() as conn:
                self._unit_blocks[unit] = conn.execute(sa.select(units.c.block).where(units.c.id == unit)).scalar() or ""
        return self._unit_blocks[unit]

    def unit_names_blocks(self, period: str) -> tuple[dict[str, str], dict[str, str]]:
        """Unit id → name and unit id → block for the units of a period, in one statement (a
        write's transaction reads both); the blocks read become what `unit_block` answers."""
        with self._reading() as conn:
            rows = conn.execute(_enrolled(period, units.c.id, units.c.name, units.c.block)).all()
        blocks = {unit: block or "" for unit, _, block in rows}
        self._unit_blocks.update(blocks)
        return {unit: name for unit, name, _ in rows}, blocks

    def periods(self) -> pd.DataFrame:
        query = (
            sa.select(
                periods.c.id,
                periods.c.name,
                criteria_sets.c.set_id.label("criteria_set"),
                criteria_sets.c.version.label("criteria_version"),
            )
            .join(criteria_sets, periods.c.criteria_set == criteria_sets.c.id)
            .order_by(periods.c.id)
        )
        with self._reading() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=["id", "name", "criteria_set", "criteria_version"])

    # ------------------------------------------------------------ units

    def add_units(self, frame: pd.DataFrame, period: str | None = None) -> None:
        """Insert or rename units (columns id, name, optional kind and block); enrol them in `period`,
        with their ranking group and whether they are ranked (optional columns group, ranked:
        checked by `services`; absent: one group, all ranked). A unit with scores keeps its
        block: moving it would score what it declared with another block's set."""
        with self._writing() as conn:
            existing = {r.id: r for r in conn.execute(sa.select(units))}
            scored = set(conn.execute(sa.select(scores.c.unit).distinct()).scalars())
            rows = []
            for rec in frame.to_dict("records"):
                old = existing.get(str(rec["id"]))
                block = _text(rec["block"]) if "block" in rec else (old.block if old is not None else "")
                rows.append({"id": str(rec["id"]), "name": str(rec["name"]), "kind": str(rec.get("kind") or ""), "block": block})
            moved = [r for r in rows if r["id"] in existing and r["id"] in scored and existing[r["id"]].block != r["block"]]
            if moved:  # checked before anything is written: a refusal commits what was written so far
                raise ProblemsError(
                    [
                        Problem(
                            self.where,
                            f"đơn vị '{r['id']}' đã có điểm chấm ở khối '{block_label(existing[r['id']].block)}'; "
                            f"không chuyển sang khối '{block_label(r['block'])}'",
                        )
                        for r in moved
                    ]
                )
            for row in rows:
                old = existing.get(row["id"])
                if old is None:
                    conn.execute(units.insert().values(**row))
                elif (old.name, old.kind, old.block) != (row["name"], row["kind"], row["block"]):
                    conn.execute(units.update().where(units.c.id == row["id"]).values(**row))
            if period is not None:
                enrolled = {r.unit: r for r in conn.execute(sa.select(period_units).where(period_units.c.period == period))}
                for rec in frame.to_dict("records"):
                    unit_id = str(rec["id"])
                    ranking = {}
                    if "group" in rec:
                        ranking["rank_group"] = str(rec.get("group") or "")
                    if "ranked" in rec:
                        ranking["ranked"] = bool(rec["ranked"])
                    old = enrolled.get(unit_id)
                    if old is None:
                        conn.execute(period_units.insert().values(period=period, unit=unit_id, **ranking))
                    elif any(getattr(old, k) != v for k, v in ranking.items()):
                        where = (period_units.c.period == period) & (period_units.c.unit == unit_id)
                        conn.execute(period_units.update().where(where).values(**ranking))
        self._unit_blocks.clear()  # read again when next asked

    def units(self, period: str | None = None) -> pd.DataFrame:
        """id, name, kind, block; for a period also its ranking group and whether it is ranked."""
        if period is None:
            query = sa.select(units.c.id, units.c.name, units.c.kind, units.c.block).order_by(units.c.id)
            columns = ["id", "name", "kind", "block"]
        else:
            group = period_units.c.rank_group.label("group")
            query = _enrolled(period, units.c.id, units.c.name, units.c.kind, units.c.block, group, period_units.c.ranked)
            columns = ["id", "name", "kind", "block", "group", "ranked"]
        with self._reading() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=columns)
        if period is not None:
            frame["ranked"] = frame["ranked"].astype(bool)
        return frame

    def unit_names(self, period: str) -> dict[str, str]:
        """Unit id → name for the units of a period: how every table and sheet labels a unit.
        Read straight into a dict: every write asks for it."""
        with self._reading() as conn:
            return dict(conn.execute(_enrolled(period, units.c.id, units.c.name)).all())


@functools.lru_cache(maxsize=32)
def _stored_set(document: str, label: str) -> CriteriaSet:
    """A set as the store keeps it (`document`, its JSON), built once per process: the same text
    builds the same set, and sets are immutable. Building one took a page's kernel ~15 ms of CPU
    each; the warm parent builds the store's sets before it forks the kernels (`app.fork_parent`),
    so a page finds them built. Keyed by the text itself: a set changed in the store is built anew."""
    return load_dict(json.loads(document), label, checked=True)


def _text(value: Any) -> str:
    """A table cell as text: "" for an empty one (pandas gives NaN)."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _enrolled(period: str, *columns: Any) -> sa.Select:
    """`columns` of the units that take part in `period`, in id order."""
    return (
        sa.select(*columns)
        .join(period_units, period_units.c.unit == units.c.id)
        .where(period_units.c.period == period)
        .order_by(units.c.id)
    )
