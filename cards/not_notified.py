"""What next, when the Local Authority does not notify (the case review channel): the
chair's choice of a single agency review, an audit, a learning event, or no further action.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adaptive_cards import types as act

from cards.common import (
    attention,
    esc,
    execute,
    heading,
    para,
    render,
)
from cards.decided import Decided, decided_block, for_the_chair, rationale_input

NEXT_STEPS = {
    "single_agency_review": "A single agency review",
    "audit": "A single or multi-agency audit",
    "learning_event": "A learning event",
    "no_further_action": "No further action: the case closes",
}
NEXT_STEP_BUTTONS = {
    "single_agency_review": "Start a single agency review of {ref}",
    "audit": "Start an audit of {ref}",
    "learning_event": "Hold a learning event on {ref}",
    "no_further_action": "Close {ref} with no further action",
}


def next_step_card(
    *,
    reference: str,
    stage: str,
    la_decision: Decided,
    decided: Decided | None,
    for_chair: bool,
    chair_ids: Sequence[str],
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """After the Local Authority decides not to notify: the case may still have a local
    review of another kind, or close (PROCESS.md, "Not notifiable"). The chair chooses, with
    a rationale; everyone else sees the status."""
    items: list[Any] = [
        *heading(f"What next for {reference}", subtle=f"Stage: {esc(stage)}."),
        *([attention(esc(error))] if error else []),
        para("**The Local Authority's decision**", spacing="Medium"),
        *decided_block(la_decision, "Decision", reference=reference),
    ]
    actions: list[Any] = []
    if decided is not None:
        items.append(para("**The chair's decision on what next**", spacing="Medium"))
        items += decided_block(decided, "Next step", reference=reference)
    elif for_chair:
        items.append(
            para(
                "**Your decision.** The case was not notified, but partners can still learn "
                "from it. Give your rationale, then choose the next step.",
                spacing="Medium",
            )
        )
        items += rationale_input(rationale)
        actions = [
            execute(
                title.format(ref=reference),
                "next.decide",
                {"case": reference, "outcome": key},
                style=act.ActionStyle.POSITIVE if n == 0 else None,
            )
            for n, (key, title) in enumerate(NEXT_STEP_BUTTONS.items())
        ]
    else:
        items.append(
            para(
                "Waiting for the Case Review Sub-group chair to decide what happens next. Only "
                "the chair can decide it.",
                spacing="Medium",
                is_subtle=True,
            )
        )
    card = render(items, actions, fallback_text=f"What next for {reference}")
    return for_the_chair(card, "next.prompt", reference, chair_ids if decided is None else ())
