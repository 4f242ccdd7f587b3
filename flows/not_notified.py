"""What next, when the Local Authority does not notify the Panel: the chair chooses the
next step (a single agency review, an audit, a learning event, or no further action) on a
card in the case review channel.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.la_decision import LA_OUTCOMES
from cards.not_notified import NEXT_STEPS, next_step_card
from flows.case_card import queue_channel_card, refresh_case_card
from flows.common import (
    Answer,
    current,
)
from flows.context import CaseContext
from flows.decided import chair_decides, chair_teams_ids, decided_view
from flows.forms import Refused
from storage import cases
from storage.models import Case
from workflow.decisions import DecisionKind
from workflow.stages import Stage, stage_label

log = logging.getLogger(__name__)


def next_step_key(reference: str) -> str:
    return f"next-step:{reference}"


async def next_step_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    for_chair: bool,
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """The chair's card on what happens to a case the Local Authority did not notify."""
    la = await current(session, context, case, DecisionKind.LA_DECISION)
    if not la or la[-1].outcome != "do_not_notify":
        raise Refused(f"The Local Authority hasn't decided against notifying {case.reference}.")
    decided = await current(session, context, case, DecisionKind.NEXT_STEP)
    return next_step_card(
        reference=case.reference,
        stage=stage_label(Stage(case.stage), context.timetable.day_number),
        la_decision=await decided_view(session, context, la[-1], LA_OUTCOMES),
        decided=await decided_view(session, context, decided[-1], NEXT_STEPS) if decided else None,
        for_chair=for_chair,
        chair_ids=await chair_teams_ids(session),
        error=error,
        rationale=rationale,
    )


async def queue_next_step(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime, why: str
) -> None:
    await queue_channel_card(
        session,
        context,
        case,
        now,
        await next_step_for(session, context, case, for_chair=False),
        summary=f"What next for {case.reference} ({why})",
        key=next_step_key(case.reference),
    )


async def decide_next_step(
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
    """The chair's choice for a case not notified: an alternative review, or close."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None

    async def card(*, for_chair: bool, error: str = "") -> dict[str, Any]:
        return await next_step_for(session, context, case, for_chair=for_chair, error=error)

    done = await chair_decides(
        session,
        context,
        case,
        DecisionKind.NEXT_STEP,
        card,
        outcome=outcome,
        rationale=rationale,
        actor=actor,
        roles=roles,
        now=now,
    )
    if isinstance(done, Answer):
        return done
    await queue_next_step(session, context, case, now, "decided")
    await refresh_case_card(session, context, case, now, "the chair's decision on what next")
    log.info("next step decided", extra={"case": case.reference})
    return Answer(await card(for_chair=False), True)
