"""The store: persistence of periods, units, criteria sets, scores, evidence, survey answers
and scenarios — and nothing else.

SQLAlchemy Core over any database URL (SQLite by default, in WAL mode so a reader never
blocks the autosaving form; PostgreSQL with the same code). Each period keeps the exact
criteria set it was scored with, so an old year rescores the same. What may be written is
decided by `services.writes`; here every write is one transaction, every score change is a
compare-and-set on the version the writer read (so of N writers holding one version exactly
one succeeds), bumps that version and leaves an append-only log row. SQLite write
transactions start with BEGIN IMMEDIATE so two writers queue instead of failing mid-way.

The tables are in `schema`; the connection and its transactions in `base`; each group of
tables has its own module (`periods`, `scores`, `files`, `people`); `Store` is all of them
behind one face, and this module keeps every name callers import from it.
"""

from __future__ import annotations

from cchc_widgets.store.base import StoreBase
from cchc_widgets.store.files import EvidenceQuota, Files
from cchc_widgets.store.people import People
from cchc_widgets.store.periods import Periods
from cchc_widgets.store.schema import (
    ADDED_COLUMNS,
    MEMORY_URLS,
    SCORE_COLUMNS,
    SIGN_IN_ACTIONS,
    UNIT_STAMP,
    WORKFLOW_ACTIONS,
    accounts,
    assignments,
    block_stages,
    column_length,
    criteria_sets,
    events,
    evidence,
    finals,
    metadata,
    period_units,
    periods,
    replies,
    scenarios,
    score_log,
    scores,
    settings,
    sign_ins,
    stages,
    submissions,
    survey_responses,
    units,
)
from cchc_widgets.store.scores import SaveReport, Scores, ScoreWrite, VersionConflict

__all__ = [
    "ADDED_COLUMNS",
    "MEMORY_URLS",
    "SCORE_COLUMNS",
    "SIGN_IN_ACTIONS",
    "UNIT_STAMP",
    "WORKFLOW_ACTIONS",
    "EvidenceQuota",
    "SaveReport",
    "ScoreWrite",
    "Store",
    "VersionConflict",
    "accounts",
    "assignments",
    "block_stages",
    "column_length",
    "criteria_sets",
    "events",
    "evidence",
    "finals",
    "metadata",
    "period_units",
    "periods",
    "replies",
    "scenarios",
    "score_log",
    "scores",
    "settings",
    "sign_ins",
    "stages",
    "submissions",
    "survey_responses",
    "units",
]


class Store(Periods, Scores, Files, People, StoreBase):
    """A database of periods, units and scores; open with a URL (see `config.database_url`)."""
