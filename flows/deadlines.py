"""Milestone deadlines, as reminders: the day's nudges from the plan (``workflow.nudges``) to
the milestone's owners or the case review channel, and the decision prompts (the chair's
recommendation, the rapid review meeting) posted in the channel when their decision falls due.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """The messages for a day's planned nudges, nudge by nudge. What a nudge says and whom it
    goes to depend on its milestone and kind only: worked out (who holds each role read) once
    for each, since a day can plan thousands of nudges over a handful of milestones; then
    every nudge is built in memory."""
    shapes: dict[tuple[str, str, str], Shape] = {}
    for key, kind, where in {(nudge.key, nudge.kind, nudge.where) for nudge in plan}:
        try:
            shapes[key, kind, where] = await _shape(session, context, rules, key, kind, where)
        except KeyError:
            continue  # a milestone the timetable no longer has: logged as its nudge is built
    known: set[str] = session.info.setdefault("queued keys", set())
    return await each(
        "milestones",
        plan,
        lambda nudge: milestone_nudge(nudge, shapes[nudge.key, nudge.kind, nudge.where], known),
        lambda nudge: nudge.reference,
    )


@dataclass(frozen=True)
class Shape:
    """What every nudge of one milestone and kind has in common."""

    what: str  # the milestone's title, with its Day
    owners: str  # the owners' roles in words, with who holds them
    also: str  # when overdue: the chair and the Business Unit, in words
    targets: tuple[str, ...]  # CHANNEL, or the people's Entra ids


OVERSEERS: tuple[str, ...] = (Role.CHAIR.value, Role.BUSINESS_UNIT.value)  # told when overdue


async def _shape(
    session: AsyncSession, context: CaseContext, rules: Rules, key: str, kind: str, where: str
) -> Shape:
    """Whom a milestone's nudge goes to: the roles that close it (the Business Unit when none
    does), or, for a chaser, the roles its rule chases; the chair and the Business Unit as
    well when it is overdue. In the channel, unless its rule says 1:1 or it is a chaser."""
    milestone = context.timetable.get(key)
    roles = tuple(milestone.closed_by) or (Role.BUSINESS_UNIT.value,)
    if kind == nudges.CHASE:
        roles = tuple(rules.rule(key).chase_roles) or roles
    owners, owner_ids = await named(session, roles)
    also, also_ids = await named(session, OVERSEERS) if kind == nudges.OVERDUE else ("", [])
    to_channel = where == "channel" and kind != nudges.CHASE
    number = context.timetable.day_number(key)
    return Shape(
        what=milestone.title + (f" (Day {number})" if number else ""),
        owners=owners,
        also=also,
        targets=(CHANNEL,) if to_channel else tuple(dict.fromkeys([*owner_ids, *also_ids])),
    )


def milestone_nudge(nudge: nudges.Nudge, shape: Shape, known: set[str]) -> list[Outgoing]:
    """One nudge's messages, less those ``known`` to be queued already."""
    dedupe = nudge.dedupe
    keys = [dedupe if to == CHANNEL else f"{dedupe}:{to}" for to in shape.targets]
    if all(key in known for key in keys):
        return []  # queued already (the steady minute-by-minute case): nothing to build
    reminder = Reminder(
        nudge.reference, shape.what, nudge.due, nudge.kind, shape.owners, shape.also
    )
    return [Outgoing(key, to, reminder) for key, to in zip(keys, shape.targets, strict=True)]


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
