"""A local review after the decision to carry it out: commissioning (who was told, the
reviewer, the methodology), delays (asked for by the Business Unit, approved or refused by the
chair from a card), not publishing in full (the chair), the Partnership Group's sign-off, the
communication plan and the publication.

Each is a record of the review (``storage.reviews``) written in one transaction with what it
completes: a milestone done, the case moved on (``workflow.stages.advance``), the deadline
moved, the channel's case card updated. Who may is checked here, on the server, whatever a
card said. Audits carry dates, kinds and ticks, never the words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import lcspr as cards
from flows.case_card import refresh_case_card
from flows.cases import move_case
from flows.common import Answer, Reason, record_chair_decision, refuse
from flows.context import CaseContext
from flows.forms import Refused, Submission, Submitter
from flows.lcspr_record import (
    NO_REVIEW,
    day_of,
    has_local_review,
    name_of,
    publication_dates,
    review_lines,
    review_state,
    state_of,
)
from storage import cases, outbox, people, reviews
from storage.audit import append_audit
from storage.models import Case
from storage.reviews import latest
from workflow import lcspr
from workflow.adjustments import Adjustment, AdjustmentKind, InvalidAdjustment
from workflow.calendar import british
from workflow.decisions import DecisionKind
from workflow.forms import parse_date
from workflow.roles import Role
from workflow.stages import Event, Stage, advance

log = logging.getLogger(__name__)


# ----- checks shared by every step --------------------------------------------------------


async def _review_case(session: AsyncSession, case_id: int | None) -> Case:
    case = await session.get(Case, case_id) if case_id else None
    if case is None:
        raise LookupError("the case this form was for is gone")
    return case


async def _at_review(session: AsyncSession, case: Case) -> None:
    if not await has_local_review(session, case):
        raise Refused(NO_REVIEW.format(reference=case.reference))


async def _opening(session: AsyncSession, submission: Submission, what: str) -> tuple[Case, str]:
    """Every local review form's first checks, on the server: the case (locked), its stage,
    and that the person submitting is the Business Unit (``what`` it does: for the refusal).
    The case and the submitter's id."""
    case = await _review_case(session, submission.case_id)
    by = submission.person.aad_object_id
    roles = await people.get_roles(session=session, aad_object_id=by)
    if Role.BUSINESS_UNIT not in roles:
        raise Refused(f"Only the BDSCP Business Unit {what}.")
    await cases.lock_case(session=session, reference=case.reference)
    await _at_review(session, case)
    return case, by


async def _audit(
    session: AsyncSession,
    case: Case,
    actor: str,
    role: str,
    action: str,
    now: datetime,
    **details: Any,
) -> None:
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=role,
        action=action,
        case_ref=case.reference,
        details=details,
    )


DONE = "lcspr.done"  # session.info: what the confirmation says was just done


async def _confirmation(
    session: AsyncSession, context: CaseContext, case_id: int | None
) -> dict[str, Any]:
    case = await _review_case(session, case_id)
    note = session.info.get(DONE, "")
    return await review_card_for(session, context, case, words=True, note=note)


async def review_card_for(
    session: AsyncSession, context: CaseContext, case: Case, *, words: bool, note: str = ""
) -> dict[str, Any]:
    """The local review's record: the stage and dates, and with ``words`` (1:1, to the
    people who run reviews; the caller audits the view) the methodology and involvement."""
    state = await review_state(session, context, case, words=words)
    said: list[tuple[str, str]] = []
    if words and state.method:
        said = [
            (spec_field.label_for_reader, str(state.method.words.get(spec_field.id, "")))
            for spec_field in lcspr.COMMISSIONING.section("method").fields
            if spec_field.kind == "multiline" and state.method.words.get(spec_field.id)
        ]
    return cards.review_card(
        reference=case.reference,
        lines=await review_lines(session, context, case, state),
        said=said,
        note=note,
    )


# ----- commissioning (a form) ---------------------------------------------------------------


async def commissioning_prefill(
    session: AsyncSession, context: CaseContext, case_id: int
) -> dict[str, Any]:
    """The commissioning form opens with what is recorded already."""
    case = await session.get(Case, case_id)
    if case is None:
        return {}
    state = await review_state(session, context, case, words=True)
    known: dict[str, Any] = {}
    for kind, record in ((lcspr.TOLD, state.told), (lcspr.REVIEWER, state.reviewer)):
        if record is not None:
            known[kind] = dict(record.facts)
    if state.method is not None:
        known[lcspr.METHOD] = {**state.method.facts, **state.method.words}
    return known


