"""The Local Authority's decision, by the Strategic Director or recorded for them by the
Business Unit; the referrer is told the outcome, as their confirmation promised.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.la_decision import LA_OUTCOMES, la_decision_card, outcome_to_referrer_card
from cards.recommendation import RECOMMENDATIONS
from flows.case_card import refresh_case_card
from flows.cases import move_case
from flows.common import (
    Answer,
    Reason,
    current,
    record_decision,
    refuse,
)
from flows.context import CaseContext
from flows.decided import NO_RATIONALE, decided_view, due_text, view_line, who_is
from flows.forms import Refused
from flows.not_notified import queue_next_step
from flows.notifications import queue_notifications
from storage import cases, outbox, people
from storage.milestones import complete_milestone, list_milestones
from storage.models import Case
from workflow.decisions import DecisionKind, event_for
from workflow.roles import Role
from workflow.stages import InvalidTransition, Stage, advance

log = logging.getLogger(__name__)


async def la_card_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    recording_for: str = "",
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    recommendation = await current(session, context, case, DecisionKind.CHAIR_RECOMMENDATION)
    decided = await current(session, context, case, DecisionKind.LA_DECISION)
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)
    rows = await list_milestones(session=session, case=case)
    if not recommendation:
        raise Refused(f"The chair hasn't made a recommendation on {case.reference} yet.")
    return la_decision_card(
        reference=case.reference,
        recommendation=await decided_view(session, context, recommendation[-1], RECOMMENDATIONS),
        views=[(view_line(context, v), v.rationale) for v in views],
        due=due_text(context, rows, "la_decision"),
        decided=await decided_view(session, context, decided[-1], LA_OUTCOMES) if decided else None,
        recording_for=recording_for,
        error=error,
        rationale=rationale,
    )


async def director_of(session: AsyncSession) -> str | None:
    """The Strategic Director the Business Unit records for (the first who holds the role)."""
    holders = await people.list_holders(session=session, role=Role.STRATEGIC_DIRECTOR)
    return holders[0] if holders else None


ONLY_DECIDERS = (
    "Only the Local Authority Strategic Director, or the BDSCP Business Unit recording for "
    "them, can make this decision."
)


async def la_decide(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    outcome: str,
    rationale: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """The Local Authority's decision: the Strategic Director's own, or the Business Unit's
    record of it (the director named as decider, the Business Unit as recorder)."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    kind = DecisionKind.LA_DECISION
    director = actor if Role.STRATEGIC_DIRECTOR in roles else await director_of(session)
    recording = director != actor
    recording_for = (
        await who_is(session, director, Role.STRATEGIC_DIRECTOR) if recording and director else ""
    )
    if not ({Role.STRATEGIC_DIRECTOR, Role.BUSINESS_UNIT} & roles):  # nothing of the case read
        await refuse(session, case, actor, kind.value, Reason.NOT_LA_DECIDER, now, roles=roles)
        return Answer(None, False, ONLY_DECIDERS)
    if await current(session, context, case, kind):
        return Answer(await la_card_for(session, context, case), False)
    event = event_for(kind, outcome)
    if event is None:
        return Answer(
            await la_card_for(
                session, context, case, recording_for=recording_for, error="Choose a button."
            ),
            False,
        )
    try:
        to = advance(Stage(case.stage), event, roles)
    except InvalidTransition as refused:
        return Answer(await la_card_for(session, context, case, error=str(refused)), False)
    if director is None:
        raise Refused(
            "No one holds the Strategic Director's role, so there is no one to record the "
            "decision for. Ask an administrator to assign it."
        )
    if not rationale.strip():
        return Answer(
            await la_card_for(
                session, context, case, recording_for=recording_for, error=NO_RATIONALE
            ),
            False,
        )
    director_roles = await people.get_roles(session=session, aad_object_id=director)
    await record_decision(
        session,
        context,
        case,
        kind,
        role=Role.STRATEGIC_DIRECTOR,
        outcome=outcome,
        rationale=rationale.strip(),
        actor=director,
        roles=director_roles,
        now=now,
        recorded_by=actor if recording else None,
    )
    await move_case(session, case, to, now)
    today = now.astimezone(context.timezone).date()
    if outcome == "notify":
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="notification",
            on=today,
            timetable=context.timetable,
            now=now,
        )
    await complete_milestone(session=session, case=case, key="la_decision", by=actor, now=now)
    await refresh_case_card(session, context, case, now, "the Local Authority's decision")
    await queue_notifications(session, context, case, now)
    if case.referrer_aad_id:
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=outcome_to_referrer_card(
                reference=case.reference,
                notified=outcome == "notify",
                when=now.astimezone(context.timezone),
            ),
            summary=f"Outcome on {case.reference}",
            recipient_aad_id=case.referrer_aad_id,
            case_ref=case.reference,
            dedupe_key=f"referrer-outcome:{case.reference}",
        )
    if outcome == "do_not_notify":
        await queue_next_step(session, context, case, now, "not notified")
    log.info("local authority decided", extra={"case": case.reference})
    return Answer(await la_card_for(session, context, case), True)
