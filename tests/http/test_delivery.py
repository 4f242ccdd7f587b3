"""Delivery through a difficult connector: Teams answers 429 with Retry-After, then 500s, then
succeeds. Every message arrives once, in the order it was queued to its conversation, never
faster than Teams' per-conversation limits; one that can't be delivered in time is given up,
audited, and the Business Unit told."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES
from bot.outbox import TEAMS_LIMITS
from storage import db, outbox
from storage.models import AuditEvent, OutboxMessage
from tests.activities import BUSINESS_UNIT, CHAIR
from tests.fakes import FakeConnector, Sent
from tests.http.test_decisions import app_for, flush, referred
from tests.http.test_referral import CHANNEL

LABELS = ("Channel message", "Chair message", "BU message")


class RealClock:
    """The wall clock, so that retry delays really pass."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


def card(text: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": text}],
    }


async def queue(app: Any, targets: list[tuple[str, dict[str, str]]]) -> None:
    services = app[SERVICES]
    async with db.transaction(services.sessions) as session:
        for text, target in targets:
            await outbox.enqueue(
                session=session,
                cipher=services.cipher,
                now=services.clock(),
                card=card(text),
                summary=text,
                **target,
            )


def numbered(sent: list[Sent], prefix: str) -> list[tuple[str, str, float]]:
    """(conversation, label, arrival) of each test message received, in arrival order."""
    found = []
    for s in sent:
        text = json.dumps(s.activity)
        for word in text.split('"'):
            if word.startswith(prefix):
                found.append((s.conversation_id, word, s.at))
                break
    return found


def within_limits(arrivals: list[float]) -> bool:
    """No window of Teams' per-conversation limits holds more sends than allowed."""
    for span, most in TEAMS_LIMITS:
        for i in range(len(arrivals) - most):
            if arrivals[i + most] - arrivals[i] < span:
                return False
    return True


async def test_a_difficult_connector_gets_every_message_once_in_order_and_paced(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app = await app_for(tmp_path, serve, RealClock())  # type: ignore[arg-type]
    await referred(app, connector)
    dispatcher = app[SERVICES].dispatcher
    dispatcher.retry_base = 0.3  # seconds: the test doesn't wait minutes for its backoff
    channel = {"channel_id": CHANNEL}
    chair = {"recipient_aad_id": CHAIR["aadObjectId"]}
    bu = {"recipient_aad_id": BUSINESS_UNIT["aadObjectId"]}
    targets = [(f"Channel message {n:02}", channel) for n in range(1, 13)]
    targets += [(f"Chair message {n:02}", chair) for n in range(1, 5)]
    targets += [(f"BU message {n:02}", bu) for n in range(1, 5)]
    before = len(connector.sent)
    connector.retry_after = "1"
    connector.fail_next = [429, 500, 500, 502]
    started = time.monotonic()
    await queue(app, targets)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await flush(app)
        arrived = numbered(connector.sent[before:], LABELS)
        if len(arrived) >= len(targets):
            break
        await asyncio.sleep(0.1)
    arrived = numbered(connector.sent[before:], LABELS)
    # Each once.
    labels = [label for _, label, _ in arrived]
    assert sorted(labels) == sorted(text for text, _ in targets)
    # In order per conversation, and paced within every limit.
    by_conversation: dict[str, list[tuple[str, float]]] = {}
    for conversation, label, at in arrived:
        by_conversation.setdefault(conversation, []).append((label, at))
    assert len(by_conversation) == 3
    for conversation, messages in by_conversation.items():
        assert [label for label, _ in messages] == sorted(label for label, _ in messages)
        assert within_limits([at for _, at in messages]), conversation
    # The refusals happened, and the 429's Retry-After was honoured by its conversation.
    assert [status for _, status, _ in connector.refused] == [429, 500, 500, 502]
    throttled, _, refused_at = connector.refused[0]
    retried = next(at for conversation, _, at in arrived if conversation == throttled)
    assert retried - refused_at >= 1.0
    # The channel's twelve couldn't go faster than 8 in 2 seconds.
    channel_times = [at for _, at in by_conversation[CHANNEL]]
    assert channel_times[-1] - channel_times[0] >= 2.0
    assert time.monotonic() - started < 60
    async with app[SERVICES].sessions() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent"}


async def test_a_message_undeliverable_past_the_give_up_time_is_given_up_and_the_bu_told(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: Any
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    dispatcher = app[SERVICES].dispatcher
    await queue(app, [("Channel message for nobody", {"channel_id": CHANNEL})])
    connector.fail_next = [500]
    await flush(app)  # failed once: it will be tried again
    async with app[SERVICES].sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.summary == "Channel message for nobody")
        )
        assert row is not None and row.status == "pending" and row.attempts == 1
    clock.current += dispatcher.give_up + timedelta(minutes=1)
    connector.fail_next = [503]
    await flush(app)  # the last try fails: given up
    async with app[SERVICES].sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.summary == "Channel message for nobody")
        )
        assert row is not None and row.status == "failed"
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "outbox.given_up")
        )
        assert audit is not None and audit.case_ref is None
    told = [
        s
        for s in connector.sent
        if s.conversation_id.endswith(BUSINESS_UNIT["id"])
        and "couldn't be delivered" in json.dumps(s.activity)
    ]
    assert len(told) == 1
    text = json.dumps(told[0].activity)
    assert "Channel message for nobody" in text and "the case review channel" in text