async def teller_prefill(person: Submitter, today: date) -> dict[str, Any]:
    """A new commissioning record: whoever fills it in is taken to have told them."""
    return {lcspr.TOLD: {"told_by": person.name}}


@dataclass(frozen=True)
class CommissioningFlow:
    """The Business Unit records who was told of the review, the reviewer and the method."""

    context: CaseContext
    role: str = Role.BUSINESS_UNIT

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case, by = await _opening(session, submission, "records a local review's commissioning")
        assert case.review_decision_date is not None
        state = await review_state(session, self.context, case, words=True)
        form = submission.form
        for section in ("told", "reviewer", "method"):
            problem = lcspr.dates_not_before(
                form[section], case.review_decision_date, "the decision to start the review"
            )
            if problem:
                raise Refused(problem)
        now = submission.now
        told = {k: str(v) for k, v in form["told"].items() if not k.startswith("_")}
        reviewer = {k: str(v) for k, v in form["reviewer"].items()}
        method = form["method"]
        words = {k: str(method.get(k, "")) for k in ("methodology", "practitioners", "family")}
        parts: tuple[tuple[str, str, dict[str, str], dict[str, str]], ...] = (
            (lcspr.TOLD, "who was told of the review", told, {}),
            (lcspr.REVIEWER, "the reviewer", reviewer, {}),
            (
                lcspr.METHOD,
                "the methodology and involvement",
                {"agreed_on": str(method.get("agreed_on", ""))},
                words,
            ),
        )
        saved = []
        for kind, what, facts, said in parts:
            was = latest(state.records, kind)
            blank = ({k: "" for k in facts}, {k: "" for k in said})
            if (facts, said) == ((was.facts, was.words) if was else blank):
                continue  # unchanged: no new record
            await reviews.add_record(
                session=session,
                master=self.context.cipher,
                case=case,
                kind=kind,
                facts=facts,
                words=said,
                by=by,
                now=now,
            )
            saved.append(what)
        if not saved:
            raise Refused("Nothing has changed since it was last recorded.")
        done = []
        if all(told.get(f"{key}_told") for key, _ in lcspr.BODIES) and told.get("told_by"):
            done.append(lcspr.TOLD_MILESTONE)
        if reviewer.get("reviewer") and all(reviewer.get(f"{k}_named") for k, _ in lcspr.BODIES):
            done.append(lcspr.REVIEWER_MILESTONE)
        for key in done:
            await cases.complete_milestone(session=session, case=case, key=key, by=by, now=now)
        await _audit(
            session,
            case,
            by,
            Role.BUSINESS_UNIT,
            "review.commissioning",
            now,
            saved=saved,
            milestones_done=done,
        )
        await refresh_case_card(session, self.context, case, now, "commissioning recorded")
        session.info[DONE] = "Recorded: " + ", ".join(saved) + "."
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        return await _confirmation(session, self.context, case_id)


# ----- a delay: asked for (a form), answered by the chair (card buttons) -----------------------


