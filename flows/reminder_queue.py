"""Queueing a tick's messages (``flows.reminders``): each once under its key, the rows written
when the tick has built them all; a flood of deadline reminders for one place gathered into
one message, and after downtime one catch-up message, each nudge in it claimed as sent."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import reminders as cards
from flows.context import CaseContext
from flows.nudge import CHANNEL, Outgoing
from storage import outbox
from storage.settings import store_setting, stored_setting

TO_QUEUE = "reminders.to queue"  # session.info: the rows a tick will queue
KNOWN_TODAY = "reminders.known today"  # session.info: today's queued keys are all read


async def known_today(session: AsyncSession, today: date) -> None:
    """Read the keys of today's nudges already queued, in one query rather than one each."""
    session.info[KNOWN_TODAY] = True
    known: set[str] = session.info.setdefault("queued keys", set())
    known.update(await outbox.keys_from(session=session, prefix=f"nudge:{today.isoformat()}:"))
    gathered = (await stored_setting(session=session, key=GATHERED) or "").split("\n")
    if gathered[0] == today.isoformat():
        known.update(gathered[1:])


async def queued_before(session: AsyncSession, key: str) -> bool:
    """Whether ``key`` was queued already: today's nudges are known from one read
    (``_known_today``); any other key is looked up."""
    known: set[str] = session.info.setdefault("queued keys", set())
    if key in known:
        return True
    dated = KNOWN_TODAY in session.info and key.startswith(f"nudge:{session.info['today']}:")
    return not dated and await outbox.queued_under(session=session, dedupe_key=key)


async def queue(
    session: AsyncSession,
    context: CaseContext,
    now: datetime,
    key: str,
    card: dict[str, Any] | None,
    **target: Any,
) -> None:
    """Queue once under ``key`` (the rows are written when the tick has built them all).
    ``card`` None: claimed as delivered within another message."""
    if await queued_before(session, key):
        return
    session.info.setdefault("queued keys", set()).add(key)
    session.info.setdefault(TO_QUEUE, []).append(
        outbox.row_values(cipher=context.cipher, now=now, card=card, dedupe_key=key, **target)
    )


async def send(session: AsyncSession, context: CaseContext, item: Outgoing, now: datetime) -> None:
    """Queue one message: a deadline reminder to the channel, or to a person with a snooze
    button; or a source's own card."""
    if item.to == CHANNEL and not context.case_review_channel_id:
        return
    if await queued_before(session, item.key):
        return  # queued by an earlier tick: not built again
    where = target_of(context, item.to)
    reminder = item.reminder
    if reminder is None:
        await queue(session, context, now, item.key, card=item.card, summary=item.summary, **where)
        return
    personal = item.to != CHANNEL
    await queue(
        session,
        context,
        now,
        item.key,
        card=cards.nudge_card(reminder, personal=personal, snooze_key=item.key if personal else ""),
        summary=f"{'Your deadline' if personal else 'Deadline'} "
        f"{cards.WORDS[reminder.kind]}: {reminder.reference}",
        case_ref=reminder.reference,
        **where,
    )


FLOOD = 10  # more deadline reminders than this for one place in one tick: one message


async def gather_floods(
    session: AsyncSession, context: CaseContext, outgoing: list[Outgoing], now: datetime
) -> list[Outgoing]:
    """A flood of deadline reminders for one channel or person (hundreds of cases falling
    due on one day) goes as one message listing them, their keys kept as the day's gathered
    keys (``GATHERED``: one setting, not a row each); the rest, and every other message, are
    returned to be sent one by one."""
    fresh: dict[str, list[Outgoing]] = {}
    for item in outgoing:
        if item.reminder is not None and not await queued_before(session, item.key):
            fresh.setdefault(item.to, []).append(item)
    flooded = {to for to, items in fresh.items() if len(items) > FLOOD}
    if not context.case_review_channel_id:
        flooded.discard(CHANNEL)
    for to in flooded:
        items = fresh[to]
        reminders = sorted(
            (i.reminder for i in items if i.reminder is not None),
            key=lambda r: (r.due, r.reference, r.what),
        )
        personal = to != CHANNEL
        batch = hashlib.sha256("\n".join(sorted(i.key for i in items)).encode()).hexdigest()
        await queue(
            session,
            context,
            now,
            f"gathered:{session.info['today']}:{to}:{batch[:16]}",
            card=cards.gathered_card(reminders, personal=personal),
            summary=f"{'Your deadlines' if personal else 'Deadlines'} today: {len(reminders)}",
            **target_of(context, to),
        )
        known: set[str] = session.info.setdefault("queued keys", set())
        known.update(i.key for i in items)
        session.info.setdefault(GATHERED, []).extend(i.key for i in items)
    return [i for i in outgoing if i.reminder is None or i.to not in flooded]


GATHERED = "reminders.gathered"  # bot_settings, and session.info: the day's gathered keys


async def keep_gathered(session: AsyncSession, day: date, keys: list[str], now: datetime) -> None:
    """Add ``keys`` to the day's gathered keys (after their messages are queued: a failure
    between the two lists a reminder twice, never loses one)."""
    stored = (await stored_setting(session=session, key=GATHERED) or "").split("\n")
    kept = stored[1:] if stored[0] == day.isoformat() else []
    await store_setting(
        session=session,
        key=GATHERED,
        value="\n".join([day.isoformat(), *kept, *keys]),
        by="reminders",
        now=now,
    )


async def catch_up(
    session: AsyncSession,
    context: CaseContext,
    since: date,
    earlier: list[Outgoing],
    today: list[Outgoing],
    now: datetime,
) -> None:
    """After downtime: one message to each channel and person with what they missed and
    what today brings, instead of each nudge on its own. Today's nudges are claimed under
    their keys as sent within it, so the rest of the day doesn't send them again."""
    fresh = [
        item
        for item in today
        if (item.to != CHANNEL or context.case_review_channel_id)
        and not await queued_before(session, item.key)
    ]
    if not context.case_review_channel_id:
        earlier = [item for item in earlier if item.to != CHANNEL]
    if not fresh and not earlier:
        return
    latest: dict[tuple[str, str, str], cards.Reminder] = {}
    for item in [*earlier, *fresh]:  # a later day's word on the same deadline replaces it
        if item.reminder is not None:
            latest[(item.to, item.reminder.reference, item.reminder.what)] = item.reminder
    by_target: dict[str, list[cards.Reminder]] = {}
    for (to, _, _), reminder in latest.items():
        by_target.setdefault(to, []).append(reminder)
    for to, reminders in by_target.items():
        ordered = sorted(reminders, key=lambda r: (r.due, r.reference, r.what))
        personal = to != CHANNEL
        await queue(
            session,
            context,
            now,
            f"catchup:{session.info['today']}:{to}",
            card=cards.catch_up_card(ordered, since=since, personal=personal),
            summary=f"{'Your deadlines' if personal else 'Deadlines'} while I was offline",
            **target_of(context, to),
        )
    for item in fresh:
        await queue(
            session,
            context,
            now,
            item.key,
            card=None,
            summary="in the catch-up message",
            case_ref=item.reminder.reference if item.reminder else None,
            **target_of(context, item.to),
        )


def target_of(context: CaseContext, to: str) -> dict[str, str]:
    """The outbox's target for ``to``: the case review channel, or a person's 1:1 chat."""
    if to == CHANNEL:
        return {"channel_id": context.case_review_channel_id}
    return {"recipient_aad_id": to}
