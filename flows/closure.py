"""Closing a case: the chair's decision, kept with its reason, once nothing is left open.

A case closes only when every milestone is done or not applicable and every action is
complete; otherwise the chair is told what is still open. The closure is a decision record
(``closure``), the stage rules decide from where, and the channel's case card says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.case_card import refresh_case_card
from flows.cases import move_case
from flows.common import record_chair_decision
from flows.context import CaseContext
from flows.forms import Refused
from storage import actions, cases
from storage.milestones import list_milestones, mark_not_applicable
from storage.models import Case
from workflow.actions import CLOSED, FINISHED, status_title
from workflow.decisions import DecisionKind, event_for
from workflow.roles import Role
from workflow.stages import InvalidTransition, Stage, advance

NO_REASON = "Give the reason: a case is closed with the reason for closing it."


async def still_open(session: AsyncSession, context: CaseContext, case: Case) -> list[str]:
    """What keeps the case open, in words: milestones not done, actions not complete."""
    left = [
        context.timetable.get(row.key).title
        for row in await list_milestones(session=session, case=case)
        if row.completed_at is None and row.not_applicable_since is None
    ]
    numbers = [
        str(a.number)
        for a in await actions.list_actions(session=session, master=None, case=case)
        if a.status not in FINISHED
    ]
    if numbers:
        left.append(f"action{'s' if len(numbers) > 1 else ''} {', '.join(numbers)} not complete")
    return left


async def close_case(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    reason: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> str:
    """Close the case (locked here); what to tell the chair. Raises ``Refused`` with why not."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        raise Refused(f"I can't find a case {reference}.")
    if case.stage == Stage.CLOSED.value:
        return f"{reference} is closed already."
    event = event_for(DecisionKind.CLOSURE, "close")
    assert event is not None
    try:
        to = advance(Stage(case.stage), event, roles)
    except InvalidTransition as refused:
        raise Refused(str(refused)) from None
    left = await still_open(session, context, case)
    if left:
        raise Refused(
            f"{reference} can't close yet. Still open: {'; '.join(left)}. Each milestone must "
            "be done or not applicable, and each action complete, or formally closed with a "
            f"reason: **close {reference} milestone 13 reason** or **close {reference} action "
            "2 reason**."
        )
    if not reason.strip():
        raise Refused(NO_REASON)
    await record_chair_decision(
        session,
        context,
        case,
        DecisionKind.CLOSURE,
        outcome="close",
        rationale=reason.strip(),
        actor=actor,
        roles=roles,
        now=now,
    )
    await move_case(session, case, to, now)
    await refresh_case_card(session, context, case, now, "closed")
    return f"Closed: {reference}. The decision and its reason are kept with the case."


async def close_item(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    item: str,
    number: int,
    reason: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> str:
    """The chair formally closes one milestone (by its number in the timetable) or one action,
    with the reason: a decision record; the milestone is no longer chased, the action no
    longer overdue. Raises ``Refused`` with why not."""
    if Role.CHAIR not in roles:
        raise Refused("Only the Case Review Sub-group chair formally closes a milestone or action.")
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        raise Refused(f"I can't find a case {reference}.")
    if case.stage == Stage.CLOSED.value:
        return f"{reference} is closed already."
    if not reason.strip():
        raise Refused(
            f"Give the reason: a {item} is formally closed with the reason it needn't be done."
        )
    if item == "milestone":
        found = next((m for m in context.timetable.milestones if m.number == number), None)
        rows = {r.key: r for r in await list_milestones(session=session, case=case)}
        row = rows.get(found.key) if found is not None else None
        if found is None or row is None:
            raise Refused(
                f"There is no milestone {number}: **status {reference}** lists them with their "
                "numbers."
            )
        if row.completed_at is not None or row.not_applicable_since is not None:
            return f"Milestone {number} ({found.title}) on {reference} isn't open."
        what = f"Milestone {number} ({found.title})"
        await mark_not_applicable(
            session=session, case=case, keys=[found.key], why="closed by the chair", now=now
        )
    else:
        action = await actions.get_action(session=session, case=case, number=number)
        if action is None:
            raise Refused(
                f"{reference} has no action {number}: **actions {reference}** lists them."
            )
        if action.status in FINISHED:
            return (
                f"Action {number} on {reference} is {status_title(action.status).lower()} already."
            )
        what = f"Action {number}"
        await actions.update_action(
            session=session,
            master=context.cipher,
            case=case,
            action=action,
            status=CLOSED,
            rag=action.rag,
            due=action.due_date,
            outcome="",
            by=actor,
            now=now,
        )
    await record_chair_decision(
        session,
        context,
        case,
        DecisionKind.CLOSURE,
        outcome="close_item",
        rationale=f"{what}: {reason.strip()}",
        actor=actor,
        roles=roles,
        now=now,
    )
    await refresh_case_card(session, context, case, now, f"{item} {number} closed")
    return f"Closed: {what} on {reference}, with your reason kept as a decision record."
