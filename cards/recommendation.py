"""The chair's recommendation card in the case review channel: the scoping views, the
statutory test as they answer it, and the chair's buttons (notify the Panel or not).
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
from cards.decided import (
    LOOKS_MET,
    PART_ANSWERS,
    PART_TITLES,
    VIEW_TITLES,
    Decided,
    ViewLine,
    decided_block,
    for_the_chair,
    rationale_input,
)
from workflow.scoping import (
    TEST_QUESTIONS,
    Assessment,
)

RECOMMENDATIONS = {
    "notify": "Notify the national Panel",
    "do_not_notify": "Do not notify the national Panel",
}


def _views_block(views: Sequence[ViewLine], expected: Sequence[str]) -> list[Any]:
    given = {v.who: v for v in views}
    pairs = []
    for who in [*expected, *(w for w in given if w not in expected)]:
        view = given.get(who)
        pairs.append(
            (
                esc(who),
                f"{VIEW_TITLES.get(view.outcome, view.outcome)} ({day_and_time(view.when)})"
                if view
                else "Not given yet",
            )
        )
    return [para("**Partners' views**", spacing="Medium"), facts(pairs)]


def _assessment_block(assessment: Assessment) -> list[Any]:
    parts = [(PART_TITLES[q], PART_ANSWERS[assessment.parts[q]]) for q in TEST_QUESTIONS]
    return [
        para(
            f"**Does the statutory test look met?** {LOOKS_MET[assessment.looks_met]}",
            spacing="Medium",
        ),
        facts(parts),
    ]


def chair_prompt_card(
    *,
    reference: str,
    stage: str,
    views: Sequence[ViewLine],
    expected: Sequence[str],
    assessment: Assessment,
    due: str,
    decided: Decided | None,
    for_chair: bool,
    chair_ids: Sequence[str],
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """The decision prompt. ``for_chair``: the live view, with the rationale and the two
    buttons (the server checks the role on every press, whatever this card says). Everyone
    else, and everyone once decided, sees the status. Until decided, the card asks Teams to
    refresh it for the chair (``chair_ids``), so the chair sees the buttons."""
    items: list[Any] = [
        *heading(
            f"Recommendation on notification: {reference}",
            # Once made, the card is the recommendation's record: the case card has the stage.
            subtle=None if decided is not None else f"Stage: {esc(stage)}. {esc(due)}",
        ),
        *([attention(esc(error))] if error else []),
        *_views_block(views, expected),
        *_assessment_block(assessment),
    ]
    actions: list[Any] = []
    if decided is not None:
        items += [para("**The chair's recommendation**", spacing="Medium")]
        items += decided_block(decided, "Recommended", reference=reference)
        items.append(
            para(
                "The Local Authority's Strategic Director decides whether to notify.",
                is_subtle=True,
            )
        )
    elif for_chair:
        items.append(
            para(
                "**Your recommendation to the Local Authority.** Give your rationale, then choose.",
                spacing="Medium",
            )
        )
        items += rationale_input(rationale)
        data = {"case": reference}
        actions = [
            execute(
                f"Recommend notification for {reference}",
                "chair.recommend",
                {**data, "outcome": "notify"},
                style=act.ActionStyle.POSITIVE,
            ),
            execute(
                f"Recommend no notification for {reference}",
                "chair.recommend",
                {**data, "outcome": "do_not_notify"},
            ),
        ]
    else:
        items.append(
            para(
                "Waiting for the Case Review Sub-group chair's recommendation. Only the chair "
                "can make it.",
                spacing="Medium",
                is_subtle=True,
            )
        )
    card = render(items, actions, fallback_text=f"Recommendation on notification: {reference}")
    return for_the_chair(card, "chair.prompt", reference, chair_ids if decided is None else ())
