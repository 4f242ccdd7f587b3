"""Scoping cards: the invitation to give a scoping view, the Business Unit's invitation of
partners, the views as read back, and the confirmation of a view recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import (
    attention,
    day_and_time,
    esc,
    execute,
    facts,
    heading,
    in_parts,
    para,
    render,
)
from cards.decided import VIEW_TITLES, ViewLine
from cards.form_summary import section_facts
from workflow.scoping import (
    SCOPING,
    SERIOUS_HARM,
    STATUTORY_TEST,
)


def scoping_invitation_card(*, reference: str, audience: str) -> dict[str, Any]:
    items = [
        *heading(
            f"Your scoping view on {reference}",
            subtle=f"Asked of you as {esc(audience)}. The referral's details are in the "
            "message before this one.",
        ),
        para(
            "The partners scope the case together: say whether, from what your agency knows, "
            "it meets the definition of a serious child safeguarding case."
        ),
        para(STATUTORY_TEST),
        para(SERIOUS_HARM),
    ]
    actions = [
        execute(
            f"Give your view on {reference}",
            "scoping.begin",
            {"case": reference},
            style=act.ActionStyle.POSITIVE,
        )
    ]
    return render(items, actions, fallback_text=f"Your scoping view on {reference}")


@dataclass(frozen=True)
class Invited:
    """Someone the Business Unit asked for a scoping view, and whether they gave it."""

    name: str
    agency: str
    when: datetime  # local time
    answered: bool


def invite_card(
    *,
    reference: str,
    people: Sequence[tuple[str, str]],  # (Entra id, name): who can be invited
    invited: Sequence[Invited],
    error: str = "",
    person: str = "",
    agency: str = "",
    done: str = "",
) -> dict[str, Any]:
    """The Business Unit's card to ask someone from another agency for a scoping view: they
    get the referral's details and the same scoping card as the partners."""
    items: list[Any] = [
        *heading(
            f"Invite another agency's view on {reference}",
            subtle="The person you invite gets the referral's details and the same scoping "
            "card as the partners, in a 1:1 chat with me. They can see this case only.",
        )
    ]
    if done:
        items.append(para(esc(done), color=act.Colors.GOOD, weight=act.FontWeight.BOLDER))
    if invited:
        items.append(para("**Invited so far**", spacing="Medium"))
        items.append(
            facts(
                (
                    f"{esc(i.name)} ({esc(i.agency)})",
                    ("View given" if i.answered else "No view yet")
                    + f"; invited {day_and_time(i.when)}",
                )
                for i in invited
            )
        )
    if error:
        items.append(attention(esc(error)))
    items += [
        ac.InputChoiceSet(
            id="person",
            label="Who to invite",
            choices=[ac.InputChoice(title=name, value=aad) for aad, name in people],
            value=person or None,
            is_required=True,
            error_message="Choose who to invite.",
            placeholder="Choose a person from the team",
        ),
        ac.InputText(
            id="agency",
            label="Their agency",
            placeholder="For example: Bradford Council Education Safeguarding",
            max_length=200,
            value=agency or None,
            is_required=True,
            error_message="Say which agency they are from.",
        ),
    ]
    actions = [
        execute(
            f"Invite them to give a view on {reference}",
            "scoping.invite",
            {"case": reference},
            style=act.ActionStyle.POSITIVE,
        )
    ]
    return render(items, actions, fallback_text=f"Invite another agency's view on {reference}")


def scoping_views_cards(
    *, reference: str, views: Sequence[tuple[ViewLine, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Every agency's current scoping view in full, for a 1:1 chat: as many cards as it
    takes, each within Teams' limit."""
    blocks: list[list[Any]] = [
        [
            ac.TextBlock(
                text=f"{esc(line.who)}: {VIEW_TITLES.get(line.outcome, line.outcome)} "
                f"({day_and_time(line.when)})",
                weight=act.FontWeight.BOLDER,
                wrap=True,
                separator=True,
                spacing=act.Spacing.MEDIUM,
            ),
            *section_facts(SCOPING.sections[0], answers, reader=True, one_each=True),
        ]
        for line, answers in views
    ] or [[para("No views have been given yet.")]]

    def card(items: list[Any], part: str) -> dict[str, Any]:
        title = f"Scoping views on {reference}{part}"
        return render(
            [
                *heading(
                    title,
                    subtle="Each agency's current view, in full; a revised view replaces the "
                    "earlier one, which is kept. For the partnership's use only.",
                ),
                *items,
            ],
            fallback_text=title,
        )

    return in_parts(blocks, card)


def view_recorded_card(*, reference: str, revised: bool) -> dict[str, Any]:
    return render(
        [
            *heading(
                f"View {'revised' if revised else 'recorded'}: {reference}",
                subtle="Your earlier view is kept, marked as replaced." if revised else None,
            ),
            para(
                "The Case Review Sub-group chair sees it with the other partners' views. To "
                f"revise it, type **view {reference}**."
            ),
        ],
        fallback_text=f"View recorded: {reference}",
    )
