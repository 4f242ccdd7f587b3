"""Where a case stands, in the words the status cards use. Pure: dates in, marks out; ``today``
is a parameter.

A milestone's mark: done, not applicable (the branch taken made it irrelevant), overdue, due
soon (within two working days), due, or not set yet (its anchor has not happened)."""

from __future__ import annotations

from datetime import date

from workflow.calendar import WorkingCalendar
from workflow.stages import Stage

DONE, NOT_APPLICABLE, OVERDUE, DUE_SOON, DUE, NOT_SET = (
    "Done",
    "Not applicable",
    "Overdue",
    "Due soon",
    "Due",
    "Not set yet",
)
SOON_WORKING_DAYS = 2
# The order of urgency, most urgent first (for sorting lists of cases).
URGENCY = (OVERDUE, DUE_SOON, DUE, NOT_SET, DONE, NOT_APPLICABLE)
# The stages the rapid review's fifteen working days run through.
RAPID_REVIEW_STAGES = (Stage.SCOPING, Stage.LA_DECISION, Stage.RAPID_REVIEW)
RAPID_REVIEW_DAYS = 15


def mark(
    *,
    due: date | None,
    completed: bool,
    not_applicable: bool,
    today: date,
    calendar: WorkingCalendar,
) -> str:
    if completed:
        return DONE
    if not_applicable:
        return NOT_APPLICABLE
    if due is None:
        return NOT_SET
    if due < today:
        return OVERDUE
    if due <= calendar.add_working_days(today, SOON_WORKING_DAYS):
        return DUE_SOON
    return DUE


def working_day(stage: Stage, start: date, today: date, calendar: WorkingCalendar) -> int | None:
    """The rapid review's working day today (Day 1 the first working day from ``start``),
    while the case is in it; None otherwise."""
    if stage not in RAPID_REVIEW_STAGES:
        return None
    return max(1, calendar.day_number(start, today))


def urgency(mark_: str, due: date | None) -> tuple[int, date]:
    """A sort key: overdue first (the oldest first), then the soonest due."""
    return URGENCY.index(mark_) if mark_ in URGENCY else len(URGENCY), due or date.max
