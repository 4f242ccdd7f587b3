"""The timetable: milestones, anchors and offsets, read from one TOML file.

``parse_timetable`` checks the whole file and raises ``TimetableError`` naming the first bad
entry. ``due_dates`` turns recorded anchor dates into due dates; ``project`` fills in the
anchors a case has not reached yet with their own expected dates, so the business unit can
plan a whole case from its awareness date.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from workflow.calendar import WorkingCalendar

ANCHORS = (
    "awareness",
    "notification",
    "rapid_review",
    "igt_sent",
    "review_decision",
    "report_sent",
    "planned_publication",
)
RAPID_REVIEW_SOURCES = ("awareness", "notification")
OFFSET_KINDS = ("day", "working_days", "months")


class TimetableError(ValueError):
    """The timetable file is wrong; the message names the entry and what is wrong with it."""


@dataclass(frozen=True)
class Milestone:
    key: str
    number: int
    title: str
    anchor: str
    offset_kind: str
    offset: int
    closed_by: tuple[str, ...] = ()
    statutory: bool = False
    sets_anchor: str | None = None

    def describe_offset(self) -> str:
        if self.offset_kind == "day":
            return f"Day {self.offset} from {self.anchor}"
        if self.offset_kind == "months":
            return f"{self.offset} months after {self.anchor}"
        if self.offset < 0:
            return f"{-self.offset} working days before {self.anchor}"
        return f"{self.offset} working days after {self.anchor}"


@dataclass(frozen=True)
class Timetable:
    milestones: tuple[Milestone, ...]
    rapid_review_anchor: str = "awareness"
    closure_days: frozenset[date] = field(default_factory=frozenset)

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.closure_days)

    def get(self, key: str) -> Milestone:
        for milestone in self.milestones:
            if milestone.key == key:
                return milestone
        raise KeyError(key)

    def day_number(self, key: str) -> int | None:
        """The milestone's Day N, when it is set as a Day of the timetable (not a number of
        working days after some later event)."""
        milestone = self.get(key)
        return milestone.offset if milestone.offset_kind == "day" else None

    def resolve_anchor(self, anchor: str) -> str:
        return self.rapid_review_anchor if anchor == "rapid_review" else anchor


def parse_timetable(text: str, *, source: str = "timetable") -> Timetable:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TimetableError(f"{source}: not valid TOML: {error}") from None

    calendar_section = _table(data, "calendar", source)
    closures: set[date] = set()
    for index, value in enumerate(calendar_section.get("closure_days", [])):
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                raise TimetableError(
                    f"{source}: calendar.closure_days[{index}] = {value!r} is not a date "
                    "(write YYYY-MM-DD)"
                ) from None
        closures.add(value)

    anchors_section = _table(data, "anchors", source)
    rapid = anchors_section.get("rapid_review", "awareness")
    if rapid not in RAPID_REVIEW_SOURCES:
        raise TimetableError(
            f"{source}: anchors.rapid_review = {rapid!r} must be one of "
            f"{', '.join(RAPID_REVIEW_SOURCES)}"
        )

    raw = data.get("milestones")
    if not isinstance(raw, list) or not raw:
        raise TimetableError(f"{source}: no [[milestones]] entries")
    milestones = tuple(_milestone(entry, index, source) for index, entry in enumerate(raw))
    seen: set[str] = set()
    numbers: set[int] = set()
    for index, milestone in enumerate(milestones):
        where = f"{source}: milestones[{index}] ({milestone.key})"
        if milestone.key in seen:
            raise TimetableError(f"{where}: key used twice")
        if milestone.number in numbers:
            raise TimetableError(f"{where}: number {milestone.number} used twice")
        seen.add(milestone.key)
        numbers.add(milestone.number)
    setters = {m.sets_anchor: m.key for m in milestones if m.sets_anchor}
    for index, milestone in enumerate(milestones):
        resolved = rapid if milestone.anchor == "rapid_review" else milestone.anchor
        if resolved != "awareness" and resolved not in setters:
            raise TimetableError(
                f"{source}: milestones[{index}] ({milestone.key}): anchor {milestone.anchor!r} "
                "is set by no milestone (add sets_anchor to the milestone that records it)"
            )
    return Timetable(milestones, rapid, frozenset(closures))


def _table(data: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise TimetableError(f"{source}: [{name}] must be a table")
    return value


def _milestone(entry: Any, index: int, source: str) -> Milestone:
    where = f"{source}: milestones[{index}]"
    if not isinstance(entry, dict):
        raise TimetableError(f"{where}: must be a table")
    key = entry.get("key")
    if not isinstance(key, str) or not key:
        raise TimetableError(f"{where}: needs a key")
    where = f"{where} ({key})"
    known = {
        "key",
        "number",
        "title",
        "anchor",
        "closed_by",
        "statutory",
        "sets_anchor",
        *OFFSET_KINDS,
    }
    unknown = sorted(set(entry) - known)
    if unknown:
        raise TimetableError(f"{where}: unknown field {unknown[0]!r}")
    number = entry.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise TimetableError(f"{where}: number must be a whole number from 1")
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TimetableError(f"{where}: needs a title")
    anchor = entry.get("anchor")
    if anchor not in ANCHORS:
        raise TimetableError(f"{where}: anchor {anchor!r} is not one of {', '.join(ANCHORS)}")
    offsets = [kind for kind in OFFSET_KINDS if kind in entry]
    if len(offsets) != 1:
        raise TimetableError(
            f"{where}: needs exactly one offset ({', '.join(OFFSET_KINDS)}), has {len(offsets)}"
        )
    kind = offsets[0]
    offset = entry[kind]
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise TimetableError(f"{where}: {kind} must be a whole number, not {offset!r}")
    if kind == "day" and offset < 1:
        raise TimetableError(f"{where}: day must be 1 or more (Day 1 is the anchor's day)")
    if kind == "months" and offset < 0:
        raise TimetableError(f"{where}: months must not be negative")
    closed_by = entry.get("closed_by", [])
    if not isinstance(closed_by, list) or not all(isinstance(r, str) for r in closed_by):
        raise TimetableError(f"{where}: closed_by must be a list of role names")
    sets_anchor = entry.get("sets_anchor")
    if sets_anchor is not None and sets_anchor not in ANCHORS[1:]:
        raise TimetableError(f"{where}: sets_anchor {sets_anchor!r} is not a settable anchor")
    statutory = entry.get("statutory", False)
    if not isinstance(statutory, bool):
        raise TimetableError(f"{where}: statutory must be true or false")
    return Milestone(
        key=key,
        number=number,
        title=title.strip(),
        anchor=anchor,
        offset_kind=kind,
        offset=offset,
        closed_by=tuple(closed_by),
        statutory=statutory,
        sets_anchor=sets_anchor,
    )


def due_date(
    milestone: Milestone, timetable: Timetable, anchors: Mapping[str, date]
) -> date | None:
    """The milestone's due date, or None while its anchor has not been recorded."""
    start = anchors.get(timetable.resolve_anchor(milestone.anchor))
    if start is None:
        return None
    calendar = timetable.calendar()
    if milestone.offset_kind == "day":
        return calendar.day_n(start, milestone.offset)
    if milestone.offset_kind == "working_days":
        return calendar.add_working_days(start, milestone.offset)
    return calendar.previous_working_day(start + relativedelta(months=milestone.offset))


