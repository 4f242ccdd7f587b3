"""Job leases, on SQLite and PostgreSQL: two instances asking at once, one runs the job; a
lease lapses when its holder stops renewing it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import db, leases

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_one_instance_holds_a_job_at_a_time(engine: AsyncEngine) -> None:
    # Two instances: two engines (two pools) on one database, asking at the same moment.
    other_engine = db.create_engine(str(engine.url.render_as_string(hide_password=False)))
    try:
        first, second = db.create_sessionmaker(engine), db.create_sessionmaker(other_engine)
        got = await asyncio.gather(
            leases.take(first, "reminders", "a", NOW, 55),
            leases.take(second, "reminders", "b", NOW, 55),
        )
        assert sorted(got) == [False, True]
        winner = "a" if got[0] else "b"
        loser = "b" if winner == "a" else "a"
        again = first if winner == "a" else second
        assert await leases.take(again, "reminders", winner, NOW + timedelta(seconds=60), 55)
        assert not await leases.take(first, "reminders", loser, NOW + timedelta(seconds=90), 55)
        # The holder stops (a crash): the lease lapses and the other takes over.
        assert await leases.take(first, "reminders", loser, NOW + timedelta(seconds=200), 55)
        assert await leases.take(first, "digest", winner, NOW, 55)  # another job, its own lease
    finally:
        await other_engine.dispose()
