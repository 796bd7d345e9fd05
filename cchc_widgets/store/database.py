"""The store: persistence of periods, units, criteria sets, scores, evidence, survey answers
and scenarios — and nothing else.

SQLAlchemy Core over any database URL (SQLite by default, in WAL mode so a reader never
blocks the autosaving form; PostgreSQL with the same code). Each period keeps the exact
criteria set it was scored with, so an old year rescores the same. What may be written is
decided by `services.writes`; here every write is one transaction, every score change is a
compare-and-set on the version the writer read (so of N writers holding one version exactly
one succeeds), bumps that version and leaves an append-only log row. SQLite write
transactions start with BEGIN IMMEDIATE so two writers queue instead of failing mid-way.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cchc_widgets.core import clock
from cchc_widgets.core.criteria import CriteriaSet, load_dict
from cchc_widgets.core.errors import EvidenceError, Problem, ProblemsError
from cchc_widgets.core.vocabulary import APPRAISAL, REPLY, SELF, SURVEY
from cchc_widgets.store.config import check_url, data_dir, database_url, opening, redacted

metadata = sa.MetaData()
MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")  # SQLite in memory: the widget kit's stores

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
    # how the unit is ranked that year: within its group (sở, huyện, xã …; "" = one group),
    # or not at all (scored and classed, no rank: bodies a decision keeps out of the ranking)
    sa.Column("rank_group", sa.String(200), nullable=False, server_default=""),
    sa.Column("ranked", sa.Boolean, nullable=False, server_default=sa.true()),
)
# columns added after a store may have been created: (table, column, SQL type and default)
ADDED_COLUMNS = (
    ("period_units", "rank_group", "VARCHAR(200) NOT NULL DEFAULT ''"),
    ("period_units", "ranked", "BOOLEAN NOT NULL DEFAULT TRUE"),
    ("scenarios", "for_report", "BOOLEAN NOT NULL DEFAULT FALSE"),
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
# a unit's log by stage, newest last: what `UNIT_STAMP` looks up (and a unit's whole log)
sa.Index("ix_score_log_stage", score_log.c.period, score_log.c.unit, score_log.c.stage, score_log.c.id)
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
    sa.Column("for_report", sa.Boolean, nullable=False, server_default=sa.false()),  # a draft until marked
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# ------------------------------------------------------------ people and the year's workflow
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("login", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(200)),  # NULL: signs in through a proxy or the hub only
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
assignments = sa.Table(  # the units an account works on: a unit officer's unit, an appraiser's units
    "assignments",
    metadata,
    sa.Column("login", sa.String(100), sa.ForeignKey("accounts.login", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit", sa.String(100), sa.ForeignKey("units.id"), primary_key=True),
)
sign_ins = sa.Table(  # open sign-in sessions, by the SHA-256 of the cookie's token (the token is never kept)
    "sign_ins",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("login", sa.String(100), sa.ForeignKey("accounts.login", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
stages = sa.Table(  # a period's stage as the administrator set it (no row at all: a period outside the workflow)
    "stages",
    metadata,
    sa.Column("period", sa.String(50), sa.ForeignKey("periods.id"), primary_key=True),
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),  # open | closed
    sa.Column("until", sa.Date),  # the last day it is open (inclusive, the province's time)
    sa.Column("changed_by", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)
submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("period", sa.String(50), primary_key=True),
    sa.Column("unit", sa.String(100), primary_key=True),
    sa.Column("submitted_by", sa.String(200), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["period", "unit"], ["period_units.period", "period_units.unit"]),
)
finals = sa.Table(
    "finals",
    metadata,
    sa.Column("period", sa.String(50), sa.ForeignKey("periods.id"), primary_key=True),
    sa.Column("checksum", sa.String(64), nullable=False),  # SHA-256 of the period's scores when frozen
    sa.Column("finalised_by", sa.String(200), nullable=False),
    sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=False),
)
replies = sa.Table(  # a unit's reply (giải trình) to the appraisal of one sub-criterion
    "replies",
    metadata,
    sa.Column("period", sa.String(50), primary_key=True),
    sa.Column("unit", sa.String(100), primary_key=True),
    sa.Column("code", sa.String(100), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["period", "unit"], ["period_units.period", "period_units.unit"]),
)
events = sa.Table(  # what is not a score change: stages, submissions, finalising, accounts, refusals
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("login", sa.String(200), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("period", sa.String(50)),
    sa.Column("unit", sa.String(100)),
    sa.Column("stage", sa.String(20)),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)
sa.Index("ix_events_period", events.c.period)
sa.Index("ix_events_action", events.c.period, events.c.action, events.c.id)  # a period's workflow events, not its refusals
# what `services.access` logs when a period's workflow changes: a page's `workflow` mark moves
# with these only (refusals are logged too, as many as anyone cares to try: never scanned)
WORKFLOW_ACTIONS = ("stage-open", "stage-closed", "submit", "reopen", "finalise")
SIGN_IN_ACTIONS = ("sign-in", "sign-in-failed", "sign-in-unlocked")  # what a sign-in lockout is counted from


def _stamp_query() -> sa.Select:
    """`Store.unit_stamp`'s one statement, built once: the newest log entry of each stage
    (each a look-up in `ix_score_log_stage`), the unit's files, the period's workflow."""
    period, unit = sa.bindparam("period"), sa.bindparam("unit")
    last = sa.func.max(score_log.c.id)

    def logged(stage: str) -> Any:
        where = sa.and_(score_log.c.period == period, score_log.c.unit == unit, score_log.c.stage == stage)
        return sa.select(last).where(where).scalar_subquery().label(stage)

    files = sa.and_(evidence.c.period == period, evidence.c.unit == unit)
    workflow = sa.and_(events.c.period == period, events.c.action.in_(WORKFLOW_ACTIONS))
    return sa.select(
        *(logged(stage) for stage in (SELF, APPRAISAL, REPLY, SURVEY)),
        sa.select(sa.func.max(evidence.c.id)).where(files).scalar_subquery().label("added"),
        sa.select(sa.func.count()).where(files, evidence.c.removed_at.is_not(None)).scalar_subquery().label("removed"),
        sa.select(sa.func.max(events.c.id)).where(workflow).scalar_subquery().label("workflow"),
    )


UNIT_STAMP = _stamp_query()

SCORE_COLUMNS = ["period", "unit", "code", "stage", "value", "points", "na", "note", "author", "updated_at", "version"]


def _now() -> datetime:
    """The store keeps UTC (SQLite drops the zone): the one clock's instant, converted."""
    return clock.now().astimezone(UTC)


