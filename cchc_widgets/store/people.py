"""Accounts, sign-ins and the year's workflow as the administrator set it: stages,
submissions, finalising, and the events log of what is not a score change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cchc_widgets.store.base import StoreBase, _aware, _now
from cchc_widgets.store.schema import (
    SIGN_IN_ACTIONS,
    accounts,
    assignments,
    block_stages,
    events,
    finals,
    sign_ins,
    stages,
    submissions,
)


class People(StoreBase):
    """Accounts, sign-ins, stages, submissions, finals and the events log."""

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
        """login, name, role, password_hash and units of one account, or None: one query
        (every write asks it, to go by the account as it is now)."""
        query = (
            sa.select(accounts, assignments.c.unit)
            .outerjoin(assignments, assignments.c.login == accounts.c.login)
            .where(accounts.c.login == login)
            .order_by(assignments.c.unit)
        )
        with self._reading() as conn:
            rows = conn.execute(query).mappings().all()
        if not rows:
            return None
        found = {column.name: rows[0][column.name] for column in accounts.columns}
        return {**found, "units": [r["unit"] for r in rows if r["unit"] is not None]}

    def accounts(self) -> pd.DataFrame:
        """Every account (without password hashes) with its units joined by commas."""
        with self._reading() as conn:
            rows = conn.execute(sa.select(accounts.c.login, accounts.c.name, accounts.c.role).order_by(accounts.c.login)).all()
            pairs = conn.execute(sa.select(assignments).order_by(assignments.c.unit)).all()
        units_of: dict[str, list[str]] = {}
        for pair in pairs:
            units_of.setdefault(pair.login, []).append(pair.unit)
        records = [{"login": r.login, "name": r.name, "role": r.role, "units": ",".join(units_of.get(r.login, []))} for r in rows]
        return pd.DataFrame(records, columns=["login", "name", "role", "units"])

    def account_names(self) -> dict[str, str]:
        """login → the account's full name: how pages, the log and progress name a person."""
        with self._reading() as conn:
            return {row.login: row.name for row in conn.execute(sa.select(accounts.c.login, accounts.c.name))}

    def add_sign_in(self, token_hash: str, login: str, expires_at: datetime) -> None:
        with self._writing() as conn:
            conn.execute(sign_ins.delete().where(sign_ins.c.expires_at < _now()))  # expired ones go as new ones come
            expires_at = expires_at.astimezone(UTC)  # SQLite keeps the wall time and drops the zone: store UTC
            conn.execute(sign_ins.insert().values(token_hash=token_hash, login=login, created_at=_now(), expires_at=expires_at))

    def sign_in_login(self, token_hash: str) -> str | None:
        """The account of an open, unexpired sign-in."""
        with self._reading() as conn:
            row = conn.execute(sa.select(sign_ins).where(sign_ins.c.token_hash == token_hash)).first()
        if row is None or _aware(row.expires_at) <= _now():
            return None
        return row.login

    def end_sign_in(self, token_hash: str) -> None:
        with self._writing() as conn:
            conn.execute(sign_ins.delete().where(sign_ins.c.token_hash == token_hash))

    # ------------------------------------------------------------ stages, submissions, finalising

    def set_stage(self, period: str, stage: str, state: str, until: Any, by: str, block: str | None = None) -> None:
        """Set a stage for the whole period (every block then follows it: a block's own setting
        of the stage is dropped) or, with `block`, for that block's units only."""
        table, keys = (
            (stages, {"period": period, "stage": stage})
            if block is None
            else (block_stages, {"period": period, "block": block, "stage": stage})
        )
        with self._writing() as conn:
            values = {"state": state, "until": until, "changed_by": by, "changed_at": _now()}
            where = sa.and_(*(table.c[k] == v for k, v in keys.items()))
            if conn.execute(table.update().where(where).values(**values)).rowcount == 0:
                conn.execute(table.insert().values(**keys, **values))
            if block is None:
                conn.execute(block_stages.delete().where(sa.and_(block_stages.c.period == period, block_stages.c.stage == stage)))

    def stages(self, period: str) -> dict[str, dict[str, Any]]:
        """stage → {state, until, changed_by, changed_at} as set for the period (empty: never set)."""
        return self.all_stages(period)[0]

    def block_stages(self, period: str) -> dict[str, dict[str, dict[str, Any]]]:
        """block → stage → {state, until …}: the stages set for one block of the period (empty: none)."""
        return self.all_stages(period)[1]

    def all_stages(self, period: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:
        """`stages` and `block_stages` in one statement: the workflow every save checks reads both
        (a period of several blocks would otherwise pay a round trip more on every edit)."""
        columns = ("period", "stage", "state", "until", "changed_by", "changed_at")
        own = sa.select(sa.cast(sa.null(), sa.String).label("block"), *(stages.c[c] for c in columns))
        theirs = sa.select(block_stages.c.block, *(block_stages.c[c] for c in columns))
        query = sa.union_all(own.where(stages.c.period == period), theirs.where(block_stages.c.period == period))
        with self._reading() as conn:
            rows = conn.execute(query).mappings().all()
        period_wide: dict[str, dict[str, Any]] = {}
        by_block: dict[str, dict[str, dict[str, Any]]] = {}
        for r in rows:
            row = {c: r[c] for c in columns}
            if r["block"] is None:
                period_wide[r["stage"]] = row
            else:
                by_block.setdefault(r["block"], {})[r["stage"]] = {"block": r["block"], **row}
        return period_wide, by_block

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
        with self._reading() as conn:
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
        with self._reading() as conn:
            row = conn.execute(sa.select(finals).where(finals.c.period == period)).mappings().first()
        return None if row is None else dict(row)

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
        with self._reading() as conn:
            return [(_aware(r.at), r.action, r.detail or "") for r in conn.execute(query)]

    def events(self, period: str | None = None) -> pd.DataFrame:
        """Workflow events of a period, with those of no period (accounts, sign-ins) among them."""
        query = sa.select(events).order_by(events.c.id)
        if period is not None:
            query = query.where(sa.or_(events.c.period == period, events.c.period.is_(None)))
        with self._reading() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in events.columns])
