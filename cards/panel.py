"""Day 20 and the Panel's answer (1:1, the Business Unit): the rapid review report sent, and
what the Panel said.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    render,
)

PANEL_STEPS = {
    "report_sent": "The rapid review report sent to the Panel",
    "national_review": "The Panel is taking a national review",
    "more_information": "The Panel asked for more information",
    "more_sent": "More information sent to the Panel",
    "agrees": "The Panel agrees with the local decision",
}


def panel_card(
    *,
    reference: str,
    stage: str,
    review: str,
    history: Sequence[tuple[str, datetime]],
    report_sent: bool,
    error: str = "",
) -> dict[str, Any]:
    items: list[Any] = [
        *heading(f"The Panel: {reference}", subtle=f"Stage: {esc(stage)}."),
        *([attention(esc(error))] if error else []),
    ]
    if review:
        items.append(facts([("The rapid review's decision", esc(review))]))
    if history:
        items.append(facts((esc(what), day_and_time(when)) for what, when in history))
    items.append(
        ac.InputText(
            id="note",
            label="Note: what the Panel said, or what was sent",
            is_multiline=True,
            max_length=2000,
        )
    )
    data = {"case": reference}
    actions = []
    if not report_sent:
        actions.append(
            execute(
                f"Record the report on {reference} sent to the Panel",
                "panel.record",
                {**data, "what": "report_sent"},
                style=act.ActionStyle.POSITIVE,
            )
        )
    else:
        actions += [
            execute(
                f"The Panel agrees with the decision on {reference}",
                "panel.record",
                {**data, "what": "agrees"},
            ),
            execute(
                f"The Panel asks for more on {reference}",
                "panel.record",
                {**data, "what": "more_information"},
            ),
            execute(
                f"More information on {reference} sent",
                "panel.record",
                {**data, "what": "more_sent"},
            ),
            execute(
                f"The Panel takes a national review of {reference}",
                "panel.record",
                {**data, "what": "national_review"},
            ),
        ]
    return render(items, actions, fallback_text=f"The Panel: {reference}")
