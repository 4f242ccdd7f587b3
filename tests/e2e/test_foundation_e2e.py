"""The foundation as a user meets it, through the local Teams client."""

from __future__ import annotations

import pytest

from tests.cardcheck import assert_valid_card
from tests.e2e.harness import LocalTeams, card_text

pytestmark = pytest.mark.e2e


async def test_help_in_the_personal_chat_and_the_more_button(teams: LocalTeams) -> None:
    chat = await teams.personal_chat("practitioner")
    await teams.send("help")
    message = await teams.wait_for_message(lambda m: m.card is not None, conversation_id=chat)
    assert message.card is not None
    assert_valid_card(message.card)
    assert "help" in card_text(message.card)

    answer = await teams.press(message, "More about this bot")
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert "How your information is handled" in card_text(answer["value"])


async def test_unknown_word_and_other_personas_and_the_channel(teams: LocalTeams) -> None:
    await teams.send("stauts")
    reply = await teams.wait_for_message(lambda m: "didn't understand" in m.text)
    assert "Did you mean **status**" in reply.text

    chair_chat = await teams.personal_chat("chair")
    await teams.send("help", persona="chair")
    chair_reply = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chair_chat
    )
    assert chair_reply.recipient_id == teams.user("chair")["id"]

    await teams.send("help", where="channel")
    in_channel = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=teams.channel_id
    )
    assert "Case Review Bot" in card_text(in_channel.card)


async def test_the_bot_answers_after_a_restart(teams: LocalTeams) -> None:
    chat = await teams.personal_chat("practitioner")
    await teams.send("help")
    await teams.wait_for_message(lambda m: m.card is not None, conversation_id=chat)
    before = teams.count(chat)
    await teams.restart_bot()
    await teams.send("hepl")
    reply = await teams.wait_for_message(
        lambda m: "Did you mean **help**" in m.text, conversation_id=chat, after=before
    )
    assert reply.text


async def test_an_action_submit_updates_the_card_in_place(teams: LocalTeams) -> None:
    chat = await teams.personal_chat("practitioner")
    await teams.send("help")
    message = await teams.wait_for_message(lambda m: m.card is not None, conversation_id=chat)
    # Older clients and some cards use Action.Submit: a message whose value names the verb.
    await teams.submit(message, {"verb": "help.more"})
    updated = await teams.wait_for_message(
        lambda m: m.updated and m.message_id == message.message_id, conversation_id=chat
    )
    assert "How your information is handled" in card_text(updated.card)
