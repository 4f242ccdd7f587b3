"""The command and card-action registries, built by ``load_commands()`` from the command
modules' marked handlers (bot/routes.py) and the forms table (dialogs/forms.py).

Each command family is one module of this package; the order here is the order ``help``
lists them in.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import ActionRegistry
from bot.commands import (
    actions,
    cases,
    decisions,
    help,
    igt,
    pack,
    publication,
    referral,
    status,
)
from bot.commands.registry import CommandRegistry
from bot.forms import register_form
from bot.routes import routes_of
from dialogs.forms import FORMS, Form

MODULES = (actions, cases, decisions, help, igt, publication, pack, referral, status)


def load_commands(forms: Sequence[Form] = FORMS) -> tuple[CommandRegistry, ActionRegistry]:
    """Fresh registries: every marked handler of the command modules, and every button of
    every form in ``forms``."""
    commands, card_actions = CommandRegistry(), ActionRegistry()
    for module in MODULES:
        for value in vars(module).values():
            if getattr(value, "__module__", None) != module.__name__:
                continue  # imported from elsewhere: registered by its own module
            for route in routes_of(value):
                route(commands, card_actions, value)
    for form in forms:
        register_form(card_actions, form.spec)
    return commands, card_actions
