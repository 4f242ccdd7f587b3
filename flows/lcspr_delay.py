"""A local review's delay: asked for by the Business Unit (a form), approved or refused by the
chair from a card; an approved delay moves the publication date (the chair's decision kept
with its rationale).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import lcspr as cards
from flows.case_card import refresh_case_card
from flows.common import Answer, Reason, record_chair_decision, refuse
from flows.context import CaseContext
from flows.forms import Refused, Submission
from flows.lcspr import DONE, audit_step, opening, step_confirmation
from flows.lcspr_record import (
    NO_REVIEW,
    day_of,
    has_local_review,
    name_of,
    publication_dates,
    review_state,
    state_of,
)
from storage import cases, outbox, people, reviews
from storage.milestones import adjust_milestone
from storage.models import Case
from workflow import lcspr
from workflow.adjustments import Adjustment, AdjustmentKind, InvalidAdjustment
from workflow.calendar import british
from workflow.decisions import DecisionKind
from workflow.forms import parse_date
from workflow.roles import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DelayFlow:
    """The Business Unit asks the chair to approve a later publication date."""

    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case, by = await opening(session, submission, "asks for a publication delay")
        state = await review_state(session, self.context, case)
        if state.pending_delay is not None:
            raise Refused(
                f"A delay to {british(day_of(state.pending_delay.facts['new_date']))} is waiting "
                "for the chair already."
            )
        answers = submission.form["delay"]
        new_date = parse_date(str(answers["new_date"]))
        assert new_date is not None  # the form checked it
        found = publication_dates(self.context, case, state)
        problem = lcspr.delay_problem(
            new_date,
            found.latest_publication,
            submission.today,
            self.context.timetable.calendar(),
        )
        if problem:
            raise Refused(problem)
        request = await reviews.add_record(
            session=session,
            master=self.context.cipher,
            case=case,
            kind=lcspr.DELAY_REQUEST,
            facts={"cause": str(answers["cause"]), "new_date": new_date.isoformat()},
            words={"reason": str(answers["reason"])},
            by=by,
            now=submission.now,
        )
        await audit_step(
            session,
            case,
            by,
            Role.BUSINESS_UNIT,
            "review.delay_requested",
            submission.now,
            cause=answers["cause"],
            new_date=new_date.isoformat(),
        )
        for chair in await people.list_holders(session=session, role=Role.CHAIR):
            await outbox.enqueue(
                session=session,
                cipher=self.context.cipher,
                now=submission.now,
                card=await delay_card_for(session, self.context, case, request, for_chair=True),
                summary=f"A publication delay to approve: {case.reference}",
                recipient_aad_id=chair,
                case_ref=case.reference,
                dedupe_key=f"delay-request:{case.reference}:{request}:{chair}",
            )
        await refresh_case_card(session, self.context, case, submission.now, "delay asked for")
        log.info("publication delay asked for", extra={"case": case.reference})
        session.info[DONE] = (
            f"Asked the chair to approve publication by {british(new_date)} instead of "
            f"{british(found.latest_publication) if found.latest_publication else 'the date set'}."
        )
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        return await step_confirmation(session, self.context, case_id)


async def delay_card_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    request_id: int,
    *,
    for_chair: bool,
    error: str = "",
) -> dict[str, Any]:
    records = await reviews.list_records(session=session, master=context.cipher, case=case)
    request = next((r for r in records if r.id == request_id), None)
    if request is None:
        raise LookupError(f"no delay request {request_id}")
    answer = next(
        (
            r
            for r in records
            if r.kind == lcspr.DELAY_ANSWER and int(r.facts.get("request", 0)) == request_id
        ),
        None,
    )
    state = state_of([r for r in records if r.id < request_id])
    was = publication_dates(context, case, state).latest_publication
    answered = None
    if answer is not None:
        answered = cards.DelayAnswer(
            approved=bool(answer.facts.get("approved")),
            by=await name_of(session, answer.recorded_by),
            when=answer.recorded_at.astimezone(context.timezone),
            note=str(answer.words.get("note", "")),
        )
    return cards.delay_card(
        reference=case.reference,
        request=request_id,
        cause=lcspr.cause_title(str(request.facts.get("cause", ""))),
        reason=str(request.words.get("reason", "")),
        new_date=day_of(request.facts["new_date"]),
        was=was,
        asked_by=await name_of(session, request.recorded_by),
        asked_at=request.recorded_at.astimezone(context.timezone),
        answered=answered,
        for_chair=for_chair and answered is None,
        error=error,
    )


async def answer_delay(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    request: int,
    approve: bool,
    note: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """The chair approves the delay (the decision recorded, the deadline moved, the Business
    Unit reminded to tell the Panel and the Secretary of State) or refuses it with a note.
    Checked on the server whatever the card says; once only."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    state = await review_state(session, context, case, words=True)
    asked = next(
        (r for r in state.records if r.id == request and r.kind == lcspr.DELAY_REQUEST), None
    )
    if asked is None:
        return None
    is_chair = Role.CHAIR in roles

    async def card(error: str = "") -> dict[str, Any]:
        return await delay_card_for(
            session, context, case, request, for_chair=is_chair, error=error
        )

    if not is_chair:
        message = "Only the Case Review Sub-group chair can approve a publication delay."
        await refuse(
            session,
            case,
            actor,
            DecisionKind.PUBLICATION_DELAY.value,
            Reason.NOT_CHAIR,
            now,
            roles=roles,
        )
        return Answer(None, False, message)
    if state.pending_delay is None or state.pending_delay.id != request:
        return Answer(await card(), False)  # answered already
    if not await has_local_review(session, case):
        return Answer(await card(NO_REVIEW.format(reference=reference)), False)
    new_date = day_of(asked.facts["new_date"])
    reason = str(asked.words.get("reason", ""))
    cause = lcspr.cause_title(str(asked.facts.get("cause", "")))
    if not approve and not note.strip():
        return Answer(await card("Say why you are refusing it: the Business Unit is told."), False)
    if approve:
        try:
            await adjust_milestone(
                session=session,
                master=context.cipher,
                case=case,
                timetable=context.timetable,
                key=lcspr.PUBLICATION_MILESTONE,
                adjustment=Adjustment(
                    AdjustmentKind.EXTEND,
                    now.astimezone(context.timezone).date(),
                    f"{cause}: {reason}",
                    actor,
                    new_date,
                ),
                approver_roles=roles,
                now=now,
            )
        except InvalidAdjustment as refused:
            return Answer(await card(str(refused)), False)
        await record_chair_decision(
            session,
            context,
            case,
            DecisionKind.PUBLICATION_DELAY,
            outcome="delay",
            rationale=f"{cause}: {reason}"
            + (f"\n\nThe chair: {note.strip()}" if note.strip() else ""),
            actor=actor,
            roles=roles,
            now=now,
            views={"new_date": new_date.isoformat()},
            recorded_by=asked.recorded_by,
        )
    await reviews.add_record(
        session=session,
        master=context.cipher,
        case=case,
        kind=lcspr.DELAY_ANSWER,
        facts={"request": request, "approved": approve},
        words={"note": note.strip()},
        by=actor,
        now=now,
    )
    await audit_step(
        session,
        case,
        actor,
        Role.CHAIR,
        "review.delay_answered",
        now,
        request=request,
        approved=approve,
        new_date=new_date.isoformat(),
    )
    chair = await name_of(session, actor)
    for bu in await people.list_holders(session=session, role=Role.BUSINESS_UNIT):
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=cards.delay_answered_card(
                reference=reference,
                approved=approve,
                new_date=new_date,
                chair=chair,
                note=note.strip(),
            ),
            summary=f"Publication delay {'approved' if approve else 'refused'}: {reference}",
            recipient_aad_id=bu,
            case_ref=reference,
            dedupe_key=f"delay-answer:{reference}:{request}:{bu}",
        )
    await refresh_case_card(
        session, context, case, now, "delay approved" if approve else "delay refused"
    )
    log.info("publication delay answered", extra={"case": reference, "approved": approve})
    return Answer(await card(), True)
