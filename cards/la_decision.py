"""The Local Authority's decision (1:1, to the Strategic Director or the Business Unit), and
the outcome as the referrer is told it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adaptive_cards import types as act

from cards.common import (
    CARD_BUDGET,
    attention,
    card_size,
    clip,
    day_and_time,
    esc,
    execute,
    facts,
    heading,
    para,
    render,
)
from cards.decided import VIEW_TITLES, Decided, ViewLine, decided_block, rationale_input

LA_OUTCOMES = {
    "notify": "The Local Authority notifies the national Panel",
    "do_not_notify": "The Local Authority does not notify the national Panel",
}


REASON_LIMITS = (3000, 1500, 800, 400, 200)  # characters of each reason, tried in turn


def la_decision_card(
    *,
    reference: str,
    recommendation: Decided,
    views: Sequence[tuple[ViewLine, str]],  # with each view's reason (1:1 only)
    due: str,
    decided: Decided | None,
    recording_for: str = "",
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """To the Strategic Director (or the Business Unit recording for them): the chair's
    recommendation and the partners' views with their reasons; notify or not. Long reasons
    are shortened only as far as the card must be to fit Teams' limit, and the card then
    says how to read them in full."""
    for limit in REASON_LIMITS:
        card = _la_decision_card(
            reference=reference,
            recommendation=recommendation,
            views=views,
            due=due,
            decided=decided,
            recording_for=recording_for,
            error=error,
            rationale=rationale,
            reason_limit=limit,
        )
        if card_size(card) <= CARD_BUDGET:
            break
    return card


def _la_decision_card(
    *,
    reference: str,
    recommendation: Decided,
    views: Sequence[tuple[ViewLine, str]],
    due: str,
    decided: Decided | None,
    recording_for: str,
    error: str,
    rationale: str,
    reason_limit: int,
) -> dict[str, Any]:
    items: list[Any] = [
        *heading(
            f"Decision on notification: {reference}",
            subtle="The duty to notify the national Panel rests with the Local Authority "
            f"(Children Act 2004 s16C(1)). {esc(due)}",
        ),
        para("**The chair's recommendation**", spacing="Medium"),
        *decided_block(recommendation, "Recommended"),
        para("**Partners' views**", spacing="Medium"),
    ]
    for view, reason in views:
        items.append(
            facts(
                [
                    (esc(view.who), VIEW_TITLES.get(view.outcome, view.outcome)),
                    ("Reason", esc(clip(reason, reason_limit)) or "Not given"),
                ]
            )
        )
    if not views:
        items.append(para("No views were given.", is_subtle=True))
    elif any(len(reason) > reason_limit for _, reason in views):
        items.append(
            para(
                f"Long reasons are shortened here. To read every view in full, type "
                f"**scoping {reference}**.",
                is_subtle=True,
            )
        )
    actions: list[Any] = []
    if decided is not None:
        items.append(para("**Decided**", spacing="Medium"))
        items += decided_block(decided, "Decision")
    else:
        if recording_for:
            items.append(
                attention(
                    f"You are recording the decision of {esc(recording_for)}: the record names "
                    "them as the decider and you as the one who recorded it."
                )
            )
        if error:
            items.append(attention(esc(error)))
        items += rationale_input(rationale)
        data = {"case": reference, "for": "director" if recording_for else ""}
        actions = [
            execute(
                f"Notify the national Panel about {reference}",
                "la.decide",
                {**data, "outcome": "notify"},
                style=act.ActionStyle.POSITIVE,
            ),
            execute(
                f"Don't notify the Panel about {reference}",
                "la.decide",
                {**data, "outcome": "do_not_notify"},
            ),
        ]
    return render(items, actions, fallback_text=f"Decision on notification: {reference}")


def outcome_to_referrer_card(*, reference: str, notified: bool, when: datetime) -> dict[str, Any]:
    """What the referrer was promised on their confirmation: the Local Authority's decision."""
    text = (
        "The Local Authority has decided to **notify the national Panel**. A rapid review "
        "follows: the BDSCP Business Unit may ask your agency for information."
        if notified
        else "The Local Authority has decided **not to notify the national Panel**. The "
        "partnership may still consider other learning from the case."
    )
    return render(
        [
            *heading(f"Outcome on {reference}", subtle=f"Decided {day_and_time(when)}."),
            para(text),
            para(
                "Questions about the decision go to the BDSCP Business Unit.",
                is_subtle=True,
            ),
        ],
        fallback_text=f"Outcome on {reference}",
    )
