"""The Information Gathering Tool's cards, other than the form itself (which the one wizard
renders from its spec): the Business Unit's sending and tracking card, the request to a
respondent, the return as others read it, and the merged chronology, paged.

Only the return and the chronology carry a child's or family's details, for 1:1 chats with
the roles allowed to see them. Everything typed is escaped before it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

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
from cards.form_summary import section_facts
from workflow.igt import IGT, STATE_TITLES, Entry

CHRONOLOGY_PAGE = 25  # entries a chronology card shows


@dataclass(frozen=True)
class Asked:
    """One request, as the Business Unit tracks it."""

    id: int
    name: str  # the person asked
    agency: str
    due: date | None
    state: str
    answered: bool


def _asked_block(asked: Sequence[Asked], reference: str, *, readable: bool) -> list[Any]:
    if not asked:
        return [para("No one has been asked yet.", is_subtle=True)]
    items: list[Any] = []
    for a in asked:
        line = f"{STATE_TITLES.get(a.state, a.state)}" + (f"; due {day(a.due)}" if a.due else "")
        row: list[Any] = [facts([(f"{esc(a.agency)} ({esc(a.name)})", line)])]
        if readable and a.answered:
            row.append(
                ac.ActionSet(
                    actions=[
                        execute(
                            f"Read {a.agency}'s return on {reference}",
                            "igt.read",
                            {"case": reference, "request": a.id},
                        )
                    ]
                )
            )
        items.append(ac.Container(items=row, spacing=act.Spacing.SMALL))
    return items


def sending_card(
    *,
    reference: str,
    counts: str,
    asked: Sequence[Asked],
    offered: Sequence[str],  # agencies named in the referral and in returns, not yet asked
    people: Sequence[tuple[str, str]],  # (Entra id, name) who can be asked
    default_due: date | None,
    error: str = "",
    done: str = "",
    chosen: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Business Unit's card: who has been asked and where each stands, and the form to
    ask one more person (with their agency and a due date)."""
    chosen = chosen or {}
    items: list[Any] = [
        *heading(
            f"Information Gathering Tools: {reference}",
            subtle=f"{counts}. Each person asked sees this case only, and only their own return.",
        )
    ]
    if done:
        items.append(para(esc(done), color=act.Colors.GOOD, weight=act.FontWeight.BOLDER))
    items += _asked_block(asked, reference, readable=True)
    items.append(para("**Ask someone**", spacing="Medium"))
    if error:
        items.append(attention(esc(error)))
    agency_inputs: list[Any] = []
    if offered:
        agency_inputs.append(
            ac.InputChoiceSet(
                id="agency",
                label="Their agency (named in the referral or a return)",
                choices=[ac.InputChoice(title=name, value=name) for name in offered],
                value=chosen.get("agency") or None,
                placeholder="Choose an agency",
            )
        )
    agency_inputs.append(
        ac.InputText(
            id="other_agency",
            label="Or another agency" if offered else "Their agency",
            max_length=200,
            value=chosen.get("other_agency") or None,
            placeholder="For example: Bradford Council Education Safeguarding",
        )
    )
    items += [
        ac.InputChoiceSet(
            id="person",
            label="Who to ask",
            choices=[ac.InputChoice(title=name, value=aad) for aad, name in people],
            value=chosen.get("person") or None,
            is_required=True,
            error_message="Choose who to ask.",
            placeholder="Choose a person from the team",
        ),
        *agency_inputs,
        ac.InputDate(
            id="due",
            label="Return it by",
            value=chosen.get("due") or (default_due.isoformat() if default_due else None),
            is_required=True,
            error_message="Give the date to return it by.",
        ),
        para(
            "Defaults to the timetable's date for the returns (Day 12).",
            is_subtle=True,
            size=act.FontSize.SMALL,
        ),
    ]
    actions = [
        execute(
            f"Send the Information Gathering Tool for {reference}",
            "igt.send",
            {"case": reference},
            style=act.ActionStyle.POSITIVE,
        )
    ]
    return render(items, actions, fallback_text=f"Information Gathering Tools: {reference}")


def tracking_card(*, reference: str, counts: str, asked: Sequence[Asked]) -> dict[str, Any]:
    """Who was asked and where each stands, with each answered return to read."""
    items: list[Any] = [
        *heading(f"Information Gathering Tools: {reference}", subtle=f"{counts}."),
        *_asked_block(asked, reference, readable=True),
    ]
    return render(items, fallback_text=f"Information Gathering Tools: {reference}")


def request_card(
    *, reference: str, agency: str, due: date | None, error: str = "", reason: str = ""
) -> dict[str, Any]:
    """To the person asked, 1:1: what is asked, by when, and the two ways to answer."""
    items: list[Any] = [
        *heading(
            f"Information Gathering Tool: {reference}",
            subtle=f"Asked of you for {esc(agency)} by the BDSCP Business Unit"
            + (f". Please return it by {day(due)}." if due else "."),
        ),
        para(
            "The rapid review needs concise information about your agency's involvement with "
            "the child and family, a brief chronology of key events and your initial view on "
            "the type of review. The children's details are filled in from the referral for "
            "you to confirm or correct. It is saved as you go: you can stop and come back."
        ),
    ]
    if error:
        items.append(attention(esc(error)))
    none_card = ac.AdaptiveCard(
        body=[
            ac.InputText(
                id="reason",
                label="Why your agency has had no involvement",
                is_multiline=True,
                max_length=1000,
                value=reason or None,
                is_required=True,
                error_message="Give the reason.",
            )
        ],
        actions=[
            execute(
                f"Send 'no involvement' for {reference}",
                "igt.none",
                {"case": reference},
            )
        ],
    )
    actions = [
        execute(
            f"Complete the Information Gathering Tool for {reference}",
            "igt.begin",
            {"case": reference},
            style=act.ActionStyle.POSITIVE,
        ),
        ac.ActionShowCard(title=f"No involvement with {reference}", card=none_card),
    ]
    return render(items, actions, fallback_text=f"Information Gathering Tool: {reference}")


