"""The partnership's annual figures: the year's counts for the annual report, and how many
cases met each statutory deadline. Counts only: no reference, no name, nothing of a child.

Pure: facts in (dates already local), counts out. What each count means:

- referrals: cases whose referral was received in the year;
- notifications: cases notified to the national Panel in the year;
- rapid reviews: rapid review decisions made in the year (the one that stands on each case);
- local reviews commissioned: those decisions that were for a local review;
- local reviews published: local review reports published in the year;
- timeliness: each deadline whose statutory date (before any pause or extension) fell in
  the year: met (done on or before it), late (done after it), overdue (not done and past),
  or not yet due. For the notification, only the cases that were notified count.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

# The statutory deadlines, in the procedure's order: the milestone, and the words for it.
DEADLINES = (
    ("la_decision", "Notified to the Panel within 5 working days"),
    ("rapid_review_meeting", "Rapid review by Day 15"),
    ("report_to_panel", "Rapid review report to the Panel by Day 20"),
    ("publication", "Local review published within 6 months"),
)
DEADLINE_TITLES = dict(DEADLINES)


@dataclass(frozen=True)
class Deadline:
    key: str
    due: date | None  # the statutory date
    done: date | None
    not_applicable: bool = False


@dataclass(frozen=True)
class CaseFacts:
    received: date
    notified: date | None = None
    review_decided: date | None = None  # the standing rapid review decision
    review_outcome: str | None = None
    deadlines: tuple[Deadline, ...] = ()


@dataclass(frozen=True)
class Timeliness:
    key: str
    title: str
    met: int = 0
    late: int = 0
    overdue: int = 0
    not_yet_due: int = 0

    @property
    def due(self) -> int:
        return self.met + self.late + self.overdue + self.not_yet_due


@dataclass(frozen=True)
class Figures:
    year: int
    referrals: int = 0
    notifications: int = 0
    rapid_reviews: int = 0
    commissioned: int = 0
    published: int = 0
    timeliness: tuple[Timeliness, ...] = field(default_factory=tuple)

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        return (
            ("Referrals received", self.referrals),
            ("Notifications to the national Panel", self.notifications),
            ("Rapid reviews (decisions made)", self.rapid_reviews),
            ("Local reviews commissioned", self.commissioned),
            ("Local reviews published", self.published),
        )


def _in(day: date | None, year: int) -> bool:
    return day is not None and day.year == year


def count(facts: Iterable[CaseFacts], *, year: int, today: date) -> Figures:
    """The year's figures; ``today`` decides what is overdue and what is not yet due."""
    every = list(facts)
    tallies = {key: [0, 0, 0, 0] for key, _ in DEADLINES}
    published = 0
    for case in every:
        for deadline in case.deadlines:
            if deadline.key == "publication" and _in(deadline.done, year):
                published += 1
            if deadline.key not in tallies or deadline.not_applicable or deadline.due is None:
                continue
            if deadline.key == "la_decision":
                done = case.notified
                if done is None and deadline.done is not None:
                    continue  # decided not to notify: no notification was due
            else:
                done = deadline.done
            if not _in(deadline.due, year):
                continue
            tally = tallies[deadline.key]
            if done is not None:
                tally[0 if done <= deadline.due else 1] += 1
            else:
                tally[2 if today > deadline.due else 3] += 1
    decided = [c for c in every if _in(c.review_decided, year)]
    return Figures(
        year=year,
        referrals=sum(1 for c in every if _in(c.received, year)),
        notifications=sum(1 for c in every if _in(c.notified, year)),
        rapid_reviews=len(decided),
        commissioned=sum(1 for c in decided if c.review_outcome == "lcspr"),
        published=published,
        timeliness=tuple(Timeliness(key, title, *tallies[key]) for key, title in DEADLINES),
    )


def as_csv(figures: Figures) -> str:
    """The figures as CSV for the annual report: the counts, then one row a deadline."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Year", "Measure", "Count"])
    for title, value in figures.counts:
        writer.writerow([figures.year, title, value])
    writer.writerow([])
    writer.writerow(
        ["Year", "Deadline", "Fell due in the year", "Met", "Late", "Overdue", "Not yet due"]
    )
    for t in figures.timeliness:
        writer.writerow([figures.year, t.title, t.due, t.met, t.late, t.overdue, t.not_yet_due])
    return out.getvalue()
