"""Notifications (1:1, to the Business Unit): who must be told, and the text for the Panel's
online notification.
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
    para,
    render,
)


@dataclass(frozen=True)
class Notice:
    """One recipient on the checklist, and when it was recorded as told (if it was)."""

    key: str
    title: str
    short: str  # as a sentence names it: "the national Panel"
    sent: datetime | None = None  # local time
    reference: str = ""
    by: str = ""


def notifications_card(*, reference: str, due: str, notices: Sequence[Notice]) -> dict[str, Any]:
    """The Business Unit's checklist of who the Local Authority must tell, each marked sent
    with its date, time and reference."""
    items: list[Any] = [
        *heading(
            f"Notifications: {reference}",
            subtle="Who the Local Authority must tell (seed, section 3). Mark each once done.",
        ),
    ]
    if due:
        items.append(attention(f"The statutory deadline: 5 working days from awareness. {due}"))
    for notice in notices:
        if notice.sent is not None:
            detail = f"Told {day_and_time(notice.sent)}" + (
                f", reference {esc(notice.reference)}" if notice.reference else ""
            )
            if notice.by:
                detail += f"; recorded by {esc(notice.by)}"
            items.append(facts([(esc(notice.title), detail)]))
            continue
        items.append(
            ac.Container(
                separator=True,
                spacing=act.Spacing.MEDIUM,
                items=[
                    ac.TextBlock(text=esc(notice.title), weight=act.FontWeight.BOLDER, wrap=True),
                    ac.InputText(
                        id=f"ref_{notice.key}",
                        label=f"The reference {notice.short} gave, if any",
                        max_length=200,
                    ),
                    ac.ActionSet(
                        actions=[
                            execute(
                                f"Mark {notice.short} as told",
                                "notify.mark",
                                {"case": reference, "recipient": notice.key},
                            )
                        ]
                    ),
                ],
            )
        )
    if all(notice.sent is not None for notice in notices):
        items.append(para("Everyone on the list has been told.", spacing="Medium"))
    return render(items, fallback_text=f"Notifications: {reference}")


def panel_text_card(*, reference: str, text: str) -> dict[str, Any]:
    """The text for the Panel's online form, to copy (personal: 1:1 only)."""
    return render(
        [
            *heading(
                f"For the Panel's online form: {reference}",
                subtle="Prepared from the referral. Check it, then copy it into the form.",
            ),
            ac.TextBlock(
                text="Confidential: contains personal details. Don't forward or copy it into a "
                "channel.",
                color=act.Colors.ATTENTION,
                wrap=True,
                size=act.FontSize.SMALL,
            ),
            ac.InputText(
                id="panel_text",
                label="Text for the Panel",
                is_multiline=True,
                value=text,
                max_length=6000,
            ),
        ],
        fallback_text=f"For the Panel's online form: {reference}",
    )
