"""The store's connection: the engine for a database URL (SQLite in WAL mode, writers
queueing with BEGIN IMMEDIATE; PostgreSQL with the same code), the schema brought up to date,
and the transactions every part of the store reads and writes in."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cchc_widgets.core import clock
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.store.config import check_url, data_dir, database_url, opening, redacted
from cchc_widgets.store.schema import ADDED_COLUMNS, MEMORY_URLS, metadata, settings


def _now() -> datetime:
    """The store keeps UTC (SQLite drops the zone): the one clock's instant, converted."""
    return clock.now().astimezone(UTC)


def _aware(when: datetime) -> datetime:
    """A stored time with its zone (SQLite gives times back without one; they are UTC)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class StoreBase:
    """The connection to one database and the transactions on it: what every group of tables
    (`periods`, `scores`, `files`, `people`) builds on. `Store` is all of them in one face."""

    def __init__(self, url: str | None = None, evidence_dir: str | Path | None = None) -> None:
        self.url = database_url(url)
        self.where = redacted(self.url)  # how messages name the store: never with its password
        self.evidence_dir = Path(evidence_dir) if evidence_dir is not None else data_dir() / "evidence"
        self._criteria_cache: dict[str, CriteriaSet] = {}
        self._block_cache: dict[str, dict[str, CriteriaSet]] = {}  # a period's blocks with their own set
        self._unit_blocks: dict[str, str] = {}  # a unit's block as last read here (a write checks it again)
        self._held = threading.local()  # the transaction `transaction()` opened on this thread
        if self.url in MEMORY_URLS:
            self.engine: Engine = _make_engine(self.url)
            _copy_schema(self.engine)
            return
        check_url(self.url)
        with opening(self.url):
            self.engine = _make_engine(self.url)
            if _schema_mark(self.engine) != SCHEMA_MARK:
                metadata.create_all(self.engine)
                _upgrade(self.engine)
                _set_schema_mark(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def _writing(self) -> Any:
        """A write transaction (BEGIN IMMEDIATE on SQLite: writers queue for the lock up front),
        or the write transaction `transaction(write=True)` holds on this thread, which the
        write then joins. Inside a read transaction a write takes its own (SQLite cannot turn
        a reader that saw an older state into a writer); a store in memory is one connection,
        so there the write joins whatever is open."""
        held = getattr(self._held, "conn", None)
        if held is not None and (held.get_execution_options().get("cchc_write") or self.url in MEMORY_URLS):
            return contextlib.nullcontext(held)
        return self.engine.execution_options(cchc_write=True).begin()

    def _reading(self) -> Any:
        """A connection to read with: the transaction held on this thread, or a new one."""
        held = getattr(self._held, "conn", None)
        return contextlib.nullcontext(held) if held is not None else self.engine.connect()

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[sa.Connection]:
        """One transaction for every store call made inside the block on this thread: a save
        reads what it checks and writes in one (`write`: BEGIN IMMEDIATE on SQLite, so the
        checks see what the compare-and-set will meet), a page re-reads its parts in one.

        A `ProblemsError` leaving the block commits (a refusal is logged, and nothing else was
        written by then: the writes come last); any other exception rolls everything back.
        A block inside another joins it."""
        if getattr(self._held, "conn", None) is not None:
            yield self._held.conn
            return
        conn = self.engine.connect()
        if write:
            conn = conn.execution_options(cchc_write=True)
        begun = conn.begin()
        self._held.conn = conn
        try:
            yield conn
        except ProblemsError:
            begun.commit()
            raise
        except BaseException:
            begun.rollback()
            raise
        else:
            begun.commit()
        finally:
            self._held.conn = None
            conn.close()

    def secret(self, name: str) -> str:
        """A random key kept in the store (made on first use), e.g. to sign templates' metadata.
        Never shown: only code that signs or checks reads it."""
        import secrets

        with self._reading() as conn:
            value = _setting(conn, name)
        if value is not None:
            return value
        try:
            with self._writing() as conn:
                conn.execute(settings.insert().values(name=name, value=secrets.token_hex(32)))
        except sa.exc.IntegrityError:
            pass  # made by another process meanwhile: use theirs
        with self._reading() as conn:
            return _setting(conn, name)


def _setting(conn: sa.Connection, name: str) -> str | None:
    """The value kept under `name` in `settings` (None: none yet)."""
    return conn.execute(sa.select(settings.c.value).where(settings.c.name == name)).scalar()


SCHEMA_MARK = hashlib.sha256(
    repr(
        [
            (table.name, [column.name for column in table.columns], sorted((i.name, *i.columns.keys()) for i in table.indexes))
            for table in metadata.sorted_tables
        ]
    ).encode()
).hexdigest()
"""The tables, columns and indexes this version makes, in one value: a store that holds it in
`settings` was brought up to date by this schema already. Checking every table (`create_all`
and `_upgrade`: ~40 catalogue queries) took 14 ms of CPU each time a store is opened — every
page's kernel opens one — against one read of this row."""


def _schema_mark(engine: Engine) -> str | None:
    """The schema mark the store holds (None: a new or older store, without one)."""
    with engine.connect() as conn:
        try:
            return _setting(conn, "schema")
        except sa.exc.DBAPIError:  # no settings table yet: a new file or database
            return None


def _set_schema_mark(engine: Engine) -> None:
    """Record that the store has this version's schema. Kernels opening an unmarked store at the
    same moment may all try (PostgreSQL refuses all but the first insert: that one is the mark).
    A store that cannot be written — a past year's file kept read-only — opens as it did before
    the mark existed, and is checked again the next time."""
    try:
        with engine.begin() as conn:
            conn.execute(settings.delete().where(settings.c.name == "schema"))
            conn.execute(settings.insert().values(name="schema", value=SCHEMA_MARK))
    except (sa.exc.IntegrityError, sa.exc.OperationalError):
        pass


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


_SQLITE_COMPILED = sa.util.LRUCache(500)  # SQLAlchemy's own default size for an engine's cache


@functools.cache
def _schema_template() -> tuple[Engine, Any]:
    """An empty database in memory with every table, made once per process."""
    engine = _make_engine(MEMORY_URLS[0])
    metadata.create_all(engine, checkfirst=False)
    return engine, engine.raw_connection().driver_connection


@functools.cache
def _sqlite_dialect() -> Any:
    """The SQLite dialect every SQLite store of the process uses, set up (SQLAlchemy's
    `initialize`, on first connecting) on a database in memory that is closed at once: no
    connection is left open by it, so the warm parent may make it before it forks the kernels."""
    engine = sa.create_engine(MEMORY_URLS[0], poolclass=sa.pool.NullPool)
    with engine.connect():
        pass
    engine.dispose()
    return engine.dialect


def _share_compiled(engine: Engine) -> None:
    """Statements compiled once for every SQLite store of the process. SQLAlchemy caches a
    compiled statement per engine, keyed by the engine's dialect: a new store compiled all its
    statements again — most of a form's building for a store in memory (one per
    `ScoringForm.from_frame`), 15–20 ms of each page's kernel for the store's file, whose
    statements the warm parent has compiled before it forked the kernel (`app.fork_parent`).
    The engine takes the process's one dialect (the same driver and settings, already set up)
    and one shared cache; its data stays in its own connections."""
    engine.dialect = _sqlite_dialect()
    engine.update_execution_options(compiled_cache=_SQLITE_COMPILED)


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
        _share_compiled(engine)

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
