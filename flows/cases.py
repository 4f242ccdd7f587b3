"""A case moves between stages, and its Day 1 is corrected: the changes to a case itself that
several flows share (the channel's card is in flows/case_card.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.case_card import refresh_case_card
from flows.context import CaseContext
from storage import cases
from storage.milestones import list_milestones, mark_not_applicable
from storage.models import Case
from workflow.corrections import InvalidCorrection, check_awareness_correction
from workflow.stages import NOT_APPLICABLE_ON_ENTRY, Stage


async def move_case(
    session: AsyncSession,
    case: Case,
    to: Stage,
    now: datetime,
    *,
    also_not_applicable: tuple[str, ...] = (),
) -> None:
    """The case enters ``to`` (a stage ``workflow.stages.advance`` allowed): the milestones
    that branch makes irrelevant are marked not applicable, and never chased."""
    case.stage = to.value
    case.updated_at = now
    keys = (*NOT_APPLICABLE_ON_ENTRY.get(to, ()), *also_not_applicable)
    if to is Stage.CLOSED:  # a closed case is chased for nothing
        keys = tuple(row.key for row in await list_milestones(session=session, case=case))
    if keys:
        await mark_not_applicable(
            session=session, case=case, keys=keys, why=f"the case went to {to.value}", now=now
        )


@dataclass(frozen=True)
class Corrected:
    reference: str
    was: date  # when the agency became aware, before
    now: date  # and now
    day_one: date  # the working day that is Day 1 now
    due: dict[str, date]  # milestone key -> due date, recomputed


async def correct_awareness_date(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    on: date,
    reason: str,
    actor_aad_id: str,
    roles: frozenset[str],
    now: datetime,
) -> Corrected:
    """The business unit corrects when the agency became aware (Day 1): checked, recorded
    with its reason, every due date recomputed, the channel's card updated. One transaction
    (the caller's). Raises ``InvalidCorrection`` with a plain reason."""
    case = await cases.get_case(session=session, reference=reference)
    if case is None:
        raise InvalidCorrection(f"I can't find a case {reference}.")
    today = now.astimezone(context.timezone).date()
    check_awareness_correction(
        current=case.awareness_date, new=on, today=today, reason=reason, roles=roles
    )
    was = await cases.correct_awareness_date(
        session=session,
        master=context.cipher,
        case=case,
        on=on,
        reason=reason.strip(),
        by=actor_aad_id,
        timetable=context.timetable,
        now=now,
    )
    await refresh_case_card(session, context, case, now, "Day 1 corrected")
    rows = await list_milestones(session=session, case=case)
    due = {row.key: row.due_date for row in rows if row.due_date is not None}
    day_one = context.timetable.calendar().day_one(on)
    return Corrected(reference=case.reference, was=was, now=on, day_one=day_one, due=due)
