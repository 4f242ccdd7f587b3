"""Every form's card buttons, routed to its wizard: one registration per form kind.

A form's buttons work only in the person's 1:1 chat (nothing personal is collected or shown
anywhere else); the wizard checks the draft's form, owner and state on every press. What a
submit queues is sent once it commits (storage.db wakes the sender).
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
        return ActionResult(card=await wizard.handle(turn.verb, turn.data, turn.person()))

    for verb in form_verbs.all:
        actions.verb(verb)(press)
