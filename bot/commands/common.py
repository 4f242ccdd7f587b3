"""What the case commands and buttons share: the case a command or card names, a button
run as one flow in one transaction (the presser's roles from the server), and the 1:1-only
case commands' checks."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.actions import ActionResult
from bot.turn import Turn
from flows.forms import Refused
from storage.db import transaction
from workflow.roles import Role


class Answered(Protocol):
    """What a button's flow gives back (``flows.common.Answer``)."""

    @property
    def card(self) -> dict[str, Any] | None: ...

    @property
    def message(self) -> str: ...


BU = frozenset({Role.BUSINESS_UNIT})
REFERENCE = re.compile(r"^BR-\d{4}-\d{4,6}$", re.IGNORECASE)  # a busy year passes 9999


def reference_of(text: object) -> str:
    reference = str(text or "").strip().upper()
    return reference if REFERENCE.match(reference) else ""


async def press(
    turn: Turn,
    step: Callable[..., Awaitable[Answered | None]],
    *,
    only_in_1_to_1: str = "",
    **inputs: object,
) -> ActionResult:
    """A decision button: the case it names, the flow run in one transaction with who pressed
    it (their roles from the server, never the card), its card or message back."""
    if only_in_1_to_1 and not turn.is_personal:
        return ActionResult(message=only_in_1_to_1)
    reference = reference_of(turn.data.get("case"))
    if not reference:
        return ActionResult(message="That card doesn't name a case.")
    services = turn.services
    try:
        async with transaction(services.sessions) as session:
            answer = await step(
                session,
                services.cases,
                reference=reference,
                actor=turn.user_aad_id,
                roles=await turn.roles(),
                now=turn.now,
                **inputs,
            )
    except Refused as refused:
        return ActionResult(message=str(refused))
    if answer is None:
        return ActionResult(message=f"I can't find a case {reference}.")
    return ActionResult(card=answer.card, message=answer.message or None)


async def case_asked(
    turn: Turn,
    command: str,
    where: str,
    *,
    allowed: frozenset[str] = frozenset(),
    refused: str = "",
) -> str:
    """The case a 1:1 command names, or "" once the asker has been told why not: not in a
    1:1 chat (``where``: "Notifications are recorded"), no reference, or (``allowed``) none of
    the roles that may."""
    if not turn.is_personal:
        await turn.say(f"{where} in a 1:1 chat with me, never here.")
        return ""
    words = turn.args.split()
    reference = reference_of(words[0]) if words else ""
    if not reference:
        await turn.say(
            f"Type **{command}** and the case reference, for example **{command} BR-2026-0007**."
        )
        return ""
    if allowed and not allowed & await turn.roles():
        await turn.say(refused)
        return ""
    return reference


def text_of(turn: Turn, key: str, limit: int = 4000) -> str:
    return str(turn.data.get(key) or "")[:limit]
