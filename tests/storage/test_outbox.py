"""The outbox's storage rules, on SQLite and PostgreSQL: a de-duplication key queues a
message once, even from two transactions at once; committing what was queued wakes the
sender, and a transaction that rolls back does not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import db, outbox
from storage.crypto import Cipher, new_key, parse_key
from storage.models import OutboxMessage

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}


async def _queue(
    sessions: async_sessionmaker[AsyncSession], cipher: Cipher, key: str | None
) -> int:
    async with db.transaction(sessions) as session:
        row = await outbox.enqueue(
            session=session,
            cipher=cipher,
            now=NOW,
            card=CARD,
            summary="Reminder",
            recipient_aad_id="00000000-0000-4000-8000-000000000103",
            dedupe_key=key,
        )
        return row.id


async def test_a_dedupe_key_queues_a_message_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cipher = Cipher(parse_key(new_key()))
    first = await _queue(sessions, cipher, "nudge:BR-2026-0001:la_decision:2026-12-01")
    again = await _queue(sessions, cipher, "nudge:BR-2026-0001:la_decision:2026-12-01")
    together = await asyncio.gather(
        *(_queue(sessions, cipher, "nudge:BR-2026-0001:scoping:2026-12-01") for _ in range(4))
    )
    await _queue(sessions, cipher, None)
    await _queue(sessions, cipher, None)
    assert again == first
    assert len(set(together)) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


async def test_committing_what_was_queued_wakes_the_sender(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    woken: list[str] = []
    db.on_queued_commit(sessions, lambda: woken.append("send"))
    cipher = Cipher(parse_key(new_key()))
    await _queue(sessions, cipher, None)
    assert woken == ["send"]
    async with db.transaction(sessions):
        pass  # nothing queued: nobody woken
    assert woken == ["send"]
    with pytest.raises(RuntimeError):
        async with db.transaction(sessions) as session:
            await outbox.enqueue(
                session=session,
                cipher=cipher,
                now=NOW,
                card=CARD,
                summary="Never sent",
                channel_id="19:channel",
            )
            raise RuntimeError("the change failed")
    assert woken == ["send"]  # rolled back: nothing to send


async def test_a_queued_card_is_ciphertext_in_its_column_read_raw(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """On both databases: the card waiting to be sent (a 1:1 card may carry a child's name) is
    stored encrypted, and opens only as an outbox card of its own kind."""
    from sqlalchemy import text

    from storage.crypto import DecryptionError

    cipher = Cipher(parse_key(new_key()))
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Zebedee Quattlebaum"}]}
    async with db.transaction(sessions) as session:
        row = await outbox.enqueue(
            session=session,
            cipher=cipher,
            now=NOW,
            card=card,
            summary="Referral: BR-2026-0001",
            recipient_aad_id="00000000-0000-4000-8000-000000000103",
        )
    async with sessions() as session:
        (raw,) = (
            await session.execute(text("SELECT payload FROM outbox WHERE id = :id"), {"id": row.id})
        ).one()
        stored = await session.get(OutboxMessage, row.id)
    assert raw.startswith("v1:") and "Zebedee" not in raw and "Quattlebaum" not in raw
    assert stored is not None and outbox.read_card(cipher, stored) == card
    with pytest.raises(DecryptionError):
        cipher.decrypt_json(raw, context="outbox:channel")
