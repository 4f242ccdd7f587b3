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
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import actions as action_cards
from cards import reminders as cards
from flows import lcspr_record, queries
from flows.actions import names_of
from flows.context import CaseContext
from flows.recommendation import chair_prompt_key, queue_chair_prompt
from flows.review import queue_review_prompt, review_prompt_key
from storage import actions, outbox, people, reviews
from storage.audit import append_audit
from storage.db import transaction
from storage.models import (
    Case,
    CaseRequest,
    FormDraft,
    MilestoneRow,
    OutboxMessage,
    ReviewRecord,
    RoleAssignment,
)
from storage.settings import store_setting, stored_setting
from workflow import igt, lcspr, nudges
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
    # Read and build everything first, without holding the database's writer (SQLite has
    # one); then write in short transactions, each claiming its keys as it queues them.
    async with sessions() as session:
        missed = await _missed_days(session, context, today)
        fingerprint = await _fingerprint(session, horizon)
        done = await stored_setting(session=session, key=PLANNED) or ""
        # Planned already today, with nothing changed since: every milestone nudge of the day
        # is queued; only the small things are looked at again (the steady minute's tick).
        unchanged = done.startswith(f"{today.isoformat()}|{fingerprint}|") and not missed
        plan: list[nudges.Nudge] = []
        open_milestones: list[nudges.Open] = []
        if unchanged:
            planned = int(done.rsplit("|", 1)[1])
        else:
            rows = (
                await session.execute(
                    select(Case.reference, MilestoneRow.key, MilestoneRow.due_date)
                    .join(MilestoneRow, MilestoneRow.case_id == Case.id)
                    .where(Case.stage != Stage.CLOSED.value, *_open_by(horizon))
                )
            ).all()
            open_milestones = [nudges.Open(*row) for row in rows]
            plan = nudges.plan(open_milestones, today, rules, calendar)
            planned = len(plan)
        if not unchanged:
            await _known_today(session, today)
        session.info["today"] = today.isoformat()
        outgoing: list[Outgoing] = []
        for nudge in plan:
            outgoing += await _milestone_nudge(session, context, rules, nudge)
        chasers, count = await _igt_chasers(session, context, rules, today, horizon)
        outgoing += chasers
        outgoing += await _overdue_actions(session, today)
        outgoing += await _untold_reasons(session, context, today)
        if missed:
            earlier: list[Outgoing] = []
            for day in missed:
                for nudge in nudges.plan(open_milestones, day, rules, calendar):
                    if nudge.due <= calendar.add_working_days(day, furthest):
                        earlier += await _milestone_nudge(session, context, rules, nudge)
            await _catch_up(session, context, missed[0], earlier, outgoing, now)
        else:
            for item in outgoing:
                await _send(session, context, item, now)
        await _unsent_referrals(session, context, rules, today, now)
        if local.time() >= rules.digest:
            await _digest(session, context, today, now)
            await _weekly_actions(session, context, today, now)
        prompts = await _prompts_missing(session, context, plan)
        to_queue: list[dict[str, Any]] = session.info.get(TO_QUEUE, [])
    queued = 0
    for start in range(0, len(to_queue), CHUNK):
        async with transaction(sessions) as session:
            queued += await outbox.insert_new(session=session, rows=to_queue[start : start + CHUNK])
    for start in range(0, len(prompts), PROMPT_CHUNK):
        async with transaction(sessions) as session:
            queued += await _post_prompts(
                session, context, prompts[start : start + PROMPT_CHUNK], now
            )
    async with transaction(sessions) as session:
        await store_setting(
            session=session, key=LAST_TICK, value=now.isoformat(), by="reminders", now=now
        )
        await store_setting(
            session=session,
            key=PLANNED,
            value=f"{today.isoformat()}|{fingerprint}|{planned}",
            by="reminders",
            now=now,
        )
    planned += count
    if queued:
        log.info("reminders queued", extra={"queued": queued, "catch_up": bool(missed)})
    return Ticked(queued, planned, True)


PLANNED = "reminders.planned"  # bot_settings: "<day>|<fingerprint>|<nudges>" of the last plan


