"""The reminder jobs: deadline nudges, chasers and the daily digest. Plain async functions,
run by the scheduler every minute and by ``python -m bot tick [--now ISO-TIME]``.

One ``tick`` plans what the moment asks (workflow/nudges.py) and queues it through the one
outbox in one transaction, each message with its nudge's key as the de-duplication key: a
tick run twice, on two instances at once, or after a restart queues nothing twice, and a
crash after queueing loses nothing (the outbox sends it after restart).

Outside working hours nothing is queued; the day's nudges go with the first tick of the next
working period. Missed days are not replayed: only the current working day's nudges are sent
(an overdue milestone is nudged again that day anyway).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import reminders as cards
from flows import queries
from flows.cases import CaseContext
from flows.decisions import chair_prompt_key, queue_chair_prompt
from flows.review import queue_review_prompt, review_prompt_key
from storage import outbox, people
from storage.audit import append_audit
from storage.conversations import store_setting, stored_setting
from storage.db import transaction
from storage.models import Case, CaseRequest, FormDraft, MilestoneRow, OutboxMessage
from workflow import igt, nudges
from workflow.calendar import british
from workflow.nudges import Rules
from workflow.roles import Role, label
from workflow.stages import Stage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ticked:
    queued: int  # messages newly queued
    nudges: int  # nudges planned (queued now or before)
    working: bool


async def _named(session: AsyncSession, roles: tuple[str, ...]) -> tuple[str, list[str]]:
    """The roles in words with who holds them, and their Entra ids (read once a tick)."""
    memo: dict[tuple[str, ...], tuple[str, list[str]]] = session.info.setdefault("named", {})
    if roles not in memo:
        memo[roles] = await _read_named(session, roles)
    return memo[roles]


async def _read_named(session: AsyncSession, roles: tuple[str, ...]) -> tuple[str, list[str]]:
    words, ids = [], []
    for role in roles:
        holders = await people.list_holders(session=session, role=role)
        names = []
        for aad in holders:
            person = await people.get_person(session=session, aad_object_id=aad)
            names.append(person.name if person is not None and person.name else "someone")
        ids += holders
        words.append(label(role) + (f" ({', '.join(names)})" if names else ""))
    return "; ".join(words), list(dict.fromkeys(ids))


LAST_TICK = "reminders.last_tick"  # bot_settings: the last tick in working hours (UTC ISO)
CATCH_UP_DAYS = 10  # working days looked back over after downtime, at most


@dataclass(frozen=True)
class Outgoing:
    """One reminder to send: its key (the outbox's de-duplication key), what it says, and
    where (``CHANNEL`` or a person's Entra id)."""

    key: str
    reminder: cards.Reminder
    to: str


CHANNEL = "channel"


async def tick(
    sessions: async_sessionmaker[AsyncSession], context: CaseContext, rules: Rules, now: datetime
) -> Ticked:
    local = now.astimezone(context.timezone)
    calendar = context.timetable.calendar()
    if not nudges.working_now(local, rules, calendar):
        return Ticked(0, 0, False)
    today = local.date()
    furthest = max(
        [rules.default.before, rules.igt_before, 1]
        + [max(r.before, r.chase_before) for r in rules.milestones.values()]
    )
    horizon = calendar.add_working_days(today, furthest)
    queued = 0
    async with transaction(sessions) as session:
        missed = await _missed_days(session, context, today)
        rows = (
            await session.execute(
                select(Case.reference, MilestoneRow.key, MilestoneRow.due_date)
                .join(MilestoneRow, MilestoneRow.case_id == Case.id)
                .where(
                    Case.stage != Stage.CLOSED.value,
                    MilestoneRow.completed_at.is_(None),
                    MilestoneRow.not_applicable_since.is_(None),
                    MilestoneRow.due_date.is_not(None),
                    MilestoneRow.due_date <= horizon,
                )
            )
        ).all()
        open_milestones = [nudges.Open(ref, key, due) for ref, key, due in rows]
        plan = nudges.plan(open_milestones, today, rules, calendar)
        planned = len(plan)
        await _known_today(session, today)
        session.info["today"] = today.isoformat()
        outgoing: list[Outgoing] = []
        for nudge in plan:
            outgoing += await _milestone_nudge(session, context, rules, nudge)
        chasers, count = await _igt_chasers(session, context, rules, today, horizon)
        outgoing += chasers
        planned += count
        if missed:
            earlier: list[Outgoing] = []
            for day in missed:
                for nudge in nudges.plan(open_milestones, day, rules, calendar):
                    if nudge.due <= calendar.add_working_days(day, furthest):
                        earlier += await _milestone_nudge(session, context, rules, nudge)
            queued += await _catch_up(session, context, missed[0], earlier, outgoing, now)
        else:
            for item in outgoing:
                queued += await _send(session, context, item, now)
        queued += await _decision_prompts(session, context, plan, now)
        queued += await _unsent_referrals(session, context, rules, today, now)
        if local.time() >= rules.digest:
            queued += await _digest(session, context, today, now)
        await store_setting(
            session=session, key=LAST_TICK, value=now.isoformat(), by="reminders", now=now
        )
    if queued:
        log.info("reminders queued", extra={"queued": queued, "catch_up": bool(missed)})
    return Ticked(queued, planned, True)


# The decisions whose prompt card belongs in the channel once they fall due (the first
# nudge's day): the milestone, its card's key, and what posts it.
PROMPTS = {
    "chair_recommendation": (chair_prompt_key, queue_chair_prompt),
    "rapid_review_meeting": (review_prompt_key, queue_review_prompt),
}


async def _decision_prompts(
    session: AsyncSession, context: CaseContext, plan: list[nudges.Nudge], now: datetime
) -> int:
    """A decision falling due gets its prompt card in the channel, if it isn't there yet."""
    if not context.case_review_channel_id:
        return 0
    queued = 0
    for nudge in plan:
        if nudge.key not in PROMPTS or nudge.kind == nudges.CHASE:
            continue
        card_key, post = PROMPTS[nudge.key]
        key = card_key(nudge.reference)
        there = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.card_key == key).limit(1)
        )
        if there is not None:
            continue
        case = await session.scalar(select(Case).where(Case.reference == nudge.reference))
        if case is None:
            continue
        await post(session, context, case, now, "due")
        queued += 1
    return queued


