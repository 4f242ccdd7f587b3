"""Cards that hand over a file: a one-use link, for the person who asked, for a few minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adaptive_cards import card as ac

from cards.common import day_and_time, heading, para, render


def link_card(
    *, title: str, what: str, button: str, url: str, until: datetime, note: str = ""
) -> dict[str, Any]:
    """``what`` says what the file is; ``button`` names it for the button ("Download the rapid
    review pack for BR-2026-0001"); ``until`` is local time."""
    items = [
        *heading(title),
        para(what),
        para(
            f"The link is for you alone and works once, until {day_and_time(until)}. Opening "
            "it asks you to sign in. Nothing of the file is kept: type the command again for a "
            "fresh copy.",
            is_subtle=True,
        ),
    ]
    if note:
        items.append(para(note, is_subtle=True))
    return render([*items], [ac.ActionOpenUrl(title=button, url=url)], fallback_text=title)
