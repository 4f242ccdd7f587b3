"""The answers to the status queries: ``status``, ``cases``, ``overdue``, ``deadlines``,
``timeline``, ``decisions``, ``whoami`` and ``roles``. Only ``decisions`` (1:1 only) carries
what people wrote; the others carry references, stages, dates, agencies and staff names,
never a child's or family's details, so they may be shown in the channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cards.common import (
    attention,
    day,
    day_and_time,
    esc,
    execute,
    facts,
    heading,
    in_parts,
    para,
    render,
)
from workflow.status import DUE_SOON, OVERDUE, RAPID_REVIEW_DAYS

PAGE = 20  # lines a list card shows


@dataclass(frozen=True)
class Line:
    """One milestone (or request, or action) with its date and mark."""

    title: str
    due: date | None
    mark: str
    note: str = ""  # "by Bea Umar", "owner: the chair", ...


@dataclass(frozen=True)
class Status:
    reference: str
    stage: str
    working_day: int | None
    lines: Sequence[Line]
    changes: Sequence[str]  # pauses and extensions, in words
    decided: Sequence[tuple[str, str]]
    outstanding: Sequence[tuple[str, str]]  # agency, state
    next_action: tuple[str, str] | None  # what, who owns it
    limited: bool = False  # a practitioner's own referral: the stage and dates only
    details_button: bool = False
    extra: Sequence[str] = field(default_factory=tuple)
    review: Sequence[tuple[str, str]] = field(default_factory=tuple)  # the local review


def _marked(line: Line) -> str:
    text = f"{day(line.due)}: {line.mark}" if line.due else line.mark  # "Not set yet"
    if line.note:
        text += f" ({esc(line.note)})"
    return f"**{text}**" if line.mark in (OVERDUE, DUE_SOON) else text


def status_card(status: Status) -> dict[str, Any]:
    subtle = f"Stage: {esc(status.stage)}"
    if status.working_day is not None and status.working_day <= RAPID_REVIEW_DAYS:
        subtle += f". Working day {status.working_day} of {RAPID_REVIEW_DAYS} of the rapid review"
    elif status.working_day is not None:  # not "Working day 23 of 15"
        subtle += (
            f". Working day {status.working_day}: past the rapid review's "
            f"{RAPID_REVIEW_DAYS} working days"
        )
    items: list[Any] = [*heading(f"Status: {status.reference}", subtle=subtle + ".")]
    if status.next_action is not None:
        what, who = status.next_action
        items.append(para(f"**Next:** {esc(what)} ({esc(who)})"))
    items.append(para("**Milestones**", spacing="Medium"))
    items.append(facts((esc(line.title), _marked(line)) for line in status.lines))
    if status.review:
        items.append(para("**Local review**", spacing="Medium"))
        items.append(facts((esc(w), esc(t)) for w, t in status.review))
    if status.changes:
        items.append(para("**Pauses and extensions**", spacing="Medium"))
        items += [para(esc(change)) for change in status.changes]
    if not status.limited:
        if status.decided:
            items.append(para("**Decisions and steps so far**", spacing="Medium"))
            items.append(facts((esc(w), esc(t)) for w, t in status.decided))
        if status.outstanding:
            items.append(para("**Information Gathering Tools outstanding**", spacing="Medium"))
            items.append(facts((esc(a), esc(s)) for a, s in status.outstanding))
    items += [para(esc(text), is_subtle=True) for text in status.extra]
    actions = []
    if status.details_button:
        actions.append(
            execute(
                f"Show the referral's details for {status.reference}",
                "status.details",
                {"case": status.reference},
            )
        )
    return render(items, actions, fallback_text=f"Status: {status.reference}")


@dataclass(frozen=True)
class CaseLine:
    reference: str
    stage: str
    next_title: str
    due: date | None
    mark: str


def cases_card(
    *, title: str, lines: Sequence[CaseLine], total: int, page: int, verb: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Open cases, most urgent first, a page at a time."""
    first = page * PAGE
    subtle = (
        f"{total} open, most urgent first: {first + 1} to {first + len(lines)}."
        if total
        else "No open cases."
    )
    items: list[Any] = [*heading(title, subtle=subtle)]
    for line in lines:
        when = f"{day(line.due)}: {line.mark}" if line.due else line.mark
        text = f"**{line.reference}** · {esc(line.stage)}"
        if line.next_title:
            text += f"  \nNext: {esc(line.next_title)}, {when}"
        items.append(
            attention(text, spacing="Small")
            if line.mark == OVERDUE
            else para(text, spacing="Small", separator=True)
        )
    actions = []
    if page > 0:
        actions.append(execute(f"Previous {PAGE}", verb, {**data, "page": page - 1}))
    if first + len(lines) < total:
        actions.append(execute(f"Next {PAGE}", verb, {**data, "page": page + 1}))
    return render(items, actions, fallback_text=title)


@dataclass(frozen=True)
class Due:
    reference: str
    title: str
    due: date | None
    owner: str
    mark: str = OVERDUE


def due_page_card(
    *,
    title: str,
    what: str,
    rows: Sequence[Due],
    total: int,
    page: int,
    verb: str,
    data: dict[str, Any],
    order: str,
) -> dict[str, Any]:
    """Overdue or coming deadlines, a page (``PAGE`` lines) at a time: case, what, when, who
    owns it; ``what`` names them on the buttons ("Next 20 overdue")."""
    first = page * PAGE
    subtle = (
        f"{total}, {order} first: {first + 1} to {first + len(rows)}."
        if rows
        else (f"{total}." if total else "Nothing.")
    )
    items: list[Any] = [*heading(title, subtle=subtle)]
    for r in rows:
        text = (
            f"**{r.reference}** · {esc(r.title)}  \n"
            f"{day(r.due) if r.due else 'No date'}: {r.mark}; {esc(r.owner)}"
        )
        items.append(para(text, spacing="Small", separator=True))
    actions = []
    if page > 0:
        actions.append(execute(f"Previous {PAGE} {what}", verb, {**data, "page": page - 1}))
    if first + len(rows) < total:
        actions.append(execute(f"Next {PAGE} {what}", verb, {**data, "page": page + 1}))
    return render(items, actions, fallback_text=title)


@dataclass(frozen=True)
class Event:
    when: datetime  # local time
    what: str
    who: str = ""
    note: str = ""  # 1:1 only: a rationale or reason


def timeline_cards(*, reference: str, events: Sequence[Event], title: str) -> list[dict[str, Any]]:
    blocks = [
        [
            para(
                f"**{day_and_time(e.when)}** · {esc(e.what)}"
                + (f" ({esc(e.who)})" if e.who else ""),
                spacing="Small",
                separator=True,
            ),
            *([para(esc(e.note), is_subtle=True, spacing="None")] if e.note else []),
        ]
        for e in events
    ] or [[para("Nothing yet.", is_subtle=True)]]

    def card(items: list[Any], part: str) -> dict[str, Any]:
        return render(
            [
                *heading(f"{title}: {reference}{part}", subtle=f"{len(events)}, oldest first."),
                *items,
            ],
            fallback_text=f"{title}: {reference}",
        )

    return in_parts(blocks, card)


def simple_card(title: str, pairs: Sequence[tuple[str, str]], subtle: str = "") -> dict[str, Any]:
    items: list[Any] = [*heading(title, subtle=subtle or None)]
    items.append(facts(pairs) if pairs else para("None.", is_subtle=True))
    return render(items, fallback_text=title)
