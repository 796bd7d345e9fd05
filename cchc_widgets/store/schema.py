"""The store's tables: one SQLAlchemy `MetaData` that every part of the store reads and
writes, the columns added since a store may have been created, and the one query each open
page asks every few seconds (`UNIT_STAMP`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cchc_widgets.core.vocabulary import APPRAISAL, REPLY, SELF, SURVEY

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
    # the block the unit is assessed in (so, huyen, xa …; "" = the period's one set): which of a
    # period's criteria sets scores it and among whom it is ranked; `kind` only describes it
    sa.Column("block", sa.String(100), nullable=False, server_default=""),
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
period_sets = sa.Table(  # a period's own criteria set for each block that has one (none: `periods.criteria_set` for all)
    "period_sets",
    metadata,
    sa.Column("period", sa.String(50), sa.ForeignKey("periods.id"), primary_key=True),
    sa.Column("block", sa.String(100), primary_key=True),
    sa.Column("criteria_set", sa.Integer, sa.ForeignKey("criteria_sets.id"), nullable=False),
)
# columns added after a store may have been created: (table, column, SQL type and default)
ADDED_COLUMNS = (
    ("period_units", "rank_group", "VARCHAR(200) NOT NULL DEFAULT ''"),
    ("period_units", "ranked", "BOOLEAN NOT NULL DEFAULT TRUE"),
    ("scenarios", "for_report", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("units", "block", "VARCHAR(100) NOT NULL DEFAULT ''"),
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
block_stages = sa.Table(  # a stage set for one block of the period's units (so, huyen …): over the period's own row
    "block_stages",
    metadata,
    sa.Column("period", sa.String(50), sa.ForeignKey("periods.id"), primary_key=True),
    sa.Column("block", sa.String(100), primary_key=True),
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("until", sa.Date),
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


def column_length(table: str, column: str) -> int | None:
    """The longest text a column holds (None: unbounded): the write path checks against it, so
    every backend refuses the same text with the same message (PostgreSQL would fail, SQLite not)."""
    return getattr(metadata.tables[table].c[column].type, "length", None)
