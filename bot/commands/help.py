"""help: what the bot can do."""

from __future__ import annotations

from bot.actions import ActionResult
from bot.routes import command, verb
from bot.turn import Turn
from cards.help import HELP_LESS, HELP_MORE, help_card


async def _lines(turn: Turn) -> tuple[tuple[str, str], ...]:
    """What this person may run here, with an example of each."""
    commands = turn.services.commands.for_person(await turn.roles(), turn.is_personal)
    return tuple((c.usage, c.help) for c in commands)


@command("help", aliases=("?", "menu"), menu=True)
async def help_command(turn: Turn) -> None:
    """Show what I can do."""
    await turn.send_card(help_card(await _lines(turn)), summary="What I can do")


@verb(HELP_MORE)
async def help_more(turn: Turn) -> ActionResult:
    return ActionResult(card=help_card(await _lines(turn), detailed=True))


@verb(HELP_LESS)
async def help_less(turn: Turn) -> ActionResult:
    return ActionResult(card=help_card(await _lines(turn)))