def column_length(table: str, column: str) -> int | None:
    """The longest text a column holds (None: unbounded): the write path checks against it, so
    every backend refuses the same text with the same message (PostgreSQL would fail, SQLite not)."""
    return getattr(metadata.tables[table].c[column].type, "length", None)


def _aware(when: datetime) -> datetime:
    """A stored time with its zone (SQLite gives times back without one; they are UTC)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _dump_value(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return json.dumps(value, ensure_ascii=False)


def _load_value(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class ScoreWrite:
    """One checked change of one score, as `services.writes` decided it: new content (None to
    delete the row), the version it was read at (0: not there) and the row as read (for the log)."""

    unit: str
    code: str
    stage: str
    new: dict[str, Any] | None  # value (canonical, JSON-able), points, na, note
    expected: int
    old: Any = None


class EvidenceQuota(Exception):
    """A unit's evidence for a period would pass its quota; `used`: the bytes it keeps now."""

    def __init__(self, used: int) -> None:
        super().__init__(used)
        self.used = used


class VersionConflict(Exception):
    """A compare-and-set found another version: someone wrote in between. Rolled back."""

    def __init__(self, unit: str, code: str, stage: str) -> None:
        super().__init__(f"{unit}/{code}/{stage}")
        self.key = (unit, code, stage)


