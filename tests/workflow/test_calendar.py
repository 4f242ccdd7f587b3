"""The working-day calendar: the procedure's worked example, known dates, and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.calendar import WorkingCalendar

CAL = WorkingCalendar()
CLOSED = WorkingCalendar([date(2026, 12, 29), date(2027, 4, 1)])


def test_the_procedures_worked_example() -> None:
    # Awareness Thursday 24 December 2026: Day 1 that Thursday; 25 and 28 December and
    # 1 January are bank holidays; Day 2 is Tuesday 29 December; Day 5 Monday 4 January 2027.
    aware = date(2026, 12, 24)
    assert CAL.day_n(aware, 1) == date(2026, 12, 24)
    assert CAL.day_n(aware, 2) == date(2026, 12, 29)
    assert CAL.day_n(aware, 5) == date(2027, 1, 4)


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 12, 27),
        date(2027, 12, 28),
        date(2028, 1, 3),
        date(2028, 4, 14),
        date(2028, 4, 17),
        date(2028, 12, 25),
        date(2028, 12, 26),
    ],
)
def test_bank_holidays_including_substitute_days_are_not_working_days(holiday: date) -> None:
    assert not CAL.is_working_day(holiday)


def test_awareness_on_a_weekend_or_holiday_makes_day_one_the_next_working_day() -> None:
    assert CAL.day_one(date(2026, 11, 28)) == date(2026, 11, 30)  # Saturday -> Monday
    assert CAL.day_one(date(2027, 3, 26)) == date(2027, 3, 30)  # Good Friday -> Tuesday
    assert CAL.day_one(date(2027, 12, 25)) == date(2027, 12, 29)  # substitute days skipped


def test_local_closure_days_count_as_non_working() -> None:
    aware = date(2026, 12, 24)
    assert CLOSED.day_n(aware, 2) == date(2026, 12, 30)
    assert CLOSED.day_n(aware, 5) == date(2027, 1, 5)


def test_counting_and_adding() -> None:
    assert CAL.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    # 7 working days before Monday 4 January 2027: 31, 30, 29, 24, 23, 22, 21 December.
    assert CAL.add_working_days(date(2027, 1, 4), -7) == date(2026, 12, 21)
    assert CAL.count_working_days(date(2026, 12, 24), date(2027, 1, 4)) == 4
    assert CAL.count_working_days(date(2027, 1, 4), date(2026, 12, 24)) == -4


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 10, 31), 4, date(2027, 2, 28)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # the rapid review's month
        (date(2026, 11, 27), 1, date(2026, 12, 27)),
    ],
)
def test_months_later_clamp_to_the_month_end(start: date, months: int, expected: date) -> None:
    """The procedure's month deadlines (6 months to publish, a month for the rapid review)
    are calendar months, taken with ``relativedelta``: the same day, or the month's last."""
    assert start + relativedelta(months=months) == expected


dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))
calendars = st.sampled_from([CAL, CLOSED])


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=1, max_value=140), calendars)
def test_day_n_is_always_a_working_day(aware: date, n: int, cal: WorkingCalendar) -> None:
    day = cal.day_n(aware, n)
    assert day.weekday() < 5
    assert not cal.bank_holiday(day)
    assert day not in cal.closures
    assert cal.day_number(aware, day) == n


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=-120, max_value=120), calendars)
def test_adding_then_counting_round_trips(start: date, n: int, cal: WorkingCalendar) -> None:
    end = cal.add_working_days(start, n)
    assert cal.count_working_days(start, end) == n
    if n:
        assert cal.is_working_day(end)


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=10))
def test_a_later_awareness_never_gives_an_earlier_day(aware: date, n: int, later: int) -> None:
    assert CAL.day_n(aware + timedelta(days=later), n) >= CAL.day_n(aware, n)
