"""refer: a practitioner reports a serious incident (the form's row is in dialogs/forms.py)."""

from __future__ import annotations

import logging

from bot.routes import command
from bot.turn import Turn
from workflow.referral import REFERRAL, REFERRAL_FOR
from workflow.roles import Role

log = logging.getLogger(__name__)

IN_CHANNEL = (
    "I've opened a private chat with you to take the referral: nothing about the child is "
    "collected here in the channel."
)
NOT_HERE = (
    "Referrals are taken in a private 1:1 chat with me, never here. Open a chat with me and "
    "type **refer**."
)


@command("refer", aliases=("new referral", "referral"), usage="refer", menu=True)
async def refer(turn: Turn) -> None:
    """Report a serious incident: start a referral (in a private chat)."""
    if not turn.user_aad_id:
        await turn.say(
            "I can't tell who you are, so I can't start a referral. Try again from Teams."
        )
        return
    wizard = turn.services.wizards[REFERRAL.kind]
    person = turn.person()
    if turn.is_personal:
        await turn.send_card(await wizard.start(person), summary="New referral")
        return
    # In a channel or group chat: collect nothing here; start in the person's 1:1 chat.
    try:
        await turn.send_card_privately(await wizard.start(person), "New referral")
    except Exception:
        log.exception("could not open a 1:1 chat for a referral")
        await turn.say(NOT_HERE)
        return
    await turn.say(IN_CHANNEL)


@command("enter referral", usage="enter referral")
async def enter_referral(turn: Turn) -> None:
    """Business Unit: enter a referral that came by email, phone or letter, for the referrer."""
    if not turn.is_personal:
        await turn.say(
            "Referrals are entered in a 1:1 chat with me, never here. Open a chat with me and "
            "type **enter referral**."
        )
        return
    if Role.BUSINESS_UNIT not in await turn.roles():
        await turn.say(
            "Only the BDSCP Business Unit can enter a referral for someone else. To make a "
            "referral of your own, type **refer**."
        )
        return
    wizard = turn.services.wizards[REFERRAL_FOR.kind]
    await turn.send_card(await wizard.start(turn.person()), summary="Referral for someone")
