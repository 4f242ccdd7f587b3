"""The outbox: outgoing messages written in the same transaction as the change behind them.

A dispatcher in the bot layer sends them; this module only stores and claims rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher, DecryptionError
from storage.db import QUEUED, upsert
from storage.models import OutboxMessage, PostedCard

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
HELD = "held"  # its conversation cannot be reached (bot removed, team archived): not sent
LEASE = timedelta(minutes=5)  # a claim older than this (sender died mid-send) is due again
GIVE_UP = timedelta(hours=24)  # the default; the dispatcher is told the configured time
PACED = "paced"  # put back to keep within a conversation's rate limit: still in line


def _context(target: str, to: str | None = None) -> str:
    """A queued card opens only for its own recipient: moved to another row, it won't."""
    return f"outbox:{target}:{to}" if to else f"outbox:{target}"


async def queued_under(*, session: AsyncSession, dedupe_key: str) -> bool:
    """Whether a message was ever queued under ``dedupe_key`` (sent or not)."""
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    return found is not None


async def keys_from(*, session: AsyncSession, prefix: str, column: str = "dedupe_key") -> set[str]:
    """The de-duplication keys (or card keys) ever queued that start with ``prefix``: a range
    of the column's index (LIKE would read the whole table, SQLite's being case-blind)."""
    field = getattr(OutboxMessage, column)
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    found = await session.scalars(select(field).where(field >= prefix, field < end).distinct())
    return {key for key in found if key is not None}


