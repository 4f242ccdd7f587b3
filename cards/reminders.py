"""Reminders: a deadline nudge (in the case review channel, or 1:1 to the person whose task it
is) and the daily digest. They carry references, milestones, dates, roles and staff names:
never a child's or family's details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cards.common import attention, day, day_and_time, esc, execute, facts, heading, para, render

DIGEST_LINES = 10  # each list in the digest; the rest are counted, and `cases` has them all

WORDS = {
    "before": "coming up",
    "due": "due today",
    "overdue": "overdue",
    "chase": "due soon",
    "snoozed": "(snoozed)",
}


@dataclass(frozen=True)
class Reminder:
    reference: str
    what: str  # the milestone's title, or "Information Gathering Tool return (agency)"
    due: date
    kind: str  # before, due, overdue, chase
    owners: str  # "Case Review Sub-group chair (Chris Holt)"
    also: str = ""  # overdue: who else is named


def nudge_card(reminder: Reminder, *, personal: bool, snooze_key: str = "") -> dict[str, Any]:
    words = WORDS.get(reminder.kind, reminder.kind)
    title = f"{'Your deadline' if personal else 'Deadline'} {words}: {reminder.reference}"
    pairs = [
        ("What", esc(reminder.what)),
        ("Due", day(reminder.due)),
        ("Owner" if not personal else "Asked of", esc(reminder.owners)),
    ]
    if reminder.also:
        pairs.append(("Also named", esc(reminder.also)))
    items: list[Any] = [*heading(title)]
    if reminder.kind == "overdue":
        items.append(attention(f"This was due on {day(reminder.due)}."))
    items += [
        facts(pairs),
        para(
            f"Type **status {reminder.reference}** for where the case stands."
            + (
                " Snoozed, this reminder comes back at the start of the next working day."
                if personal and snooze_key
                else ""
            ),
            is_subtle=True,
        ),
    ]
    actions = (
        [
            execute(
                f"Snooze the {reminder.reference} reminder",
                "reminder.snooze",
                {
                    "key": snooze_key,
                    "case": reminder.reference,
                    "what": reminder.what,
                    "due": reminder.due.isoformat(),
                },
            )
        ]
        if personal and snooze_key
        else []
    )
    return render(items, actions, fallback_text=title)


@dataclass(frozen=True)
class DigestLine:
    reference: str
    what: str
    due: date | None
    mark: str


def digest_card(
    *,
    today: date,
    open_cases: int,
    cases: Sequence[DigestLine],
    overdue: Sequence[DigestLine],
    this_week: Sequence[DigestLine],
    overdue_total: int | None = None,
    week_total: int | None = None,
) -> dict[str, Any]:
    """One card, however many cases: counts, then the first lines of each list (the most
    urgent cases first); ``cases``, ``overdue`` and ``deadlines`` list them all."""
    title = f"Daily digest: {day(today)}"
    late = len(overdue) if overdue_total is None else overdue_total
    week = len(this_week) if week_total is None else week_total
    items: list[Any] = [
        *heading(
            title,
            subtle=f"{open_cases} open case{'s' if open_cases != 1 else ''}, "
            f"{late} overdue deadline{'s' if late != 1 else ''}, "
            f"{week} due this week.",
        )
    ]
    sections = (
        ("Open cases: the next deadline of each", cases, open_cases),
        ("Overdue", overdue, late),
        ("Due this week", this_week, week),
    )
    for name, lines, total in sections:
        items.append(para(f"**{name}**", spacing="Medium"))
        if not lines:
            items.append(para("Nothing.", is_subtle=True))
            continue
        items.append(facts((line.reference, _digest_line(line)) for line in lines[:DIGEST_LINES]))
        if total > DIGEST_LINES:
            items.append(para(f"And {total - DIGEST_LINES} more.", is_subtle=True))
    items.append(
        para("Type **cases**, **overdue** or **deadlines** for the full lists.", is_subtle=True)
    )
    return render(items, fallback_text=title)


def _digest_line(line: DigestLine) -> str:
    if not line.what:
        return "No deadline set yet"
    when = f": {day(line.due)}" if line.due else ""
    return f"{esc(line.what)}{when}" + (f" ({esc(line.mark)})" if line.mark else "")


CATCH_UP_LINES = 15


def _when(reminder: Reminder) -> str:
    if reminder.kind == "overdue":
        return f"overdue (was due {day(reminder.due)})"
    if reminder.kind == "due":
        return f"due today ({day(reminder.due)})"
    return f"due {day(reminder.due)}"


def catch_up_card(reminders: Sequence[Reminder], *, since: date, personal: bool) -> dict[str, Any]:
    """After the bot was offline: one message with each deadline that came up meanwhile or
    today, as it stands now, instead of each reminder on its own."""
    title = "Your deadlines while I was offline" if personal else "Deadlines while I was offline"
    return _reminder_list(
        title,
        f"I couldn't send reminders from {day(since)}. Here is where each stands today.",
        reminders,
        personal=personal,
    )


def gathered_card(reminders: Sequence[Reminder], *, personal: bool) -> dict[str, Any]:
    """Many deadlines on one day (more than one message each would be worth): one message
    with them all, the earliest first."""
    title = "Your deadlines today" if personal else "Deadlines today"
    return _reminder_list(
        title,
        f"{len(reminders)} deadline reminders today, together in one message.",
        reminders,
        personal=personal,
    )


def _reminder_list(
    title: str, subtle: str, reminders: Sequence[Reminder], *, personal: bool
) -> dict[str, Any]:
    overdue = sum(1 for r in reminders if r.kind == "overdue")
    items: list[Any] = [*heading(title, subtle=subtle)]
    if overdue:
        items.append(attention(f"{overdue} of them {'is' if overdue == 1 else 'are'} overdue."))
    items.append(
        facts(
            (
                r.reference,
                f"{esc(r.what)}: {_when(r)}" + (f"; {esc(r.owners)}" if not personal else ""),
            )
            for r in reminders[:CATCH_UP_LINES]
        )
    )
    if len(reminders) > CATCH_UP_LINES:
        items.append(para(f"And {len(reminders) - CATCH_UP_LINES} more.", is_subtle=True))
    items.append(
        para(
            "Type **overdue** or **deadlines** for the full lists, or **status** and a "
            "reference for one case.",
            is_subtle=True,
        )
    )
    return render(items, fallback_text=title)


def unsent_card(*, started: date) -> dict[str, Any]:
    """To the author of a referral left unsent: the procedure asks not to delay."""
    title = "Your referral isn't sent yet"
    return render(
        [
            *heading(title, subtle=f"Last saved {day(started)}."),
            para(
                "The procedure asks that a referral isn't delayed for want of information: "
                "send what you know now, and add more later with **add info**."
            ),
            para("Type **refer** to carry on where you left off.", is_subtle=True),
        ],
        fallback_text=title,
    )


def undelivered_card(
    *, summary: str, to_whom: str, case_ref: str | None, due: datetime, error: str
) -> dict[str, Any]:
    """To the Business Unit: a message the bot gave up sending, so someone passes it on."""
    title = "A message couldn't be delivered"
    pairs = [("Message", esc(summary)), ("For", esc(to_whom)), ("Due since", day_and_time(due))]
    if case_ref:
        pairs.insert(0, ("Case", esc(case_ref)))
    pairs.append(("Teams last said", esc(error or "nothing")))
    return render(
        [
            *heading(title),
            attention("I have stopped trying to send it. Please pass it on another way."),
            facts(pairs),
        ],
        fallback_text=title,
    )
