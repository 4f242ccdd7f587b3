"""Engine, sessions and migrations.

SQLite (the default, a file under ``var/``) runs in WAL mode with ``BEGIN IMMEDIATE``
transactions so concurrent writers queue instead of failing; PostgreSQL is used when the
database URL says so.

SQLite's calls are made in the event loop's own thread (``_InlineConnection``), not handed to
aiosqlite's thread and awaited: the hand-off costs more than the statement (0.4 to 1 ms on a
small VM against about 0.1 ms), and a turn makes dozens. Nothing then waits inside SQLite
with the loop blocked: writers in this process queue on an asyncio lock before they begin;
a writer in another process (the command-line tools) is waited for by retrying ``BEGIN
IMMEDIATE`` with asynchronous sleeps (the busy timeout is 0); in WAL mode readers never wait.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_BEGIN_OPTION = "sqlite_begin"


class _InlineConnection(aiosqlite.Connection):
    """aiosqlite, each call made at once in the caller's (the event loop's) thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_connector(path: str) -> Callable[[], Any]:
    async def connect() -> aiosqlite.Connection:
        connection = _InlineConnection(
            lambda: sqlite3.connect(path, timeout=0, check_same_thread=False), 64
        )
        connection._thread.daemon = True
        return await connection

    return connect


WAIT_FOR_WRITER = 30.0  # seconds a write transaction waits for another process's


def _begin(driver: Any, mode: str) -> None:
    """``BEGIN <mode>``; while another process holds SQLite's write lock, try again after an
    asynchronous sleep (the loop serves other turns meanwhile), up to ``WAIT_FOR_WRITER``."""
    deadline = time.monotonic() + WAIT_FOR_WRITER
    pause = 0.002
    while True:
        try:
            await_only(driver.execute(f"BEGIN {mode}"))
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        await_only(asyncio.sleep(pause))
        pause = min(pause * 2, 0.05)


def create_engine(url: str, *, checkpoint_in_background: bool = False) -> AsyncEngine:
    """An async engine for ``url``; creates the SQLite file's folder if needed.

    ``checkpoint_in_background`` (the bot, which runs ``WalCheckpoints``): SQLite never copies
    its write-ahead log back into the database file during a commit."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: SQL errors must never echo personal data into the logs.
    # pool_reset_on_return: a connection's transaction always ends (commit, or the rollback
    # SQLAlchemy issues when a session or connection closes) before it goes back to the pool,
    # so the pool's own rollback on return is a second one: a trip to the driver's thread on
    # every turn, for nothing.
    engine = create_async_engine(
        url,
        hide_parameters=True,
        pool_reset_on_return=None,
        async_creator=_inline_connector(parsed.database or ":memory:"),
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions; see _on_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=0")  # never wait with the loop blocked: _begin
        if checkpoint_in_background:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Write transactions (``transaction()``) take the write lock up front: two that read
        # then write could otherwise deadlock on lock upgrade. Reads begin deferred and, in
        # WAL mode, never wait for writers.
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        # Straight to aiosqlite, in one trip to its thread (the adapter's cursor takes three).
        driver = conn.connection.driver_connection
        assert driver is not None
        _begin(driver, mode)

    return engine


class WalCheckpoints:
    """SQLite's write-ahead log copied back into the database file every ``every`` seconds, in
    a worker thread on a connection of its own: a PASSIVE checkpoint, which waits for no reader
    or writer. Left to SQLite, the commit that takes the log past 1,000 pages does it, in the
    event loop's thread, with every turn waiting (at 10,000 cases that came to 4 ms a press on
    average). The last connection to close checkpoints what is left."""

    def __init__(self, path: str, every: float = 1.0) -> None:
        self.path = path
        self.every = every
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Future[tuple[int, int, int]] | None = None

    @classmethod
    def for_engine(cls, engine: AsyncEngine) -> WalCheckpoints | None:
        """The checkpoints for ``engine``'s file; None for PostgreSQL or a memory database."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return cls(database)

    def once(self) -> tuple[int, int, int]:
        """One checkpoint (blocking: run it in a thread): busy, the log's frames, and how
        many of them are now in the database file."""
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, timeout=0, check_same_thread=False)
        busy, frames, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(frames), int(copied)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            # A task of its own, shielded: stopping cancels the loop, never the checkpoint
            # its thread is running (stop waits for that before closing the connection).
            self._running = asyncio.ensure_future(asyncio.to_thread(self.once))
            try:
                await asyncio.shield(self._running)
            except sqlite3.Error:  # the file busy or away for a moment: the next one tries
                log.warning("WAL checkpoint failed", exc_info=True)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._running is not None:  # its thread still on the connection: let it finish
            with suppress(sqlite3.Error):
                await self._running
            self._running = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None


QUEUED = "outbox.queued"  # session.info: this transaction queued outgoing messages
_ON_QUEUED = "outbox.on_queued"  # sessionmaker info: what to call once such a one commits


_WRITER = "sqlite.writer"  # sessionmaker info: SQLite's one writer at a time, in this process


def create_sessionmaker(
    engine: AsyncEngine, audit_signer: Any = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``; ``audit_signer`` (storage.audit.AuditSigner) signs every audit
    entry written through them."""
    # Each session's info is a copy of this dict: the callback list and the lock are shared.
    info: dict[str, Any] = {_ON_QUEUED: [], "audit.signer": audit_signer}
    if engine.dialect.name == "sqlite":
        info[_WRITER] = asyncio.Lock()
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


def on_queued_commit(sessions: async_sessionmaker[AsyncSession], wake: Callable[[], None]) -> None:
    """Call ``wake`` after every committed transaction that queued outgoing messages (the
    sender then sends them): flows and handlers need not remember to."""
    sessions.kw["info"][_ON_QUEUED].append(wake)


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine ``sessions`` opens sessions on, for a Core read on a pooled connection."""
    bind = sessions.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind


def upsert(session: AsyncSession, model: Any) -> Any:
    """``INSERT ... ON CONFLICT`` for the session's database (SQLite or PostgreSQL)."""
    if session.bind.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work that writes: commit on success, roll back on any error.

    Plain ``async with sessions() as session`` is for reads only.
    """
    writer: asyncio.Lock | None = sessions.kw["info"].get(_WRITER)
    async with sessions() as session:
        async with writer if writer is not None else nullcontext(), session.begin():
            # SQLite takes one writer at a time. Writers in this process queue on the lock
            # and start the moment it is free; left to SQLite, they would poll for its file
            # lock with growing sleeps (tens of milliseconds each) under load. The busy
            # timeout still covers other processes (the command-line tools).
            await session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
            yield session
        if session.info.pop(QUEUED, False):
            for wake in session.info.get(_ON_QUEUED, ()):
                wake()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on ``engine``'s database."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))

    def _run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.connect() as conn:
        # A write from the start (SQLite: the write lock taken, or waited for, at BEGIN).
        await conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        async with conn.begin():
            await conn.run_sync(_run)
    log.info("database migrated", extra={"revision": revision})


async def ping(engine: AsyncEngine) -> bool:
    """True when the database answers a trivial query."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.warning("database ping failed", exc_info=True)
        return False
    return True
