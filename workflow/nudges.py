"""Which reminders are due, when: the rules (config/nudges.toml) and the plan for one moment.

Pure: the rules, the moment (local time) and the open milestones in; the nudges out. Each
nudge has a key (case, what, kind, day): queued with it as the outbox's de-duplication key,
it is sent once however often, and by however many instances, the plan is made.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, NamedTuple

from workflow.calendar import WorkingCalendar

BEFORE, DUE, OVERDUE, CHASE = "before", "due", "overdue", "chase"


@dataclass(frozen=True)
class Rule:
    before: int = 2
    on_due_day: bool = True
    overdue_for: int | None = 3  # working days overdue it is nudged on; None: every one
    where: str = "channel"  # or "person"
    nudge: bool = True
    chase_roles: tuple[str, ...] = ()
    chase_before: int = 1


@dataclass(frozen=True)
class Rules:
    start: time = time(9, 0)
    end: time = time(17, 0)
    digest: time = time(9, 0)
    default: Rule = Rule()
    milestones: Mapping[str, Rule] = field(default_factory=dict)
    igt_before: int = 2
    draft_after: int = 1  # working days a referral may sit unsent before its author is told

    def rule(self, key: str) -> Rule:
        return self.milestones.get(key, self.default)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _rule(data: Mapping[str, Any], base: Rule) -> Rule:
    return Rule(
        before=int(data.get("before", base.before)),
        on_due_day=bool(data.get("on_due_day", base.on_due_day)),
        overdue_for=_overdue_for(data, base.overdue_for),
        where=str(data.get("where", base.where)),
        nudge=bool(data.get("nudge", base.nudge)),
        chase_roles=tuple(data.get("chase_roles", base.chase_roles)),
        chase_before=int(data.get("chase_before", base.chase_before)),
    )


def _overdue_for(data: Mapping[str, Any], base: int | None) -> int | None:
    """``overdue_for``: a number of working days, or "every" (each working day it is overdue)."""
    value = data.get("overdue_for", base)
    if value == "every" or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f'overdue_for is a number of working days or "every", not {value!r}')
    return value


def parse_rules(text: str) -> Rules:
    """The rules a nudges file's ``text`` sets; the defaults for whatever it doesn't say."""
    data = tomllib.loads(text) if text else {}
    hours = data.get("hours", {})
    default = _rule(data.get("default", {}), Rule())
    return Rules(
        start=_clock(hours.get("start", "09:00")),
        end=_clock(hours.get("end", "17:00")),
        digest=_clock(hours.get("digest", "09:00")),
        default=default,
        milestones={k: _rule(v, default) for k, v in data.get("milestones", {}).items()},
        igt_before=int(data.get("igt", {}).get("before", 2)),
        draft_after=int(data.get("drafts", {}).get("referral_after", 1)),
    )


def working_now(now: datetime, rules: Rules, calendar: WorkingCalendar) -> bool:
    """Whether ``now`` (local time) is in working hours on a working day."""
    return calendar.is_working_day(now.date()) and rules.start <= now.time() < rules.end


class Open(NamedTuple):
    """An open milestone of an open case (a tuple: tens of thousands are made each tick)."""

    reference: str
    key: str
    due: date


class Nudge(NamedTuple):
    reference: str
    key: str  # the milestone, or "igt:<request id>"
    kind: str  # before, due, overdue, chase
    day: date  # the working day it is for
    where: str  # channel or person
    due: date

    @property
    def dedupe(self) -> str:
        # The day first: one working day's keys are one range of the outbox's unique index.
        return f"nudge:{self.day.isoformat()}:{self.reference}:{self.key}:{self.kind}"


def kind_today(
    due: date,
    today: date,
    *,
    before: int,
    on_due_day: bool,
    overdue_for: int | None,
    calendar: WorkingCalendar,
    ahead: Callable[[int], date] | None = None,
) -> str | None:
    """Which nudge ``today`` (a working day) brings for something due on ``due``: overdue on
    each of the first ``overdue_for`` working days after it (None: every one; after them, the
    daily digest carries it). ``ahead(n)``: the working day ``n`` after today (negative:
    before), if the caller keeps them."""
    if today > due:
        if overdue_for is None:
            return OVERDUE
        back = ahead(-overdue_for) if ahead else overdue_since(today, overdue_for, calendar)
        return OVERDUE if due >= back else None
    if today == due:
        return DUE if on_due_day else None
    if before and (ahead or (lambda n: calendar.add_working_days(today, n)))(before) == due:
        return BEFORE
    return None


def overdue_since(today: date, overdue_for: int, calendar: WorkingCalendar) -> date:
    """The earliest due day still nudged as overdue ``today``: ``overdue_for`` working days
    back (something due then is on its last overdue nudge)."""
    return calendar.add_working_days(today, -overdue_for)


class Window(NamedTuple):
    """Which open milestones can bring a nudge today: those due from ``since`` (to the
    horizon), and, whatever their due day, those whose rule nudges every overdue day."""

    since: date
    every_day: tuple[str, ...]


def window(rules: Rules, today: date, calendar: WorkingCalendar) -> Window:
    """The open milestones worth planning ``today``: a long-overdue one is the digest's."""
    if rules.default.overdue_for is None:
        return Window(date.min, ())
    spans = [rules.default.overdue_for]
    spans += [r.overdue_for for r in rules.milestones.values() if r.overdue_for is not None]
    every = tuple(k for k, r in rules.milestones.items() if r.nudge and r.overdue_for is None)
    return Window(overdue_since(today, max(spans), calendar), every)


def _days_ahead(today: date, calendar: WorkingCalendar) -> Callable[[int], date]:
    """The working day ``n`` after ``today``, each worked out once."""
    known: dict[int, date] = {}

    def ahead(n: int) -> date:
        if n not in known:
            known[n] = calendar.add_working_days(today, n)
        return known[n]

    return ahead


def plan(
    milestones: Iterable[Open], today: date, rules: Rules, calendar: WorkingCalendar
) -> list[Nudge]:
    """The nudges of working day ``today`` for the open milestones."""
    ahead = _days_ahead(today, calendar)
    found = []
    for m in milestones:
        rule = rules.rule(m.key)
        if not rule.nudge:
            continue
        kind = kind_today(
            m.due,
            today,
            before=rule.before,
            on_due_day=rule.on_due_day,
            overdue_for=rule.overdue_for,
            calendar=calendar,
            ahead=ahead,
        )
        if kind is not None:
            found.append(Nudge(m.reference, m.key, kind, today, rule.where, m.due))
        if rule.chase_roles and (today == m.due or ahead(rule.chase_before) == m.due):
            found.append(Nudge(m.reference, m.key, CHASE, today, "person", m.due))
    return found
