"""The help card: what the bot can do, in plain words."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cards.common import esc, execute, facts, heading, para, render

HELP_MORE = "help.more"
HELP_LESS = "help.less"

# (usage, help text) pairs; a tuple so results can be cached.
CommandLines = Sequence[tuple[str, str]]


@lru_cache(maxsize=16)
def help_card(commands: tuple[tuple[str, str], ...], detailed: bool = False) -> dict[str, Any]:
    items: list[Any] = [
        *heading(
            "Case Review Bot",
            subtle="Serious incident referrals, rapid reviews and case reviews for the BDSCP.",
        ),
        para("Type one of these in this chat (in a channel, @mention me first):"),
        facts((esc(usage), esc(text)) for usage, text in commands),
    ]
    if detailed:
        items += [
            para("**How your information is handled**", spacing="Medium"),
            para(
                "Details about a child or family are only ever shown here, in 1:1 chat, to "
                "people whose role allows it. Channel posts carry the case reference, stage "
                "and dates only. Every view and change is recorded."
            ),
            para(
                "If something goes wrong, I give you a short reference: pass it to the BDSCP "
                "Business Unit. Nothing you have typed is lost."
            ),
        ]
        action = execute("Show less", HELP_LESS)
    else:
        action = execute("More about this bot", HELP_MORE)
    return render(items, [action], fallback_text="Case Review Bot help")


def didnt_understand_text(suggestions: Sequence[str]) -> str:
    """Nothing typed is repeated back, in a channel or 1:1: it could be a child's name, and an
    error reply is no place for it."""
    shown = "that"
    tail = "Type **help** to see everything I can do."
    if suggestions:
        options = " or ".join(f"**{esc(s)}**" for s in suggestions)
        return f"Sorry, I didn't understand {shown}. Did you mean {options}? {tail}"
    return f"Sorry, I didn't understand {shown}. {tail}"