def due_dates(timetable: Timetable, anchors: Mapping[str, date]) -> dict[str, date | None]:
    return {m.key: due_date(m, timetable, anchors) for m in timetable.milestones}


def project(timetable: Timetable, anchors: Mapping[str, date]) -> dict[str, date]:
    """Recorded anchors, plus the expected date of each one not yet recorded.

    An anchor not yet recorded is expected on the due date of the milestone that sets it.
    """
    projected = dict(anchors)
    for _ in range(len(timetable.milestones) + 1):
        changed = False
        for milestone in timetable.milestones:
            target = milestone.sets_anchor
            if target is None or target in projected:
                continue
            due = due_date(milestone, timetable, projected)
            if due is not None:
                projected[target] = due
                changed = True
        if not changed:
            break
    return projected


@dataclass(frozen=True)
class PlannedMilestone:
    milestone: Milestone
    due: date | None
    day_number: int | None


def plan(timetable: Timetable, awareness: date) -> list[PlannedMilestone]:
    """Every milestone's expected due date for a case the BDSCP became aware of on ``awareness``."""
    anchors = project(timetable, {"awareness": awareness})
    calendar = timetable.calendar()
    rows = []
    for milestone in sorted(timetable.milestones, key=lambda m: m.number):
        due = due_date(milestone, timetable, anchors)
        number = calendar.day_number(awareness, due) if due is not None else None
        rows.append(PlannedMilestone(milestone, due, number))
    return rows
