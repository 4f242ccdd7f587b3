"""Sending what the outbox holds: 1:1 cards to people, case cards to the case review channel.

Rows are written by flows in the same transaction as the change behind them; this dispatcher
claims due rows, sends each through a ``Messenger`` (bot/messenger.py: Teams), and marks it
sent, or retries it later with exponential backoff and jitter (honouring Retry-After on 429),
as Teams asks; holds it while the channel is gone; waits, without spending attempts, while
nobody can be reached. A channel card with a ``card_key`` already posted is updated in place.

Each conversation gets its messages in the order they were queued (a failed one holds back
the ones after it), never faster than Teams' per-conversation limits (``Pacer``). A message
still undelivered ``give_up`` after it fell due is given up: audited, logged, and the
Business Unit told in 1:1 chat so that someone passes it on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.membership import Change, apply_change
from bot.messenger import ChannelGone, Messenger, Unreachable
from cards.reminders import undelivered_card
from flows.context import ReviewChannel
from storage import outbox, people
from storage.audit import append_audit
from storage.conversations import (
    get_personal_conversation,
    set_reachable,
)
from storage.crypto import Cipher
from storage.db import transaction
from storage.models import OutboxMessage
from workflow.roles import Role

log = logging.getLogger(__name__)

WAIT_UNREACHABLE = timedelta(minutes=1)
SEND_INTERVAL = 0.05  # seconds between any two sends: 20/s, under Teams' 50/s per tenant
# Teams' limits per bot per conversation (PLATFORM.md): at most this many sends in this many
# seconds. A 429 beyond them still backs off as Teams says.
TEAMS_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
MARGIN = 0.02  # seconds: a window is left a little after it closes

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


def backoff(attempts: int, retry_after: float | None = None, first: float = 1.0) -> timedelta:
    """How long before trying again: Retry-After when Teams says, else exponential from
    ``first`` seconds (up to five minutes) with jitter."""
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, 3600))
    base = min(300.0, first * 2.0 ** max(attempts, 0))
    return timedelta(seconds=base + random.uniform(0, base / 2))


class Pacer:
    """Sliding windows per conversation: how long before the next send keeps within every
    limit. Time is this process's monotonic clock (pacing is about real seconds)."""

    def __init__(
        self,
        limits: Sequence[tuple[float, int]] = TEAMS_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = tuple(limits)
        self.clock = clock
        self.longest = max(span for span, _ in self.limits)
        self._sends: dict[str, deque[float]] = {}

    def wait_for(self, conversation: str) -> float:
        """Seconds to wait before sending to ``conversation`` (0: now)."""
        sends = self._sends.get(conversation)
        if not sends:
            return 0.0
        now = self.clock()
        wait = 0.0
        for span, most in self.limits:
            if len(sends) >= most:
                oldest_of_last = sends[-most]
                if oldest_of_last > now - span:
                    wait = max(wait, oldest_of_last + span - now + MARGIN)
        return wait

    def record(self, conversation: str) -> None:
        now = self.clock()
        sends = self._sends.setdefault(conversation, deque())
        sends.append(now)
        while sends and sends[0] <= now - self.longest:
            sends.popleft()


class OutboxDispatcher:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        cipher: Cipher,
        clock: Callable[[], datetime],
        messenger: Messenger,
        channel: ReviewChannel,
        timezone: ZoneInfo,
        give_up: timedelta = outbox.GIVE_UP,
        pacer: Pacer | None = None,
        retry_base: float = 1.0,
    ) -> None:
        self.channel = channel  # the case review channel (one holder: flows/context.py)
        self.give_up = give_up
        self.pacer = pacer or Pacer()
        self.retry_base = retry_base  # seconds: the first retry's backoff (doubling after)
        self.timezone = timezone
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock
        self.messenger = messenger
        self.delivered = 0  # messages this dispatcher has delivered
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
                claimed = await outbox.claim_due(session=session, now=self.clock())
            if not claimed:
                return sent
            sent += await self._send_batch(claimed)

    async def _send_batch(self, claimed: list[outbox.Claimed]) -> int:
        """Send what was claimed: each conversation's in order, interleaved so that one
        conversation waiting on its rate limit doesn't hold up the others; once a message
        fails, the rest of its conversation's are put back behind it."""
        lines: dict[str, deque[int]] = {}
        for item in claimed:
            lines.setdefault(item.conversation, deque()).append(item.id)
        sent = 0
        while lines:
            conversation = min(lines, key=lambda c: (self.pacer.wait_for(c), lines[c][0]))
            wait = self.pacer.wait_for(conversation)
            if wait > 0:
                await asyncio.sleep(wait)
            message_id = lines[conversation].popleft()
            delivered, attempted = await self._deliver(message_id)
            if attempted:
                self.pacer.record(conversation)
                await asyncio.sleep(SEND_INTERVAL)
            sent += delivered
            self.delivered += delivered
            if attempted and not delivered:
                await self._put_back(lines.pop(conversation))
            elif not lines[conversation]:
                del lines[conversation]
        return sent

    async def _put_back(self, message_ids: deque[int]) -> None:
        """Claimed but not tried (an earlier one to the same conversation failed): unclaimed,
        due again, behind the failed one."""
        if not message_ids:
            return
        async with transaction(self.sessions) as session:
            for message_id in message_ids:
                row = await session.get(OutboxMessage, message_id)
                if row is not None and row.status == outbox.SENDING:
                    row.status = outbox.PENDING
                    row.next_attempt_at = self.clock()

    # ----- one message --------------------------------------------------------------------

    async def _deliver(self, message_id: int) -> tuple[int, bool]:
        """Send one claimed message: (1 if delivered, whether Teams was asked)."""
        async with self.sessions() as session:
            message = await session.get(OutboxMessage, message_id)
            if message is None or message.status != outbox.SENDING:
                return 0, False
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
            return 0, False
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
                    outbox.mark_waiting(
                        row, self.clock(), f"waiting: {error}", WAIT_UNREACHABLE, self.give_up
                    )
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
                    delay = backoff(
                        row.attempts, retry_after if status == 429 else None, self.retry_base
                    )
                    outbox.mark_retry(row, self.clock(), reason, delay, self.give_up)
                if row.status == outbox.FAILED:
                    await self._gave_up(session, row, reason)
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
            return 0, True
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
        return 1, True

    async def _gave_up(self, session: AsyncSession, row: OutboxMessage, reason: str) -> None:
        """Given up: audited, logged, and each Business Unit member told in 1:1 chat (unless
        this was such a note itself: no note about a note)."""
        now = self.clock()
        due = row.due_at or row.created_at
        await append_audit(
            session=session,
            now=now,
            actor_aad_id="",
            actor_role="system",
            action="outbox.given_up",
            case_ref=row.case_ref,
            details={
                "outbox_id": row.id,
                "target": row.target,
                "summary": row.summary,
                "due_at": due.isoformat(),
                "attempts": row.attempts,
                "error": reason,
            },
        )
        log.error(
            "outbox message given up",
            extra={"outbox_id": row.id, "target": row.target, "error": reason},
        )
        if (row.dedupe_key or "").startswith("undelivered:"):
            return
        if row.target == "channel":
            to_whom = "the case review channel"
        else:
            person = await people.get_person(
                session=session, aad_object_id=row.recipient_aad_id or ""
            )
            to_whom = person.name if person is not None and person.name else "a member of staff"
            to_whom += " (1:1 chat)"
        card = undelivered_card(
            summary=row.summary, to_whom=to_whom, case_ref=row.case_ref, due=due, error=reason
        )
        for aad in await people.list_holders(session=session, role=Role.BUSINESS_UNIT):
            await outbox.enqueue(
                session=session,
                cipher=self.cipher,
                now=now,
                card=card,
                summary="A message couldn't be delivered",
                recipient_aad_id=aad,
                case_ref=row.case_ref,
                dedupe_key=f"undelivered:{row.id}:{aad}",
            )

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
            channel_id=self.channel.id,
            timezone=self.timezone,
        )
        if row.status != outbox.HELD:  # not held above: the channel was already known gone
            outbox.mark_held(row, self.clock(), "held: Teams refused the post")

    async def _personal_id(self, session: AsyncSession, aad_id: str) -> str:
        row = await get_personal_conversation(session=session, user_aad_id=aad_id)
        return row.conversation_id if row is not None else ""
