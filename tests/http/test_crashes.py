"""The bot process killed (SIGKILL) at random moments: while a referral is submitted, while
the chair's decision is recorded, and while the outbox is delivering. Each time it is started
again and the person does what they would (presses the same button again): no case or
decision is lost or made twice, and every queued message reaches Teams, none twice except
one whose send was in flight at the kill (Teams has no idempotent send: delivery is at least
once, and tests/http/test_instances.py shows a claimed, unsent message sent once).

The bot is the real one, ``python -m bot run`` on a SQLite file, in its own process; Teams
is the recording connector of tests/fakes.py."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from storage import db
from storage.audit import verify_audit
from storage.models import Case, DecisionRow, OutboxMessage, ReferralVersion
from tests.activities import CHAIR, HEALTH, execute
from tests.cardcheck import card_text
from tests.fakes import TENANT, FakeConnector
from tests.http.test_referral import CHANNEL, Bot, fill_to_summary, start_referral

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 2  # random kill points per change


class Remote:
    """The bot process's endpoint, posted to as the tests' client is."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession()

    async def post(self, path: str, json: dict[str, Any]) -> Any:
        return await self.session.post(self.base + path, json=json)


class Process:
    def __init__(self, tmp_path: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        self.env = {
            **os.environ,
            "BOT_MODE": "local",
            "DATABASE_URL": self.url,
            "VAR_DIR": str(tmp_path / "var"),
            "ALLOWED_TENANT_ID": TENANT,
            "CASE_REVIEW_CHANNEL_ID": CHANNEL,
            "PORT": str(self.port),
            "LOCAL_ROLES_FILE": str(ROOT / "config" / "local-roles.toml"),
            "LOG_LEVEL": "WARNING",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise AssertionError("the bot did not start")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def count(self, query: Any) -> int:
        engine = db.create_engine(self.url)
        try:
            async with db.create_sessionmaker(engine)() as session:
                return int(await session.scalar(query) or 0)
        finally:
            await engine.dispose()


async def killed_during(process: Process, send: Any, delay: float) -> None:
    """``send`` started, the process killed ``delay`` seconds later (answered or not)."""
    task = asyncio.ensure_future(send)
    await asyncio.sleep(delay)
    await process.kill()
    with contextlib.suppress(TimeoutError, aiohttp.ClientError, AssertionError):
        await task  # no answer, most often: the person sees nothing come back


async def test_killed_while_submitting_deciding_and_delivering(
    tmp_path: Path, connector: FakeConnector
) -> None:
    rng = random.Random(2026)
    process = Process(tmp_path)
    await process.start()
    remote = Remote(f"http://127.0.0.1:{process.port}")
    try:
        health = Bot(remote, connector.url, user=HEALTH)
        await health.say("help", channel=True)
        # A referral submitted, the process killed at a random moment, ROUNDS times.
        for round_ in range(ROUNDS):
            summary = await fill_to_summary(health, await start_referral(health))
            await killed_during(
                process, health.press(summary, "Submit referral"), rng.uniform(0.0, 0.3)
            )
            await process.start()
            again = await health.press(summary, "Submit referral")  # pressed again
            text = card_text(again) if "message" not in again else again["message"]
            reference = f"BR-2026-{round_ + 1:04d}"
            assert reference in text, text
            assert await process.count(select(func.count()).select_from(Case)) == round_ + 1
            assert (
                await process.count(select(func.count()).select_from(ReferralVersion)) == round_ + 1
            )
        # The chair's recommendation on each, the process killed at a random moment.
        connector.send_delay = 0.1  # a slow Teams: the outbox has a queue to work through
        for round_ in range(ROUNDS):
            reference = f"BR-2026-{round_ + 1:04d}"
            data = {"case": reference, "outcome": "notify", "rationale": "Serious harm."}
            body = execute("chair.recommend", data, user=CHAIR, service_url=connector.url)

            async def press(body: dict[str, Any] = body) -> None:
                answer = await remote.post("/api/messages", json=body)
                await answer.read()

            await killed_during(process, press(), rng.uniform(0.0, 0.3))
            await process.start()
            await press()  # pressed again: recorded once, or "already recorded"
            recorded = await process.count(
                select(func.count())
                .select_from(DecisionRow)
                .join(Case, Case.id == DecisionRow.case_id)
                .where(Case.reference == reference, DecisionRow.kind == "chair_recommendation")
            )
            assert recorded == 1, (reference, recorded)
        # The outbox delivering what those queued: killed mid-delivery, then left to finish.
        await killed_during(process, asyncio.sleep(0), rng.uniform(0.05, 0.4))
        in_flight = await process.count(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sending")
        )
        await process.start()
        for _ in range(600):
            left = await process.count(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("pending", "sending")))
            )
            if not left:
                break
            await asyncio.sleep(0.5)
        assert not left, f"{left} messages not delivered"
        delivered = await process.count(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        )
        assert delivered >= 20
        received = Counter(
            (s.conversation_id, str(s.activity.get("attachments")), s.activity.get("text"))
            for s in connector.sent
        )
        twice = sum(n - 1 for n in received.values() if n > 1)
        assert twice <= in_flight, (twice, in_flight)
        engine = db.create_engine(process.url)
        try:
            async with db.create_sessionmaker(engine)() as session:
                assert (await verify_audit(session=session)).ok
        finally:
            await engine.dispose()
    finally:
        if process.process is not None and process.process.returncode is None:
            await process.kill()
        await remote.session.close()
