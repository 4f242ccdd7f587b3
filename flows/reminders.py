"""The reminder jobs: deadline nudges, chasers and the daily digest. Plain async functions,
run by the scheduler every minute and by ``python -m bot tick [--now ISO-TIME] [--only NAME]``.

Each kind of reminder is a named source (``SOURCES``), kept beside its noun: a function
``(session, context, today) -> list of Outgoing`` (``flows.nudge``). One ``tick`` plans the
day's milestone nudges (workflow/nudges.py), runs every source in turn, and queues what they
give through the one outbox, each message with its key as the de-duplication key: a tick run
twice, on two instances at once, or after a restart queues nothing twice, and a crash after
queueing loses nothing (the outbox sends it after restart). A source that fails is logged and
the tick carries on with the next; within a source, so does an item (``flows.nudge.each``).

Outside working hours nothing is queued; the day's nudges go with the first tick of the next
working period. After downtime, the missed working days' deadline nudges and today's go
together, as one catch-up message to each person and the channel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import reminders as cards
from flows import reminder_queue
from flows.actions import overdue_action_nudges, weekly_overdue_actions
from flows.context import CaseContext
from flows.deadlines import day_nudges, milestone_nudges, post_prompts, prompts_missing
from flows.digest import daily_digest
from flows.igt import igt_chasers
from flows.lcspr_record import untold_reason_nudges
from flows.nudge import Outgoing, Source, Today
from flows.referrals import unsent_referral_nudges
from storage import outbox, people
from storage.audit import append_audit
from storage.conditions import OPEN_ACTION, qualified
from storage.db import transaction
from storage.models import Case, CaseAction, MilestoneRow, OutboxMessage, RoleAssignment
from storage.settings import store_setting, stored_setting
from workflow import nudges
from workflow.authorisation import actor_roles
from workflow.calendar import british
from workflow.nudges import Rules
from workflow.stages import Stage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ticked:
    queued: int  # messages newly queued
    nudges: int  # deadline reminders due now (queued now or before)
    working: bool


LAST_TICK = "reminders.last_tick"
CATCH_UP_DAYS = 10

# Every source, in the order their messages are queued. ``tick --only NAME`` runs one.
SOURCES: dict[str, Source] = {
    "milestones": milestone_nudges,
    "igt": igt_chasers,
    "actions": overdue_action_nudges,
    "panel_told": untold_reason_nudges,
    "drafts": unsent_referral_nudges,
    "digest": daily_digest,
    "weekly_actions": weekly_overdue_actions,
}
PROMPTS_SOURCE = "prompts"  # the decision prompts, posted after the rest (flows.deadlines)
NAMES = (*SOURCES, PROMPTS_SOURCE)


async def run_source(
    name: str, source: Source, session: AsyncSession, context: CaseContext, today: Today
) -> list[Outgoing] | None:
    """One source's messages; None, logged, when it fails (the others still run)."""
    try:
        return await source(session, context, today)
    except Exception:
        log.exception("reminder source failed", extra={"source": name})
        return None


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    context: CaseContext,
    rules: Rules,
    now: datetime,
    only: str | None = None,
) -> Ticked:
    """Every source once for ``now`` (or only the one named: then no catch-up, and the
    day's record of what was planned is left for the next full tick)."""
    if only is not None and only not in NAMES:
        raise ValueError(f"No reminder source {only!r}: the sources are {', '.join(NAMES)}.")
    local = now.astimezone(context.timezone)
    calendar = context.timetable.calendar()
    if not nudges.working_now(local, rules, calendar):
        return Ticked(0, 0, False)
    day = local.date()
    furthest = max(
        [rules.default.before, rules.igt_before, 1]
        + [max(r.before, r.chase_before) for r in rules.milestones.values()]
    )
    horizon = calendar.add_working_days(day, furthest)
    full = only is None
    # Read and build everything first, without holding the database's writer (SQLite has
    # one); then write in short transactions, each claiming its keys as it queues them.
    async with sessions() as session:
        missed = await _missed_days(session, context, day) if full else []
        # A milestone long overdue brings no nudge (the digest carries it): not read at all.
        window = nudges.window(rules, missed[0] if missed else day, calendar)
        fingerprint = await _fingerprint(session, horizon, window)
        done = await stored_setting(session=session, key=PLANNED) or ""
        # Planned already today, with nothing changed since: every milestone nudge of the day
        # is queued; only the small things are looked at again (the steady minute's tick).
        unchanged = done.startswith(f"{day.isoformat()}|{fingerprint}|") and not missed
        plan: list[nudges.Nudge] = []
        open_milestones: list[nudges.Open] = []
        if unchanged:
            planned = int(done.rsplit("|", 1)[1])
        else:
            rows: list[Any] = []
            for part in _open_by(horizon, window):  # each part on an index of its own
                rows += (
                    await session.execute(
                        select(Case.reference, MilestoneRow.key, MilestoneRow.due_date)
                        .join(MilestoneRow, MilestoneRow.case_id == Case.id)
                        .where(Case.stage != Stage.CLOSED.value, *part)
                    )
                ).all()
            open_milestones = [nudges.Open(*row) for row in rows]
            plan = nudges.plan(open_milestones, day, rules, calendar)
            planned = len(plan)
        # Today's reminders queued already, read in one query (the overdue actions and the
        # rest are looked at every minute, and each would otherwise be a query of its own).
        await reminder_queue.known_today(session, day)
        session.info["today"] = day.isoformat()
        full_plan = full  # the day's plan queued whole: recorded, so later ticks skip it
        today = Today(day, now, local, rules, horizon, tuple(plan), steady=unchanged)
        outgoing: list[Outgoing] = []
        others = 0  # deadline reminders from the sources beyond the milestone plan
        for name, source in SOURCES.items():
            if full or only == name:
                found = await run_source(name, source, session, context, today)
                if found is None:
                    full_plan = False  # not recorded as planned: the next tick tries again
                    continue
                outgoing += found
                if name != "milestones":
                    others += len(
                        {(i.reminder.reference, i.reminder.what) for i in found if i.reminder}
                    )
        deadlines = [item for item in outgoing if item.reminder is not None]
        if missed:
            earlier: list[Outgoing] = []
            for missed_day in missed:
                by = calendar.add_working_days(missed_day, furthest)
                day_plan = nudges.plan(open_milestones, missed_day, rules, calendar)
                earlier += await day_nudges(
                    session, context, rules, tuple(n for n in day_plan if n.due <= by)
                )
            await reminder_queue.catch_up(session, context, missed[0], earlier, deadlines, now)
            outgoing = [item for item in outgoing if item.reminder is None]
        else:
            outgoing = await reminder_queue.gather_floods(session, context, outgoing, now)
        for item in outgoing:
            await reminder_queue.send(session, context, item, now)
        prompts: list[tuple[str, str]] = []
        if full or only == PROMPTS_SOURCE:
            try:
                prompts = await prompts_missing(session, context, today.plan)
                if len(prompts) > PROMPTS_PER_TICK:  # a flood: the next minutes post the rest
                    prompts, full_plan = prompts[:PROMPTS_PER_TICK], False
            except Exception:
                log.exception("reminder source failed", extra={"source": PROMPTS_SOURCE})
        to_queue: list[dict[str, Any]] = session.info.get(reminder_queue.TO_QUEUE, [])
        gathered: list[str] = session.info.get(reminder_queue.GATHERED, [])
    queued = 0
    for start in range(0, len(to_queue), CHUNK):
        async with transaction(sessions) as session:
            queued += await outbox.insert_new(session=session, rows=to_queue[start : start + CHUNK])
    if gathered:
        async with transaction(sessions) as session:
            await reminder_queue.keep_gathered(session, day, gathered, now)
    for start in range(0, len(prompts), PROMPT_CHUNK):
        try:
            async with transaction(sessions) as session:
                queued += await post_prompts(
                    session, context, prompts[start : start + PROMPT_CHUNK], now
                )
        except Exception:
            log.exception("reminder source failed", extra={"source": PROMPTS_SOURCE})
    if full:
        async with transaction(sessions) as session:
            await store_setting(
                session=session, key=LAST_TICK, value=now.isoformat(), by="reminders", now=now
            )
    if full_plan:
        async with transaction(sessions) as session:
            await store_setting(
                session=session,
                key=PLANNED,
                value=f"{day.isoformat()}|{fingerprint}|{planned}",
                by="reminders",
                now=now,
            )
    if not full and only != "milestones":
        planned = 0
    if queued:
        log.info("reminders queued", extra={"queued": queued, "catch_up": bool(missed)})
    return Ticked(queued, planned + others, True)