def answered_card(*, reference: str, no_involvement: bool, version: int) -> dict[str, Any]:
    """The respondent's confirmation."""
    if no_involvement:
        title = f"'No involvement' sent: {reference}"
        words = "The BDSCP Business Unit has your answer and your reason. Thank you."
    else:
        title = f"Information Gathering Tool returned: {reference}"
        words = (
            "The BDSCP Business Unit, the Case Review Sub-group chair and the partner "
            "representatives can read it for the rapid review. To correct it, type **igt "
            f"{reference}**: the correction is a new version, and this one is kept."
        )
    subtle = f"Version {version}." if version > 1 else None
    return render([*heading(title, subtle=subtle), para(words)], fallback_text=title)


def return_cards(
    *,
    reference: str,
    agency: str,
    version: int,
    submitted: datetime,
    by: str,
    form: Mapping[str, Any],
    no_involvement: bool,
) -> list[dict[str, Any]]:
    """A return as others read it, in as many cards as it takes."""
    subtle = f"Version {version}, returned {day_and_time(submitted)} by {esc(by)}."
    blocks: list[list[Any]]
    if no_involvement:
        blocks = [[facts([("No involvement", esc(form.get("reason", "")) or "No reason given")])]]
    else:
        blocks = [
            [
                ac.TextBlock(
                    text=esc(sec.title_for_reader),
                    weight=act.FontWeight.BOLDER,
                    wrap=True,
                    separator=True,
                    spacing=act.Spacing.MEDIUM,
                ),
                *section_facts(
                    sec, form.get(sec.key, [] if sec.repeating else {}), reader=True, one_each=True
                ),
            ]
            for sec in IGT.sections
        ]

    def card(items: list[Any], part: str) -> dict[str, Any]:
        title = f"{agency}'s Information Gathering Tool: {reference}{part}"
        return render([*heading(esc(title), subtle=subtle), *items], fallback_text=title)

    return in_parts(blocks, card)


def returned_notice_card(
    *,
    reference: str,
    agency: str,
    counts: str,
    named: Sequence[str],  # other agencies the return names, not asked yet
    people: Sequence[tuple[str, str]],
    default_due: date | None,
) -> dict[str, Any]:
    """To the Business Unit: a return came in; agencies it names that haven't been asked can
    be sent the form with one press each (after choosing the person)."""
    items: list[Any] = [
        *heading(f"Information Gathering Tool returned: {reference}", subtle=f"{counts}."),
        para(f"{esc(agency)} has returned its Information Gathering Tool."),
    ]
    actions: list[Any] = []
    if named:
        items.append(
            para(
                "**It names other agencies involved that haven't been asked yet.** Choose the "
                "person to ask at each, then send.",
                spacing="Medium",
            )
        )
        for n, name in enumerate(named):
            items.append(
                ac.Container(
                    separator=True,
                    items=[
                        para(f"**{esc(name)}**"),
                        ac.InputChoiceSet(
                            id=f"person_{n}",
                            label=f"Who to ask at {name}",
                            choices=[ac.InputChoice(title=t, value=aad) for aad, t in people],
                            placeholder="Choose a person from the team",
                        ),
                        ac.ActionSet(
                            actions=[
                                execute(
                                    f"Send {name} the Information Gathering Tool for {reference}",
                                    "igt.send",
                                    {
                                        "case": reference,
                                        "agency": name,
                                        "pick": f"person_{n}",
                                        "due": default_due.isoformat() if default_due else "",
                                    },
                                )
                            ]
                        ),
                    ],
                )
            )
    return render(items, actions, fallback_text=f"Information Gathering Tool returned: {reference}")


def chronology_card(
    *, reference: str, entries: Sequence[Entry], page: int, agencies: int
) -> dict[str, Any]:
    """One page of the merged chronology: every returned entry, by date and time, each with
    its agency."""
    total = len(entries)
    pages = max(1, -(-total // CHRONOLOGY_PAGE))
    page = max(0, min(page, pages - 1))
    shown = entries[page * CHRONOLOGY_PAGE : (page + 1) * CHRONOLOGY_PAGE]
    first = page * CHRONOLOGY_PAGE + 1
    subtle = (
        f"Events {first} to {first + len(shown) - 1} of {total}, from {agencies} "
        f"{'agency' if agencies == 1 else 'agencies'}' latest returns. Page {page + 1} of {pages}."
        if total
        else "No chronology entries have been returned yet."
    )
    items: list[Any] = [*heading(f"Chronology: {reference}", subtle=subtle)]
    for entry in shown:
        when = (day(entry.on) if entry.on else "Date not given") + (
            f", {entry.time}" if entry.time else ""
        )
        items.append(
            ac.Container(
                separator=True,
                spacing=act.Spacing.SMALL,
                items=[
                    para(f"**{when}** · {esc(entry.agency)}", spacing="None"),
                    para(esc(entry.event), spacing="None"),
                ],
            )
        )
    actions: list[Any] = []
    if page > 0:
        actions.append(
            execute(
                f"Previous page of the chronology of {reference}",
                "chronology.page",
                {"case": reference, "page": page - 1},
            )
        )
    if page + 1 < pages:
        actions.append(
            execute(
                f"Next page of the chronology of {reference}",
                "chronology.page",
                {"case": reference, "page": page + 1},
                style=act.ActionStyle.POSITIVE,
            )
        )
    return render(items, actions, fallback_text=f"Chronology: {reference}")
