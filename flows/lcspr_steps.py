"""A local review's record-only steps (commands and buttons): not publishing in full (the
chair's decision), the day the Panel and the Secretary of State were told the reasons
(a delay, or not publishing in full), the Partnership Group's sign-off, and the publication.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import lcspr as cards
from flows.case_card import refresh_case_card
from flows.cases import move_case
from flows.common import record_chair_decision
from flows.context import CaseContext
from flows.forms import Refused
from flows.lcspr import at_review, audit_step
from flows.lcspr_record import (
    NO_REVIEW,
    day_of,
    publication_dates,
    review_state,
)
from storage import outbox, people, reviews
from storage.milestones import complete_milestone
from storage.models import Case
from storage.reviews import latest
from workflow import lcspr
from workflow.calendar import british
from workflow.decisions import DecisionKind
from workflow.roles import Role
from workflow.stages import Event, Stage, advance

log = logging.getLogger(__name__)


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
    await at_review(session, case)
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
    await audit_step(session, case, actor, Role.CHAIR, "review.not_in_full", now)
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
    await audit_step(
        session, case, actor, Role.BUSINESS_UNIT, "review.panel_told", now, on=on.isoformat()
    )
    await refresh_case_card(session, context, case, now, "the Panel told why")
    return (
        f"Recorded: the Panel and the Secretary of State were told about "
        f"{' and '.join(state.untold)} on {british(on)}."
    )


async def moving_step(
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
    await complete_milestone(session=session, case=case, key=milestone, by=actor, now=now)
    await move_case(session, case, to, now)
    await audit_step(
        session, case, actor, Role.BUSINESS_UNIT, f"review.{kind}", now, on=facts["on"]
    )
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
    await moving_step(
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
    await moving_step(
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
