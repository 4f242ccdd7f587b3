"""The rapid review decision (Day 15): the Business Unit proposes (a form), the chair approves
or sends it back from the channel's card. Each step a decision record; approval moves the case
(``workflow.stages.advance``) and sets the review-decision anchor."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy.ext.asyncio import AsyncSession

from cards.review import proposal_sent_card, review_details_card, review_prompt_card
from flows.case_card import queue_channel_card, refresh_case_card
from flows.cases import move_case
from flows.common import Answer, Reason, current, record_chair_decision, refuse
from flows.context import CaseContext
from flows.decided import chair_teams_ids, decided_view, due_text
from flows.forms import Refused, Submission
from storage import cases, outbox, people
from storage.decisions import DecisionView, list_decisions, record_decision
from storage.milestones import complete_milestone, list_milestones
from storage.models import Case
from workflow.calendar import british
from workflow.decisions import DecisionDraft, DecisionKind, InvalidDecision, event_for
from workflow.review import CRITERIA_TITLES, OUTCOME_TITLES
from workflow.roles import Role
from workflow.stages import (
    LOCAL_REVIEW_MILESTONES,
    InvalidTransition,
    Stage,
    advance,
    stage_label,
)

log = logging.getLogger(__name__)

YES_NO = {"yes": "Yes", "no": "No", "unsure": "Not sure"}


def review_prompt_key(reference: str) -> str:
    return f"review-prompt:{reference}"


def _stage_allows_review(case: Case) -> bool:
    try:
        advance(Stage(case.stage), event_for_review(), {Role.CHAIR})
    except InvalidTransition:
        return False
    return True


def event_for_review() -> Any:
    event = event_for(DecisionKind.REVIEW_DECISION, "lcspr")
    assert event is not None
    return event


async def _state(
    session: AsyncSession, context: CaseContext, case: Case
) -> tuple[DecisionView | None, DecisionView | None, DecisionView | None]:
    """The current proposal, and the approval or rejection that answered it (if any)."""
    proposals = await current(session, context, case, DecisionKind.REVIEW_PROPOSAL)
    proposal = proposals[-1] if proposals else None
    if proposal is None:
        return None, None, None
    later = [
        d
        for d in await list_decisions(session=session, master=context.cipher, case=case)
        if d.id > proposal.id
    ]
    decided = next((d for d in later if d.kind == DecisionKind.REVIEW_DECISION), None)
    rejected = next((d for d in later if d.kind == DecisionKind.REVIEW_REJECTION), None)
    return proposal, decided, rejected


async def review_prompt_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    for_chair: bool,
    today: date,
    error: str = "",
) -> dict[str, Any]:
    proposal, decided, rejected = await _state(session, context, case)
    answers = proposal.views if proposal is not None else {}
    ticked = [
        CRITERIA_TITLES[key]
        for field in ("must", "regard")
        for key in str(answers.get(field, "")).split(",")
        if key in CRITERIA_TITLES
    ]
    rows = await list_milestones(session=session, case=case)
    overdue = ""
    if case.notification_date is not None and decided is None:
        month_end = case.notification_date + relativedelta(months=1)
        if today > month_end:
            overdue = (
                f"Past the month: a decision on a local review is normally made within one "
                f"month of notification ({british(case.notification_date)}), so by "
                f"{british(month_end)}."
            )
        else:
            overdue = f"Normally decided within one month of notification: by {british(month_end)}."
    return review_prompt_card(
        reference=case.reference,
        stage=stage_label(Stage(case.stage), context.timetable.day_number),
        proposal=await decided_view(session, context, proposal, OUTCOME_TITLES)
        if proposal
        else None,
        ticked=ticked,
        immediate_action=YES_NO.get(str(answers.get("immediate_action", "")), "Not said"),
        national=YES_NO.get(str(answers.get("national", "")), "Not said"),
        due=due_text(context, rows, "rapid_review_meeting"),
        overdue_note=overdue,
        past_month=overdue.startswith("Past the month"),
        decided=await decided_view(session, context, decided, OUTCOME_TITLES) if decided else None,
        rejected=await decided_view(session, context, rejected, {"rejected": "Sent back"})
        if rejected
        else None,
        for_chair=for_chair,
        chair_ids=await chair_teams_ids(session),
        error=error,
    )


async def queue_review_prompt(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime, why: str
) -> None:
    if not context.case_review_channel_id:
        return
    today = now.astimezone(context.timezone).date()
    await queue_channel_card(
        session,
        context,
        case,
        now,
        await review_prompt_for(session, context, case, for_chair=False, today=today),
        summary=f"Rapid review decision: {case.reference} ({why})",
        key=review_prompt_key(case.reference),
    )


@dataclass(frozen=True)
class ReviewProposalFlow:
    """The Business Unit's proposed decision, sent to the chair for approval."""

    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case = await session.get(Case, submission.case_id) if submission.case_id else None
        if case is None:
            raise LookupError("the case this decision was for is gone")
        person = submission.person
        roles = await people.get_roles(session=session, aad_object_id=person.aad_object_id)
        if Role.BUSINESS_UNIT not in roles:  # checked at the start too: never trust a card
            raise Refused("Only the BDSCP Business Unit proposes the rapid review decision.")
        if not _stage_allows_review(case):
            raise Refused(
                f"{case.reference} isn't at the rapid review, so there is no decision to propose."
            )
        earlier = await current(session, self.context, case, DecisionKind.REVIEW_PROPOSAL)
        answers = {**submission.form["criteria"], **submission.form["decision"]}
        flat = {k: ",".join(v) if isinstance(v, list) else str(v) for k, v in answers.items()}
        try:
            await record_decision(
                session=session,
                master=self.context.cipher,
                case=case,
                draft=DecisionDraft(
                    kind=DecisionKind.REVIEW_PROPOSAL,
                    outcome=flat["outcome"],
                    rationale=flat["rationale"],
                    decided_by=person.aad_object_id,
                    decided_role=Role.BUSINESS_UNIT,
                    decided_at=submission.now,
                    views=flat,
                    supersedes=earlier[-1].id if earlier else None,
                ),
                decider_roles=roles,
            )
        except InvalidDecision as refused:
            raise Refused(str(refused)) from refused
        await queue_review_prompt(session, self.context, case, submission.now, "proposed")
        for chair in await people.list_holders(session=session, role=Role.CHAIR):
            await outbox.enqueue(
                session=session,
                cipher=self.context.cipher,
                now=submission.now,
                card=review_details_card(
                    reference=case.reference,
                    outcome=OUTCOME_TITLES.get(flat["outcome"], flat["outcome"]),
                    rationale=flat["rationale"],
                    consulted=flat["consulted"],
                    notes=[
                        (CRITERIA_TITLES[key.removeprefix("note_")], value)
                        for key, value in flat.items()
                        if key.startswith("note_") and value
                    ],
                    immediate=flat.get("immediate_note", ""),
                ),
                summary=f"Proposed rapid review decision: {case.reference}",
                recipient_aad_id=chair,
                case_ref=case.reference,
            )
        log.info("review decision proposed", extra={"case": case.reference})
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        case = await session.get(Case, case_id) if case_id is not None else None
        if case is None:
            raise LookupError(f"no case {case_id}")
        return proposal_sent_card(reference=case.reference)


