"""A partner's scoping view (a form: ``ScopingFlow``), revisable until the chair recommends;
who may read the views.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.scoping import scoping_views_cards, view_recorded_card
from flows.case_card import refresh_case_card
from flows.common import (
    PARTNER_ROLES,
    Reason,
    current,
    refuse,
)
from flows.context import CaseContext
from flows.decided import view_line
from flows.forms import Refused, Submission
from flows.recommendation import queue_chair_prompt
from storage import people, requests
from storage.audit import append_audit
from storage.decisions import list_decisions, record_decision
from storage.milestones import complete_milestone
from storage.models import Case
from workflow import authorisation
from workflow.decisions import DecisionDraft, DecisionKind, InvalidDecision, event_for
from workflow.roles import Role
from workflow.stages import InvalidTransition, Stage, advance

log = logging.getLogger(__name__)


ONLY_PARTNERS = (
    "Only the Police, Local Authority and Integrated Care Board representatives, and people "
    "the BDSCP Business Unit invites, give scoping views."
)
SCOPING_INVITATION = "scoping_view"  # the purpose of a request for another agency's view


def partner_role(roles: frozenset[str]) -> str | None:
    """The role a person gives their view as: the first partner role they hold, or, asked by
    the Business Unit for this case (``roles`` read with the case), an invited agency's."""
    found = next((role.value for role in PARTNER_ROLES if role in roles), None)
    if found is None and Role.INVITED_AGENCY in roles:
        return Role.INVITED_AGENCY.value
    return found


@dataclass(frozen=True)
class ScopingFlow:
    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case = await session.get(Case, submission.case_id) if submission.case_id else None
        if case is None:
            raise LookupError("the case this view was for is gone")
        person = submission.person
        roles = await people.get_roles(
            session=session, aad_object_id=person.aad_object_id, case_id=case.id
        )
        role = partner_role(roles)
        if role is None:  # checked at the start too: never trust a card
            raise Refused(ONLY_PARTNERS)
        try:
            advance(Stage(case.stage), event_for_view(), roles)
        except InvalidTransition as refused:
            raise Refused(
                f"{case.reference} has moved on from scoping, so views can't be given or "
                "revised now."
            ) from refused
        answers = {k: str(v) for k, v in submission.form["view"].items()}
        if role == Role.INVITED_AGENCY:
            invitation = await requests.get_request(
                session=session,
                case=case,
                purpose=SCOPING_INVITATION,
                aad_object_id=person.aad_object_id,
            )
            answers["agency"] = invitation.agency if invitation is not None else ""
        earlier = [
            v
            for v in await current(session, self.context, case, DecisionKind.SCOPING_VIEW)
            if v.decided_by == person.aad_object_id
        ]
        try:
            await record_decision(
                session=session,
                master=self.context.cipher,
                case=case,
                draft=DecisionDraft(
                    kind=DecisionKind.SCOPING_VIEW,
                    outcome=str(answers["view"]),
                    rationale=str(answers["reason"]),
                    decided_by=person.aad_object_id,
                    decided_role=role,
                    decided_at=submission.now,
                    views=answers,
                    supersedes=earlier[-1].id if earlier else None,
                ),
                decider_roles=roles,
            )
        except InvalidDecision as refused:
            raise Refused(str(refused)) from refused
        views = await current(session, self.context, case, DecisionKind.SCOPING_VIEW)
        if {v.decided_role for v in views} >= {r.value for r in PARTNER_ROLES}:
            await complete_milestone(
                session=session,
                case=case,
                key="scoping_views",
                by=person.aad_object_id,
                now=submission.now,
            )
        await queue_chair_prompt(session, self.context, case, submission.now, "a view given")
        await refresh_case_card(session, self.context, case, submission.now, "a scoping view")
        log.info("scoping view recorded", extra={"case": case.reference})
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        case = await session.get(Case, case_id) if case_id is not None else None
        if case is None:
            raise LookupError(f"no case {case_id}")
        every = await list_decisions(session=session, master=self.context.cipher, case=case)
        revised = any(d.kind == DecisionKind.SCOPING_VIEW and d.supersedes_id for d in every)
        return view_recorded_card(reference=case.reference, revised=revised)


VIEW_READERS = authorisation.VIEW_READERS
NOT_A_READER = (
    "Only the BDSCP Business Unit, the Case Review Sub-group chair, the Strategic Director and "
    "the partner representatives read the scoping views in full."
)


async def read_views(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> tuple[list[dict[str, Any]], str]:
    """Every current scoping view in full, for a 1:1 chat: the cards, or why not. Reading
    them, or being refused, is audited."""
    if not VIEW_READERS & roles:
        await refuse(session, case, actor, "scoping_views", Reason.NOT_A_READER, now, roles=roles)
        return [], NOT_A_READER
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=next((r for r in sorted(VIEW_READERS) if r in roles), ""),
        action="scoping.views_viewed",
        case_ref=case.reference,
        details={"views": len(views)},
    )
    return scoping_views_cards(
        reference=case.reference, views=[(view_line(context, v), dict(v.views)) for v in views]
    ), ""


def event_for_view() -> Any:
    event = event_for(DecisionKind.SCOPING_VIEW, "unsure")
    assert event is not None
    return event
