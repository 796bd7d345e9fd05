"""Scores (each change a compare-and-set on the version it was read at, with its change-log
row in the same transaction), survey answers, replies, the change log and the marks an open
page polls (`unit_stamp`)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cchc_widgets.core.vocabulary import REPLY, SURVEY
from cchc_widgets.store.base import StoreBase, _now
from cchc_widgets.store.schema import SCORE_COLUMNS, UNIT_STAMP, evidence, replies, score_log, scores, survey_responses


def _dump_value(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return json.dumps(value, ensure_ascii=False)


def _load_values(texts: list[str | None]) -> list[Any]:
    """Stored declared values (JSON texts, None where none was declared) read back: all in one
    parse as one JSON array — a results workbook reads 14,000, which one `json.loads` each took
    eight times longer to read. A text that is not one whole JSON value (none `_dump_value`
    writes) is read alone, so it fails as it would have."""
    try:
        values = json.loads("[" + ",".join("null" if text is None else text for text in texts) + "]")
    except ValueError:
        values = None
    if values is None or len(values) != len(texts):
        values = [None if text is None else json.loads(text) for text in texts]
    return values


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


def score_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """`Store.score_records` as the engine's long frame (plus author, updated_at, version): the
    declared value kept as it is (a list stays a list), points as floats, N/A as booleans."""
    frame = pd.DataFrame(records, columns=SCORE_COLUMNS)
    frame["value"] = pd.Series([r["value"] for r in records], index=frame.index, dtype=object)
    frame["points"] = frame["points"].astype(float)
    frame["na"] = frame["na"].astype(bool)
    return frame


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


class Scores(StoreBase):
    """Scores, survey answers, replies and the change log."""

    # ------------------------------------------------------------ scores

    def scores(
        self, period: str | None = None, unit: str | None = None, stage: str | None = None, codes: set[str] | None = None
    ) -> pd.DataFrame:
        """Stored scores as the engine's long frame (plus author, updated_at, version);
        `codes` keeps those criteria only (a form's edit reads its own row, not the unit's 140)."""
        return score_frame(self.score_records(period, unit, stage, codes))

    def score_records(
        self, period: str | None = None, unit: str | None = None, stage: str | None = None, codes: set[str] | None = None
    ) -> list[dict[str, Any]]:
        """`scores` as plain records (the declared value read back from JSON): what a save
        checks its few rows against, without building a frame."""
        query = sa.select(scores).order_by(scores.c.period, scores.c.unit, scores.c.stage, scores.c.code)
        for column, wanted in (("period", period), ("unit", unit), ("stage", stage)):
            if wanted is not None:
                query = query.where(scores.c[column] == wanted)
        if codes is not None:
            query = query.where(scores.c.code.in_(sorted(codes)))
        with self._reading() as conn:
            result = conn.execute(query)
            names = list(result.keys())
            records = [dict(zip(names, row, strict=True)) for row in result]  # a third cheaper than RowMapping's copy
        for rec, value in zip(records, _load_values([rec["value"] for rec in records]), strict=True):
            rec["value"] = value
        return records

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
        with self._reading() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in survey_responses.columns])

    def authors(self) -> set[str]:
        """Everyone who has written a score, a survey answer or a file (from the change log)."""
        with self._reading() as conn:
            found = set(conn.execute(sa.select(score_log.c.author).distinct()).scalars())
            found |= set(conn.execute(sa.select(evidence.c.author).distinct()).scalars())
        return found

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
        return pd.DataFrame(self.reply_records(period, unit), columns=[c.name for c in replies.columns])

    def reply_records(self, period: str, unit: str | None = None) -> list[dict[str, Any]]:
        """`replies` as plain rows: what a page reads when it opens, without building a frame."""
        query = sa.select(replies).where(replies.c.period == period).order_by(replies.c.unit, replies.c.code)
        if unit is not None:
            query = query.where(replies.c.unit == unit)
        with self._reading() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def unit_stamp(self, period: str, unit: str) -> dict[str, Any]:
        """Marks that change whenever something an open page of the unit shows changes, one per
        part it reads: the scores of each stage, `reply` and `survey` (all from the change
        log), `evidence` (a file added or removed) and `workflow` (an event of the period).
        One query of index look-ups (`UNIT_STAMP`), so every open page can ask every few
        seconds, however long the unit's log grows, and re-read only the parts that moved."""
        with self._reading() as conn:
            row = conn.execute(UNIT_STAMP, {"period": period, "unit": unit}).one()._asdict()
        row["evidence"] = (row.pop("added"), row.pop("removed"))
        return row

    def change_log(self, period: str | None = None, unit: str | None = None) -> pd.DataFrame:
        query = sa.select(score_log).order_by(score_log.c.id)
        if period is not None:
            query = query.where(score_log.c.period == period)
        if unit is not None:
            query = query.where(score_log.c.unit == unit)
        with self._reading() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in score_log.columns])


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
