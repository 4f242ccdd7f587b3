"""Milestone deadlines, as reminders: the day's nudges from the plan (``workflow.nudges``) to
the milestone's owners or the case review channel, and the decision prompts (the chair's
recommendation, the rapid review meeting) posted in the channel when their decision falls due.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.reminders import Reminder
from flows.context import CaseContext
from flows.nudge import CHANNEL, Outgoing, Today, each, named
from flows.recommendation import chair_prompt_key, queue_chair_prompt
from flows.review import queue_review_prompt, review_prompt_key
from storage import outbox
from storage.models import Case, OutboxMessage
from workflow import nudges
from workflow.nudges import Rules
from workflow.roles import Role


async def milestone_nudges(
    session: AsyncSession, context: CaseContext, today: Today
) -> list[Outgoing]:
    """The day's milestone nudges (the plan the tick made for today)."""
    return await day_nudges(session, context, today.rules, today.plan)


async def day_nudges(
    session: AsyncSession, context: CaseContext, rules: Rules, plan: tuple[nudges.Nudge, ...]
) -> list[Outgoing]:
    """The messages for a day's planned nudges, nudge by nudge."""
    return await each(
        "milestones",
        plan,
        lambda nudge: milestone_nudge(session, context, rules, nudge),
        lambda nudge: nudge.reference,
    )


async def milestone_nudge(
    session: AsyncSession, context: CaseContext, rules: Rules, nudge: nudges.Nudge
) -> list[Outgoing]:
    known: set[str] = session.info.setdefault("queued keys", set())
    if nudge.dedupe in known:
        return []  # a channel nudge queued already (the steady minute-by-minute case)
    milestone = context.timetable.get(nudge.key)
    owner_roles = milestone.closed_by or (Role.BUSINESS_UNIT.value,)
    if nudge.kind == nudges.CHASE:
        owner_roles = rules.rule(nudge.key).chase_roles or owner_roles
    owners, owner_ids = await named(session, tuple(owner_roles))
    also = ""
    also_ids: list[str] = []
    if nudge.kind == nudges.OVERDUE:
        also, also_ids = await named(session, (Role.CHAIR, Role.BUSINESS_UNIT))
    to_channel = nudge.where == "channel" and nudge.kind != nudges.CHASE
    targets = [CHANNEL] if to_channel else list(dict.fromkeys([*owner_ids, *also_ids]))
    keys = [nudge.dedupe if to == CHANNEL else f"{nudge.dedupe}:{to}" for to in targets]
    if all(key in known for key in keys):
        return []  # queued already (the steady minute-by-minute case): nothing to build
    number = context.timetable.day_number(nudge.key)
    reminder = Reminder(
        reference=nudge.reference,
        what=milestone.title + (f" (Day {number})" if number else ""),
        due=nudge.due,
        kind=nudge.kind,
        owners=owners,
        also=also,
    )
    return [Outgoing(key, to, reminder) for key, to in zip(keys, targets, strict=True)]


# The decisions whose prompt card belongs in the channel once they fall due (the first
# nudge's day): the milestone, its card's key, and what posts it.
PROMPTS = {
    "chair_recommendation": (chair_prompt_key, queue_chair_prompt),
    "rapid_review_meeting": (review_prompt_key, queue_review_prompt),
}


async def prompts_missing(
    session: AsyncSession, context: CaseContext, plan: tuple[nudges.Nudge, ...]
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


async def post_prompts(
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