def _open_by(horizon: date) -> tuple[Any, ...]:
    """Milestones open and due by ``horizon`` (a closed case's are all done or not applicable)."""
    return (
        MilestoneRow.completed_at.is_(None),
        MilestoneRow.not_applicable_since.is_(None),
        MilestoneRow.due_date.is_not(None),
        MilestoneRow.due_date <= horizon,
    )


async def _fingerprint(session: AsyncSession, horizon: date) -> str:
    """What the day's milestone nudges depend on, summed up in two aggregate queries: the open
    milestones due by ``horizon`` (how many, which, and their dates) and who holds roles. The
    same fingerprint later in the day: the same nudges, all queued already."""
    milestones = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(MilestoneRow.id), 0),
                func.coalesce(func.sum(extract("epoch", MilestoneRow.due_date)), 0),
            ).where(*_open_by(horizon))
        )
    ).one()
    roles = (
        await session.execute(select(func.count(), func.coalesce(func.max(RoleAssignment.id), 0)))
    ).one()
    return ":".join(str(int(value)) for value in (*milestones, *roles))


TO_QUEUE = "reminders.to queue"  # session.info: the rows a tick will queue
KNOWN_TODAY = "reminders.known today"  # session.info: today's queued keys are all read
CHUNK = 200  # rows queued per write transaction
PROMPT_CHUNK = 20  # decision prompts posted per write transaction


# The decisions whose prompt card belongs in the channel once they fall due (the first
# nudge's day): the milestone, its card's key, and what posts it.
PROMPTS = {
    "chair_recommendation": (chair_prompt_key, queue_chair_prompt),
    "rapid_review_meeting": (review_prompt_key, queue_review_prompt),
}


async def _prompts_missing(
    session: AsyncSession, context: CaseContext, plan: list[nudges.Nudge]
) -> list[tuple[str, str]]:
    """The decisions falling due (a nudge today) whose prompt card isn't in the channel yet:
    (case reference, milestone)."""
    if not context.case_review_channel_id:
        return []
    wanted = {
        PROMPTS[n.key][0](n.reference): (n.reference, n.key)
        for n in plan
        if n.key in PROMPTS and n.kind != nudges.CHASE
    }
    if not wanted:
        return []
    there: set[str | None] = set()
    for card_key, _ in PROMPTS.values():  # every prompt ever queued (a range of the index)
        there.update(
            await outbox.keys_from(session=session, prefix=card_key(""), column="card_key")
        )
    return [found for key, found in wanted.items() if key not in there]


async def _post_prompts(
    session: AsyncSession, context: CaseContext, prompts: list[tuple[str, str]], now: datetime
) -> int:
    """Post each prompt (unless a twin just did): its card, in the channel."""
    posted = 0
    for reference, key in prompts:
        card_key, post = PROMPTS[key]
        if await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.card_key == card_key(reference)).limit(1)
        ):
            continue
        case = await session.scalar(select(Case).where(Case.reference == reference))
        if case is not None:
            await post(session, context, case, now, "due")
            posted += 1
    return posted


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
    session.info[KNOWN_TODAY] = True
    known: set[str] = session.info.setdefault("queued keys", set())
    known.update(await outbox.keys_from(session=session, prefix=f"nudge:{today.isoformat()}:"))


async def _queued_before(session: AsyncSession, key: str) -> bool:
    """Whether ``key`` was queued already: today's nudges are known from one read
    (``_known_today``); any other key is looked up."""
    known: set[str] = session.info.setdefault("queued keys", set())
    if key in known:
        return True
    dated = KNOWN_TODAY in session.info and key.startswith(f"nudge:{session.info['today']}:")
    return not dated and await outbox.queued_under(session=session, dedupe_key=key)


async def _queue(
    session: AsyncSession,
    context: CaseContext,
    now: datetime,
    key: str,
    card: dict[str, Any] | None,
    **target: Any,
) -> None:
    """Queue once under ``key`` (the rows are written when the tick has built them all).
    ``card`` None: claimed as delivered within another message."""
    if await _queued_before(session, key):
        return
    session.info.setdefault("queued keys", set()).add(key)
    session.info.setdefault(TO_QUEUE, []).append(
        outbox.row_values(cipher=context.cipher, now=now, card=card, dedupe_key=key, **target)
    )