PLANNED = "reminders.planned"  # bot_settings: "<day>|<fingerprint>|<nudges>" of the last plan


def _open_by(horizon: date, window: nudges.Window) -> list[tuple[Any, ...]]:
    """Milestones open and due by ``horizon`` that can bring a nudge, as conditions for one
    query each: those due within the ``window``, and those of the keys nudged every overdue
    day whatever their due date (a closed case's are all done or not applicable)."""
    open_ = (
        MilestoneRow.completed_at.is_(None),
        MilestoneRow.not_applicable_since.is_(None),
        MilestoneRow.due_date.is_not(None),
        MilestoneRow.due_date <= horizon,
    )
    parts: list[tuple[Any, ...]] = [(*open_, MilestoneRow.due_date >= window.since)]
    if window.every_day:
        parts.append(
            (*open_, MilestoneRow.due_date < window.since, MilestoneRow.key.in_(window.every_day))
        )
    return parts


async def _fingerprint(session: AsyncSession, horizon: date, window: nudges.Window) -> str:
    """What the day's milestone nudges depend on, summed up in two aggregate queries: the open
    milestones due by ``horizon`` (how many, which, and their dates) and who holds roles. The
    same fingerprint later in the day: the same nudges, all queued already."""
    milestones: list[int] = [0, 0, 0]
    for part in _open_by(horizon, window):
        found = (
            await session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(MilestoneRow.id), 0),
                    func.coalesce(func.sum(extract("epoch", MilestoneRow.due_date)), 0),
                ).where(*part)
            )
        ).one()
        milestones = [a + int(b) for a, b in zip(milestones, found, strict=True)]
    roles = (
        await session.execute(select(func.count(), func.coalesce(func.max(RoleAssignment.id), 0)))
    ).one()
    actions = (  # the open actions that can be nudged today, and their due dates
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(CaseAction.id), 0),
                func.coalesce(func.sum(extract("epoch", CaseAction.due_date)), 0),
            ).where(
                qualified("case_actions", OPEN_ACTION),
                CaseAction.due_date >= window.since,
                CaseAction.due_date <= horizon,
            )
        )
    ).one()
    return ":".join(str(int(value)) for value in (*milestones, *roles, *actions))


CHUNK = 200  # rows queued per write transaction
PROMPT_CHUNK = 20  # decision prompts posted per write transaction
PROMPTS_PER_TICK = 20  # decision prompts posted a minute at most (each a card of its own)


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
        actor_role=actor_roles(await people.get_roles(session=session, aad_object_id=actor)),
        action="reminder.snoozed",
        case_ref=reference or None,
        details={"key": key, "until": when.isoformat()},
    )
    return f"Snoozed: I'll remind you again on {british(next_day)} in the morning."
