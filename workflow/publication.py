"""The local review's publication timetable. Pure: dates in, dates and reasons out.

The decision to start the review sets the latest publication date (6 calendar months after
it: a decision on 31 August gives the end of February). The final report goes to the Panel
and the Secretary of State (and Ofsted) at least 7 working days before publication: on or
before the 7th working day before it. Both offsets live in the timetable file; this module
reads them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from workflow.calendar import WorkingCalendar, british
from workflow.timetable import Timetable

SUBMISSION = "final_report_sent"
PUBLICATION = "publication"


@dataclass(frozen=True)
class PublicationDates:
    latest_publication: date | None  # 6 months after the decision to start the review
    planned: date | None  # the Business Unit's planned publication date
    submit_by: date | None  # the last day to send the final report (7 working days before)


def dates(
    timetable: Timetable,
    review_decision: date | None,
    planned: date | None,
    *,
    extended_to: date | None = None,
) -> PublicationDates:
    """``extended_to``: the latest date as a delay the chair approved set it."""
    months = timetable.get(PUBLICATION).offset
    latest = review_decision + relativedelta(months=months) if review_decision else None
    if latest is not None and extended_to is not None:
        latest = extended_to
    submit_by = None
    if planned is not None:
        submit_by = timetable.calendar().add_working_days(planned, timetable.get(SUBMISSION).offset)
    return PublicationDates(latest, planned, submit_by)


def planned_problem(planned: date, found: PublicationDates, today: date) -> str | None:
    """Why ``planned`` can't be the planned publication date, or None."""
    if planned < today:
        return "A planned publication date is in the future: record a publication with its date."
    if found.latest_publication is not None and planned > found.latest_publication:
        return (
            f"{british(planned)} is after the latest publication date, "
            f"{british(found.latest_publication)}. A later date needs a delay approved by the "
            "chair: **delay BR-...**."
        )
    return None


def submission_problem(
    sent_on: date, found: PublicationDates, reason: str, calendar: WorkingCalendar
) -> str | None:
    """Why a submission on ``sent_on`` can't be recorded as it is, or None. Later than 7
    working days before the planned publication, it needs a recorded reason."""
    if found.planned is None or found.submit_by is None:
        return "Record the planned publication date first: **publication BR-... YYYY-MM-DD**."
    if sent_on > found.submit_by and not reason.strip():
        return (
            f"The final report goes to the Panel and the Secretary of State at least 7 working "
            f"days before publication: by {british(found.submit_by)} for publication on "
            f"{british(found.planned)}. {british(sent_on)} is later, so record why: add the "
            "reason after the date."
        )
    return None
