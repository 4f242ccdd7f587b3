"""A local review after the decision to carry it out: the checks every step shares, and the
two forms of the Business Unit, commissioning (who was told, the reviewer, the methodology)
and the communication plan. The delay and the record-only steps are in ``flows.lcspr_delay``
and ``flows.lcspr_steps``.

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
from flows.context import CaseContext
from flows.forms import Refused, Submission, Submitter
from flows.lcspr_record import (
    NO_REVIEW,
    has_local_review,
    review_lines,
    review_state,
)
from storage import cases, people, reviews
from storage.audit import append_audit
from storage.milestones import complete_milestone
from storage.models import Case
from storage.reviews import latest
from workflow import lcspr
from workflow.roles import Role

log = logging.getLogger(__name__)


async def review_case(session: AsyncSession, case_id: int | None) -> Case:
    case = await session.get(Case, case_id) if case_id else None
    if case is None:
        raise LookupError("the case this form was for is gone")
    return case


async def at_review(session: AsyncSession, case: Case) -> None:
    if not await has_local_review(session, case):
        raise Refused(NO_REVIEW.format(reference=case.reference))


async def opening(session: AsyncSession, submission: Submission, what: str) -> tuple[Case, str]:
    """Every local review form's first checks, on the server: the case (locked), its stage,
    and that the person submitting is the Business Unit (``what`` it does: for the refusal).
    The case and the submitter's id."""
    case = await review_case(session, submission.case_id)
    by = submission.person.aad_object_id
    roles = await people.get_roles(session=session, aad_object_id=by)
    if Role.BUSINESS_UNIT not in roles:
        raise Refused(f"Only the BDSCP Business Unit {what}.")
    await cases.lock_case(session=session, reference=case.reference)
    await at_review(session, case)
    return case, by


async def audit_step(
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


async def step_confirmation(
    session: AsyncSession, context: CaseContext, case_id: int | None
) -> dict[str, Any]:
    case = await review_case(session, case_id)
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

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case, by = await opening(session, submission, "records a local review's commissioning")
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
            await complete_milestone(session=session, case=case, key=key, by=by, now=now)
        await audit_step(
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
        return await step_confirmation(session, self.context, case_id)


@dataclass(frozen=True)
class CommsFlow:
    """The Business Unit ticks off the communication plan for publication."""

    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case, by = await opening(session, submission, "records the communication plan")
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
        await audit_step(
            session, case, by, Role.BUSINESS_UNIT, "review.comms", submission.now, done=done
        )
        await refresh_case_card(session, self.context, case, submission.now, "communication plan")
        missing = lcspr.comms_missing(done)
        session.info[DONE] = "Recorded the communication plan: " + (
            "every part done." if not missing else f"still to do: {'; '.join(missing).lower()}."
        )
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        return await step_confirmation(session, self.context, case_id)


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
