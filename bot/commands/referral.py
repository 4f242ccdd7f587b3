"""refer: a practitioner reports a serious incident. The wizard itself is dialogs/referral.py."""

from __future__ import annotations

import logging

from botbuilder.core import MessageFactory, TurnContext

from bot.actions import ActionResult
from bot.adapter import card_attachment
from bot.commands import ACTIONS, COMMANDS
from bot.turn import Turn
from cards import referral as cards

log = logging.getLogger(__name__)

VERBS = (
    cards.NEXT,
    cards.BACK,
    cards.ADD_ROW,
    cards.REMOVE_ROW,
    cards.EDIT,
    cards.SUBMIT,
    cards.CANCEL_CONFIRM,
    cards.RESUME,
    cards.DISCARD,
    cards.START_NEW,
)
IN_CHANNEL = (
    "I've opened a private chat with you to take the referral: nothing about the child is "
    "collected here in the channel."
)
NOT_HERE = (
    "Referrals are taken in a private 1:1 chat with me, never here. Open a chat with me and "
    "type **refer**."
)


@COMMANDS.command("refer", aliases=("new referral", "referral"), usage="refer")
async def refer(turn: Turn) -> None:
    """Report a serious incident: start a referral (in a private chat)."""
    if not turn.user_aad_id:
        await turn.say(
            "I can't tell who you are, so I can't start a referral. Try again from Teams."
        )
        return
    wizard = turn.services.referrals
    person = turn.person()
    if turn.is_personal:
        await turn.send_card(await wizard.start(person), summary="New referral")
        return
    # In a channel or group chat: collect nothing here; start in the person's 1:1 chat.
    activity = turn.activity
    try:
        card = await wizard.start(person)

        async def begin(tc: TurnContext) -> None:
            message = MessageFactory.attachment(card_attachment(card))
            message.summary = "New referral"
            await tc.send_activity(message)

        await turn.services.dispatcher.open_chat(
            teams_user_id=activity.from_property.id,
            aad_id=turn.user_aad_id,
            bot=activity.recipient,
            service_url=activity.service_url,
            work=begin,
        )
    except Exception:
        log.exception("could not open a 1:1 chat for a referral")
        await turn.say(NOT_HERE)
        return
    await turn.say(IN_CHANNEL)


async def wizard_action(turn: Turn) -> ActionResult:
    """Every button on a referral card. The wizard checks the draft's owner and state."""
    if not turn.is_personal:
        return ActionResult(message=NOT_HERE)
    card = await turn.services.referrals.handle(turn.verb, turn.data, turn.person())
    if turn.verb == cards.SUBMIT:
        turn.services.dispatcher.kick()  # the business unit, the chair and the channel
    return ActionResult(card=card)


for _verb in VERBS:
    ACTIONS.verb(_verb)(wizard_action)
