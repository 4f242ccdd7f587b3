"""A local review's record as people read it: each step's latest record, the delays asked
for and answered, the reasons the Panel and the Secretary of State are still to be told, and
the lines the status and the channel's case card show (dates, kinds, ticks, the reviewer and
staff names; never the methodology or a reason).

Reads only; the steps that write are in ``flows.lcspr``, ``flows.lcspr_delay`` and
``flows.lcspr_steps``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.reminders import Reminder
from flows.context import CaseContext
from flows.nudge import Outgoing, Today, each, named
from storage import people, reviews
from storage.models import Case, MilestoneRow, ReviewRecord
from storage.reviews import RecordView, latest
from workflow import lcspr, nudges
from workflow.calendar import british
from workflow.publication import PublicationDates, dates
from workflow.roles import Role
from workflow.stages import Stage

NO_REVIEW = (
    "{reference} has no local review, so there is no publication timetable and nothing of one "
    "to record."
)
# The stages a local review's steps are recorded at, before and after its sign-off.
REVIEW_STAGES = (Stage.LCSPR, Stage.PUBLICATION)
# Before the Panel answers, a local review decided at Day 15 is already under way: the Panel,
# Ofsted and DfE are told at once, the reviewer commissioned, the six months running.
DECIDED_STAGES = (Stage.REPORTING, Stage.AWAITING_PANEL)


async def has_local_review(session: AsyncSession, case: Case) -> bool:
    """Whether a local review of the case is under way: at its own stages, or decided at Day
    15 and not yet answered by the Panel (its milestones still applicable)."""
    if case.review_decision_date is None:
        return False
    if Stage(case.stage) in REVIEW_STAGES:
        return True
    if Stage(case.stage) not in DECIDED_STAGES:
        return False
    row = await session.scalar(
        select(MilestoneRow).where(
            MilestoneRow.case_id == case.id, MilestoneRow.key == "reviewer_commissioned"
        )
    )
    return row is not None and row.not_applicable_since is None


@dataclass(frozen=True)
class ReviewState:
    """A case's local review as recorded: each step's latest record, the delays asked for
    and answered, and the reasons the Panel and the Secretary of State are still to be told."""

    records: list[RecordView]
    told: RecordView | None
    reviewer: RecordView | None
    method: RecordView | None
    comms: RecordView | None
    signed_off: RecordView | None
    published: RecordView | None
    pending_delay: RecordView | None
    approved: list[RecordView] = field(default_factory=list)  # the delay requests approved
    untold: list[str] = field(default_factory=list)  # in words: "the delay to 30 Sep 2027"
    extended_to: date | None = None  # the latest approved delay's new date

    @property
    def panel_told(self) -> RecordView | None:
        return latest(self.records, lcspr.PANEL_TOLD)

    @property
    def untold_since(self) -> datetime | None:
        """When the earliest of the decisions the Panel and the Secretary of State are still to
        be told about was made (an approved delay, or not publishing in full)."""
        told_at = self.panel_told.id if self.panel_told else 0
        return min(
            (
                r.recorded_at
                for r in self.records
                if r.id > told_at
                and (
                    r.kind == lcspr.NOT_IN_FULL
                    or (r.kind == lcspr.DELAY_ANSWER and r.facts.get("approved"))
                )
            ),
            default=None,
        )


def state_of(records: list[RecordView]) -> ReviewState:
    answers = {int(r.facts["request"]): r for r in records if r.kind == lcspr.DELAY_ANSWER}
    requests = [r for r in records if r.kind == lcspr.DELAY_REQUEST]
    approved = [r for r in requests if answers.get(r.id) and answers[r.id].facts.get("approved")]
    pending = next((r for r in reversed(requests) if r.id not in answers), None)
    told_at = max((r.id for r in records if r.kind == lcspr.PANEL_TOLD), default=0)
    untold = []
    for request in approved:
        if answers[request.id].id > told_at:
            untold.append(f"the delay to {british(day_of(request.facts['new_date']))}")
    if any(r.kind == lcspr.NOT_IN_FULL and r.id > told_at for r in records):
        untold.append("the decision not to publish the full report")
    return ReviewState(
        records=records,
        told=latest(records, lcspr.TOLD),
        reviewer=latest(records, lcspr.REVIEWER),
        method=latest(records, lcspr.METHOD),
        comms=latest(records, lcspr.COMMS),
        signed_off=latest(records, lcspr.SIGNED_OFF),
        published=latest(records, lcspr.PUBLISHED),
        pending_delay=pending,
        approved=approved,
        untold=untold,
        extended_to=day_of(approved[-1].facts["new_date"]) if approved else None,
    )


def day_of(text: Any) -> date:
    return date.fromisoformat(str(text))


def _maybe_day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text or ""))
    except ValueError:
        return None


async def review_state(
    session: AsyncSession, context: CaseContext, case: Case, *, words: bool = False
) -> ReviewState:
    return state_of(
        await reviews.list_records(
            session=session, master=context.cipher if words else None, case=case
        )
    )


def publication_dates(context: CaseContext, case: Case, state: ReviewState) -> PublicationDates:
    """The publication timetable, with the latest date moved by any approved delay."""
    return dates(
        context.timetable,
        case.review_decision_date,
        case.planned_publication_date,
        extended_to=state.extended_to,
    )


async def name_of(session: AsyncSession, aad: str) -> str:
    named = (await people.names(session=session, aad_ids=[aad])).get(aad) if aad else None
    return named or "someone"


def _told_text(facts: dict[str, Any], suffix: str) -> str:
    parts = []
    for key, body in lcspr.BODIES:
        on = _maybe_day(facts.get(f"{key}_{suffix}"))
        parts.append(f"{body[:1].upper() + body[1:]} {british(on) if on else 'not yet'}")
    return ", ".join(parts)


async def review_lines(
    session: AsyncSession, context: CaseContext, case: Case, state: ReviewState | None = None
) -> list[tuple[str, str]]:
    """The local review's stage and dates, for the status and the channel's case card:
    dates, kinds, ticks, the reviewer and staff names; never the methodology or a reason."""
    if case.review_decision_date is None:
        return []
    state = state or await review_state(session, context, case)
    if not (state.records or await has_local_review(session, case)):
        return []  # no local review: another kind of review, or none
    found = publication_dates(context, case, state)
    lines = [("Local review decided", british(case.review_decision_date))]
    if state.told:
        lines.append(
            (
                "Panel, Ofsted and DfE told",
                f"{_told_text(state.told.facts, 'told')} "
                f"({state.told.facts.get('told_by') or 'who told them not recorded'})",
            )
        )
    else:
        lines.append(("Panel, Ofsted and DfE told", "Not recorded yet"))
    reviewer = state.reviewer.facts if state.reviewer else {}
    if reviewer.get("reviewer"):
        org = f" ({reviewer['organisation']})" if reviewer.get("organisation") else ""
        lines.append(("Reviewer", f"{reviewer['reviewer']}{org}"))
        lines.append(("Told the reviewer's name", _told_text(reviewer, "named")))
    else:
        lines.append(("Reviewer", "Not commissioned yet"))
    agreed = _maybe_day(state.method.facts.get("agreed_on")) if state.method else None
    lines.append(("Methodology", f"Agreed {british(agreed)}" if agreed else "Not agreed yet"))
    if found.latest_publication:
        text = british(found.latest_publication)
        first = dates(context.timetable, case.review_decision_date, None).latest_publication
        if state.approved and first is not None:
            causes = ", ".join(
                lcspr.cause_title(r.facts.get("cause", "")).lower() for r in state.approved
            )
            text += f" (delayed: {causes}; was {british(first)})"
        lines.append(("Publish no later than", text))
    if state.pending_delay:
        lines.append(
            (
                "Delay asked for",
                f"To {british(day_of(state.pending_delay.facts['new_date']))}, "
                "waiting for the chair",
            )
        )
    if any(r.kind == lcspr.NOT_IN_FULL for r in state.records):
        lines.append(("Full report", "Not to be published in full (the chair's decision)"))
    if state.untold:
        lines.append(
            ("Panel and Secretary of State told why", f"Not yet: {'; '.join(state.untold)}")
        )
    elif state.panel_told:
        lines.append(
            (
                "Panel and Secretary of State told why",
                british(day_of(state.panel_told.facts["on"])),
            )
        )
    if found.planned and found.submit_by:
        lines.append(("Planned publication", british(found.planned)))
        lines.append(("Final report to the Panel by", british(found.submit_by)))
    signed = _maybe_day(state.signed_off.facts.get("on")) if state.signed_off else None
    lines.append(("Signed off by the Partnership Group", british(signed) if signed else "Not yet"))
    sent = latest(state.records, lcspr.REPORT_SENT)
    if sent is not None:
        lines.append(("Final report sent", british(day_of(sent.facts["on"]))))
    ticked = list(state.comms.facts.get("done", [])) if state.comms else []
    missing = lcspr.comms_missing(ticked)
    lines.append(
        (
            "Communication plan",
            "Done" if not missing else f"{len(ticked)} of {len(lcspr.COMMS_ITEMS)} done",
        )
    )
    if state.published:
        on = day_of(state.published.facts["on"])
        lines.append(("Published", f"{british(on)}: {state.published.facts.get('link', '')}"))
    return lines


# ----- reminders ------------------------------------------------------------------------------


async def untold_reason_nudges(
    session: AsyncSession, context: CaseContext, today: Today
) -> list[Outgoing]:
    """A delay the chair approved, or the decision not to publish the full report, that the
    Panel and the Secretary of State haven't been told about: the Business Unit, 1:1, each
    working day from the next one until ``panel told`` records it."""
    answered = (
        select(ReviewRecord.case_id)
        .where(ReviewRecord.kind.in_((lcspr.DELAY_ANSWER, lcspr.NOT_IN_FULL)))
        .distinct()
    )
    found = await session.scalars(
        select(Case).where(Case.id.in_(answered), Case.stage != Stage.CLOSED.value)
    )
    return await each(
        "panel_told",
        list(found),
        lambda case: _untold(session, context, today, case),
        lambda case: case.reference,
    )


async def _untold(
    session: AsyncSession, context: CaseContext, today: Today, case: Case
) -> list[Outgoing]:
    records = await reviews.list_records(session=session, master=None, case=case)
    state = state_of(records)
    since = state.untold_since
    if since is None:  # nothing left to tell
        return []
    calendar = context.timetable.calendar()
    due = calendar.add_working_days(since.astimezone(context.timezone).date(), 1)
    if today.day < due:
        return []
    kind = nudges.DUE if today.day == due else nudges.OVERDUE
    owners, ids = await named(session, (Role.BUSINESS_UNIT,))
    what = "Tell the Panel and the Secretary of State the reasons for " + " and ".join(state.untold)
    return [
        Outgoing(
            f"nudge:{today.day.isoformat()}:{case.reference}:panel_told:{kind}:{aad}",
            aad,
            Reminder(case.reference, what, due, kind, owners),
        )
        for aad in ids
    ]