@dataclass(frozen=True)
class SaveReport:
    inserted: int
    updated: int
    unchanged: int
    cleared: int = 0


class Store:
    """A database of periods, units and scores; open with a URL (see `config.database_url`)."""

    def __init__(self, url: str | None = None, evidence_dir: str | Path | None = None) -> None:
        self.url = database_url(url)
        self.where = redacted(self.url)  # how messages name the store: never with its password
        self.evidence_dir = Path(evidence_dir) if evidence_dir is not None else data_dir() / "evidence"
        self._criteria_cache: dict[str, CriteriaSet] = {}
        if self.url in MEMORY_URLS:
            self.engine: Engine = _make_engine(self.url)
            _copy_schema(self.engine)
            return
        check_url(self.url)
        with opening(self.url):
            self.engine = _make_engine(self.url)
            metadata.create_all(self.engine)
            _upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def _writing(self) -> Any:
        """A write transaction (BEGIN IMMEDIATE on SQLite: writers queue for the lock up front)."""
        return self.engine.execution_options(cchc_write=True).begin()

    def secret(self, name: str) -> str:
        """A random key kept in the store (made on first use), e.g. to sign templates' metadata.
        Never shown: only code that signs or checks reads it."""
        import secrets

        with self.engine.connect() as conn:
            value = conn.execute(sa.select(settings.c.value).where(settings.c.name == name)).scalar()
        if value is not None:
            return value
        try:
            with self._writing() as conn:
                conn.execute(settings.insert().values(name=name, value=secrets.token_hex(32)))
        except sa.exc.IntegrityError:
            pass  # made by another process meanwhile: use theirs
        with self.engine.connect() as conn:
            return conn.execute(sa.select(settings.c.value).where(settings.c.name == name)).scalar()

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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=columns)
        if period is not None:
            frame["ranked"] = frame["ranked"].astype(bool)
        return frame

    def unit_names(self, period: str) -> dict[str, str]:
        """Unit id → name for the units of a period: how every table and sheet labels a unit.
        Read straight into a dict: every write asks for it."""
        with self.engine.connect() as conn:
            return dict(conn.execute(_enrolled(period, units.c.id, units.c.name)).all())

    # ------------------------------------------------------------ scores

    def scores(
        self, period: str | None = None, unit: str | None = None, stage: str | None = None, codes: set[str] | None = None
    ) -> pd.DataFrame:
        """Stored scores as the engine's long frame (plus author, updated_at, version);
        `codes` keeps those criteria only (a form's edit reads its own row, not the unit's 140)."""
        query = sa.select(scores).order_by(scores.c.period, scores.c.unit, scores.c.stage, scores.c.code)
        for column, wanted in (("period", period), ("unit", unit), ("stage", stage)):
            if wanted is not None:
                query = query.where(scores.c[column] == wanted)
        if codes is not None:
            query = query.where(scores.c.code.in_(sorted(codes)))
        with self.engine.connect() as conn:
            records = [{**row, "value": _load_value(row["value"])} for row in conn.execute(query).mappings()]
        frame = pd.DataFrame(records, columns=SCORE_COLUMNS)
        frame["value"] = pd.Series([r["value"] for r in records], index=frame.index, dtype=object)
        frame["points"] = frame["points"].astype(float)
        frame["na"] = frame["na"].astype(bool)
        return frame

    def write_scores(self, period: str, writes: list[ScoreWrite], author: str, action: str) -> None:
        """Apply checked changes in one transaction, each a compare-and-set on its version.

        Raises `VersionConflict` (and writes nothing) when any row is no longer at the version
        it was read at; an insert of a row someone else created meanwhile is such a conflict.
        """
        now = _now()
        with self._writing() as conn:
            logs, inserts = [], []
            for w in writes:
                version = w.expected + 1
                values = (
                    None
                    if w.new is None
                    else {**w.new, "value": _dump_value(w.new["value"]), "author": author, "updated_at": now}
                )
                if values is not None and w.expected == 0:  # all inserts go in one statement, below
                    inserts.append(
                        (w, {"period": period, "unit": w.unit, "code": w.code, "stage": w.stage, "version": 1, **values})
                    )
                else:
                    where = sa.and_(
                        scores.c.period == period,
                        scores.c.unit == w.unit,
                        scores.c.code == w.code,
                        scores.c.stage == w.stage,
                        scores.c.version == w.expected,
                    )
                    change = scores.delete() if values is None else scores.update().values(version=version, **values)
                    if conn.execute(change.where(where)).rowcount != 1:
                        raise VersionConflict(w.unit, w.code, w.stage)  # leaving the block rolls everything back
                old, new = w.old, w.new or {}
                logs.append(
                    {
                        "period": period,
                        "unit": w.unit,
                        "code": w.code,
                        "stage": w.stage,
                        "old_value": _dump_value(old.value) if old is not None else None,
                        "new_value": _dump_value(new.get("value")),
                        "old_points": old.points if old is not None else None,
                        "new_points": new.get("points"),
                        "old_na": old.na if old is not None else None,
                        "new_na": new.get("na"),
                        "old_note": old.note if old is not None else None,
                        "new_note": new.get("note"),
                        "version": version,
                        "author": author,
                        "action": ("clear" if w.new is None else action)[:50],
                        "at": now,
                    }
                )
            if inserts:
                _insert_new(conn, inserts)
            if logs:
                conn.execute(score_log.insert(), logs)

    # ------------------------------------------------------------ survey responses

    def save_survey(self, period: str, responses: pd.DataFrame, author: str, source: str = "") -> SaveReport:
        """Store checked responses (`survey.read_responses`) in one transaction.

        A response is keyed by unit · respondent · item: importing a corrected file again
        replaces the answers it changes and leaves the others; each change is logged with
        stage `survey` (old and new value "respondent: answer").
        """
        now = _now()
        inserted, updated, logs = [], [], []
        with self._writing() as conn:
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
                        "stage": SURVEY,
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
            raise EvidenceError("tệp không còn trong kho")
        return row.filename, row.content_type, (self.evidence_dir / row.stored).read_bytes()

    def evidence_keys(self, period: str) -> set[tuple[str, str]]:
        """(unit, code) pairs of the period that have at least one kept file."""
        query = sa.select(evidence.c.unit, evidence.c.code).where(evidence.c.period == period, evidence.c.removed_at.is_(None))
        with self.engine.connect() as conn:
            return {(r.unit, r.code) for r in conn.execute(query.distinct())}

    def evidence_history(self, period: str, unit: str | None = None) -> pd.DataFrame:
        """Every file ever kept for the period (removed ones too, with who removed them and
        when), oldest first: the change log's evidence rows."""
        columns = ["unit", "code", "filename", "size", "author", "uploaded_at", "removed_by", "removed_at"]
        query = sa.select(*(evidence.c[c] for c in columns)).where(evidence.c.period == period).order_by(evidence.c.id)
        if unit is not None:
            query = query.where(evidence.c.unit == unit)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=columns)

    def evidence_record(self, evidence_id: int) -> Any:
        """The kept (not removed) file's row (period, unit, code, filename …), or None."""
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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

        with self.engine.connect() as conn:
            document = conn.execute(sa.select(scenarios.c.document).where(scenarios.c.name == name)).scalar()
        if document is None:
            raise ProblemsError([Problem(self.where, f"không có kịch bản '{name}'")])
        return scenario_from_dict(json.loads(document), f"kịch bản '{name}'")

    def delete_scenario(self, name: str) -> None:
        with self._writing() as conn:
            if conn.execute(scenarios.delete().where(scenarios.c.name == name)).rowcount == 0:
                raise ProblemsError([Problem(self.where, f"không có kịch bản '{name}'")])

    def authors(self) -> set[str]:
        """Everyone who has written a score, a survey answer or a file (from the change log)."""
        with self.engine.connect() as conn:
            found = set(conn.execute(sa.select(score_log.c.author).distinct()).scalars())
            found |= set(conn.execute(sa.select(evidence.c.author).distinct()).scalars())
        return found

    # ------------------------------------------------------------ accounts and sign-ins

    def put_account(self, login: str, name: str, role: str, units: list[str], password_hash: str | None) -> None:
        """Create or replace an account and its units (`password_hash` None keeps the old one)."""
        with self._writing() as conn:
            old = conn.execute(sa.select(accounts).where(accounts.c.login == login)).mappings().first()
            values = {"name": name, "role": role}
            if password_hash is not None:
                values["password_hash"] = password_hash
            if old is None:
                conn.execute(accounts.insert().values(login=login, created_at=_now(), **values))
            else:
                conn.execute(accounts.update().where(accounts.c.login == login).values(**values))
            conn.execute(assignments.delete().where(assignments.c.login == login))
            if units:
                conn.execute(assignments.insert(), [{"login": login, "unit": unit} for unit in units])

    def remove_account(self, login: str) -> bool:
        """Delete an account, its units and its sign-ins; False when there was none."""
        with self._writing() as conn:
            conn.execute(sign_ins.delete().where(sign_ins.c.login == login))
            conn.execute(assignments.delete().where(assignments.c.login == login))
            return conn.execute(accounts.delete().where(accounts.c.login == login)).rowcount == 1

    def account(self, login: str) -> dict[str, Any] | None:
        """login, name, role, password_hash and units of one account, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.login == login)).mappings().first()
            if row is None:
                return None
            units_of = conn.execute(
                sa.select(assignments.c.unit).where(assignments.c.login == login).order_by(assignments.c.unit)
            )
            return {**row, "units": list(units_of.scalars())}

    def accounts(self) -> pd.DataFrame:
        """Every account (without password hashes) with its units joined by commas."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(accounts.c.login, accounts.c.name, accounts.c.role).order_by(accounts.c.login)).all()
            pairs = conn.execute(sa.select(assignments).order_by(assignments.c.unit)).all()
        units_of: dict[str, list[str]] = {}
        for pair in pairs:
            units_of.setdefault(pair.login, []).append(pair.unit)
        records = [{"login": r.login, "name": r.name, "role": r.role, "units": ",".join(units_of.get(r.login, []))} for r in rows]
        return pd.DataFrame(records, columns=["login", "name", "role", "units"])

    def add_sign_in(self, token_hash: str, login: str, expires_at: datetime) -> None:
        with self._writing() as conn:
            conn.execute(sign_ins.delete().where(sign_ins.c.expires_at < _now()))  # expired ones go as new ones come
            expires_at = expires_at.astimezone(UTC)  # SQLite keeps the wall time and drops the zone: store UTC
            conn.execute(sign_ins.insert().values(token_hash=token_hash, login=login, created_at=_now(), expires_at=expires_at))

    def sign_in_login(self, token_hash: str) -> str | None:
        """The account of an open, unexpired sign-in."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sign_ins).where(sign_ins.c.token_hash == token_hash)).first()
        if row is None or _aware(row.expires_at) <= _now():
            return None
        return row.login

    def end_sign_in(self, token_hash: str) -> None:
        with self._writing() as conn:
            conn.execute(sign_ins.delete().where(sign_ins.c.token_hash == token_hash))

    # ------------------------------------------------------------ stages, submissions, finalising

    def set_stage(self, period: str, stage: str, state: str, until: Any, by: str) -> None:
        with self._writing() as conn:
            values = {"state": state, "until": until, "changed_by": by, "changed_at": _now()}
            where = sa.and_(stages.c.period == period, stages.c.stage == stage)
            if conn.execute(stages.update().where(where).values(**values)).rowcount == 0:
                conn.execute(stages.insert().values(period=period, stage=stage, **values))

    def stages(self, period: str) -> dict[str, dict[str, Any]]:
        """stage → {state, until, changed_by, changed_at} as set for the period (empty: never set)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(stages).where(stages.c.period == period)).mappings().all()
        return {r["stage"]: dict(r) for r in rows}

    def set_submitted(self, period: str, unit: str, by: str | None) -> bool:
        """Record (by a login) or withdraw (None) a unit's submission; False when already so."""
        with self._writing() as conn:
            where = sa.and_(submissions.c.period == period, submissions.c.unit == unit)
            if by is None:
                return conn.execute(submissions.delete().where(where)).rowcount == 1
            if conn.execute(sa.select(submissions.c.unit).where(where)).first() is not None:
                return False
            conn.execute(submissions.insert().values(period=period, unit=unit, submitted_by=by, submitted_at=_now()))
            return True

    def submissions(self, period: str) -> dict[str, dict[str, Any]]:
        """unit → {submitted_by, submitted_at} for the units that submitted their self-assessment."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(submissions).where(submissions.c.period == period)).mappings().all()
        return {r["unit"]: dict(r) for r in rows}

    def set_final(self, period: str, checksum: str | None, by: str) -> None:
        """Freeze a period with its scores' checksum, or (checksum None) unfreeze it."""
        with self._writing() as conn:
            conn.execute(finals.delete().where(finals.c.period == period))
            if checksum is not None:
                conn.execute(finals.insert().values(period=period, checksum=checksum, finalised_by=by, finalised_at=_now()))

    def final(self, period: str) -> dict[str, Any] | None:
        """{checksum, finalised_by, finalised_at} of a frozen period, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(finals).where(finals.c.period == period)).mappings().first()
        return None if row is None else dict(row)

    def put_reply(self, period: str, unit: str, code: str, text: str, author: str) -> None:
        """Keep (or, with empty text, withdraw) a unit's reply to one appraisal; logged like a
        score change (stage `reply`, the text as the note)."""
        now = _now()
        with self._writing() as conn:
            where = sa.and_(replies.c.period == period, replies.c.unit == unit, replies.c.code == code)
            old = conn.execute(sa.select(replies.c.text).where(where)).scalar()
            if (old or "") == text:
                return
            if not text:
                conn.execute(replies.delete().where(where))
            elif old is None:
                new = {"period": period, "unit": unit, "code": code, "text": text, "author": author, "updated_at": now}
                conn.execute(replies.insert().values(**new))
            else:
                conn.execute(replies.update().where(where).values(text=text, author=author, updated_at=now))
            log = {"period": period, "unit": unit, "code": code, "stage": REPLY, "old_note": old, "new_note": text or None}
            action = "clear" if not text else "reply"
            conn.execute(score_log.insert().values(**log, version=0, author=author, action=action, at=now))

    def replies(self, period: str, unit: str | None = None) -> pd.DataFrame:
        query = sa.select(replies).where(replies.c.period == period).order_by(replies.c.unit, replies.c.code)
        if unit is not None:
            query = query.where(replies.c.unit == unit)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in replies.columns])

    def log_event(
        self,
        login: str,
        action: str,
        period: str | None = None,
        unit: str | None = None,
        stage: str | None = None,
        detail: str = "",
    ) -> None:
        with self._writing() as conn:
            conn.execute(
                events.insert().values(
                    at=_now(), login=login[:200], action=action[:50], period=period, unit=unit, stage=stage, detail=detail
                )
            )

    def sign_in_attempts(self, login: str, since: datetime) -> list[tuple[datetime, str, str]]:
        """(time, action, detail) of `login`'s sign-ins, failures and unlockings since `since`,
        oldest first: what a lockout is decided by (events of no period: the action index)."""
        query = (
            sa.select(events.c.at, events.c.action, events.c.detail)
            .where(events.c.period.is_(None), events.c.action.in_(SIGN_IN_ACTIONS), events.c.login == login)
            .where(events.c.at >= since.astimezone(UTC))
            .order_by(events.c.id)
        )
        with self.engine.connect() as conn:
            return [(_aware(r.at), r.action, r.detail or "") for r in conn.execute(query)]

    def events(self, period: str | None = None) -> pd.DataFrame:
        """Workflow events of a period, with those of no period (accounts, sign-ins) among them."""
        query = sa.select(events).order_by(events.c.id)
        if period is not None:
            query = query.where(sa.or_(events.c.period == period, events.c.period.is_(None)))
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in events.columns])

    def unit_stamp(self, period: str, unit: str) -> dict[str, Any]:
        """Marks that change whenever something an open page of the unit shows changes, one per
        part it reads: the scores of each stage, `reply` and `survey` (all from the change
        log), `evidence` (a file added or removed) and `workflow` (an event of the period).
        One query of index look-ups (`UNIT_STAMP`), so every open page can ask every few
        seconds, however long the unit's log grows, and re-read only the parts that moved."""
        with self.engine.connect() as conn:
            row = conn.execute(UNIT_STAMP, {"period": period, "unit": unit}).one()._asdict()
        row["evidence"] = (row.pop("added"), row.pop("removed"))
        return row

    def change_log(self, period: str | None = None, unit: str | None = None) -> pd.DataFrame:
        query = sa.select(score_log).order_by(score_log.c.id)
        if period is not None:
            query = query.where(score_log.c.period == period)
        if unit is not None:
            query = query.where(score_log.c.unit == unit)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in score_log.columns])