async def answer_proposal(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    approve: bool,
    note: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """The chair approves the proposal (the decision is recorded, the case moves on) or sends
    it back with a note. Checked on the server whatever the card says; once only."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    today = now.astimezone(context.timezone).date()
    is_chair = Role.CHAIR in roles
    proposal, decided, rejected = await _state(session, context, case)

    async def card(error: str = "") -> dict[str, Any]:
        return await review_prompt_for(
            session, context, case, for_chair=is_chair, today=today, error=error
        )

    if not is_chair:  # refused before anything of the case is read: one line, audited
        message = "Only the Case Review Sub-group chair can approve the rapid review decision."
        await refuse(
            session,
            case,
            actor,
            DecisionKind.REVIEW_DECISION.value,
            Reason.NOT_CHAIR,
            now,
            roles=roles,
        )
        return Answer(None, False, message)
    if proposal is None or decided is not None or rejected is not None:
        return Answer(await card(), False)  # nothing to answer, or answered already
    if approve:
        to = advance(Stage(case.stage), event_for_review(), roles)
        await record_chair_decision(
            session,
            context,
            case,
            DecisionKind.REVIEW_DECISION,
            outcome=proposal.outcome,
            rationale=proposal.rationale
            + (f"\n\nThe chair: {note.strip()}" if note.strip() else ""),
            actor=actor,
            roles=roles,
            now=now,
            views=proposal.views,
            recorded_by=proposal.decided_by,
        )
        # Without a local review, nothing of one is due.
        await move_case(
            session,
            case,
            to,
            now,
            also_not_applicable=LOCAL_REVIEW_MILESTONES if proposal.outcome != "lcspr" else (),
        )
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="review_decision",
            on=today,
            timetable=context.timetable,
            now=now,
        )
        await complete_milestone(
            session=session, case=case, key="rapid_review_meeting", by=actor, now=now
        )
    else:
        if not note.strip():
            return Answer(await card("Say why you are sending it back."), False)
        await record_chair_decision(
            session,
            context,
            case,
            DecisionKind.REVIEW_REJECTION,
            outcome="rejected",
            rationale=note.strip(),
            actor=actor,
            roles=roles,
            now=now,
        )
    await queue_review_prompt(session, context, case, now, "approved" if approve else "sent back")
    await refresh_case_card(session, context, case, now, "the rapid review decision")
    return Answer(await card(), True)
