"""What the decisions on a case have said so far, for the cards that show them: who decided,
when the decision is due, each partner's scoping view, and the chair's part.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.common import day
from cards.decided import Decided, ViewLine
from flows.cases import move_case
from flows.common import (
    Answer,
    Reason,
    current,
    record_chair_decision,
    refuse,
)
from flows.context import CaseContext
from storage import people
from storage.decisions import DecisionView
from storage.models import Case
from workflow.decisions import DecisionKind, event_for
from workflow.roles import Role, label
from workflow.stages import InvalidTransition, Stage, advance

log = logging.getLogger(__name__)


NO_RATIONALE = "Give your rationale: a decision is kept with the reason for it."


async def who_is(session: AsyncSession, aad: str, role: str) -> str:
    """ "Chris Holt (Case Review Sub-group chair)": a member of staff, as cards name them."""
    name = (await people.names(session=session, aad_ids=[aad])).get(aad) or "Someone"
    return f"{name} ({label(role)})"


def due_text(context: CaseContext, rows: Sequence[Any], key: str) -> str:
    for row in rows:
        if row.key == key and row.due_date is not None:
            number = context.timetable.day_number(key)
            return f"Due by {day(row.due_date)}" + (f" (Day {number})." if number else ".")
    return ""


async def decided_view(
    session: AsyncSession,
    context: CaseContext,
    decision: DecisionView,
    titles: dict[str, str],
) -> Decided:
    recorder = ""
    if decision.recorded_by:
        recorder = await who_is(session, decision.recorded_by, Role.BUSINESS_UNIT)
    return Decided(
        outcome=titles.get(decision.outcome, decision.outcome),
        by=await who_is(session, decision.decided_by, decision.decided_role),
        when=decision.decided_at.astimezone(context.timezone),
        rationale=decision.rationale,
        recorded_by=recorder,
    )


def view_line(context: CaseContext, view: DecisionView) -> ViewLine:
    agency = view.views.get("agency", "") if view.decided_role == Role.INVITED_AGENCY else ""
    return ViewLine(
        who=f"{agency} (invited by the Business Unit)" if agency else label(view.decided_role),
        outcome=view.outcome,
        when=view.decided_at.astimezone(context.timezone),
    )


async def chair_teams_ids(session: AsyncSession) -> list[str]:
    """The chairs' Teams ids: who a card's ``refresh`` asks Teams to refresh it for."""
    return await people.holders_teams_ids(session=session, role=Role.CHAIR)


ONLY_THE_CHAIR = "Only the Case Review Sub-group chair can make this decision."
ChairCard = Callable[..., Awaitable[dict[str, Any]]]  # (for_chair=, error=) -> the card


async def chair_decides(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    kind: DecisionKind,
    card: ChairCard,
    *,
    outcome: str,
    rationale: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
    consulted: tuple[str, ...] = (),
    views: dict[str, str] | None = None,
) -> Answer | Stage:
    """A chair's button on a channel card (``case`` locked): the decision recorded and the
    case moved, returning the stage it moved to; or, when nothing changes, the card to show
    instead. Decided already (two presses at once, a stale card): the decided card. Not the
    chair: refused, audited, one line and nothing of the case. No rationale: asked for, in the
    card."""
    if Role.CHAIR not in roles:
        await refuse(session, case, actor, kind.value, Reason.NOT_CHAIR, now, roles=roles)
        return Answer(None, False, ONLY_THE_CHAIR)
    if await current(session, context, case, kind):
        return Answer(await card(for_chair=True), False)
    event = event_for(kind, outcome)
    if event is None:
        return Answer(await card(for_chair=True, error="Choose one of the buttons."), False)
    try:
        to = advance(Stage(case.stage), event, roles)
    except InvalidTransition as refused:
        return Answer(await card(for_chair=False, error=str(refused)), False)
    if not rationale.strip():
        return Answer(await card(for_chair=True, error=NO_RATIONALE), False)
    await record_chair_decision(
        session,
        context,
        case,
        kind,
        outcome=outcome,
        rationale=rationale.strip(),
        actor=actor,
        roles=roles,
        now=now,
        consulted=consulted,
        views=views,
    )
    await move_case(session, case, to, now)
    return to
