"""The bot's SQLite write-ahead log is copied back by ``WalCheckpoints`` in a thread of its
own, never inside a commit: the log grows past SQLite's own 1,000-page mark untouched, one
checkpoint copies every frame, and the data reads back the same afterwards."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from storage import db

ROWS = 600  # about 6 MB of log: well past the 1,000 pages (4 MB) SQLite would stop at


async def _write(engine: db.AsyncEngine) -> None:
    sessions = db.create_sessionmaker(engine)
    async with db.transaction(sessions) as session:
        await session.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)"))
    for start in range(0, ROWS, 100):
        async with db.transaction(sessions) as session:
            for n in range(start, start + 100):
                await session.execute(
                    text("INSERT INTO filler (id, body) VALUES (:n, randomblob(10000))"), {"n": n}
                )


async def test_the_log_is_copied_back_by_the_checkpoints_not_by_a_commit(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}", checkpoint_in_background=True)
    checkpoints = db.WalCheckpoints.for_engine(engine)
    assert checkpoints is not None
    try:
        await _write(engine)
        wal = Path(f"{path}-wal")
        assert wal.stat().st_size > 5_000_000  # no commit checkpointed along the way
        busy, frames, copied = await asyncio.to_thread(checkpoints.once)
        assert (busy, copied) == (0, frames) and frames > 1000
        # Running on its own, in the background: the next writes are copied back too.
        checkpoints.every = 0.05
        checkpoints.start()
        before = path.stat().st_size
        sessions = db.create_sessionmaker(engine)
        async with db.transaction(sessions) as session:
            await session.execute(text("UPDATE filler SET body = randomblob(20000) WHERE id < 50"))
        for _ in range(100):  # the file grows when the new pages are copied into it
            if path.stat().st_size > before + 500_000:
                break
            await asyncio.sleep(0.05)
        assert path.stat().st_size > before + 500_000
        await checkpoints.stop()
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as check:  # the data is all in the file, as written
        assert check.execute("SELECT count(*), min(length(body)) FROM filler").fetchone() == (
            ROWS,
            10000,
        )


async def test_a_tool_or_test_engine_keeps_sqlites_own_checkpoints(tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'tool.db'}")
    try:
        await _write(engine)
        assert Path(f"{tmp_path / 'tool.db'}-wal").stat().st_size < 5_000_000
    finally:
        await engine.dispose()
    memory = db.create_engine("sqlite+aiosqlite:///:memory:")
    assert db.WalCheckpoints.for_engine(memory) is None
    await memory.dispose()


async def test_stopping_waits_for_a_checkpoint_in_its_thread(tmp_path: Path) -> None:
    """The bot stopping mid-checkpoint: the connection is closed only once the thread is off
    it (closing it under a running statement crashed the process)."""
    engine = db.create_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", checkpoint_in_background=True
    )
    checkpoints = db.WalCheckpoints.for_engine(engine)
    assert checkpoints is not None
    started, finished = threading.Event(), threading.Event()
    real = checkpoints.once

    def slow() -> tuple[int, int, int]:
        started.set()
        time.sleep(0.3)
        result = real()
        finished.set()
        return result

    checkpoints.once = slow  # type: ignore[method-assign]
    checkpoints.every = 0.01
    try:
        await _write(engine)
        checkpoints.start()
        assert await asyncio.to_thread(started.wait, 5)
        await checkpoints.stop()
        assert finished.is_set()
    finally:
        await engine.dispose()