@dataclass(frozen=True)
class DelayFlow:
    """The Business Unit asks the chair to approve a later publication date."""

    context: CaseContext
    role: str = Role.BUSINESS_UNIT

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case, by = await _opening(session, submission, "asks for a publication delay")
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
        await _audit(
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
        return await _confirmation(session, self.context, case_id)


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

    if state.pending_delay is None or state.pending_delay.id != request:
        return Answer(await card(), False)  # answered already
    if not is_chair:
        message = "Only the Case Review Sub-group chair can approve a publication delay."
        await refuse(
            session, case, actor, DecisionKind.PUBLICATION_DELAY.value, Reason.NOT_CHAIR, now
        )
        return Answer(None, False, message)
    if not await has_local_review(session, case):
        return Answer(await card(NO_REVIEW.format(reference=reference)), False)
    new_date = day_of(asked.facts["new_date"])
    reason = str(asked.words.get("reason", ""))
    cause = lcspr.cause_title(str(asked.facts.get("cause", "")))
    if not approve and not note.strip():
        return Answer(await card("Say why you are refusing it: the Business Unit is told."), False)
    if approve:
        try:
            await cases.adjust_milestone(
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
    await _audit(
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


# ----- the record-only steps (commands) -----------------------------------------------------


async def not_in_full(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    justification: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> str:
    """The chair's decision not to publish the full report, with its justification."""
    if Role.CHAIR not in roles:
        raise Refused("Only the Case Review Sub-group chair decides not to publish in full.")
    await _at_review(session, case)
    if any(
        r.kind == lcspr.NOT_IN_FULL for r in (await review_state(session, context, case)).records
    ):
        return f"The decision not to publish {case.reference}'s full report is recorded already."
    if not justification.strip():
        raise Refused(
            "Give the justification: it is kept with the case and set out for the Panel and "
            "the Secretary of State."
        )
    await record_chair_decision(
        session,
        context,
        case,
        DecisionKind.PUBLICATION_DELAY,
        outcome="do_not_publish_full_report",
        rationale=justification.strip(),
        actor=actor,
        roles=roles,
        now=now,
    )
    await reviews.add_record(
        session=session,
        master=context.cipher,
        case=case,
        kind=lcspr.NOT_IN_FULL,
        facts={},
        words={"justification": justification.strip()},
        by=actor,
        now=now,
    )
    await _audit(session, case, actor, Role.CHAIR, "review.not_in_full", now)
    for bu in await people.list_holders(session=session, role=Role.BUSINESS_UNIT):
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=cards.tell_panel_card(
                reference=case.reference, what="the decision not to publish the full report"
            ),
            summary=f"Tell the Panel and the Secretary of State: {case.reference}",
            recipient_aad_id=bu,
            case_ref=case.reference,
            dedupe_key=f"not-in-full:{case.reference}:{now.isoformat()}:{bu}",
        )
    await refresh_case_card(session, context, case, now, "not to be published in full")
    return (
        f"Recorded: the full report on {case.reference} won't be published, with your "
        "justification. The Business Unit is asked to set it out for the Panel and the "
        "Secretary of State."
    )


async def panel_told(
    session: AsyncSession, context: CaseContext, case: Case, *, on: date, actor: str, now: datetime
) -> str:
    """The day the Panel and the Secretary of State were told the reasons (a delay, or not
    publishing in full)."""
    state = await review_state(session, context, case)
    if not state.untold:
        raise Refused(
            f"{case.reference} has no delay or decision not to publish in full that the Panel "
            "and the Secretary of State are still to be told about."
        )
    today = now.astimezone(context.timezone).date()
    if on > today:
        raise Refused("Record the day they were told, not a day to come.")
    assert state.untold_since is not None  # something is untold
    since = state.untold_since.astimezone(context.timezone).date()
    if on < since:
        raise Refused(
            f"{british(on)} is before the chair's decision ({british(since)}): record the day "
            "they were told about it."
        )
    await reviews.add_record(
        session=session,
        master=context.cipher,
        case=case,
        kind=lcspr.PANEL_TOLD,
        facts={"on": on.isoformat(), "about": state.untold},
        by=actor,
        now=now,
    )
    await _audit(
        session, case, actor, Role.BUSINESS_UNIT, "review.panel_told", now, on=on.isoformat()
    )
    await refresh_case_card(session, context, case, now, "the Panel told why")
    return (
        f"Recorded: the Panel and the Secretary of State were told about "
        f"{' and '.join(state.untold)} on {british(on)}."
    )


async def _moving_step(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    event: Event,
    *,
    kind: str,
    facts: dict[str, Any],
    milestone: str,
    actor: str,
    now: datetime,
    why: str,
) -> None:
    """A step that moves the case (the stage rules decide where): its record, its milestone
    done, the case moved, audited (the day only), the channel's card updated."""
    to = advance(Stage(case.stage), event, {Role.BUSINESS_UNIT})
    await reviews.add_record(
        session=session,
        master=context.cipher,
        case=case,
        kind=kind,
        facts=facts,
        by=actor,
        now=now,
    )
    await cases.complete_milestone(session=session, case=case, key=milestone, by=actor, now=now)
    await move_case(session, case, to, now)
    await _audit(session, case, actor, Role.BUSINESS_UNIT, f"review.{kind}", now, on=facts["on"])
    await refresh_case_card(session, context, case, now, why)


async def signed_off(
    session: AsyncSession, context: CaseContext, case: Case, *, on: date, actor: str, now: datetime
) -> str:
    """The Partnership Group signed the final report off: the case moves to publication."""
    if case.stage != Stage.LCSPR:
        if case.stage == Stage.PUBLICATION:
            return f"{case.reference}'s final report is signed off already."
        raise Refused(NO_REVIEW.format(reference=case.reference))
    today = now.astimezone(context.timezone).date()
    if on > today:
        raise Refused("Record the sign-off on the day it happened, not before.")
    assert case.review_decision_date is not None
    if on < case.review_decision_date:
        raise Refused(
            f"{british(on)} is before the decision to start the review "
            f"({british(case.review_decision_date)})."
        )
    await _moving_step(
        session,
        context,
        case,
        Event.REPORT_SIGNED_OFF,
        kind=lcspr.SIGNED_OFF,
        facts={"on": on.isoformat()},
        milestone=lcspr.SIGN_OFF_MILESTONE,
        actor=actor,
        now=now,
        why="final report signed off",
    )
    state = await review_state(session, context, case)
    found = publication_dates(context, case, state)
    after = (
        f" It goes to the Panel, the Secretary of State and Ofsted by {british(found.submit_by)}: "
        f"record it with **report sent {case.reference} YYYY-MM-DD**."
        if found.submit_by
        else f" Plan the publication date next: **publication {case.reference} YYYY-MM-DD**."
    )
    return (
        f"Recorded: the Partnership Group signed off {case.reference}'s final report on "
        f"{british(on)}." + after
    )


async def published(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    on: date,
    link: str,
    actor: str,
    now: datetime,
) -> str:
    """The report published, with its date and link: the case moves to its action plan."""
    if case.stage != Stage.PUBLICATION:
        if case.stage == Stage.LCSPR:
            raise Refused(
                f"{case.reference}'s final report isn't signed off yet: record the sign-off "
                f"first (**signed off {case.reference} YYYY-MM-DD**)."
            )
        raise Refused(NO_REVIEW.format(reference=case.reference))
    state = await review_state(session, context, case)
    sent = latest(state.records, lcspr.REPORT_SENT)
    if sent is None:
        raise Refused(
            f"Record the final report sent to the Panel, the Secretary of State and Ofsted "
            f"first: **report sent {case.reference} YYYY-MM-DD**."
        )
    today = now.astimezone(context.timezone).date()
    if on > today:
        raise Refused("Record the publication on the day it happened, not before.")
    sent_on = day_of(sent.facts["on"])
    if on < sent_on:
        raise Refused(
            f"The final report went to the Panel on {british(sent_on)}: it is published after "
            "that. Check the date."
        )
    if not link.startswith("https://"):
        raise Refused(
            "Give the link where it is published, starting https://, after the date: "
            f"**published {case.reference} {on.isoformat()} https://...**"
        )
    await _moving_step(
        session,
        context,
        case,
        Event.PUBLISHED,
        kind=lcspr.PUBLISHED,
        facts={"on": on.isoformat(), "link": link[:500]},
        milestone=lcspr.PUBLICATION_MILESTONE,
        actor=actor,
        now=now,
        why="published",
    )
    found = publication_dates(context, case, state)
    late = (
        f" That is later than the latest date, {british(found.latest_publication)}."
        if found.latest_publication and on > found.latest_publication
        else ""
    )
    missing = lcspr.comms_missing(list(state.comms.facts.get("done", [])) if state.comms else [])
    plan = (
        f" The communication plan has these not ticked: {'; '.join(missing).lower()}."
        if missing
        else ""
    )
    return (
        f"Recorded: {case.reference}'s report was published on {british(on)}.{late}{plan} "
        f"The case moves to its action plan: **action add {case.reference}**."
    )


@dataclass(frozen=True)
class CommsFlow:
    """The Business Unit ticks off the communication plan for publication."""

    context: CaseContext
    role: str = Role.BUSINESS_UNIT

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case, by = await _opening(session, submission, "records the communication plan")
        plan = submission.form["plan"]
        done = [key for key, _ in lcspr.COMMS_ITEMS if key in list(plan.get("done") or [])]
        await reviews.add_record(
            session=session,
            master=self.context.cipher,
            case=case,
            kind=lcspr.COMMS,
            facts={"done": done},
            words={"notes": str(plan.get("notes", ""))},
            by=by,
            now=submission.now,
        )
        await _audit(
            session, case, by, Role.BUSINESS_UNIT, "review.comms", submission.now, done=done
        )
        await refresh_case_card(session, self.context, case, submission.now, "communication plan")
        missing = lcspr.comms_missing(done)
        session.info[DONE] = "Recorded the communication plan: " + (
            "every part done." if not missing else f"still to do: {'; '.join(missing).lower()}."
        )
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        return await _confirmation(session, self.context, case_id)


async def comms_prefill(
    session: AsyncSession, context: CaseContext, case_id: int
) -> dict[str, Any]:
    case = await session.get(Case, case_id)
    if case is None:
        return {}
    comms = (await review_state(session, context, case, words=True)).comms
    if comms is None:
        return {}
    return {
        "plan": {"done": list(comms.facts.get("done", [])), "notes": comms.words.get("notes", "")}
    }
