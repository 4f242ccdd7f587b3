"""The hardened edge as people meet it in the local Teams client: a group chat, a file, the
bot removed from the team and added back."""

from __future__ import annotations

import pytest

from tests.cardcheck import assert_valid_card
from tests.e2e.harness import LocalTeams, card_text

pytestmark = pytest.mark.e2e


async def test_refer_in_the_group_chat_collects_nothing_there(teams: LocalTeams) -> None:
    personal = await teams.personal_chat("practitioner")
    before = teams.count(personal)
    await teams.send("refer", where="group")
    reply = await teams.wait_for_message(
        lambda m: "group chat" in m.text, conversation_id=teams.group_chat_id
    )
    assert "1:1 chat" in reply.text
    assert all(m.card is None for m in teams.bot_messages(teams.group_chat_id))
    assert teams.count(personal) == before  # no referral started anywhere


async def test_a_file_sent_to_the_bot_gets_one_clear_line(teams: LocalTeams) -> None:
    chat = await teams.personal_chat("practitioner")
    await teams.event(
        {
            "type": "message",
            "text": "",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.teams.file.download.info",
                    "contentUrl": "https://contoso.sharepoint.com/personal/p/chronology.docx",
                    "name": "chronology.docx",
                    "content": {"downloadUrl": "https://download.link", "fileType": "docx"},
                }
            ],
        }
    )
    reply = await teams.wait_for_message(lambda m: "files" in m.text, conversation_id=chat)
    assert "can't take files" in reply.text and "refer" in reply.text


async def test_the_business_unit_is_told_when_the_bot_is_removed_from_the_team(
    teams: LocalTeams,
) -> None:
    bu_chat = await teams.personal_chat("business_unit")
    await teams.send("help", persona="business_unit")  # Bea has talked to the bot
    await teams.wait_for_message(lambda m: m.card is not None, conversation_id=bu_chat)
    await teams.send("help", where="channel")
    await teams.wait_for_message(lambda m: m.card is not None, conversation_id=teams.channel_id)

    bot = teams.config["bot"]
    await teams.event(
        {
            "type": "conversationUpdate",
            "membersRemoved": [{"id": bot["id"]}],
            "channelData": {"eventType": "teamMemberRemoved"},
        },
        persona="business_unit",
        where="channel",
    )
    note = await teams.wait_for_message(
        lambda m: m.card is not None and "case review channel" in card_text(m.card),
        conversation_id=bu_chat,
    )
    assert note.card is not None
    assert_valid_card(note.card)
    text = card_text(note.card)
    assert "I was removed from the team" in text
    assert "add the Case Review Bot to the team again" in text

    # Added back: the channel works again.
    channel_posts = teams.count(teams.channel_id)
    await teams.install_in_team()
    await teams.send("help", where="channel")
    await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=teams.channel_id, after=channel_posts
    )
