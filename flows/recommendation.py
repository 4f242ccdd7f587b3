"""The chair's recommendation: the decision prompt in the case review channel, and the
chair's press on it (notify the Panel or not, with a rationale).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.recommendation import RECOMMENDATIONS, chair_prompt_card
from flows.case_card import queue_channel_card, refresh_case_card
from flows.common import (
    PARTNER_ROLES,
    Answer,
    current,
)
from flows.context import CaseContext
from flows.decided import chair_decides, chair_teams_ids, decided_view, due_text, view_line
from flows.la_decision import la_card_for
from storage import cases, outbox, people
from storage.milestones import complete_milestone, list_milestones
from storage.models import Case
from workflow.decisions import DecisionKind
from workflow.roles import Role, label
from workflow.scoping import assess
from workflow.stages import Stage, stage_label

log = logging.getLogger(__name__)


def chair_prompt_key(reference: str) -> str:
    return f"chair-prompt:{reference}"


async def chair_prompt_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    for_chair: bool,
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """The decision prompt as the viewer sees it (``for_chair``: live buttons, unless decided)."""
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)
    recommendation = await current(session, context, case, DecisionKind.CHAIR_RECOMMENDATION)
    rows = await list_milestones(session=session, case=case)
    chair_ids = await chair_teams_ids(session)
    return chair_prompt_card(
        reference=case.reference,
        stage=stage_label(Stage(case.stage), context.timetable.day_number),
        views=[view_line(context, v) for v in views],
        expected=[label(r) for r in PARTNER_ROLES],
        assessment=assess(v.views for v in views),
        due=due_text(context, rows, "chair_recommendation"),
        decided=await decided_view(session, context, recommendation[-1], RECOMMENDATIONS)
        if recommendation
        else None,
        for_chair=for_chair,
        chair_ids=chair_ids,
        error=error,
        rationale=rationale,
    )


async def queue_chair_prompt(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime, why: str
) -> None:
    """Post the prompt to the case review channel, or update it in place."""
    if not context.case_review_channel_id:
        return
    await queue_channel_card(
        session,
        context,
        case,
        now,
        await chair_prompt_for(session, context, case, for_chair=False),
        summary=f"Recommendation on notification: {case.reference} ({why})",
        key=chair_prompt_key(case.reference),
    )


async def recommend(
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
    """The chair's recommendation. None when there is no such case."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)

    async def card(*, for_chair: bool, error: str = "") -> dict[str, Any]:
        return await chair_prompt_for(session, context, case, for_chair=for_chair, error=error)

    done = await chair_decides(
        session,
        context,
        case,
        DecisionKind.CHAIR_RECOMMENDATION,
        card,
        outcome=outcome,
        rationale=rationale,
        actor=actor,
        roles=roles,
        now=now,
        consulted=tuple(v.decided_by for v in views),
        views={label(v.decided_role): v.outcome for v in views},
    )
    if isinstance(done, Answer):
        return done
    await complete_milestone(
        session=session, case=case, key="chair_recommendation", by=actor, now=now
    )
    await queue_chair_prompt(session, context, case, now, "recommended")
    await refresh_case_card(session, context, case, now, "the chair's recommendation")
    for director in await people.list_holders(session=session, role=Role.STRATEGIC_DIRECTOR):
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=await la_card_for(session, context, case),
            summary=f"Decision on notification: {case.reference}",
            recipient_aad_id=director,
            case_ref=case.reference,
            card_key=f"la-decision:{case.reference}:{director}",
        )
    log.info("chair recommended", extra={"case": case.reference})
    return Answer(await chair_prompt_for(session, context, case, for_chair=False), True)
