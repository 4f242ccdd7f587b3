"""A local review as cards: its record (stage and dates; with the methodology and involvement
only in 1:1), a delay for the chair to approve or refuse, the chair's answer to the Business
Unit, and the reminder to tell the Panel and the Secretary of State why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import (
    attention,
    clip,
    day,
    day_and_time,
    esc,
    execute,
    facts,
    heading,
    para,
    render,
)


def review_card(
    *,
    reference: str,
    lines: Sequence[tuple[str, str]],
    said: Sequence[tuple[str, str]] = (),
    note: str = "",
) -> dict[str, Any]:
    """The local review's record. ``said``: what was written (1:1 only)."""
    items: list[Any] = [*heading(f"Local review: {reference}")]
    if note:
        items.append(para(esc(note)))
    if lines:
        items.append(facts((esc(what), esc(value)) for what, value in lines))
    else:
        items.append(para(f"{reference} has no local review."))
    for title, text in said:
        items.append(para(f"**{esc(title)}**", spacing="Medium"))
        items.append(para(esc(clip(text, 1000))))
    items.append(
        para(
            f"Record the steps with **commission {reference}**, **delay {reference}**, "
            f"**signed off**, **report sent**, **comms {reference}** and **published**. "
            "Type **help** for each.",
            is_subtle=True,
            spacing="Medium",
        )
    )
    return render(items, fallback_text=f"Local review: {reference}")


@dataclass(frozen=True)
class DelayAnswer:
    approved: bool
    by: str
    when: datetime  # local time
    note: str


def delay_card(
    *,
    reference: str,
    request: int,
    cause: str,
    reason: str,
    new_date: date,
    was: date | None,
    asked_by: str,
    asked_at: datetime,
    answered: DelayAnswer | None,
    for_chair: bool,
    error: str = "",
) -> dict[str, Any]:
    """A publication delay the Business Unit asked for: to the chair (1:1), with buttons until
    answered; then its answer."""
    items: list[Any] = [
        *heading(
            f"Publication delay: {reference}",
            subtle=f"Asked for by {esc(asked_by)} (BDSCP Business Unit), {day_and_time(asked_at)}",
        ),
        facts(
            [
                ("What holds it up", esc(cause)),
                ("Latest publication now", day(was) if was else "Not set"),
                ("New latest date asked for", day(new_date)),
            ]
        ),
        para("**The reason**", spacing="Medium"),
        para(esc(clip(reason, 2000))),
    ]
    actions: list[Any] = []
    if answered is not None:
        verdict = "Approved" if answered.approved else "Refused"
        items.append(
            para(
                f"**{verdict} by {esc(answered.by)}**, {day_and_time(answered.when)}",
                spacing="Medium",
            )
        )
        if answered.note:
            items.append(para(f"The chair's note: {esc(clip(answered.note, 1000))}"))
    elif for_chair:
        if error:
            items.append(attention(esc(error)))
        items.append(
            para(
                "Approving moves the latest publication date; the Business Unit then tells the "
                "Panel and the Secretary of State why.",
                is_subtle=True,
                spacing="Medium",
            )
        )
        items += [
            ac.InputText(
                id="rationale",
                label="Your note (needed to refuse it)",
                is_multiline=True,
                max_length=4000,
            ),
            para(
                "Kept with the decision and sent to the Business Unit. Don't name the child or "
                "family.",
                is_subtle=True,
                size=act.FontSize.SMALL,
            ),
        ]
        data = {"case": reference, "request": request}
        actions = [
            execute(
                f"Approve the delay to {reference}'s publication",
                "delay.approve",
                data,
                style=act.ActionStyle.POSITIVE,
            ),
            execute(f"Refuse the delay to {reference}'s publication", "delay.refuse", data),
        ]
    else:
        items.append(para("Waiting for the Case Review Sub-group chair.", is_subtle=True))
    return render(items, actions, fallback_text=f"Publication delay: {reference}")


def delay_answered_card(
    *, reference: str, approved: bool, new_date: date, chair: str, note: str
) -> dict[str, Any]:
    """To the Business Unit: the chair's answer, and what to do next."""
    if approved:
        items: list[Any] = [
            *heading(f"Delay approved: {reference}"),
            para(
                f"{esc(chair)} approved publication by {day(new_date)}. Tell the Panel and the "
                "Secretary of State the reasons for the delay, then record the day you told "
                f"them: **panel told {reference} YYYY-MM-DD**."
            ),
        ]
    else:
        items = [
            *heading(f"Delay refused: {reference}"),
            para(
                f"{esc(chair)} refused the delay to {day(new_date)}. The deadline stays as it was."
            ),
        ]
    if note:
        items.append(para(f"The chair's note: {esc(clip(note, 1000))}"))
    return render(
        items, fallback_text=f"Delay {'approved' if approved else 'refused'}: {reference}"
    )


def tell_panel_card(*, reference: str, what: str) -> dict[str, Any]:
    """To the Business Unit: the Panel and the Secretary of State must be told why."""
    return render(
        [
            *heading(f"Tell the Panel and the Secretary of State: {reference}"),
            para(
                f"The chair recorded {esc(what)} on {reference}. Set out the reasons for the "
                "Panel and the Secretary of State, then record the day you told them: "
                f"**panel told {reference} YYYY-MM-DD**."
            ),
        ],
        fallback_text=f"Tell the Panel and the Secretary of State: {reference}",
    )