async def _missed_days(session: AsyncSession, context: CaseContext, today: date) -> list[date]:
    """The working days since the last tick that had no tick at all (the bot was down), the
    latest ``CATCH_UP_DAYS`` of them; none on the first tick ever."""
    last = await stored_setting(session=session, key=LAST_TICK)
    if not last:
        return []
    calendar = context.timetable.calendar()
    day = datetime.fromisoformat(last).astimezone(context.timezone).date()
    missed: list[date] = []
    while True:
        day = calendar.next_working_day(day + timedelta(days=1))
        if day >= today:
            return missed[-CATCH_UP_DAYS:]
        missed.append(day)


async def _known_today(session: AsyncSession, today: date) -> None:
    """Read the keys of today's nudges already queued, in one query rather than one each."""
    known: set[str] = session.info.setdefault("queued keys", set())
    known.update(await outbox.queued_like(session=session, pattern=f"nudge:%:{today.isoformat()}%"))


async def _queued_before(session: AsyncSession, key: str) -> bool:
    """Whether ``key`` was queued already: today's nudges are known from one read
    (``_known_today``); any other key is looked up."""
    known: set[str] = session.info.setdefault("queued keys", set())
    if key in known:
        return True
    dated = key.startswith("nudge:") and session.info.get("today", "") in key
    return not dated and await outbox.queued_under(session=session, dedupe_key=key)


async def _queue(
    session: AsyncSession, context: CaseContext, now: datetime, key: str, **target: object
) -> int:
    """Queue once under ``key``; 1 if it is new."""
    if await _queued_before(session, key):
        return 0
    known: set[str] = session.info.setdefault("queued keys", set())
    known.add(key)
    _, new = await outbox.queue(
        session=session,
        cipher=context.cipher,
        now=now,
        dedupe_key=key,
        **target,  # type: ignore[arg-type]
    )
    return int(new)


async def _send(session: AsyncSession, context: CaseContext, item: Outgoing, now: datetime) -> int:
    """Queue one reminder: to the channel, or to a person with a snooze button."""
    words = cards.WORDS[item.reminder.kind]
    if item.to == CHANNEL:
        if not context.case_review_channel_id:
            return 0
        return await _queue(
            session,
            context,
            now,
            item.key,
            card=cards.nudge_card(item.reminder, personal=False),
            summary=f"Deadline {words}: {item.reminder.reference}",
            channel_id=context.case_review_channel_id,
            case_ref=item.reminder.reference,
        )
    return await _queue(
        session,
        context,
        now,
        item.key,
        card=cards.nudge_card(item.reminder, personal=True, snooze_key=item.key),
        summary=f"Your deadline {words}: {item.reminder.reference}",
        recipient_aad_id=item.to,
        case_ref=item.reminder.reference,
    )


