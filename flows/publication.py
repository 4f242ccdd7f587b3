"""The local review's publication timetable: the Business Unit records the planned
publication date (the final report's deadline follows) and when the final report went to the
Panel, the Secretary of State and Ofsted (later than 7 working days before publication only
with a reason). Checked on the server; audited; one transaction each."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.case_card import refresh_case_card
from flows.context import CaseContext
from flows.forms import Refused
from flows.lcspr_record import NO_REVIEW, has_local_review, publication_dates, review_state
from storage import cases, reviews
from storage.audit import append_audit
from storage.milestones import complete_milestone
from storage.models import Case
from workflow.calendar import british
from workflow.lcspr import REPORT_SENT
from workflow.publication import (
    SUBMISSION,
    PublicationDates,
    planned_problem,
    submission_problem,
)
from workflow.roles import Role
from workflow.stages import Stage


async def dates_of(session: AsyncSession, context: CaseContext, case: Case) -> PublicationDates:
    """The timetable, with the latest date as any delay the chair approved moved it."""
    return publication_dates(context, case, await review_state(session, context, case))


def describe(found: PublicationDates) -> str:
    lines = []
    if found.latest_publication:
        lines.append(f"Publication no later than {british(found.latest_publication)}.")
    if found.planned and found.submit_by:
        lines.append(
            f"Planned publication {british(found.planned)}: the final report goes to the Panel "
            f"and the Secretary of State (and Ofsted) by {british(found.submit_by)}."
        )
    else:
        lines.append("No publication date planned yet.")
    return " ".join(lines)


async def plan_publication(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    on: date,
    actor: str,
    now: datetime,
) -> str:
    if not await has_local_review(session, case):
        raise Refused(NO_REVIEW.format(reference=case.reference))
    today = now.astimezone(context.timezone).date()
    problem = planned_problem(on, await dates_of(session, context, case), today)
    if problem:
        raise Refused(problem)
    await cases.set_anchor(
        session=session,
        case=case,
        anchor="planned_publication",
        on=on,
        timetable=context.timetable,
        now=now,
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=Role.BUSINESS_UNIT,
        action="publication.planned",
        case_ref=case.reference,
        details={"planned": on.isoformat()},
    )
    await refresh_case_card(session, context, case, now, "publication planned")
    return f"Recorded for {case.reference}. " + describe(await dates_of(session, context, case))


async def report_sent(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    on: date,
    reason: str,
    actor: str,
    now: datetime,
) -> str:
    """The final report sent to the Panel, the Secretary of State and Ofsted on ``on``."""
    if not await has_local_review(session, case):
        raise Refused(NO_REVIEW.format(reference=case.reference))
    today = now.astimezone(context.timezone).date()
    if on > today:
        raise Refused("Record the report as sent on the day it went, not before.")
    if case.stage != Stage.PUBLICATION:
        raise Refused(
            f"The Partnership Group signs the final report off before it goes to the Panel: "
            f"record the sign-off first (**signed off {case.reference} YYYY-MM-DD**)."
        )
    found = await dates_of(session, context, case)
    problem = submission_problem(on, found, reason, context.timetable.calendar())
    if problem:
        raise Refused(problem)
    await complete_milestone(session=session, case=case, key=SUBMISSION, by=actor, now=now)
    await reviews.add_record(
        session=session,
        master=context.cipher,
        case=case,
        kind=REPORT_SENT,
        facts={"on": on.isoformat()},
        words={"reason": reason.strip()},
        by=actor,
        now=now,
    )
    deadline = found.submit_by
    late = deadline is not None and on > deadline
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=Role.BUSINESS_UNIT,
        action="publication.report_sent",
        case_ref=case.reference,
        details={"sent_on": on.isoformat(), "late": late, "reason": reason.strip()[:1000]},
    )
    await refresh_case_card(session, context, case, now, "final report sent")
    return (
        f"Recorded: the final report on {case.reference} went to the Panel, the Secretary of "
        f"State and Ofsted on {british(on)}"
        + (
            f", later than {british(deadline)}, because: {reason.strip()}"
            if deadline and late
            else ""
        )
        + "."
    )
