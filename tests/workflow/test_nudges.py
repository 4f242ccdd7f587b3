"""The reminder plan: which nudges a working day brings, through weekends and bank holidays,
and the working hours they go in."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_rules
from workflow.calendar import WorkingCalendar
from workflow.nudges import Open, parse_rules, plan, window, working_now

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "config" / "nudges.toml")
CAL = WorkingCalendar(frozenset())
LONDON = ZoneInfo("Europe/London")


def kinds(due: date, key: str = "rapid_review_meeting") -> dict[date, list[str]]:
    found: dict[date, list[str]] = {}
    day = date(2026, 12, 18)
    while day <= date(2027, 1, 6):
        if CAL.is_working_day(day):
            for nudge in plan([Open("BR-2026-0001", key, due)], day, RULES, CAL):
                found.setdefault(day, []).append(nudge.kind)
        day = date.fromordinal(day.toordinal() + 1)
    return found


def test_two_working_days_before_on_the_day_and_three_working_days_overdue_over_christmas() -> None:
    # Due Tuesday 29 Dec 2026: Friday 25 and Monday 28 Dec are bank holidays.
    found = kinds(date(2026, 12, 29))
    assert found[date(2026, 12, 23)] == ["before"]  # two working days before: 24 Dec, 29 Dec
    assert found[date(2026, 12, 29)] == ["due"]
    assert found[date(2026, 12, 30)] == ["overdue"]
    assert found[date(2026, 12, 31)] == ["overdue"]
    assert date(2027, 1, 1) not in found  # New Year's Day: no nudges on a bank holiday
    assert found[date(2027, 1, 4)] == ["overdue"]  # the third working day overdue: the last
    assert date(2027, 1, 5) not in found  # from then on the daily digest carries it
    assert date(2026, 12, 24) not in found and date(2026, 12, 28) not in found


def test_the_panel_is_chased_every_working_day_it_is_overdue() -> None:
    found = kinds(date(2026, 12, 18), key="panel_response")
    assert found[date(2026, 12, 18)] == ["due"]
    assert all(found[d] == ["overdue"] for d in found if d > date(2026, 12, 18))
    assert date(2027, 1, 6) in found


def test_the_window_reads_only_what_can_bring_a_nudge_today() -> None:
    # Wednesday 6 Jan 2027: three working days back is Thursday 31 Dec (1 Jan a bank holiday).
    found = window(RULES, date(2027, 1, 6), CAL)
    assert found.since == date(2026, 12, 31)
    assert found.every_day == ("panel_response",)
    assert window(parse_rules('[default]\noverdue_for = "every"'), date(2027, 1, 6), CAL) == (
        date.min,
        (),
    )
    with pytest.raises(ValueError, match="overdue_for"):
        parse_rules("[default]\noverdue_for = -1")


def test_the_statutory_day_5_chaser_goes_on_day_4_and_day_5() -> None:
    found = kinds(date(2026, 12, 22), key="la_decision")
    assert found[date(2026, 12, 21)] == ["chase"]  # Day 4
    assert sorted(found[date(2026, 12, 22)]) == ["chase", "due"]  # Day 5
    assert found[date(2026, 12, 18)] == ["before"]


def test_only_in_working_hours_on_working_days() -> None:
    assert working_now(datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), RULES, CAL)
    assert not working_now(datetime(2026, 12, 1, 8, 59, tzinfo=LONDON), RULES, CAL)
    assert not working_now(datetime(2026, 12, 1, 17, 0, tzinfo=LONDON), RULES, CAL)
    assert not working_now(datetime(2026, 12, 5, 10, 0, tzinfo=LONDON), RULES, CAL)  # Saturday
    assert not working_now(datetime(2026, 12, 25, 10, 0, tzinfo=LONDON), RULES, CAL)
    assert (
        plan(
            [Open("BR-2026-0001", "referral_received", date(2026, 12, 1))],
            date(2026, 12, 2),
            RULES,
            CAL,
        )
        == []
    )
