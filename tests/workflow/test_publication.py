"""The publication timetable: 6 calendar months from the decision to start the review, and
the final report at least 7 working days before the planned publication (bank holidays
skipped); a later submission needs a reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.config import load_timetable
from workflow.publication import dates, planned_problem, submission_problem

TIMETABLE = load_timetable(Path(__file__).resolve().parents[2] / "config" / "timetable.toml")


def test_a_review_decided_on_31_august_is_published_by_the_end_of_february() -> None:
    assert dates(TIMETABLE, date(2026, 8, 31), None).latest_publication == date(2027, 2, 28)
    assert dates(TIMETABLE, date(2027, 8, 31), None).latest_publication == date(2028, 2, 29)


def test_across_christmas_the_7_working_days_skip_the_bank_holidays() -> None:
    # Publication on Tuesday 5 January 2027: 4, 31, 30, 29, 24, 23, 22 December back (25, 28
    # December and 1 January are bank holidays).
    found = dates(TIMETABLE, date(2026, 9, 1), date(2027, 1, 5))
    assert found.submit_by == date(2026, 12, 22)


def test_a_late_submission_is_refused_without_a_reason_and_says_why() -> None:
    calendar = TIMETABLE.calendar()
    found = dates(TIMETABLE, date(2026, 9, 1), date(2027, 1, 5))
    assert submission_problem(date(2026, 12, 22), found, "", calendar) is None
    problem = submission_problem(date(2026, 12, 23), found, "", calendar)
    assert problem is not None
    assert "by 22 Dec 2026 for publication on 5 Jan 2027" in problem
    assert submission_problem(date(2026, 12, 23), found, "The inquest moved.", calendar) is None


def test_a_planned_date_after_the_latest_needs_a_delay() -> None:
    found = dates(TIMETABLE, date(2026, 8, 31), None)
    problem = planned_problem(date(2027, 3, 1), found, today=date(2026, 12, 1))
    assert problem is not None and "28 Feb 2027" in problem and "chair" in problem
    assert planned_problem(date(2027, 2, 26), found, today=date(2026, 12, 1)) is None
