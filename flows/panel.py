"""Day 20 and the Panel's answer: the Business Unit records the rapid review report sent to
the Panel, then the Panel's response (a national review; more information, and when it was
sent; or agreement with the local decision), and the case moves to the matching stage through
``workflow.stages.advance``."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cards.panel import PANEL_STEPS, panel_card
from flows.case_card import refresh_case_card
from flows.cases import move_case
from flows.common import Answer, current, lock_as, record_decision
from flows.context import CaseContext
from storage import cases
from storage.audit import append_audit
from storage.milestones import complete_milestone
from storage.models import Case
from workflow.decisions import DecisionKind, event_for
from workflow.review import OUTCOME_TITLES
from workflow.roles import Role
from workflow.stages import Event, InvalidTransition, Stage, advance, stage_label

log = logging.getLogger(__name__)

# What the Panel's agreement starts, by the rapid review's decision.
AFTER_AGREEMENT = {
    "lcspr": Event.START_LCSPR,
    "single_agency_review": Event.START_ALTERNATIVE,
    "audit": Event.START_ALTERNATIVE,
    "learning_event": Event.START_ALTERNATIVE,
}
WHAT = PANEL_STEPS


async def panel_card_for(
    session: AsyncSession, context: CaseContext, case: Case, *, error: str = ""
) -> dict[str, object]:
    responses = await current(session, context, case, DecisionKind.PANEL_RESPONSE)
    history = [
        (WHAT.get(r.outcome, r.outcome), r.decided_at.astimezone(context.timezone))
        for r in responses
    ]
    review = await current(session, context, case, DecisionKind.REVIEW_DECISION)
    return panel_card(
        reference=case.reference,
        stage=stage_label(Stage(case.stage), context.timetable.day_number),
        review=OUTCOME_TITLES.get(review[-1].outcome, "") if review else "",
        history=history,
        report_sent=case.report_sent_date is not None,
        error=error,
    )


async def record_panel_step(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    what: str,
    note: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """One step of Day 20: checked against the stage rules, recorded, the case moved."""
    locked = await lock_as(
        session,
        reference,
        Role.BUSINESS_UNIT,
        what="panel",
        actor=actor,
        roles=roles,
        now=now,
        refusal="Only the BDSCP Business Unit records the Panel's steps.",
    )
    if not isinstance(locked, Case):
        return locked  # no such case, or the refusal (audited, not rolled back)
    case = locked
    if what not in WHAT:
        return Answer(await panel_card_for(session, context, case, error="Choose a button."), False)
    if not note.strip() and what != "report_sent":
        return Answer(
            await panel_card_for(
                session, context, case, error="Add a note: what the Panel said, or what was sent."
            ),
            False,
        )
    today = now.astimezone(context.timezone).date()
    stage = Stage(case.stage)
    try:
        if what == "report_sent":
            to = advance(stage, Event.REPORT_SENT, roles)
            await cases.set_anchor(
                session=session,
                case=case,
                anchor="report_sent",
                on=today,
                timetable=context.timetable,
                now=now,
            )
            await complete_milestone(
                session=session, case=case, key="report_to_panel", by=actor, now=now
            )
        elif what == "more_sent":
            to = advance(stage, Event.PANEL_ASKS_MORE, roles)  # stays awaiting the Panel
            await append_audit(
                session=session,
                now=now,
                actor_aad_id=actor,
                actor_role=Role.BUSINESS_UNIT,
                action="panel.more_information_sent",
                case_ref=case.reference,
                details={},
            )
        else:
            outcome = "agrees" if what == "agrees" else what
            if what == "agrees":
                review = await current(session, context, case, DecisionKind.REVIEW_DECISION)
                decided = review[-1].outcome if review else ""
                event = AFTER_AGREEMENT.get(decided)
                if event is None:
                    return Answer(
                        await panel_card_for(
                            session,
                            context,
                            case,
                            error="With no local review to start, the chair closes the case.",
                        ),
                        False,
                    )
            else:
                found = event_for(DecisionKind.PANEL_RESPONSE, outcome)
                assert found is not None
                event = found
            to = advance(stage, event, roles)
            await record_decision(
                session,
                context,
                case,
                DecisionKind.PANEL_RESPONSE,
                role=Role.BUSINESS_UNIT,
                outcome=outcome,
                rationale=note.strip(),
                actor=actor,
                roles=roles,
                now=now,
            )
            await complete_milestone(
                session=session, case=case, key="panel_response", by=actor, now=now
            )
    except InvalidTransition as refused:
        return Answer(await panel_card_for(session, context, case, error=str(refused)), False)
    await move_case(session, case, to, now)
    await refresh_case_card(session, context, case, now, WHAT[what])
    log.info("panel step recorded", extra={"case": case.reference, "what": what})
    return Answer(await panel_card_for(session, context, case), True)