async def _send(session: AsyncSession, context: CaseContext, item: Outgoing, now: datetime) -> None:
    """Queue one reminder: to the channel, or to a person with a snooze button."""
    if item.to == CHANNEL and not context.case_review_channel_id:
        return
    personal = item.to != CHANNEL
    await _queue(
        session,
        context,
        now,
        item.key,
        card=cards.nudge_card(
            item.reminder, personal=personal, snooze_key=item.key if personal else ""
        ),
        summary=f"{'Your deadline' if personal else 'Deadline'} "
        f"{cards.WORDS[item.reminder.kind]}: {item.reminder.reference}",
        case_ref=item.reminder.reference,
        **_target(context, item.to),
    )


async def _catch_up(
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
        and not await _queued_before(session, item.key)
    ]
    if not context.case_review_channel_id:
        earlier = [item for item in earlier if item.to != CHANNEL]
    if not fresh and not earlier:
        return
    latest: dict[tuple[str, str, str], Outgoing] = {}
    for item in [*earlier, *fresh]:  # a later day's word on the same deadline replaces it
        latest[(item.to, item.reminder.reference, item.reminder.what)] = item
    by_target: dict[str, list[cards.Reminder]] = {}
    for item in latest.values():
        by_target.setdefault(item.to, []).append(item.reminder)
    for to, reminders in by_target.items():
        ordered = sorted(reminders, key=lambda r: (r.due, r.reference, r.what))
        personal = to != CHANNEL
        await _queue(
            session,
            context,
            now,
            f"catchup:{session.info['today']}:{to}",
            card=cards.catch_up_card(ordered, since=since, personal=personal),
            summary=f"{'Your deadlines' if personal else 'Deadlines'} while I was offline",
            **_target(context, to),
        )
    for item in fresh:
        await _queue(
            session,
            context,
            now,
            item.key,
            card=None,
            summary="in the catch-up message",
            case_ref=item.reminder.reference,
            **_target(context, item.to),
        )


def _target(context: CaseContext, to: str) -> dict[str, str]:
    """The outbox's target for ``to``: the case review channel, or a person's 1:1 chat."""
    if to == CHANNEL:
        return {"channel_id": context.case_review_channel_id}
    return {"recipient_aad_id": to}


async def _milestone_nudge(
    session: AsyncSession, context: CaseContext, rules: Rules, nudge: nudges.Nudge
) -> list[Outgoing]:
    known: set[str] = session.info.setdefault("queued keys", set())
    if nudge.dedupe in known:
        return []  # a channel nudge queued already (the steady minute-by-minute case)
    milestone = context.timetable.get(nudge.key)
    owner_roles = milestone.closed_by or (Role.BUSINESS_UNIT.value,)
    if nudge.kind == nudges.CHASE:
        owner_roles = rules.rule(nudge.key).chase_roles or owner_roles
    owners, owner_ids = await _named(session, tuple(owner_roles))
    also = ""
    also_ids: list[str] = []
    if nudge.kind == nudges.OVERDUE:
        also, also_ids = await _named(session, (Role.CHAIR, Role.BUSINESS_UNIT))
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
            key = f"nudge:{today.isoformat()}:{reference}:igt:{request.id}:{kind}"
        reminder = cards.Reminder(reference, what, due, kind, owners)
        outgoing += [Outgoing(f"{key}:{aad}", reminder, aad) for aad in ids]
    return outgoing, planned


async def _overdue_actions(session: AsyncSession, today: date) -> list[Outgoing]:
    """Each overdue action: its owner, in their 1:1 chat, each working day."""
    late = await actions.overdue_actions(session=session, today=today)
    names = await names_of(session, {a.owner_aad_id for a in late})
    return [
        Outgoing(
            f"nudge:{today.isoformat()}:{a.reference}:action:{a.number}:overdue:{a.owner_aad_id}",
            cards.Reminder(
                a.reference,
                f"Action {a.number} of the action plan ({a.agency})",
                a.due,
                nudges.OVERDUE,
                names.get(a.owner_aad_id, "you"),
            ),
            a.owner_aad_id,
        )
        for a in late
    ]


