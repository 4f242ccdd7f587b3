"""Notices about the bot itself, for the Business Unit and the bot's administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cards.common import day_and_time, heading, para, render


def channel_lost_card(*, what: str, when: datetime, held: int) -> dict[str, Any]:
    """The bot can no longer post in the case review channel. ``what`` says why, in words
    ("I was removed from the team"); ``when`` is local time."""
    kept = (
        f"{held} message{'s' if held != 1 else ''} for the channel "
        f"{'are' if held != 1 else 'is'} being kept, not sent."
        if held
        else "Anything new for the channel will be kept, not sent."
    )
    items = [
        *heading("I can't post in the case review channel"),
        para(f"{what} on {day_and_time(when)}."),
        para(
            f"{kept} They will wait until I'm back: add the Case Review Bot to the team again "
            "(or restore the team or the channel), and I'll post them then."
        ),
        para("Nothing has been lost, and 1:1 chats with me still work.", is_subtle=True),
    ]
    return render(items, fallback_text="I can't post in the case review channel")
