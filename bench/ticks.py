"""``make bench`` (second part): one reminder ``tick`` over 1,000 and 10,000 open cases, in
process, on a SQLite file. The cases' Day 1 dates are spread over the past weeks, so that
each tick finds nudges before, on and after their due days. Reported: the first tick of the
day (it queues that day's nudges and the digest) and a later one (everything already
queued: the steady minute-by-minute cost). Figures only.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def measure(count: int) -> tuple[float, float, int]:
    from bot.config import load_rules, load_timetable
    from bot.keys import master_cipher
    from bot.settings import Settings
    from flows.context import CaseContext, ReviewChannel
    from flows.reminders import tick
    from storage import cases, db
    from storage.db import transaction
    from workflow.roles import Role

    folder = Path(tempfile.mkdtemp(prefix="crb-ticks-"))
    settings = Settings(
        mode="local",
        database_url=f"sqlite+aiosqlite:///{folder / 'ticks.db'}",
        allowed_tenant_id="bench",
        var_dir=str(folder / "var"),
    )
    engine = db.create_engine(settings.database_url)
    await db.upgrade(engine)
    sessions = db.create_sessionmaker(engine)
    timetable = load_timetable(ROOT / "config" / "timetable.toml")
    cipher = master_cipher(settings)
    context = CaseContext(cipher, timetable, settings.tz, ReviewChannel("19:bench"))
    rules = load_rules(ROOT / "config" / "nudges.toml")
    made = datetime(2026, 11, 2, 10, tzinfo=UTC)
    async with transaction(sessions) as session:
        for n in range(count):
            await cases.create_case(
                session=session,
                master=cipher,
                timetable=timetable,
                new=cases.NewCase(
                    awareness_date=date(2026, 11, 2) + timedelta(days=n % 28),
                    referring_agency="Bench agency",
                    referrer_aad_id="bench-referrer",
                    referral={"incident": {"what_happened": "Bench"}},
                ),
                actor_role=Role.PRACTITIONER,
                now=made,
            )
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # a Tuesday morning
    started = time.perf_counter()
    first = await tick(sessions, context, rules, moment)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    await tick(sessions, context, rules, moment + timedelta(minutes=1))
    steady_seconds = time.perf_counter() - started
    await engine.dispose()
    return first_seconds, steady_seconds, first.queued


def main() -> None:
    print("Reminder tick, in process, SQLite")
    print(f"{'open cases':>12}{'queued':>9}{'first tick s':>15}{'later tick s':>15}")
    for count in (1_000, 10_000):
        first, steady, queued = asyncio.run(measure(count))
        print(f"{count:>12}{queued:>9}{first:>15.2f}{steady:>15.2f}")


if __name__ == "__main__":
    main()
