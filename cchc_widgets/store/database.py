"""The store: the single source of truth for periods, units, criteria sets and scores.

SQLAlchemy Core over any database URL (SQLite by default, in WAL mode so a reader never
blocks the autosaving form; PostgreSQL with the same code). Each period keeps the exact
criteria set it was scored with, so an old year rescores the same. Every write is one
transaction, every changed score bumps its version and leaves an append-only log row.
Scores are checked by the engine against the period's criteria set before anything is
written: a bad batch writes nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cchc_widgets.core import engine as eng
from cchc_widgets.core import survey
from cchc_widgets.core.criteria import CriteriaSet, load_dict
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.rules import NA, is_blank
from cchc_widgets.files import evidence as ev
from cchc_widgets.store.config import data_dir, database_url

metadata = sa.MetaData()

criteria_sets = sa.Table(
    "criteria_sets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("set_id", sa.String(200), nullable=False),
    sa.Column("version", sa.String(100), nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False, unique=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
periods = sa.Table(
    "periods",
    metadata,
    sa.Column("id", sa.String(50), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("criteria_set", sa.Integer, sa.ForeignKey("criteria_sets.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(100), nullable=False, server_default=""),
)
period_units = sa.Table(
    "period_units",
    metadata,
    sa.Column("period", sa.String(50), sa.ForeignKey("periods.id"), primary_key=True),
    sa.Column("unit", sa.String(100), sa.ForeignKey("units.id"), primary_key=True),
)
scores = sa.Table(
    "scores",
    metadata,
    sa.Column("period", sa.String(50), primary_key=True),
    sa.Column("unit", sa.String(100), primary_key=True),
    sa.Column("code", sa.String(100), primary_key=True),
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("value", sa.Text),  # the declared value as JSON; NULL when points were given directly
    sa.Column("points", sa.Float),
    sa.Column("na", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["period", "unit"], ["period_units.period", "period_units.unit"]),
)
score_log = sa.Table(
    "score_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(50), nullable=False),
    sa.Column("unit", sa.String(100), nullable=False),
    sa.Column("code", sa.String(100), nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("old_points", sa.Float),
    sa.Column("new_points", sa.Float),
    sa.Column("old_na", sa.Boolean),
    sa.Column("new_na", sa.Boolean),
    sa.Column("old_note", sa.Text),
    sa.Column("new_note", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_score_log_unit", score_log.c.period, score_log.c.unit)
evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(50), nullable=False),
    sa.Column("unit", sa.String(100), nullable=False),
    sa.Column("code", sa.String(100), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),  # as the uploader named it
    sa.Column("stored", sa.String(400), nullable=False),  # path relative to the evidence directory
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("removed_at", sa.DateTime(timezone=True)),
    sa.Column("removed_by", sa.String(200)),
)
sa.Index("ix_evidence_unit", evidence.c.period, evidence.c.unit)
survey_responses = sa.Table(
    "survey_responses",
    metadata,
    sa.Column("period", sa.String(50), primary_key=True),
    sa.Column("unit", sa.String(100), primary_key=True),
    sa.Column("respondent", sa.String(100), primary_key=True),
    sa.Column("item", sa.String(100), primary_key=True),
    sa.Column("group", sa.String(200), nullable=False),
    sa.Column("answer", sa.String(20), nullable=False),
    sa.Column("source", sa.String(300), nullable=False, server_default=""),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("author", sa.String(200), nullable=False, server_default=""),
    sa.Column("document", sa.Text, nullable=False),  # every parameter, as the scenario's YAML/JSON form
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

SCORE_COLUMNS = ["period", "unit", "code", "stage", "value", "points", "na", "note", "author", "updated_at", "version"]


def _now() -> datetime:
    return datetime.now(UTC)


def _dump_value(value: Any) -> str | None:
    if is_blank(value):
        return None
    if value is NA:
        return json.dumps("N/A")
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return json.dumps(value, ensure_ascii=False)


def _load_value(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _same_points(a: float | None, b: float | None) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else b
    return a == b if a is None or b is None else abs(a - b) <= 1e-9


@dataclass(frozen=True)
class SaveReport:
    inserted: int
    updated: int
    unchanged: int


class ConflictError(ProblemsError):
    """Someone else saved the same score since it was read; nothing was written."""


class Store:
    """A database of periods, units and scores; open with a URL (see `config.database_url`)."""

    def __init__(self, url: str | None = None, evidence_dir: str | Path | None = None) -> None:
        self.url = database_url(url)
        self.evidence_dir = Path(evidence_dir) if evidence_dir is not None else data_dir() / "evidence"
        self._criteria_cache: dict[str, CriteriaSet] = {}
        self.engine: Engine = _make_engine(self.url)
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

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
        with self.engine.begin() as conn:
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
                                self.url,
                                f"kỳ '{period}' đã có điểm chấm theo bộ tiêu chí khác; không đổi bộ tiêu chí của kỳ đã chấm",
                            )
                        ]
                    )
                conn.execute(periods.update().where(periods.c.id == period).values(criteria_set=set_row, name=name))
            elif current["name"] != name:
                conn.execute(periods.update().where(periods.c.id == period).values(name=name))

    def criteria_for(self, period: str) -> CriteriaSet:
        """The criteria set a period is scored with (read once per store: it is immutable)."""
        if period in self._criteria_cache:
            return self._criteria_cache[period]
        with self.engine.connect() as conn:
            document = conn.execute(
                sa.select(criteria_sets.c.document)
                .join(periods, periods.c.criteria_set == criteria_sets.c.id)
                .where(periods.c.id == period)
            ).scalar()
        if document is None:
            raise ProblemsError([Problem(self.url, f"không có kỳ đánh giá '{period}'")])
        cs = self._criteria_cache[period] = load_dict(json.loads(document), f"bộ tiêu chí của kỳ {period}")
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
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=["id", "name", "criteria_set", "criteria_version"])

    # ------------------------------------------------------------ units

    def add_units(self, frame: pd.DataFrame, period: str | None = None) -> None:
        """Insert or rename units (columns id, name, optional kind); enrol them in `period`."""
        with self.engine.begin() as conn:
            existing = {r.id: r for r in conn.execute(sa.select(units))}
            for rec in frame.to_dict("records"):
                row = {"id": str(rec["id"]), "name": str(rec["name"]), "kind": str(rec.get("kind") or "")}
                old = existing.get(row["id"])
                if old is None:
                    conn.execute(units.insert().values(**row))
                elif (old.name, old.kind) != (row["name"], row["kind"]):
                    conn.execute(units.update().where(units.c.id == row["id"]).values(name=row["name"], kind=row["kind"]))
            if period is not None:
                enrolled = set(conn.execute(sa.select(period_units.c.unit).where(period_units.c.period == period)).scalars())
                for unit_id in frame["id"].astype(str):
                    if unit_id not in enrolled:
                        conn.execute(period_units.insert().values(period=period, unit=unit_id))

    def units(self, period: str | None = None) -> pd.DataFrame:
        query = sa.select(units.c.id, units.c.name, units.c.kind).order_by(units.c.id)
        if period is not None:
            query = query.join(period_units, period_units.c.unit == units.c.id).where(period_units.c.period == period)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=["id", "name", "kind"])

    def unit_names(self, period: str) -> dict[str, str]:
        """Unit id → name for the units of a period: how every table and sheet labels a unit."""
        frame = self.units(period)
        return dict(zip(frame["id"], frame["name"], strict=True))

    # ------------------------------------------------------------ scores

    def scores(self, period: str | None = None, unit: str | None = None, stage: str | None = None) -> pd.DataFrame:
        """Stored scores as the engine's long frame (plus author, updated_at, version)."""
        query = sa.select(scores).order_by(scores.c.period, scores.c.unit, scores.c.stage, scores.c.code)
        for column, wanted in (("period", period), ("unit", unit), ("stage", stage)):
            if wanted is not None:
                query = query.where(scores.c[column] == wanted)
        with self.engine.connect() as conn:
            records = [{**row, "value": _load_value(row["value"])} for row in conn.execute(query).mappings()]
        frame = pd.DataFrame(records, columns=SCORE_COLUMNS)
        frame["value"] = pd.Series([r["value"] for r in records], index=frame.index, dtype=object)
        frame["points"] = frame["points"].astype(float)
        frame["na"] = frame["na"].astype(bool)
        return frame

    def save_scores(
        self,
        period: str,
        rows: pd.DataFrame,
        author: str,
        action: str = "save",
        expected_versions: dict[tuple[str, str, str], int] | None = None,
    ) -> SaveReport:
        """Check and write leaf scores of one period in one transaction.

        `rows` is the engine's long frame (unit, code, stage, and points, value or na; note
        optional). Rows are checked against the period's criteria set and enrolled units;
        any problem (or, with `expected_versions`, a score changed by someone else since it
        was read) raises and writes nothing. Unchanged rows are left alone and not logged.
        """
        if not author or not str(author).strip():
            raise ProblemsError([Problem(self.url, "thiếu tên người chấm (author)")])
        cs = self.criteria_for(period)
        frame = rows.copy().reset_index(drop=True)
        frame["period"] = period
        note_only = _note_only(frame)
        resolved = eng.resolve(frame[~note_only], cs, file=f"kỳ {period}")
        notes = _note_rows(frame[note_only], cs, period, self.url)
        resolved = pd.concat([resolved, notes], ignore_index=True) if len(notes) else resolved
        enrolled = set(self.units(period)["id"])
        unknown = sorted(set(resolved["unit"]) - enrolled)
        if unknown:
            raise ProblemsError([Problem(self.url, f"đơn vị '{u}' không tham gia kỳ '{period}'") for u in unknown])
        now = _now()
        inserted = updated = unchanged = 0
        with self.engine.begin() as conn:
            current = {
                (r.unit, r.code, r.stage): r
                for r in conn.execute(
                    sa.select(scores).where(scores.c.period == period).where(scores.c.unit.in_(sorted(set(resolved["unit"]))))
                )
            }
            conflicts = []
            for rec in resolved.to_dict("records"):
                key = (rec["unit"], rec["code"], rec["stage"])
                old = current.get(key)
                new = {
                    "value": _dump_value(rec["value"]),
                    "points": None if rec["na"] or pd.isna(rec["points"]) else float(rec["points"]),
                    "na": bool(rec["na"]),
                    "note": rec["note"],
                }
                if expected_versions is not None and key in expected_versions:
                    have = 0 if old is None else old.version
                    if have != expected_versions[key]:
                        who = old.author if old else "?"
                        message = f"điểm của đơn vị '{key[0]}' đã được {who} sửa (phiên bản {have}); hãy tải lại"
                        conflicts.append(Problem(self.url, message, key[1]))
                        continue
                if (
                    old is not None
                    and (old.value, old.na, old.note) == (new["value"], new["na"], new["note"])
                    and _same_points(old.points, new["points"])
                ):
                    unchanged += 1
                    continue
                version = 1 if old is None else old.version + 1
                values = {**new, "author": author, "updated_at": now, "version": version}
                if old is None:
                    conn.execute(scores.insert().values(period=period, unit=key[0], code=key[1], stage=key[2], **values))
                    inserted += 1
                else:
                    conn.execute(
                        scores.update()
                        .where(scores.c.period == period)
                        .where(scores.c.unit == key[0])
                        .where(scores.c.code == key[1])
                        .where(scores.c.stage == key[2])
                        .values(**values)
                    )
                    updated += 1
                conn.execute(
                    score_log.insert().values(
                        period=period,
                        unit=key[0],
                        code=key[1],
                        stage=key[2],
                        old_value=old.value if old else None,
                        new_value=new["value"],
                        old_points=old.points if old else None,
                        new_points=new["points"],
                        old_na=old.na if old else None,
                        new_na=new["na"],
                        old_note=old.note if old else None,
                        new_note=new["note"],
                        version=version,
                        author=author,
                        action=action,
                        at=now,
                    )
                )
            if conflicts:
                raise ConflictError(conflicts)  # leaving the block rolls the transaction back
        return SaveReport(inserted, updated, unchanged)

    def clear_scores(self, period: str, keys: list[tuple[str, str, str]], author: str) -> int:
        """Remove scores (unit, code, stage) a person withdrew; logged like any change."""
        now, removed = _now(), 0
        with self.engine.begin() as conn:
            for unit, code, stage in keys:
                where = sa.and_(scores.c.period == period, scores.c.unit == unit, scores.c.code == code, scores.c.stage == stage)
                old = conn.execute(sa.select(scores).where(where)).first()
                if old is None:
                    continue
                conn.execute(scores.delete().where(where))
                conn.execute(
                    score_log.insert().values(
                        period=period,
                        unit=unit,
                        code=code,
                        stage=stage,
                        old_value=old.value,
                        old_points=old.points,
                        old_na=old.na,
                        old_note=old.note,
                        version=old.version + 1,
                        author=author,
                        action="clear",
                        at=now,
                    )
                )
                removed += 1
        return removed

    # ------------------------------------------------------------ survey responses

    def save_survey(self, period: str, responses: pd.DataFrame, author: str, source: str = "") -> SaveReport:
        """Store checked responses (`survey.read_responses`) in one transaction.

        A response is keyed by unit · respondent · item: importing a corrected file again
        replaces the answers it changes and leaves the others; each change is logged with
        stage `survey` (old and new value "respondent: answer").
        """
        if not author or not str(author).strip():
            raise ProblemsError([Problem(self.url, "thiếu tên người nhập (author)")])
        enrolled = set(self.units(period)["id"])
        unknown = sorted(set(responses["unit"]) - enrolled)
        if unknown:
            raise ProblemsError([Problem(self.url, f"đơn vị '{u}' không tham gia kỳ '{period}'") for u in unknown])
        now = _now()
        inserted, updated, logs = [], [], []
        with self.engine.begin() as conn:
            current = {
                (r.unit, r.respondent, r.item): r
                for r in conn.execute(sa.select(survey_responses).where(survey_responses.c.period == period))
            }
            for rec in responses.to_dict("records"):
                key = (rec["unit"], rec["respondent"], rec["item"])
                old = current.get(key)
                if old is not None and (old.answer, old.group) == (rec["answer"], rec["group"]):
                    continue
                row = {**rec, "period": period, "source": source, "author": author, "updated_at": now}
                (inserted if old is None else updated).append(row)
                logs.append(
                    {
                        "period": period,
                        "unit": rec["unit"],
                        "code": rec["item"],
                        "stage": eng.SURVEY,
                        "old_value": f"{old.respondent}: {old.answer}" if old is not None else None,
                        "new_value": f"{rec['respondent']}: {rec['answer']}",
                        "version": 1 if old is None else 2,
                        "author": author,
                        "action": f"survey:{source}"[:50],
                        "at": now,
                    }
                )
            if inserted:
                conn.execute(survey_responses.insert(), inserted)
            for row in updated:
                conn.execute(
                    survey_responses.update()
                    .where(survey_responses.c.period == period)
                    .where(survey_responses.c.unit == row["unit"])
                    .where(survey_responses.c.respondent == row["respondent"])
                    .where(survey_responses.c.item == row["item"])
                    .values(group=row["group"], answer=row["answer"], source=source, author=author, updated_at=now)
                )
            if logs:
                conn.execute(score_log.insert(), logs)
        return SaveReport(len(inserted), len(updated), len(responses) - len(inserted) - len(updated))

    def survey_responses(self, period: str, unit: str | None = None) -> pd.DataFrame:
        query = sa.select(survey_responses).where(survey_responses.c.period == period)
        if unit is not None:
            query = query.where(survey_responses.c.unit == unit)
        query = query.order_by(survey_responses.c.unit, survey_responses.c.respondent, survey_responses.c.item)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in survey_responses.columns])

    def survey_points(self, period: str, unit: str | None = None) -> pd.DataFrame:
        """Survey points per unit · item (`survey.item_points`) from the stored responses."""
        return survey.item_points(self.survey_responses(period, unit), self.criteria_for(period))

    # ------------------------------------------------------------ evidence files

    def add_evidence(self, period: str, unit: str, code: str, filename: str, data: bytes, author: str) -> int:
        """Keep an uploaded file for one sub-criterion; raises `evidence.EvidenceError` when refused."""
        cs = self.criteria_for(period)
        if code not in cs.leaf_codes:
            raise ev.EvidenceError(f"mã '{code}' không phải tiêu chí chấm điểm của kỳ {period}")
        if unit not in set(self.units(period)["id"]):
            raise ev.EvidenceError(f"đơn vị '{unit}' không tham gia kỳ '{period}'")
        clean, content_type = ev.check(filename, data)
        relative = Path(_safe_part(period)) / _safe_part(unit) / _safe_part(code) / ev.stored_name(clean)
        target = self.evidence_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        try:
            with self.engine.begin() as conn:
                return conn.execute(
                    evidence.insert().values(
                        period=period,
                        unit=unit,
                        code=code,
                        filename=clean,
                        stored=relative.as_posix(),
                        size=len(data),
                        content_type=content_type,
                        author=author,
                        uploaded_at=_now(),
                    )
                ).inserted_primary_key[0]
        except Exception:
            target.unlink(missing_ok=True)
            raise

    def evidence(self, period: str, unit: str, code: str | None = None) -> pd.DataFrame:
        """Files kept (not removed) for a unit, oldest first."""
        query = (
            sa.select(
                evidence.c.id,
                evidence.c.code,
                evidence.c.filename,
                evidence.c.size,
                evidence.c.content_type,
                evidence.c.author,
                evidence.c.uploaded_at,
            )
            .where(evidence.c.period == period, evidence.c.unit == unit, evidence.c.removed_at.is_(None))
            .order_by(evidence.c.id)
        )
        if code is not None:
            query = query.where(evidence.c.code == code)
        columns = ["id", "code", "filename", "size", "content_type", "author", "uploaded_at"]
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=columns)

    def read_evidence(self, evidence_id: int) -> tuple[str, str, bytes]:
        """(file name, content type, bytes) of a kept file."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(evidence).where(evidence.c.id == evidence_id, evidence.c.removed_at.is_(None))).first()
        if row is None:
            raise ev.EvidenceError("tệp không còn trong kho")
        return row.filename, row.content_type, (self.evidence_dir / row.stored).read_bytes()

    def remove_evidence(self, evidence_id: int, author: str) -> None:
        """Withdraw a file from the unit's evidence; the file and its record stay for the audit."""
        with self.engine.begin() as conn:
            conn.execute(
                evidence.update()
                .where(evidence.c.id == evidence_id, evidence.c.removed_at.is_(None))
                .values(removed_at=_now(), removed_by=author)
            )

    # ------------------------------------------------------------ what-if scenarios

    def save_scenario(self, scenario: Any) -> None:
        """Keep a what-if scenario (a `whatif.Scenario`) under its name, replacing an older one."""
        values = {
            "description": scenario.description,
            "author": scenario.author,
            "document": json.dumps(scenario.to_dict(), ensure_ascii=False, sort_keys=True),
            "updated_at": _now(),
        }
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(scenarios.c.name).where(scenarios.c.name == scenario.name)).first()
            if exists:
                conn.execute(scenarios.update().where(scenarios.c.name == scenario.name).values(**values))
            else:
                conn.execute(scenarios.insert().values(name=scenario.name, **values))

    def scenarios(self) -> pd.DataFrame:
        query = sa.select(scenarios.c.name, scenarios.c.description, scenarios.c.author, scenarios.c.updated_at)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(scenarios.c.name)).mappings().all()
        return pd.DataFrame(rows, columns=["name", "description", "author", "updated_at"])

    def scenario(self, name: str) -> Any:
        from cchc_widgets.core.whatif import scenario_from_dict

        with self.engine.connect() as conn:
            document = conn.execute(sa.select(scenarios.c.document).where(scenarios.c.name == name)).scalar()
        if document is None:
            raise ProblemsError([Problem(self.url, f"không có kịch bản '{name}'")])
        return scenario_from_dict(json.loads(document), f"kịch bản '{name}'")

    def delete_scenario(self, name: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(scenarios.delete().where(scenarios.c.name == name)).rowcount == 0:
                raise ProblemsError([Problem(self.url, f"không có kịch bản '{name}'")])

    def change_log(self, period: str | None = None, unit: str | None = None) -> pd.DataFrame:
        query = sa.select(score_log).order_by(score_log.c.id)
        if period is not None:
            query = query.where(score_log.c.period == period)
        if unit is not None:
            query = query.where(score_log.c.unit == unit)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in score_log.columns])

    def resolved(self, period: str, unit: str | None = None) -> pd.DataFrame:
        """The period's scored rows (points or N/A) as the engine's resolved frame, with the
        survey points (stage `survey`, one row per unit · item) when there are responses.

        Every stored score was checked by `engine.resolve` against this period's criteria set
        when it was saved, so it is not re-scored here; note-only rows are left out.
        """
        return with_survey(scored_rows(self.scores(period=period, unit=unit)), self.survey_points(period, unit))

    def score_period(self, period: str) -> eng.Scored:
        """The engine's results for a period, from what is stored, with its own criteria set."""
        return eng.aggregate(self.resolved(period), self.criteria_for(period))


