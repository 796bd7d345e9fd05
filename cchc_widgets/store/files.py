"""Evidence files (kept on disk under generated names, a unit's quota checked in the
insert's transaction) and saved what-if scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cchc_widgets.core.errors import EvidenceError, Problem, ProblemsError
from cchc_widgets.store.base import StoreBase, _now
from cchc_widgets.store.schema import evidence, period_units, scenarios

EVIDENCE_COLUMNS = ["id", "code", "filename", "size", "content_type", "author", "uploaded_at"]


class EvidenceQuota(Exception):
    """A unit's evidence for a period would pass its quota; `used`: the bytes it keeps now."""

    def __init__(self, used: int) -> None:
        super().__init__(used)
        self.used = used


def _safe_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in text) or "_"


class Files(StoreBase):
    """Evidence files and what-if scenarios."""

    # ------------------------------------------------------------ evidence files

    def add_evidence(
        self,
        period: str,
        unit: str,
        code: str,
        filename: str,
        content_type: str,
        data: bytes,
        author: str,
        quota: int | None = None,
    ) -> int:
        """Keep a file (already checked by `services.writes`) under a generated name; returns its id.
        With `quota`: the bytes a unit may keep for the period (withdrawn files included: they
        stay on disk), checked in the same transaction as the insert, so uploads at the same
        moment cannot pass it together; over it, `EvidenceQuota` and nothing is written."""
        from cchc_widgets.files.evidence import stored_name

        relative = Path(_safe_part(period)) / _safe_part(unit) / _safe_part(code) / stored_name(filename)
        target = self.evidence_dir / relative
        try:
            with self._writing() as conn:
                if quota is not None:
                    mine = (period_units.c.period == period) & (period_units.c.unit == unit)
                    # on PostgreSQL one upload of a unit at a time (SQLite's BEGIN IMMEDIATE already queues writers)
                    conn.execute(sa.select(period_units.c.unit).where(mine).with_for_update())
                    kept = sa.select(sa.func.coalesce(sa.func.sum(evidence.c.size), 0))
                    used = conn.execute(kept.where(evidence.c.period == period, evidence.c.unit == unit)).scalar()
                    if used + len(data) > quota:
                        raise EvidenceQuota(used)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                return conn.execute(
                    evidence.insert().values(
                        period=period,
                        unit=unit,
                        code=code,
                        filename=filename,
                        stored=relative.as_posix(),
                        size=len(data),
                        content_type=content_type,
                        author=author,
                        uploaded_at=_now(),
                    )
                ).inserted_primary_key[0]
        except EvidenceQuota:
            raise
        except Exception:
            target.unlink(missing_ok=True)
            raise

    def evidence(self, period: str, unit: str, code: str | None = None) -> pd.DataFrame:
        """Files kept (not removed) for a unit, oldest first."""
        return pd.DataFrame(self.evidence_records(period, unit, code), columns=EVIDENCE_COLUMNS)

    def evidence_records(self, period: str, unit: str, code: str | None = None) -> list[dict[str, Any]]:
        """`evidence` as plain rows: what a page reads when it opens, without building a frame."""
        query = (
            sa.select(*(evidence.c[name] for name in EVIDENCE_COLUMNS))
            .where(evidence.c.period == period, evidence.c.unit == unit, evidence.c.removed_at.is_(None))
            .order_by(evidence.c.id)
        )
        if code is not None:
            query = query.where(evidence.c.code == code)
        with self._reading() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def read_evidence(self, evidence_id: int) -> tuple[str, str, bytes]:
        """(file name, content type, bytes) of a kept file."""
        with self._reading() as conn:
            row = conn.execute(sa.select(evidence).where(evidence.c.id == evidence_id, evidence.c.removed_at.is_(None))).first()
        if row is None:
            raise EvidenceError("tệp không còn trong kho")
        return row.filename, row.content_type, (self.evidence_dir / row.stored).read_bytes()

    def evidence_keys(self, period: str) -> set[tuple[str, str]]:
        """(unit, code) pairs of the period that have at least one kept file."""
        query = sa.select(evidence.c.unit, evidence.c.code).where(evidence.c.period == period, evidence.c.removed_at.is_(None))
        with self._reading() as conn:
            return {(r.unit, r.code) for r in conn.execute(query.distinct())}

    def evidence_history(self, period: str, unit: str | None = None) -> pd.DataFrame:
        """Every file ever kept for the period (removed ones too, with who removed them and
        when), oldest first: the change log's evidence rows."""
        columns = ["unit", "code", "filename", "size", "author", "uploaded_at", "removed_by", "removed_at"]
        query = sa.select(*(evidence.c[c] for c in columns)).where(evidence.c.period == period).order_by(evidence.c.id)
        if unit is not None:
            query = query.where(evidence.c.unit == unit)
        with self._reading() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=columns)

    def evidence_record(self, evidence_id: int) -> Any:
        """The kept (not removed) file's row (period, unit, code, filename …), or None."""
        with self._reading() as conn:
            return conn.execute(sa.select(evidence).where(evidence.c.id == evidence_id, evidence.c.removed_at.is_(None))).first()

    def remove_evidence(self, evidence_id: int, author: str) -> None:
        """Withdraw a file from the unit's evidence; the file and its record stay for the audit."""
        with self._writing() as conn:
            conn.execute(
                evidence.update()
                .where(evidence.c.id == evidence_id, evidence.c.removed_at.is_(None))
                .values(removed_at=_now(), removed_by=author)
            )

    # ------------------------------------------------------------ what-if scenarios

    def save_scenario(self, scenario: Any) -> None:
        """Keep a what-if scenario (a `whatif.Scenario`) under its name, replacing an older one;
        saved, it is a draft (not in the report) until marked again."""
        values = {
            "description": scenario.description,
            "author": scenario.author,
            "document": json.dumps(scenario.to_dict(), ensure_ascii=False, sort_keys=True),
            "updated_at": _now(),
            "for_report": False,
        }
        with self._writing() as conn:
            exists = conn.execute(sa.select(scenarios.c.name).where(scenarios.c.name == scenario.name)).first()
            if exists:
                conn.execute(scenarios.update().where(scenarios.c.name == scenario.name).values(**values))
            else:
                conn.execute(scenarios.insert().values(name=scenario.name, **values))

    def scenarios(self, for_report: bool = False) -> pd.DataFrame:
        """Saved scenarios by name (`for_report`: only those marked for the report)."""
        columns = ["name", "description", "author", "updated_at", "for_report"]
        query = sa.select(*(scenarios.c[c] for c in columns))
        if for_report:
            query = query.where(scenarios.c.for_report.is_(True))
        with self._reading() as conn:
            rows = conn.execute(query.order_by(scenarios.c.name)).mappings().all()
        return pd.DataFrame(rows, columns=columns).astype({"for_report": bool})

    def mark_scenario(self, name: str, for_report: bool) -> None:
        """Put a saved scenario in the report, or take it out (back to a draft)."""
        with self._writing() as conn:
            found = conn.execute(scenarios.update().where(scenarios.c.name == name).values(for_report=for_report))
            if found.rowcount == 0:
                raise ProblemsError([Problem(self.where, f"không có kịch bản '{name}'")])

    def scenario(self, name: str) -> Any:
        from cchc_widgets.core.whatif import scenario_from_dict

        with self._reading() as conn:
            document = conn.execute(sa.select(scenarios.c.document).where(scenarios.c.name == name)).scalar()
        if document is None:
            raise ProblemsError([Problem(self.where, f"không có kịch bản '{name}'")])
        return scenario_from_dict(json.loads(document), f"kịch bản '{name}'")

    def delete_scenario(self, name: str) -> None:
        with self._writing() as conn:
            if conn.execute(scenarios.delete().where(scenarios.c.name == name)).rowcount == 0:
                raise ProblemsError([Problem(self.where, f"không có kịch bản '{name}'")])
