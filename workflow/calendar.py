"""Working days: Monday to Friday, less England-and-Wales bank holidays (substitute days
included), less the partnership's own closure days.

Day N follows the procedure's convention: Day 1 is the day the BDSCP became aware, or the
next working day if that is not one; Day N is the N-th working day counting Day 1 as the
first. Everything here is pure: dates in, dates out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

MONDAY_TO_FRIDAY = frozenset(range(5))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # England's list is England and Wales' (Wales has none of its own that England lacks).
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def prepare(*years: int) -> None:
    """Load these years' bank holidays now (the first load imports the country's rules,
    about 0.2 s): the bot does it as it starts, not on its first turn or reminder tick."""
    for year in years:
        _bank_holidays(year)


class WorkingCalendar:
    def __init__(self, closures: Iterable[date] = ()) -> None:
        self.closures = frozenset(closures)

    def bank_holiday(self, day: date) -> bool:
        return day in _bank_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() in MONDAY_TO_FRIDAY
            and not self.bank_holiday(day)
            and day not in self.closures
        )

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first one after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the last one before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The working day ``count`` working days after ``day`` (before, if negative).

        ``day`` need not be a working day: 0 gives ``day`` itself; 1 gives the first working
        day after it; -1 the last working day before it.
        """
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def count_working_days(self, start: date, end: date) -> int:
        """Working days in (start, end]; when end is before start, minus those in [end, start).

        The inverse of ``add_working_days``:
        ``add_working_days(start, count_working_days(start, end)) == end`` for a working
        ``end``.
        """
        count = 0
        if end >= start:
            day = start
            while day < end:
                day += timedelta(days=1)
                count += self.is_working_day(day)
            return count
        day = end
        while day < start:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return -count

    def day_one(self, awareness: date) -> date:
        return self.next_working_day(awareness)

    def day_n(self, awareness: date, n: int) -> date:
        """Day ``n`` (n >= 1) of a timetable whose Day 1 is the BDSCP's awareness date."""
        if n < 1:
            raise ValueError("Day numbers start at 1")
        return self.add_working_days(self.day_one(awareness), n - 1)

    def day_number(self, awareness: date, day: date) -> int:
        """The Day number of working day ``day`` (Day 1 for the first working day)."""
        return self.count_working_days(self.day_one(awareness), day) + 1


@lru_cache(maxsize=4096)  # a card writes the same few dates many times; strftime is slow
def british(when: date) -> str:
    """The one date format wherever the bot writes a date: "14 Mar 2019"."""
    return f"{when.day} {when:%b %Y}"