def scored_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """Stored rows that carry a score (points or N/A), as the engine's resolved frame: they were
    checked against the period's criteria set when saved, so they are aggregated as they are."""
    return scores[scores["points"].notna() | scores["na"]].reset_index(drop=True)


def with_survey(resolved: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """A resolved frame with survey points (`survey.item_points`) added as stage `survey` rows."""
    if points.empty:
        return resolved
    extra = points[["period", "unit", "code", "points"]].assign(stage=eng.SURVEY, value=None, na=False, note="")
    return pd.concat([resolved, extra], ignore_index=True)


def _note_only(frame: pd.DataFrame) -> pd.Series:
    """Rows that carry only a note (an explanation typed before any score): kept, not scored."""

    def column(name: str, default: Any) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(default, index=frame.index, dtype=object)

    blank_value = column("value", None).map(is_blank).astype(bool)
    no_points = pd.to_numeric(column("points", None), errors="coerce").isna()
    not_na = ~column("na", False).fillna(False).astype(bool)
    has_note = column("note", "").fillna("").astype(str).str.strip() != ""
    return blank_value & no_points & not_na & has_note


def _note_rows(frame: pd.DataFrame, cs: CriteriaSet, period: str, where: str) -> pd.DataFrame:
    if frame.empty:  # note-only rows always have a note column; without rows there is nothing to do
        return frame
    problems = [
        Problem(where, f"mã '{code}' không phải tiêu chí chấm điểm của kỳ {period}", code)
        for code in frame["code"]
        if code not in cs.leaf_codes
    ]
    stages = frame["stage"] if "stage" in frame.columns else pd.Series("self", index=frame.index)
    problems += [Problem(where, f"giai đoạn '{s}' không có") for s in stages if s not in eng.STAGES]
    if problems:
        raise ProblemsError(problems)
    return pd.DataFrame(
        {
            "period": period,
            "unit": frame["unit"].astype(str),
            "code": frame["code"].astype(str),
            "stage": stages,
            "value": None,
            "points": float("nan"),
            "na": False,
            "note": frame["note"].astype(str),
        }
    )


def _safe_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in text) or "_"


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine
