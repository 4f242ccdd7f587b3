"""Commands and card actions are declared beside their handlers by decorators that only mark
the function (``@command("status", ...)``, ``@verb("chair.recommend")``, ``@refresh(...)``);
``bot.commands.load_commands()`` builds fresh registries from the marks, once per app. No
registry is a module global, and importing a module changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from bot.actions import ActionRegistry
from bot.commands.registry import BOTH, CHANNEL, PERSONAL, CommandRegistry
from workflow import authorisation

F = TypeVar("F", bound=Callable[..., Any])
# Adds a marked handler to the registries.
Route = Callable[[CommandRegistry, ActionRegistry, Any], object]
_MARKS = "_case_review_routes"


def _mark(route: Route) -> Callable[[F], F]:
    def decorate(handler: F) -> F:
        handler.__dict__.setdefault(_MARKS, []).append(route)
        return handler

    return decorate


def routes_of(value: object) -> list[Route]:
    return list(getattr(value, _MARKS, ()))


def command(
    name: str,
    *,
    usage: str = "",
    aliases: Iterable[str] = (),
    hidden: bool = False,
    menu: bool = False,
) -> Callable[[F], F]:
    """A command word (see ``CommandRegistry.command`` for what each argument means). Who
    may run it and where come from its row of the authorisation matrix
    (workflow/authorisation.py); a command without a row fails here, at import."""
    rule = authorisation.COMMANDS[name]
    aliases, who = tuple(aliases), rule.who
    where = (
        PERSONAL
        if rule.where == authorisation.ONE_TO_ONE
        else CHANNEL
        if PERSONAL not in rule.where
        else BOTH
    )
    return _mark(
        lambda commands, _actions, handler: commands.command(
            name, usage=usage, aliases=aliases, hidden=hidden, who=who, where=where, menu=menu
        )(handler)
    )


def verb(name: str) -> Callable[[F], F]:
    """A card button's verb."""
    return _mark(lambda _commands, actions, handler: actions.verb(name)(handler))


def refresh(name: str) -> Callable[[F], F]:
    """The answer to automatic refreshes of cards whose refresh verb is ``name``."""
    return _mark(lambda _commands, actions, handler: actions.refresh(name)(handler))
