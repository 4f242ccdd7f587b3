"""``make bench``, the reminder tick: one ``tick`` over 1,000, 10,000 and 100,000 open cases
(bench.data: generated cases and copies of them, their Day 1 spread over two years, at every
stage, one in six stalled with a deadline overdue), in a process of its own for each, on a
copy of the prepared SQLite file. Reported: the first tick of the day (that day's nudges, the
gathered messages and the digest, queued) and a later one (everything queued already: the
steady minute-by-minute cost), how many messages the first queued, and the process's peak
memory. Figures only.
"""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MOMENT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # the data's today, a Tuesday morning


async def _one(count: int, backend: str) -> dict[str, Any]:
    from bench.data import prepare_sqlite
    from bot.app import prepare, settle
    from bot.config import load_rules, load_timetable
    from bot.keys import master_cipher
    from bot.settings import Settings
    from flows.context import CaseContext, ReviewChannel
    from flows.reminders import tick
    from storage import db

    prepared = await prepare_sqlite(count, open_only=True)
    folder = Path(tempfile.mkdtemp(prefix="crb-ticks-"))
    source = Path(prepared.url.removeprefix("sqlite+aiosqlite:///"))
    shutil.copy(source, folder / "ticks.db")
    shutil.copytree(prepared.var_dir, folder / "var")
    url = f"sqlite+aiosqlite:///{folder / 'ticks.db'}"
    settings = Settings(
        mode="local", database_url=url, allowed_tenant_id="bench", var_dir=str(folder / "var")
    )
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)  # as the bot does when it starts, and:
        prepare(MOMENT)
        settle()
        sessions = db.create_sessionmaker(engine)
        timetable = load_timetable(ROOT / "config" / "timetable.toml")
        context = CaseContext(
            master_cipher(settings), timetable, settings.tz, ReviewChannel("19:bench")
        )
        rules = load_rules(ROOT / "config" / "nudges.toml")
        started = time.perf_counter()
        first = await tick(sessions, context, rules, MOMENT)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await tick(sessions, context, rules, MOMENT + timedelta(minutes=1))
        later_seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "backend": backend,
        "open_cases": prepared.open_cases,
        "queued": first.queued,
        "reminders_due": first.nudges,
        "first_tick_s": round(first_seconds, 3),
        "later_tick_s": round(later_seconds, 3),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure(count: int) -> dict[str, Any]:
    """One scale, in a process of its own (its peak memory is its own)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.ticks", "--one", str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "Reminder tick, in process, SQLite",
        f"{'open cases':>12}{'queued':>9}{'first tick s':>15}{'later tick s':>15}{'peak MiB':>10}",
    ]
    for row in rows:
        lines.append(
            f"{row['open_cases']:>12}{row['queued']:>9}{row['first_tick_s']:>15.2f}"
            f"{row['later_tick_s']:>15.2f}{row['peak_mib']:>10.0f}"
        )
    return lines


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(asyncio.run(_one(int(sys.argv[2]), "sqlite"))))
        return
    rows = [measure(count) for count in (1_000, 10_000, 100_000)]
    print("\n".join(table(rows)))


if __name__ == "__main__":
    main()