def row_values(
    *,
    cipher: Cipher,
    now: datetime,
    card: dict[str, Any] | None,
    summary: str,
    recipient_aad_id: str | None = None,
    channel_id: str | None = None,
    card_key: str | None = None,
    case_ref: str | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """One outbox row's columns: to one person (1:1 chat) or one channel. ``card`` None: a
    key claimed as delivered within another message (a catch-up that combined it)."""
    if (recipient_aad_id is None) == (channel_id is None):
        raise ValueError("a message goes to one person or one channel")
    target = "person" if recipient_aad_id else "channel"
    due = max(now, not_before) if not_before else now
    return {
        "created_at": now,
        "target": target,
        "recipient_aad_id": recipient_aad_id,
        "channel_id": channel_id,
        "card_key": card_key,
        "case_ref": case_ref,
        "dedupe_key": dedupe_key,
        "summary": summary[:200],
        "payload": cipher.encrypt_json(
            card, context=_context(target, recipient_aad_id or channel_id)
        )
        if card
        else "",
        "status": PENDING if card else SENT,
        "attempts": 0,
        "next_attempt_at": due,
        "due_at": due,
        "sent_at": None if card else now,
    }


async def insert_new(*, session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (``row_values``), each with a de-duplication key, in one statement;
    a key queued already (by a twin, just now) is left as it is. Returns how many were new."""
    if not rows:
        return 0
    statement = (
        upsert(session, OutboxMessage)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id, OutboxMessage.status)
    )
    inserted = (await session.execute(statement)).all()
    if any(status == PENDING for _, status in inserted):
        session.info[QUEUED] = True  # the sender is woken once this transaction commits
    return sum(1 for _, status in inserted if status == PENDING)


async def enqueue(
    *,
    session: AsyncSession,
    cipher: Cipher,
    now: datetime,
    card: dict[str, Any],
    summary: str,
    recipient_aad_id: str | None = None,
    channel_id: str | None = None,
    card_key: str | None = None,
    case_ref: str | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Queue ``card`` for one person (1:1 chat) or for a channel. Exactly one target.
    ``not_before``: held until then (a snoozed reminder).

    With ``dedupe_key``, the message is queued once, however often this is called (a job run
    twice, two processes at once): the database keeps the key unique, and a repeat returns
    the message already queued."""
    if dedupe_key is not None:
        existing = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return existing
    row = OutboxMessage(
        **row_values(
            cipher=cipher,
            now=now,
            card=card,
            summary=summary,
            recipient_aad_id=recipient_aad_id,
            channel_id=channel_id,
            card_key=card_key,
            case_ref=case_ref,
            dedupe_key=dedupe_key,
            not_before=not_before,
        )
    )
    if dedupe_key is None:
        session.add(row)
        await session.flush()
    else:
        try:
            async with session.begin_nested():  # a racing twin may have just taken the key
                session.add(row)
                await session.flush()
        except IntegrityError:
            twin = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
            )
            assert twin is not None
            return twin
    session.info[QUEUED] = True  # the sender is woken once this transaction commits
    return row


def read_card(cipher: Cipher, message: OutboxMessage) -> dict[str, Any]:
    to = message.recipient_aad_id or message.channel_id
    try:
        card: dict[str, Any] = cipher.decrypt_json(
            message.payload, context=_context(message.target, to)
        )
    except DecryptionError:  # queued before cards were bound to their recipient
        card = cipher.decrypt_json(message.payload, context=_context(message.target))
    return card


@dataclass(frozen=True)
class Claimed:
    id: int
    conversation: str  # "person:<aad id>" or "channel:<channel id>": the order is kept per one


def conversation_of(message: OutboxMessage) -> str:
    return f"{message.target}:{message.recipient_aad_id or message.channel_id or ''}"


def _in_line(message: OutboxMessage, now: datetime) -> bool:
    """Whether ``message``, unsent, holds its place in its conversation's order: claimed,
    held, tried already (waiting to retry) or due now. A message not yet due and never tried
    (a snoozed reminder) does not hold up the ones queued after it."""
    if message.status in (SENDING, HELD):
        return True
    return message.last_error is not None or message.next_attempt_at <= now


async def claim_due(*, session: AsyncSession, now: datetime, limit: int = 20) -> list[Claimed]:
    """Claim messages due now, oldest first: marked ``sending`` with a lease, so another
    sender skips them until it runs out. Delivery is at least once.

    Each conversation's order is kept: a message is claimed only when every earlier unsent
    message to the same conversation that holds its place (``_in_line``) is claimed with it,
    so a message waiting to be retried, or claimed by another instance, holds back the ones
    after it."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(await session.scalars(query))
    if not candidates:
        return []
    people = {m.recipient_aad_id for m in candidates if m.recipient_aad_id}
    channels = {m.channel_id for m in candidates if m.channel_id}
    earlier = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id < candidates[-1].id,
            OutboxMessage.status.in_((PENDING, SENDING, HELD)),
            OutboxMessage.recipient_aad_id.in_(people) | OutboxMessage.channel_id.in_(channels),
        )
    )
    waiting: dict[str, list[int]] = {}
    for message in earlier:
        if _in_line(message, now):
            waiting.setdefault(conversation_of(message), []).append(message.id)
    claimed: list[Claimed] = []
    taken: set[int] = set()
    blocked: set[str] = set()
    for message in candidates:
        conversation = conversation_of(message)
        ahead = [i for i in waiting.get(conversation, ()) if i < message.id and i not in taken]
        if conversation in blocked or ahead:
            blocked.add(conversation)
            continue
        message.status = SENDING
        message.next_attempt_at = now + LEASE
        taken.add(message.id)
        claimed.append(Claimed(message.id, conversation))
    await session.flush()
    return claimed


async def has_newer_version(*, session: AsyncSession, message: OutboxMessage) -> bool:
    """A later message carries a newer version of the same card (same ``card_key``)."""
    newer = await session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.card_key == message.card_key, OutboxMessage.id > message.id)
        .limit(1)
    )
    return newer is not None


def mark_sent(message: OutboxMessage, now: datetime) -> None:
    """Sent: the content is dropped (it may hold personal details; Teams has it now)."""
    message.status = SENT
    message.sent_at = now
    message.last_error = None
    message.payload = ""


def given_up(message: OutboxMessage, now: datetime, give_up: timedelta = GIVE_UP) -> bool:
    """Whether ``message`` has been due for longer than ``give_up``."""
    return now - (message.due_at or message.created_at) >= give_up


def mark_retry(
    message: OutboxMessage,
    now: datetime,
    error: str,
    delay: timedelta,
    give_up: timedelta = GIVE_UP,
) -> None:
    """Try again after ``delay``; or, due for longer than ``give_up``, give it up."""
    message.attempts += 1
    message.last_error = error[:200]
    if given_up(message, now, give_up):
        message.status = FAILED
    else:
        message.status = PENDING
        message.next_attempt_at = now + delay


def mark_paced(message: OutboxMessage, until: datetime) -> None:
    """Not sent yet, to keep within its conversation's rate limit: it stays first in line."""
    message.status = PENDING
    message.last_error = PACED
    message.next_attempt_at = until


def mark_waiting(
    message: OutboxMessage,
    now: datetime,
    reason: str,
    delay: timedelta,
    give_up: timedelta = GIVE_UP,
) -> None:
    """Nobody to deliver to yet (the bot not yet in the team, say): wait without using up
    the message's attempts; given up once due for longer than ``give_up``."""
    message.last_error = reason[:200]
    if given_up(message, now, give_up):
        message.status = FAILED
        return
    message.status = PENDING
    message.next_attempt_at = now + delay


def mark_held(message: OutboxMessage, now: datetime, reason: str) -> None:
    """Its conversation is gone for now: keep it, untried, until the bot is back."""
    message.status = HELD
    message.last_error = reason[:200]
    message.next_attempt_at = now


async def hold_channel_messages(*, session: AsyncSession, now: datetime, reason: str) -> int:
    """Hold every unsent channel message; return how many."""
    rows = list(
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.target == "channel",
                OutboxMessage.status.in_((PENDING, SENDING)),
            )
        )
    )
    for row in rows:
        mark_held(row, now, reason)
    await session.flush()
    return len(rows)


async def release_held(*, session: AsyncSession, now: datetime) -> int:
    """The bot is back: held messages are due now; return how many."""
    rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.status == HELD)))
    for row in rows:
        row.status = PENDING
        row.next_attempt_at = now
    await session.flush()
    if rows:
        session.info[QUEUED] = True
    return len(rows)


async def get_posted_card(*, session: AsyncSession, key: str) -> PostedCard | None:
    return await session.get(PostedCard, key)


async def save_posted_card(
    *, session: AsyncSession, key: str, conversation_id: str, activity_id: str, now: datetime
) -> None:
    row = await session.get(PostedCard, key)
    if row is None:
        session.add(
            PostedCard(
                key=key, conversation_id=conversation_id, activity_id=activity_id, updated_at=now
            )
        )
    else:
        row.conversation_id = conversation_id
        row.activity_id = activity_id
        row.updated_at = now
    await session.flush()
