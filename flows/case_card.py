"""The channel's case card: built from the stored case, queued to the case review channel,
updated in place (same card key) whenever the case changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import referral as cards
from cards.common import day_and_time
from cards.la_decision import LA_OUTCOMES
from cards.not_notified import NEXT_STEPS
from cards.panel import PANEL_STEPS
from cards.recommendation import RECOMMENDATIONS
from flows.context import CaseContext
from flows.lcspr_record import review_lines
from storage import outbox, people, requests
from storage.crypto import Cipher
from storage.decisions import current_decisions
from storage.milestones import anchors_of, list_milestones
from storage.models import Case, CaseRequest, FormDraft, MilestoneRow
from storage.notifications import list_notifications
from workflow import igt, notifications
from workflow.review import OUTCOME_TITLES
from workflow.roles import label
from workflow.stages import Stage, stage_label
from workflow.timetable import Timetable, due_dates, project

# The case card's dates: milestone, and what it is called there (its Day from the timetable).
CASE_CARD_DATES = (
    ("referral_received", "Day 1"),
    ("la_decision", "Local Authority's decision due"),
    ("rapid_review_meeting", "Rapid review meeting"),
)


def _with_day(text: str, key: str, timetable: Timetable) -> str:
    number = timetable.day_number(key)
    if number is None or text.startswith("Day "):
        return text
    return f"{text} (Day {number})"


def case_card_key(reference: str) -> str:
    return f"case-card:{reference}"


# The decisions the case card lists (never a scoping view's reasons, nor any rationale).
DECISIONS_SHOWN = {
    "chair_recommendation": ("Chair's recommendation", RECOMMENDATIONS),
    "la_decision": ("Local Authority's decision", LA_OUTCOMES),
    "next_step": ("Chair's decision on what next", NEXT_STEPS),
    "review_decision": ("Rapid review decision", OUTCOME_TITLES),
    "panel_response": ("The Panel", PANEL_STEPS),
}


async def case_card_for(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime
) -> dict[str, Any]:
    """The case card from the stored case: reference, stage, agency, dates; nothing personal.

    ``now`` is shown as the card's update time: pass it in local time."""
    rows = await list_milestones(session=session, case=case)
    decided = await steps_so_far(session, case, rows, context.timezone, context.cipher)
    states = await request_states(session, case, now.date())
    returns = (
        igt.count(s for _, s in states).text,
        [(row.agency, igt.STATE_TITLES.get(s, s)) for row, s in states],
    )
    review = await review_lines(session, context, case)
    return case_card_from_rows(
        case, rows, context.timetable, now, decided, returns if states else None, review
    )


async def steps_so_far(
    session: AsyncSession,
    case: Case,
    rows: Sequence[MilestoneRow],
    tz: Any,
    master: Cipher,
) -> list[tuple[str, str]]:
    """The decisions and steps so far, in the order they were made: (what, "outcome: who,
    when"). No rationale, nothing personal."""
    decided = []
    for kind, (what, titles) in DECISIONS_SHOWN.items():
        for decision in await current_decisions(
            session=session, master=master, case=case, kind=kind
        ):
            name = await _name(session, decision.decided_by, label(decision.decided_role))
            when = decision.decided_at.astimezone(tz)
            outcome = titles.get(decision.outcome, decision.outcome)
            decided.append((when, what, f"{outcome}: {name}, {day_and_time(when)}"))
    # The steps that are records but not decisions: who told whom, and the report sent.
    for told in await list_notifications(session=session, case=case):
        when = told.sent_at.astimezone(tz)
        decided.append(
            (
                when,
                "Notified",
                f"{notifications.SHORT_NAMES.get(told.recipient, told.recipient)}: "
                f"{await _name(session, told.recorded_by)}, {day_and_time(when)}",
            )
        )
    for row in rows:
        if row.key == "report_to_panel" and row.completed_at is not None:
            when = row.completed_at.astimezone(tz)
            who = await _name(session, row.completed_by or "")
            decided.append((when, "Report sent to the Panel", f"{who}, {day_and_time(when)}"))
    decided.sort(key=lambda d: d[0])
    return [(w, t) for _, w, t in decided]


_DRAFTING = select(FormDraft.owner_aad_id).where(  # whose IGT on a case is being drafted
    FormDraft.form_kind == igt.IGT.kind,
    FormDraft.case_id == bindparam("case_id"),
    FormDraft.status == "open",
)


async def request_states(
    session: AsyncSession, case: Case, today: date
) -> list[tuple[CaseRequest, str]]:
    """The Information Gathering Tool requests on ``case``, each with its state as people see
    it (returned, no involvement, overdue, in progress, opened or sent)."""
    asked = await requests.list_requests(session=session, case=case, purpose="igt")
    drafting = set(await session.scalars(_DRAFTING, {"case_id": case.id})) if asked else set()
    return [
        (
            row,
            igt.state_of(
                row.state, drafting=row.aad_object_id in drafting, due=row.due_date, today=today
            ),
        )
        for row in asked
    ]


async def _name(session: AsyncSession, aad: str, otherwise: str = "Someone") -> str:
    named = (await people.names(session=session, aad_ids=[aad])).get(aad) if aad else None
    return named or otherwise


def case_card_from_rows(
    case: Case,
    rows: Sequence[MilestoneRow],
    timetable: Timetable,
    now: datetime,
    decided: Sequence[tuple[str, str]] = (),
    returns: tuple[str, Sequence[tuple[str, str]]] | None = None,
    review: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    by_key = {row.key: row for row in rows}
    projected = due_dates(timetable, project(timetable, anchors_of(case)))
    key_dates = [
        (
            _with_day(text, key, timetable),
            by_key[key].due_date if key in by_key and by_key[key].due_date else projected.get(key),
        )
        for key, text in CASE_CARD_DATES
        if key not in by_key or by_key[key].not_applicable_since is None  # the branch taken
    ]
    open_rows = sorted(
        (
            row
            for row in rows
            if row.completed_at is None
            and row.not_applicable_since is None
            and row.due_date is not None
        ),
        key=lambda row: (row.due_date or date.max, row.id),
    )
    next_deadline = None
    if open_rows:
        first = open_rows[0]
        assert first.due_date is not None
        next_deadline = (timetable.get(first.key).title, first.due_date)
    return cards.case_card(
        reference=case.reference,
        stage=stage_label(Stage(case.stage), timetable.day_number),
        referring_agency=case.referring_agency,
        key_dates=key_dates,
        next_deadline=next_deadline,
        updated=now,
        decided=decided,
        returns=returns,
        review=review,
    )


async def refresh_case_card(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime, why: str
) -> None:
    """Queue the channel's case card again: posted once, then updated in place."""
    if not context.case_review_channel_id:
        return
    await queue_channel_card(
        session,
        context,
        case,
        now,
        await case_card_for(session, context, case, now.astimezone(context.timezone)),
        summary=f"Case {case.reference}: {why}",
        key=case_card_key(case.reference),
    )


async def queue_channel_card(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    now: datetime,
    card: dict[str, Any],
    *,
    summary: str,
    key: str,
) -> None:
    """Post a card about ``case`` to the case review channel through the outbox: the first
    time posted, after that updated in place (``key``). Nothing when no channel is set."""
    if not context.case_review_channel_id:
        return
    await outbox.enqueue(
        session=session,
        cipher=context.cipher,
        now=now,
        card=card,
        summary=summary,
        channel_id=context.case_review_channel_id,
        card_key=key,
        case_ref=case.reference,
    )
