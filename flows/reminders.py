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

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import reminders as cards
from flows.cases import CaseContext
from storage import outbox, people
from storage.audit import append_audit
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
    queued = planned = 0
    async with transaction(sessions) as session:
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
        plan = nudges.plan(
            (nudges.Open(ref, key, due) for ref, key, due in rows), today, rules, calendar
        )
        planned += len(plan)
        await _known_today(session, today)
        session.info["today"] = today.isoformat()
        for nudge in plan:
            queued += await _milestone_nudge(session, context, rules, nudge, now)
        q, p = await _igt_chasers(session, context, rules, today, horizon, now)
        queued += q
        planned += p
        queued += await _unsent_referrals(session, context, rules, today, now)
        if local.time() >= rules.digest:
            queued += await _digest(session, context, today, now)
    if queued:
        log.info("reminders queued", extra={"queued": queued})
    return Ticked(queued, planned, True)


async def _known_today(session: AsyncSession, today: date) -> None:
    """Read the keys of today's nudges already queued, in one query rather than one each."""
    known: set[str] = session.info.setdefault("queued keys", set())
    known.update(await outbox.queued_like(session=session, pattern=f"nudge:%:{today.isoformat()}%"))


async def _queue(
    session: AsyncSession, context: CaseContext, now: datetime, key: str, **target: object
) -> int:
    """Queue once under ``key``; 1 if it is new."""
    known: set[str] = session.info.setdefault("queued keys", set())
    if key in known:
        return 0
    dated = key.startswith("nudge:") and session.info.get("today", "") in key
    if not dated and await outbox.queued_under(session=session, dedupe_key=key):
        return 0
    known.add(key)
    _, new = await outbox.queue(
        session=session,
        cipher=context.cipher,
        now=now,
        dedupe_key=key,
        **target,  # type: ignore[arg-type]
    )
    return int(new)


async def _milestone_nudge(
    session: AsyncSession, context: CaseContext, rules: Rules, nudge: nudges.Nudge, now: datetime
) -> int:
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
    keys = (
        [nudge.dedupe]
        if to_channel
        else [f"{nudge.dedupe}:{aad}" for aad in dict.fromkeys([*owner_ids, *also_ids])]
    )
    if all(key in known for key in keys):
        return 0  # queued already (the steady minute-by-minute case): nothing to build
    number = context.timetable.day_number(nudge.key)
    reminder = cards.Reminder(
        reference=nudge.reference,
        what=milestone.title + (f" (Day {number})" if number else ""),
        due=nudge.due,
        kind=nudge.kind,
        owners=owners,
        also=also,
    )
    queued = 0
    if nudge.where == "channel" and nudge.kind != nudges.CHASE:
        if context.case_review_channel_id:
            queued += await _queue(
                session,
                context,
                now,
                nudge.dedupe,
                card=cards.nudge_card(reminder, personal=False),
                summary=f"Deadline {cards.WORDS[nudge.kind]}: {nudge.reference}",
                channel_id=context.case_review_channel_id,
                case_ref=nudge.reference,
            )
        return queued
    for aad in dict.fromkeys([*owner_ids, *also_ids]):
        queued += await _queue(
            session,
            context,
            now,
            f"{nudge.dedupe}:{aad}",
            card=cards.nudge_card(reminder, personal=True, snooze_key=f"{nudge.dedupe}:{aad}"),
            summary=f"Your deadline {cards.WORDS[nudge.kind]}: {nudge.reference}",
            recipient_aad_id=aad,
            case_ref=nudge.reference,
        )
    return queued


async def _igt_chasers(
    session: AsyncSession,
    context: CaseContext,
    rules: Rules,
    today: date,
    horizon: date,
    now: datetime,
) -> tuple[int, int]:
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
    queued = planned = 0
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
        for aad in ids:
            queued += await _queue(
                session,
                context,
                now,
                f"{key}:{aad}",
                card=cards.nudge_card(reminder, personal=True, snooze_key=f"{key}:{aad}"),
                summary=f"Your deadline {cards.WORDS[kind]}: {reference}",
                recipient_aad_id=aad,
                case_ref=reference,
            )
    return queued, planned


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
    if not context.case_review_channel_id:
        return 0
    key = f"digest:{today.isoformat()}"
    if await outbox.queued_under(session=session, dedupe_key=key):
        return 0
    calendar = context.timetable.calendar()
    week_end = calendar.add_working_days(today, 5)
    open_cases = await session.scalar(
        select(func.count()).select_from(Case).where(Case.stage != Stage.CLOSED.value)
    )
    rows = (
        await session.execute(
            select(Case.reference, MilestoneRow.key, MilestoneRow.due_date)
            .join(MilestoneRow, MilestoneRow.case_id == Case.id)
            .where(
                Case.stage != Stage.CLOSED.value,
                MilestoneRow.completed_at.is_(None),
                MilestoneRow.not_applicable_since.is_(None),
                MilestoneRow.due_date.is_not(None),
                MilestoneRow.due_date <= week_end,
            )
            .order_by(MilestoneRow.due_date, Case.reference)
        )
    ).all()

    def line(ref: str, key: str, due: date) -> cards.DigestLine:
        return cards.DigestLine(ref, context.timetable.get(key).title, due, "")

    overdue = [line(*r) for r in rows if r[2] < today]
    week = [line(*r) for r in rows if r[2] >= today]
    return await _queue(
        session,
        context,
        now,
        key,
        card=cards.digest_card(
            today=today, open_cases=int(open_cases or 0), overdue=overdue, this_week=week
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