async def _catch_up(
    session: AsyncSession,
    context: CaseContext,
    since: date,
    earlier: list[Outgoing],
    today: list[Outgoing],
    now: datetime,
) -> int:
    """After downtime: one message to each channel and person with what they missed and
    what today brings, instead of each nudge on its own. Today's nudges are claimed under
    their keys as sent within it, so the rest of the day doesn't send them again."""
    known: set[str] = session.info.setdefault("queued keys", set())
    fresh = [
        item
        for item in today
        if (item.to != CHANNEL or context.case_review_channel_id)
        and not await _queued_before(session, item.key)
    ]
    if not context.case_review_channel_id:
        earlier = [item for item in earlier if item.to != CHANNEL]
    if not fresh and not earlier:
        return 0
    latest: dict[tuple[str, str, str], Outgoing] = {}
    for item in [*earlier, *fresh]:  # a later day's word on the same deadline replaces it
        latest[(item.to, item.reminder.reference, item.reminder.what)] = item
    by_target: dict[str, list[cards.Reminder]] = {}
    for item in latest.values():
        by_target.setdefault(item.to, []).append(item.reminder)
    queued = 0
    for to, reminders in by_target.items():
        ordered = sorted(reminders, key=lambda r: (r.due, r.reference, r.what))
        key = f"catchup:{session.info['today']}:{to}"
        card = cards.catch_up_card(ordered, since=since, personal=to != CHANNEL)
        if to == CHANNEL:
            queued += await _queue(
                session,
                context,
                now,
                key,
                card=card,
                summary="Deadlines while I was offline",
                channel_id=context.case_review_channel_id,
            )
        else:
            queued += await _queue(
                session,
                context,
                now,
                key,
                card=card,
                summary="Your deadlines while I was offline",
                recipient_aad_id=to,
            )
    for item in fresh:
        target = (
            {"channel_id": context.case_review_channel_id}
            if item.to == CHANNEL
            else {"recipient_aad_id": item.to}
        )
        await outbox.settle(
            session=session,
            now=now,
            dedupe_key=item.key,
            summary="in the catch-up message",
            case_ref=item.reminder.reference,
            **target,
        )
        known.add(item.key)
    return queued


async def _milestone_nudge(
    session: AsyncSession, context: CaseContext, rules: Rules, nudge: nudges.Nudge
) -> list[Outgoing]:
    milestone = context.timetable.get(nudge.key)
    owner_roles = milestone.closed_by or (Role.BUSINESS_UNIT.value,)
    if nudge.kind == nudges.CHASE:
        owner_roles = rules.rule(nudge.key).chase_roles or owner_roles
    owners, owner_ids = await _named(session, tuple(owner_roles))
    also = ""
    also_ids: list[str] = []
    if nudge.kind == nudges.OVERDUE:
        also, also_ids = await _named(session, (Role.CHAIR, Role.BUSINESS_UNIT))
    known: set[str] = session.info.setdefault("queued keys", set())
    to_channel = nudge.where == "channel" and nudge.kind != nudges.CHASE
    targets = [CHANNEL] if to_channel else list(dict.fromkeys([*owner_ids, *also_ids]))
    keys = [nudge.dedupe if to == CHANNEL else f"{nudge.dedupe}:{to}" for to in targets]
    if all(key in known for key in keys):
        return []  # queued already (the steady minute-by-minute case): nothing to build
    number = context.timetable.day_number(nudge.key)
    reminder = cards.Reminder(
        reference=nudge.reference,
        what=milestone.title + (f" (Day {number})" if number else ""),
        due=nudge.due,
        kind=nudge.kind,
        owners=owners,
        also=also,
    )
    return [Outgoing(key, reminder, to) for key, to in zip(keys, targets, strict=True)]


async def _igt_chasers(
    session: AsyncSession,
    context: CaseContext,
    rules: Rules,
    today: date,
    horizon: date,
) -> tuple[list[Outgoing], int]:
    """Information Gathering Tool returns: the respondent before and on the due day; the
    Business Unit once when a return is overdue."""
    calendar = context.timetable.calendar()
    rows = (
        await session.execute(
            select(Case.reference, CaseRequest)
            .join(CaseRequest, CaseRequest.case_id == Case.id)
            .where(
                Case.stage != Stage.CLOSED.value,
                CaseRequest.purpose == "igt",
                CaseRequest.state.not_in(list(igt.ANSWERED)),
                CaseRequest.due_date.is_not(None),
                CaseRequest.due_date <= horizon,
            )
        )
    ).all()
    outgoing: list[Outgoing] = []
    planned = 0
    for reference, request in rows:
        due = request.due_date
        kind = nudges.kind_today(
            due,
            today,
            before=rules.igt_before,
            on_due_day=True,
            overdue_daily=False,
            calendar=calendar,
        )
        if today > due:
            kind = nudges.OVERDUE
        if kind is None:
            continue
        planned += 1
        what = f"Information Gathering Tool return ({request.agency})"
        if kind == nudges.OVERDUE:
            owners, ids = await _named(session, (Role.BUSINESS_UNIT,))
            key = f"nudge:{reference}:igt:{request.id}:overdue"  # once, not every day
        else:
            person = await people.get_person(session=session, aad_object_id=request.aad_object_id)
            owners = f"{request.agency} ({person.name if person and person.name else 'you'})"
            ids = [request.aad_object_id]
            key = f"nudge:{reference}:igt:{request.id}:{kind}:{today.isoformat()}"
        reminder = cards.Reminder(reference, what, due, kind, owners)
        outgoing += [Outgoing(f"{key}:{aad}", reminder, aad) for aad in ids]
    return outgoing, planned


