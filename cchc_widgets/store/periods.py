"""Criteria sets, periods and units: what a year is scored with and who takes part."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cchc_widgets.core.criteria import CriteriaSet, load_dict
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.store.base import StoreBase, _now
from cchc_widgets.store.schema import criteria_sets, period_units, periods, scores, units


class Periods(StoreBase):
    """Periods, their criteria sets and the units enrolled in them."""

    # ------------------------------------------------------------ criteria sets and periods

    def _criteria_row(self, conn: sa.Connection, cs: CriteriaSet) -> int:
        found = conn.execute(sa.select(criteria_sets.c.id).where(criteria_sets.c.checksum == cs.checksum)).scalar()
        if found is not None:
            return found
        document = json.dumps(cs.to_dict(), ensure_ascii=False, sort_keys=True)
        return conn.execute(
            criteria_sets.insert().values(
                set_id=cs.id, version=cs.version, checksum=cs.checksum, document=document, created_at=_now()
            )
        ).inserted_primary_key[0]

    def add_period(self, period: str, name: str, cs: CriteriaSet) -> None:
        """Create a period scored with `cs`, or confirm an existing one. A period that holds
        scores keeps its criteria set: changing it would silently rescore a published year."""
        self._criteria_cache.pop(period, None)
        with self._writing() as conn:
            set_row = self._criteria_row(conn, cs)
            current = conn.execute(sa.select(periods).where(periods.c.id == period)).mappings().first()
            if current is None:
                conn.execute(periods.insert().values(id=period, name=name, criteria_set=set_row, created_at=_now()))
            elif current["criteria_set"] != set_row:
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
        self._criteria_cache[period] = cs  # what the period is now scored with (same checksum)

    def criteria_for(self, period: str) -> CriteriaSet:
        """The criteria set a period is scored with (read once per store: it is immutable)."""
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
        cs = self._criteria_cache[period] = load_dict(json.loads(document), f"bộ tiêu chí của kỳ {period}", checked=True)
        return cs

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
        """Insert or rename units (columns id, name, optional kind); enrol them in `period`,
        with their ranking group and whether they are ranked (optional columns group, ranked:
        checked by `services`; absent: one group, all ranked)."""
        with self._writing() as conn:
            existing = {r.id: r for r in conn.execute(sa.select(units))}
            for rec in frame.to_dict("records"):
                row = {"id": str(rec["id"]), "name": str(rec["name"]), "kind": str(rec.get("kind") or "")}
                old = existing.get(row["id"])
                if old is None:
                    conn.execute(units.insert().values(**row))
                elif (old.name, old.kind) != (row["name"], row["kind"]):
                    conn.execute(units.update().where(units.c.id == row["id"]).values(name=row["name"], kind=row["kind"]))
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

    def units(self, period: str | None = None) -> pd.DataFrame:
        """id, name, kind; for a period also its ranking group and whether it is ranked."""
        if period is None:
            query = sa.select(units.c.id, units.c.name, units.c.kind).order_by(units.c.id)
            columns = ["id", "name", "kind"]
        else:
            group = period_units.c.rank_group.label("group")
            query = _enrolled(period, units.c.id, units.c.name, units.c.kind, group, period_units.c.ranked)
            columns = ["id", "name", "kind", "group", "ranked"]
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


def _enrolled(period: str, *columns: Any) -> sa.Select:
    """`columns` of the units that take part in `period`, in id order."""
    return (
        sa.select(*columns)
        .join(period_units, period_units.c.unit == units.c.id)
        .where(period_units.c.period == period)
        .order_by(units.c.id)
    )
