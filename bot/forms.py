"""Every form's card buttons, routed to its wizard: one registration per form kind.

A form's buttons work only in the person's 1:1 chat (nothing personal is collected or shown
anywhere else); the wizard checks the draft's form, owner and state on every press. A submit
may have queued messages: the sender is woken for them.
"""

from __future__ import annotations

from bot.actions import ActionRegistry, ActionResult
from bot.turn import Turn
from cards.forms import verbs
from workflow.forms import FormSpec

NOT_HERE = (
    "Forms are filled in a private 1:1 chat with me, never here. Open a chat with me and "
    "type **{command}**."
)


def register_form(actions: ActionRegistry, spec: FormSpec) -> None:
    """Route every button of ``spec``'s cards to the wizard ``Services.wizards[spec.kind]``."""
    form_verbs = verbs(spec)

    async def press(turn: Turn) -> ActionResult:
        if not turn.is_personal:
            return ActionResult(message=NOT_HERE.format(command=spec.command))
        wizard = turn.services.wizards[spec.kind]
        card = await wizard.handle(turn.verb, turn.data, turn.person())
        if turn.verb == form_verbs.submit:
            turn.services.dispatcher.kick()  # whatever the flow queued
        return ActionResult(card=card)

    for verb in form_verbs.all:
        actions.verb(verb)(press)