async def _unsent_referrals(
    session: AsyncSession, context: CaseContext, rules: Rules, today: date, now: datetime
) -> int:
    """A referral draft untouched for a working day: its author is told, once."""
    calendar = context.timetable.calendar()
    queued = 0
    drafts = await session.execute(
        select(FormDraft.id, FormDraft.owner_aad_id, FormDraft.updated_at).where(
            FormDraft.form_kind.in_(["referral", "referral_for"]), FormDraft.status == "open"
        )
    )
    for draft_id, owner, updated in drafts.all():
        left = updated.astimezone(context.timezone).date()
        if calendar.add_working_days(left, rules.draft_after) > today:
            continue
        queued += await _queue(
            session,
            context,
            now,
            f"nudge:draft:{draft_id}",
            card=cards.unsent_card(started=left),
            summary="Your referral isn't sent yet",
            recipient_aad_id=owner,
        )
    return queued


async def _digest(session: AsyncSession, context: CaseContext, today: date, now: datetime) -> int:
    """The daily digest: open cases with their next deadlines, what is overdue and what falls
    due this week, as the status commands list them (one card: the first lines of each)."""
    if not context.case_review_channel_id:
        return 0
    key = f"digest:{today.isoformat()}"
    if await outbox.queued_under(session=session, dedupe_key=key):
        return 0
    staff = queries.STAFF  # every case (the digest holds no personal data)
    lines, open_cases = await queries.case_lines(
        session, context, now, aad="", roles=staff, mine=False, page=0
    )
    overdue = await queries.due_rows(session, context, now, aad="", roles=staff, overdue=True)
    week = await queries.due_rows(session, context, now, aad="", roles=staff, overdue=False)
    return await _queue(
        session,
        context,
        now,
        key,
        card=cards.digest_card(
            today=today,
            open_cases=open_cases,
            cases=[cards.DigestLine(c.reference, c.next_title, c.due, c.mark) for c in lines],
            overdue=[cards.DigestLine(d.reference, d.title, d.due, d.mark) for d in overdue],
            this_week=[cards.DigestLine(d.reference, d.title, d.due, d.mark) for d in week],
        ),
        summary=f"Daily digest: {today.isoformat()}",
        channel_id=context.case_review_channel_id,
    )


SNOOZED = ":snoozed"


async def snooze(
    session: AsyncSession,
    context: CaseContext,
    rules: Rules,
    *,
    key: str,
    what: str,
    due: date | None,
    actor: str,
    now: datetime,
) -> str:
    """The owner of a 1:1 reminder puts it off to the start of the next working day: the same
    reminder again then, once. Only their own (the key names them); channel nudges can't be
    snoozed. Audited. Returns what to tell them."""
    row = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
    if row is None or row.target != "person" or row.recipient_aad_id != actor or not actor:
        return "That reminder isn't one of yours to snooze."
    if key.endswith(SNOOZED):
        return "That reminder was snoozed once already."
    calendar = context.timetable.calendar()
    local = now.astimezone(context.timezone)
    next_day = calendar.next_working_day(local.date() + timedelta(days=1))
    when = datetime.combine(next_day, rules.start, tzinfo=context.timezone)
    if await outbox.queued_under(session=session, dedupe_key=key + SNOOZED):
        return f"It's snoozed already: it comes back on {british(next_day)}."
    reference = row.case_ref or ""
    # What it was about, as the pressed card said (shown back only to its owner).
    card = cards.nudge_card(
        cards.Reminder(reference, what[:300] or "Your reminder", due or next_day, "snoozed", "you"),
        personal=True,
    )
    await outbox.enqueue(
        session=session,
        cipher=context.cipher,
        now=now,
        card=card,
        summary=f"Your reminder: {reference}",
        recipient_aad_id=actor,
        case_ref=reference or None,
        dedupe_key=key + SNOOZED,
        not_before=when,
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role="owner",
        action="reminder.snoozed",
        case_ref=reference or None,
        details={"key": key, "until": when.isoformat()},
    )
    return f"Snoozed: I'll remind you again on {british(next_day)} in the morning."
