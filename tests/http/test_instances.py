"""Reminders with several bot processes on one PostgreSQL, and a process killed mid-send:
each nudge reaches Teams once, counted at a recording connector (tests/fakes.py).

The processes are real: ``python -m bot tick --now ... --send`` is the bot without its web
server (the same app, jobs and outbox), run at a chosen moment."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import SERVICES
from storage.models import OutboxMessage
from tests.fakes import TENANT, FakeConnector
from tests.http.test_decisions import app_for, referred
from tests.http.test_referral import CHANNEL

ROOT = Path(__file__).resolve().parents[2]
MONDAY_9 = "2026-11-30T09:00:00+00:00"  # two working days before Day 5 of Thursday's case

pytestmark = pytest.mark.postgres


def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_MODE": "local",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),  # the test's app's data key
        "ALLOWED_TENANT_ID": TENANT,
        "CASE_REVIEW_CHANNEL_ID": CHANNEL,
        "TIMETABLE_FILE": str(ROOT / "config" / "timetable.toml"),
        "NUDGES_FILE": str(ROOT / "config" / "nudges.toml"),
        "LOCAL_ROLES_FILE": str(ROOT / "config" / "local-roles.toml"),
        "LOG_LEVEL": "WARNING",
    }


async def start_tick(env: dict[str, str], now: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "tick",
        "--now",
        now,
        "--send",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finished(process: asyncio.subprocess.Process) -> str:
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def reminder_rows(app: Any) -> list[OutboxMessage]:
    async with app[SERVICES].sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.dedupe_key.like("nudge:%")
                    | OutboxMessage.dedupe_key.like("digest:%")
                )
            )
        )


def reminders_received(connector: FakeConnector, since: int) -> Counter[tuple[str, str]]:
    """Each reminder that reached the connector: (conversation, its card), counted."""
    received: Counter[tuple[str, str]] = Counter()
    for sent in connector.sent[since:]:
        summary = sent.activity.get("summary") or ""
        if summary.startswith(("Deadline", "Your deadline", "Daily digest")):
            card = json.dumps(sent.activity["attachments"][0]["content"], sort_keys=True)
            received[(sent.conversation_id, card)] += 1
    return received


async def test_two_processes_ticking_at_the_same_moment_send_each_nudge_once(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: Any, postgres_url: str
) -> None:
    app = await app_for(tmp_path, serve, clock, database_url=postgres_url)
    await referred(app, connector)  # Thursday 26 November 2026
    since = len(connector.sent)
    env = environment(tmp_path, postgres_url)
    first, second = await start_tick(env, MONDAY_9), await start_tick(env, MONDAY_9)
    outputs = [await finished(first), await finished(second)]
    rows = await reminder_rows(app)
    assert len(rows) >= 6  # two channel nudges, three partners' 1:1s, the digest
    assert {r.status for r in rows} == {"sent"}
    received = reminders_received(connector, since)
    assert sum(received.values()) == len(rows)
    assert set(received.values()) == {1}  # none twice
    queued = sorted(int(o.split(", ")[1].split()[0]) for o in outputs)
    assert sum(queued) == len(rows)  # one process queued them; the other found them queued


async def test_a_process_killed_between_claiming_and_sending_delivers_once_after_restart(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: Any, postgres_url: str
) -> None:
    app = await app_for(tmp_path, serve, clock, database_url=postgres_url)
    await referred(app, connector)
    since = len(connector.sent)
    env = environment(tmp_path, postgres_url)
    connector.hang_sends = True  # Teams never answers the first process
    doomed = await start_tick(env, MONDAY_9)
    for _ in range(600):
        if connector.hung:
            break
        await asyncio.sleep(0.1)
    assert connector.hung == 1  # it claimed, and is mid-send
    doomed.send_signal(signal.SIGKILL)
    await doomed.wait()
    rows = await reminder_rows(app)
    assert rows and all(r.status in ("sending", "pending") for r in rows)
    assert reminders_received(connector, since) == Counter()
    connector.hang_sends = False
    # Restarted ten minutes later (the dead sender's five-minute claim has lapsed).
    await finished(await start_tick(env, "2026-11-30T09:10:00+00:00"))
    rows = await reminder_rows(app)
    assert {r.status for r in rows} == {"sent"}
    received = reminders_received(connector, since)
    assert sum(received.values()) == len(rows)
    assert set(received.values()) == {1}
