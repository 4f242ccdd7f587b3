"""The channel's case card: built from the stored case, queued to the case review channel,
updated in place (same card key) whenever the case changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import referral as cards
from storage import cases
from storage.models import Case, MilestoneRow
from workflow.stages import STAGE_LABELS, Stage
from workflow.timetable import Timetable, due_dates, project

CASE_CARD_DATES = (
    ("referral_received", "Day 1"),
    ("la_decision", "LA decision due (Day 5)"),
    ("rapid_review_meeting", "Rapid review meeting (Day 15)"),
)


def case_card_key(reference: str) -> str:
    return f"case-card:{reference}"


async def case_card_for(
    session: AsyncSession, case: Case, timetable: Timetable, now: datetime
) -> dict[str, Any]:
    """The case card from the stored case: reference, stage, agency, dates; nothing personal.

    ``now`` is shown as the card's update time: pass it in local time."""
    rows = await cases.list_milestones(session=session, case=case)
    return case_card_from_rows(case, rows, timetable, now)


def case_card_from_rows(
    case: Case, rows: Sequence[MilestoneRow], timetable: Timetable, now: datetime
) -> dict[str, Any]:
    by_key = {row.key: row for row in rows}
    projected = due_dates(timetable, project(timetable, cases.anchors_of(case)))
    key_dates = [
        (
            text,
            by_key[key].due_date if key in by_key and by_key[key].due_date else projected.get(key),
        )
        for key, text in CASE_CARD_DATES
    ]
    open_rows = sorted(
        (row for row in rows if row.completed_at is None and row.due_date is not None),
        key=lambda row: (row.due_date or date.max, row.id),
    )
    next_deadline = None
    if open_rows:
        first = open_rows[0]
        assert first.due_date is not None
        next_deadline = (timetable.get(first.key).title, first.due_date)
    return cards.case_card(
        reference=case.reference,
        stage=STAGE_LABELS[Stage(case.stage)],
        referring_agency=case.referring_agency,
        key_dates=key_dates,
        next_deadline=next_deadline,
        updated=now,
    )
