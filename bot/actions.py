"""Card actions are decorated async functions keyed by verb, like commands.

Both ``Action.Execute`` (invoke ``adaptiveCard/action``) and ``Action.Submit`` (a message
whose ``value`` carries ``verb``) route here. A handler returns an ``ActionResult``: a card
that replaces the pressed card in place, or a short message. Card data is never trusted: each
handler checks the actor's rights on the server.

A card with a ``refresh`` clause is refreshed by Teams as it is shown: an invoke with
``trigger: automatic``. That is never a press: only a handler registered with ``refresh``
answers it, with the card's current view for that user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from workflow import authorisation

ActionHandler = Callable[[Any], Awaitable["ActionResult"]]


@dataclass(frozen=True)
class ActionResult:
    card: dict[str, Any] | None = None
    message: str | None = None
    unchanged: bool = False  # a refresh with nothing newer to show: the card stays as it is

    def invoke_body(self) -> dict[str, Any]:
        if self.unchanged:
            return {
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": "",
            }
        if self.card is not None:
            return {
                "statusCode": 200,
                "type": "application/vnd.microsoft.card.adaptive",
                "value": self.card,
            }
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": self.message or "Done.",
        }


@dataclass
class ActionRegistry:
    _handlers: dict[str, ActionHandler] = field(default_factory=dict)
    _refreshers: dict[str, ActionHandler] = field(default_factory=dict)
    # Rows for verbs made outside the authorisation table (a test's own buttons).
    _rules: dict[str, authorisation.Rule] = field(default_factory=dict)

    def refresh(
        self, name: str, rule: authorisation.Rule | None = None
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Register the answer to automatic refreshes of cards whose refresh verb is
        ``name`` (who gets it: its row of ``authorisation.REFRESHES``, or ``rule``)."""
        if rule is not None:
            self._rules["refresh:" + name] = rule
        return _registrar(self._refreshers, name, "card refresh")

    def refresher(self, name: str) -> ActionHandler | None:
        return self._refreshers.get(name)

    def verb(
        self, name: str, rule: authorisation.Rule | None = None
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Register a button's verb (who may press it, where: its row of the authorisation
        table, or ``rule``)."""
        if rule is not None:
            self._rules[name] = rule
        return _registrar(self._handlers, name, "card action")

    def rule(self, name: str, form_kinds: Any = ()) -> authorisation.Rule | None:
        """Who may press ``name`` and where; None: no row (the button is refused)."""
        return self._rules.get(name) or authorisation.verb_rule(name, form_kinds)

    def refresh_rule(self, name: str) -> authorisation.Rule | None:
        return self._rules.get("refresh:" + name) or authorisation.REFRESHES.get(name)

    def get(self, name: str) -> ActionHandler | None:
        return self._handlers.get(name)

    def copy(self) -> ActionRegistry:
        return ActionRegistry(dict(self._handlers), dict(self._refreshers), dict(self._rules))

    @property
    def verbs(self) -> list[str]:
        return sorted(self._handlers)


def _registrar(
    table: dict[str, ActionHandler], name: str, what: str
) -> Callable[[ActionHandler], ActionHandler]:
    def register(handler: ActionHandler) -> ActionHandler:
        if name in table:
            raise ValueError(f"{what} {name!r} registered twice")
        table[name] = handler
        return handler

    return register