async def _untold_reasons(
    session: AsyncSession, context: CaseContext, today: date
) -> list[Outgoing]:
    """A delay the chair approved, or the decision not to publish the full report, that the
    Panel and the Secretary of State haven't been told about: the Business Unit, 1:1, each
    working day from the next one until ``panel told`` records it."""
    answered = (
        select(ReviewRecord.case_id)
        .where(ReviewRecord.kind.in_((lcspr.DELAY_ANSWER, lcspr.NOT_IN_FULL)))
        .distinct()
    )
    found = await session.scalars(
        select(Case).where(Case.id.in_(answered), Case.stage != Stage.CLOSED.value)
    )
    calendar = context.timetable.calendar()
    outgoing = []
    for case in found:
        records = await reviews.list_records(session=session, master=None, case=case)
        state = lcspr_record.state_of(records)
        since = state.untold_since
        if since is None:  # nothing left to tell
            continue
        due = calendar.add_working_days(since.astimezone(context.timezone).date(), 1)
        if today < due:
            continue
        kind = nudges.DUE if today == due else nudges.OVERDUE
        owners, ids = await _named(session, (Role.BUSINESS_UNIT,))
        what = "Tell the Panel and the Secretary of State the reasons for " + " and ".join(
            state.untold
        )
        outgoing += [
            Outgoing(
                f"nudge:{today.isoformat()}:{case.reference}:panel_told:{kind}:{aad}",
                cards.Reminder(case.reference, what, due, kind, owners),
                aad,
            )
            for aad in ids
        ]
    return outgoing


async def _weekly_actions(
    session: AsyncSession, context: CaseContext, today: date, now: datetime
) -> None:
    """The week's first working day: the overdue actions across cases, in the channel (no
    action's words), when there are any."""
    calendar = context.timetable.calendar()
    monday = today - timedelta(days=today.weekday())
    if not context.case_review_channel_id or calendar.next_working_day(monday) != today:
        return
    year, week, _ = today.isocalendar()
    key = f"actions-week:{year}-W{week:02}"
    if await _queued_before(session, key):
        return
    late = await actions.overdue_actions(session=session, today=today)
    if not late:
        return
    names = await names_of(session, {a.owner_aad_id for a in late})
    await _queue(
        session,
        context,
        now,
        key,
        card=action_cards.overdue_actions_card(
            title=f"Overdue actions: week of {british(today)}",
            actions=late,
            names=names,
            today=today,
        ),
        summary="Overdue actions this week",
        channel_id=context.case_review_channel_id,
    )


async def _unsent_referrals(
    session: AsyncSession, context: CaseContext, rules: Rules, today: date, now: datetime
) -> None:
    """A referral draft untouched for a working day: its author is told, once."""
    calendar = context.timetable.calendar()
    drafts = await session.execute(
        select(FormDraft.id, FormDraft.owner_aad_id, FormDraft.updated_at).where(
            FormDraft.form_kind.in_(["referral", "referral_for"]), FormDraft.status == "open"
        )
    )
    for draft_id, owner, updated in drafts.all():
        left = updated.astimezone(context.timezone).date()
        if calendar.add_working_days(left, rules.draft_after) > today:
            continue
        await _queue(
            session,
            context,
            now,
            f"nudge:draft:{draft_id}",
            card=cards.unsent_card(started=left),
            summary="Your referral isn't sent yet",
            recipient_aad_id=owner,
        )


async def _digest(session: AsyncSession, context: CaseContext, today: date, now: datetime) -> None:
    """The daily digest: open cases with their next deadlines, what is overdue and what falls
    due this week, as the status commands list them (one card: the first lines of each)."""
    if not context.case_review_channel_id:
        return
    key = f"digest:{today.isoformat()}"
    if await outbox.queued_under(session=session, dedupe_key=key):
        return
    staff = queries.STAFF  # every case (the digest holds no personal data)
    lines, open_cases = await queries.case_lines(
        session, context, now, aad="", roles=staff, mine=False, page=0
    )
    overdue = await queries.due_rows(session, context, now, aad="", roles=staff, overdue=True)
    week = await queries.due_rows(session, context, now, aad="", roles=staff, overdue=False)
    await _queue(
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
