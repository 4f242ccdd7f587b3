"""Sending what the outbox holds: 1:1 cards to people, case cards to the case review channel.

Rows are written by flows in the same transaction as the change behind them; this dispatcher
claims due rows, sends each through a ``Messenger`` (bot/messenger.py: Teams), and marks it
sent, or retries it later with exponential backoff and jitter (honouring Retry-After on 429),
as Teams asks; holds it while the channel is gone; waits, without spending attempts, while
nobody can be reached. A channel card with a ``card_key`` already posted is updated in place.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.membership import Change, apply_change
from bot.messenger import ChannelGone, Messenger, Unreachable
from storage import outbox
from storage.conversations import (
    get_personal_conversation,
    set_reachable,
)
from storage.crypto import Cipher
from storage.db import transaction
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

WAIT_UNREACHABLE = timedelta(minutes=1)
SEND_INTERVAL = 0.2  # seconds between sends (5/s, under 7/s); a 429 beyond that backs off

# Teams' answers when the bot is no longer in a conversation (BotNotInConversationRoster,
# ConversationNotFound): trying again will not help.
GONE_STATUSES = (403, 404)


def _status_of(error: BaseException) -> tuple[int | None, float | None]:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    retry_after = None
    headers = getattr(response, "headers", None) or {}
    try:
        if headers.get("Retry-After"):
            retry_after = float(headers["Retry-After"])
    except (TypeError, ValueError):
        retry_after = None
    return (int(status) if status else None), retry_after


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, 3600))
    base = min(300.0, 2.0 ** max(attempts, 0))
    return timedelta(seconds=base + random.uniform(0, base / 2))


class OutboxDispatcher:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        cipher: Cipher,
        clock: Callable[[], datetime],
        messenger: Messenger,
        channel_id: str,
        timezone: ZoneInfo,
    ) -> None:
        self.channel_id = channel_id  # the configured case review channel
        self.timezone = timezone
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock
        self.messenger = messenger
        self._wanted = False
        self._task: asyncio.Task[None] | None = None
        # One flush at a time in this process: versions of one card (its ``card_key``) go
        # out in the order they were queued, never an older one over a newer.
        self._flushing = asyncio.Lock()

    # ----- triggering ---------------------------------------------------------------------

    def kick(self) -> None:
        """Send soon, in the background (after a change commits, or on the timer)."""
        self._wanted = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    async def tick(self) -> None:
        """The scheduler's job: retries and anything a kick missed."""
        self.kick()

    async def _drain(self) -> None:
        while self._wanted:
            self._wanted = False
            try:
                await self.flush()
            except Exception:
                log.exception("outbox flush failed")

    async def wait_idle(self) -> None:
        await self.messenger.wait_idle()
        if self._task is not None:
            await self._task

    async def flush(self) -> int:
        """Send everything due now; return how many were sent."""
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> int:
        sent = 0
        while True:
            async with transaction(self.sessions) as session:
                ids = await outbox.claim_due(session=session, now=self.clock())
            if not ids:
                return sent
            for message_id in ids:
                sent += await self._deliver(message_id)
                await asyncio.sleep(SEND_INTERVAL)

    # ----- one message --------------------------------------------------------------------

    async def _deliver(self, message_id: int) -> int:
        async with self.sessions() as session:
            message = await session.get(OutboxMessage, message_id)
            if message is None or message.status != outbox.SENDING:
                return 0
            target, recipient, channel_id = (
                message.target,
                message.recipient_aad_id,
                message.channel_id,
            )
            card_key = message.card_key
            if card_key and await outbox.has_newer_version(session=session, message=message):
                superseded = True
            else:
                superseded = False
        if superseded:
            # A newer version of this card is queued: it replaces this one; only it is sent.
            async with transaction(self.sessions) as session:
                row = await session.get(OutboxMessage, message_id)
                if row is not None:
                    outbox.mark_sent(row, self.clock())
                    row.last_error = "superseded by a newer version of the card"
            return 0
        try:
            card = outbox.read_card(self.cipher, message)
            if target == "person":
                assert recipient is not None
                await self.messenger.send_to_person(recipient, card, message.summary)
                posted = None
            else:
                assert channel_id is not None
                posted = await self.messenger.post_to_channel(
                    channel_id, card, card_key, message.summary
                )
        except Exception as error:
            status, retry_after = _status_of(error)
            reason = type(error).__name__ + (f" {status}" if status else "")
            async with transaction(self.sessions) as session:
                row = await session.get(OutboxMessage, message_id)
                assert row is not None
                if isinstance(error, Unreachable):
                    outbox.mark_waiting(row, self.clock(), f"waiting: {error}", WAIT_UNREACHABLE)
                elif isinstance(error, ChannelGone):
                    outbox.mark_held(row, self.clock(), f"held: {error}")
                elif status in GONE_STATUSES and target == "channel":
                    # Removed without our hearing of it: the channel is gone until it is back.
                    await self._refused(session, row, channel_id)
                else:
                    if status in GONE_STATUSES and recipient:
                        # Their 1:1 chat is closed to the bot; next time, open one anew.
                        await set_reachable(
                            session=session,
                            now=self.clock(),
                            reachable=False,
                            reason=f"teams.refused {status}",
                            conversation_id=await self._personal_id(session, recipient),
                        )
                    delay = backoff(row.attempts, retry_after if status == 429 else None)
                    outbox.mark_retry(row, self.clock(), reason, delay)
                attempts, final = row.attempts, row.status
            log.warning(
                "outbox send failed",
                extra={
                    "outbox_id": message_id,
                    "attempts": attempts,
                    "status": final,
                    "error": reason,
                },
            )
            return 0
        async with transaction(self.sessions) as session:
            row = await session.get(OutboxMessage, message_id)
            assert row is not None
            outbox.mark_sent(row, self.clock())
            if posted is not None and card_key:
                await outbox.save_posted_card(
                    session=session,
                    key=card_key,
                    conversation_id=posted[0],
                    activity_id=posted[1],
                    now=self.clock(),
                )
        log.info("outbox sent", extra={"outbox_id": message_id, "target": target})
        return 1

    async def _refused(
        self, session: AsyncSession, row: OutboxMessage, channel_id: str | None
    ) -> None:
        await apply_change(
            session=session,
            change=Change(
                "teams.post_refused",
                False,
                "Teams refused my post to the channel (I may have been removed from the team)",
                channel_id=channel_id,
            ),
            now=self.clock(),
            actor_aad_id="",
            cipher=self.cipher,
            channel_id=self.channel_id,
            timezone=self.timezone,
        )
        if row.status != outbox.HELD:  # not held above: the channel was already known gone
            outbox.mark_held(row, self.clock(), "held: Teams refused the post")

    async def _personal_id(self, session: AsyncSession, aad_id: str) -> str:
        row = await get_personal_conversation(session=session, user_aad_id=aad_id)
        return row.conversation_id if row is not None else ""
