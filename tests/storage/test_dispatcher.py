"""The outbox dispatcher against a stand-in messenger (the Messenger interface): what it does
with each answer, on both databases, with no Teams at all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import outbox as dispatching
from bot.messenger import ChannelGone, Unreachable
from flows.context import ReviewChannel
from storage import db, outbox
from storage.crypto import Cipher, new_key, parse_key
from storage.models import OutboxMessage

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}
BU = "00000000-0000-4000-8000-000000000103"


class StandInMessenger:
    def __init__(self, *, person_error: Exception | None = None,
                 channel_error: Exception | None = None) -> None:  # fmt: skip
        self.person_error, self.channel_error = person_error, channel_error
        self.sent: list[tuple[str, str]] = []

    async def send_to_person(self, aad_id: str, card: dict[str, Any], summary: str) -> None:
        if self.person_error:
            raise self.person_error
        self.sent.append(("person", aad_id))

    async def post_to_channel(
        self, channel_id: str, card: dict[str, Any], card_key: str | None, summary: str
    ) -> tuple[str, str] | None:
        if self.channel_error:
            raise self.channel_error
        self.sent.append(("channel", channel_id))
        return channel_id, "1764151500000"

    async def wait_idle(self) -> None:
        return None


async def run(
    sessions: async_sessionmaker[AsyncSession], messenger: StandInMessenger
) -> list[tuple[str, str, int]]:
    cipher = Cipher(parse_key(new_key()))
    async with db.transaction(sessions) as session:
        for target in ({"recipient_aad_id": BU}, {"channel_id": "19:case-review"}):
            await outbox.enqueue(
                session=session, cipher=cipher, now=NOW, card=CARD, summary="s", **target
            )
    dispatcher = dispatching.OutboxDispatcher(
        sessions=sessions,
        cipher=cipher,
        clock=lambda: NOW,
        messenger=messenger,
        channel=ReviewChannel("19:case-review"),
        timezone=ZoneInfo("Europe/London"),
    )
    await dispatcher.flush()
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.target, r.status, r.attempts) for r in rows]


async def test_delivered_messages_are_marked_sent_and_emptied(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    messenger = StandInMessenger()
    assert await run(sessions, messenger) == [("person", "sent", 0), ("channel", "sent", 0)]
    assert messenger.sent == [("person", BU), ("channel", "19:case-review")]
    async with sessions() as session:
        assert set(await session.scalars(select(OutboxMessage.payload))) == {""}


async def test_nobody_reachable_waits_and_a_lost_channel_holds_without_spending_attempts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    messenger = StandInMessenger(
        person_error=Unreachable("the bot is not installed in a team yet"),
        channel_error=ChannelGone("the case review channel cannot be reached"),
    )
    assert await run(sessions, messenger) == [("person", "pending", 0), ("channel", "held", 0)]


async def test_other_failures_are_retried_later(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    messenger = StandInMessenger(person_error=RuntimeError("connection reset"))
    assert await run(sessions, messenger) == [("person", "pending", 1), ("channel", "sent", 0)]


async def test_only_the_newest_version_of_a_card_is_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Two versions of one channel card queued before either went out: the older is skipped,
    so an older version can never arrive after (and over) a newer one."""
    cipher = Cipher(parse_key(new_key()))
    async with db.transaction(sessions) as session:
        for version in (1, 2):
            await outbox.enqueue(
                session=session,
                cipher=cipher,
                now=NOW,
                card={**CARD, "body": [{"type": "TextBlock", "text": f"v{version}"}]},
                summary=f"v{version}",
                channel_id="19:case-review",
                card_key="case-card:BR-2026-0001",
            )
    posted: list[str] = []

    class Recording(StandInMessenger):
        async def post_to_channel(
            self, channel_id: str, card: dict[str, Any], card_key: str | None, summary: str
        ) -> tuple[str, str] | None:
            posted.append(card["body"][0]["text"])
            return channel_id, "1764151500000"

    dispatcher = dispatching.OutboxDispatcher(
        sessions=sessions,
        cipher=cipher,
        clock=lambda: NOW,
        messenger=Recording(),
        channel=ReviewChannel("19:case-review"),
        timezone=ZoneInfo("Europe/London"),
    )
    await dispatcher.flush()
    assert posted == ["v2"]
    async with sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [r.status for r in rows] == ["sent", "sent"]
    assert rows[0].last_error == "superseded by a newer version of the card"
