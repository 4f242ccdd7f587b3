"""The rapid review decision (Day 15): the prompt to the Business Unit and chair, the
proposal's details, and its confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adaptive_cards import types as act

from cards.common import (
    attention,
    day_and_time,
    esc,
    execute,
    facts,
    heading,
    para,
    render,
)
from cards.decided import Decided, decided_block, for_the_chair, rationale_input


def review_prompt_card(
    *,
    reference: str,
    stage: str,
    proposal: Decided | None,
    ticked: Sequence[str],
    immediate_action: str,
    national: str,
    due: str,
    overdue_note: str,
    decided: Decided | None,
    rejected: Decided | None,
    past_month: bool = False,
    for_chair: bool,
    chair_ids: Sequence[str],
    error: str = "",
) -> dict[str, Any]:
    """The Business Unit's proposed decision on a local review, for the chair to approve or
    reject in the channel: the outcome and the criteria ticked (the notes and rationale go to
    the chair 1:1)."""
    items: list[Any] = [
        *heading(f"Rapid review decision: {reference}", subtle=f"Stage: {esc(stage)}. {esc(due)}"),
        *([attention(esc(error))] if error else []),
        *(
            [attention(esc(overdue_note)) if past_month else para(esc(overdue_note))]
            if overdue_note
            else []
        ),
    ]
    actions: list[Any] = []
    if proposal is None:
        items.append(
            para(
                "The Business Unit hasn't proposed a decision yet: it proposes one with "
                f"**decide {reference}**, for the chair to approve.",
                is_subtle=True,
            )
        )
    else:
        items += [
            facts(
                [
                    ("Proposed", esc(proposal.outcome)),
                    ("By", esc(proposal.by)),
                    ("When", day_and_time(proposal.when)),
                    ("Immediate action for children's safety", esc(immediate_action)),
                    ("May need a national review", esc(national)),
                ]
            ),
            para("**Criteria ticked**", spacing="Medium"),
            para("\n\n".join(f"- {esc(t)}" for t in ticked) if ticked else "None ticked."),
        ]
    if decided is not None:
        items.append(para("**Approved by the chair**", spacing="Medium"))
        items += decided_block(decided, "Decision", reference=reference)
    elif rejected is not None:
        items.append(para("**Sent back by the chair**", spacing="Medium"))
        items += decided_block(rejected, "Outcome", reference=reference)
        items.append(para("The Business Unit can propose again with **decide**.", is_subtle=True))
    elif proposal is not None and for_chair:
        items += rationale_input(label="Your note (required to send it back)", required=False)
        data = {"case": reference}
        actions = [
            execute(
                f"Approve the decision on {reference}",
                "review.approve",
                data,
                style=act.ActionStyle.POSITIVE,
            ),
            execute(f"Send the decision on {reference} back", "review.reject", data),
        ]
    elif proposal is not None:
        items.append(
            para(
                "Waiting for the Case Review Sub-group chair's approval. Only the chair can "
                "approve it.",
                is_subtle=True,
            )
        )
    card = render(items, actions, fallback_text=f"Rapid review decision: {reference}")
    live = decided is None and rejected is None and proposal is not None
    return for_the_chair(card, "review.prompt", reference, chair_ids if live else ())


def review_details_card(
    *,
    reference: str,
    outcome: str,
    rationale: str,
    consulted: str,
    notes: Sequence[tuple[str, str]],
    immediate: str,
) -> dict[str, Any]:
    """To the chair, 1:1: the proposal in full (its notes and rationale may be personal)."""
    items: list[Any] = [
        *heading(
            f"Proposed rapid review decision: {reference}",
            subtle="Approve or send it back with the buttons on the case review channel's card.",
        ),
        facts([("Proposed", esc(outcome))]),
        para(f"**Rationale:** {esc(rationale)}"),
        para(f"**Partners consulted, and their views:** {esc(consulted)}"),
    ]
    if immediate:
        items.append(para(f"**Immediate action:** {esc(immediate)}"))
    for title, note in notes:
        items.append(facts([(esc(title), esc(note))]))
    return render(items, fallback_text=f"Proposed rapid review decision: {reference}")


def proposal_sent_card(*, reference: str) -> dict[str, Any]:
    return render(
        [
            *heading(f"Sent to the chair: {reference}"),
            para(
                "The Case Review Sub-group chair approves it, or sends it back, on the case "
                "review channel's card. To change it before then, type **decide** and the case "
                "reference."
            ),
        ],
        fallback_text=f"Sent to the chair: {reference}",
    )