def _enrolled(period: str, *columns: Any) -> sa.Select:
    """`columns` of the units that take part in `period`, in id order."""
    return (
        sa.select(*columns)
        .join(period_units, period_units.c.unit == units.c.id)
        .where(period_units.c.period == period)
        .order_by(units.c.id)
    )


def _insert_new(conn: sa.Connection, inserts: list[tuple[ScoreWrite, dict[str, Any]]]) -> None:
    """Rows read as absent, inserted in one statement. A row someone created meanwhile breaks
    the primary key: then one by one, to name it in the `VersionConflict`."""
    try:
        with conn.begin_nested():
            conn.execute(scores.insert(), [row for _, row in inserts])
        return
    except sa.exc.IntegrityError:
        pass
    for w, row in inserts:
        try:
            with conn.begin_nested():
                conn.execute(scores.insert(), row)
        except sa.exc.IntegrityError:
            raise VersionConflict(w.unit, w.code, w.stage) from None


def _safe_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in text) or "_"


def _upgrade(engine: Engine) -> None:
    """Bring a store made by an earlier version up to date: the columns added since (with
    their defaults) and the indexes added since, so an existing year's file keeps working
    (and stays fast)."""
    inspector = sa.inspect(engine)
    for table, column, declaration in ADDED_COLUMNS:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    for table in metadata.sorted_tables:
        have = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in have:  # IF NOT EXISTS: the server's kernels open the store at the same moment
                with engine.begin() as conn:
                    conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))


@functools.cache
def _schema_template() -> tuple[Engine, Any]:
    """An empty database in memory with every table, made once per process."""
    engine = _make_engine(MEMORY_URLS[0])
    metadata.create_all(engine, checkfirst=False)
    return engine, engine.raw_connection().driver_connection


def _copy_schema(engine: Engine) -> None:
    """Every table into a new database in memory, copied page by page with SQLite's backup
    (a notebook builds a store per widget: creating twenty tables each time was most of it)."""
    raw = engine.raw_connection()
    try:
        _schema_template()[1].backup(raw.driver_connection)
    finally:
        raw.close()


def _make_engine(url: str) -> Engine:
    memory = url in MEMORY_URLS
    # one database in memory is one connection: shared by every thread (a notebook kernel may
    # handle widget messages on another thread than the one that built the store)
    options: dict[str, Any] = {"poolclass": sa.pool.StaticPool, "connect_args": {"check_same_thread": False}} if memory else {}
    engine = sa.create_engine(url, **options)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("cchc_write") else "BEGIN")

    return engine
