"""Teams-shaped activities through the HTTP endpoint: the shapes come from Microsoft's Teams
documentation (conversation events, installation updates, reactions, files, meeting chats,
Universal Actions refresh), with this test tenant's ids. The bot answers through a fake Bot
Connector, as in Teams."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.actions import ActionResult
from bot.app import SERVICES, create_app
from bot.commands.loader import load_commands
from bot.turn import Turn
from storage import outbox
from storage.db import transaction
from storage.models import AuditEvent, ConversationRef, FormDraft, OutboxMessage, Person
from tests.activities import BUSINESS_UNIT, message
from tests.conftest import local_settings
from tests.fakes import FakeConnector
from tests.http.test_recorded_activities import recorded
from tests.http.test_referral import Bot
from workflow.authorisation import ONE_TO_ONE, Rule

CHANNEL = "19:caseReview0a1b2c3d@thread.tacv2"
TEAM = "19:team9f8e7d6c@thread.tacv2"
LOST_NOTE = "I can't post in the case review channel"


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(local_settings(tmp_path, case_review_channel_id=CHANNEL))


async def post(client: Any, activity: dict[str, Any]) -> Any:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 200, await response.text()
    return response


async def settle(app: Any) -> None:
    """Let the outbox send whatever is due."""
    dispatcher = app[SERVICES].dispatcher
    await dispatcher.wait_idle()
    await dispatcher.flush()


async def installed(app: Any, client: Any, connector: FakeConnector) -> None:
    """The bot in the team (roster learned), the case review channel seen, and the Business
    Unit's 1:1 chat known."""
    await post(client, recorded("conversation_update_team_install.json", connector.url))
    await post(client, recorded("message_channel_mention.json", connector.url))
    await post(
        client,
        message("help", user=BUSINESS_UNIT, service_url=connector.url, expect_replies=False),
    )
    await settle(app)
    connector.sent.clear()


async def queue_case_card(app: Any) -> None:
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        await outbox.enqueue(
            session=session,
            cipher=services.cipher,
            now=services.clock(),
            card={"type": "AdaptiveCard", "version": "1.5", "body": []},
            summary="Case BR-2026-0001",
            channel_id=CHANNEL,
            card_key="case:BR-2026-0001",
        )
    services.dispatcher.kick()


async def statuses(app: Any) -> list[tuple[str, str, int]]:
    async with app[SERVICES].sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.target, r.status, r.attempts) for r in rows]


async def audit_actions(app: Any) -> list[str]:
    async with app[SERVICES].sessions() as session:
        return list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def notes_to_business_unit(connector: FakeConnector) -> list[Any]:
    return [
        s
        for s in connector.to(f"a:1on1-{BUSINESS_UNIT['id']}")
        + connector.to(f"a:personal-{BUSINESS_UNIT['id']}")
        if LOST_NOTE in json.dumps(s.activity)
    ]


@pytest.mark.parametrize(
    ("lost", "back", "action"),
    [
        ("conversation_update_bot_removed.json", "conversation_update_team_install.json",
         "teams.bot_removed"),
        ("installation_update_remove.json", "conversation_update_team_install.json",
         "teams.uninstalled"),
        ("conversation_update_teamArchived.json", "conversation_update_teamUnarchived.json",
         "teams.team_archived"),
        ("conversation_update_channel_deleted.json", None, "teams.channel_deleted"),
    ],
)  # fmt: skip
async def test_losing_the_channel_holds_its_messages_and_tells_the_business_unit(
    app: Any,
    serve: Any,
    connector: FakeConnector,
    lost: str,
    back: str | None,
    action: str,
) -> None:
    client = await serve(app)
    await installed(app, client, connector)

    await post(client, recorded(lost, connector.url))
    await settle(app)
    assert action in await audit_actions(app)
    async with app[SERVICES].sessions() as session:
        channel = await session.scalar(
            select(ConversationRef).where(ConversationRef.channel_id == CHANNEL)
        )
    assert channel is not None and not channel.reachable
    (note,) = notes_to_business_unit(connector)
    note_text = json.dumps(note.activity)
    assert "being kept, not sent" in note_text or "will be kept, not sent" in note_text

    # A case card queued now is held: not sent, no attempts spent, nothing posted.
    connector.sent.clear()
    await queue_case_card(app)
    await settle(app)
    await settle(app)
    assert connector.to(CHANNEL) == [] and connector.to(TEAM) == []
    assert ("channel", "held", 0) in await statuses(app)

    if back is None:
        return
    await post(client, recorded(back, connector.url))
    await settle(app)
    assert [s for s in await statuses(app) if s[0] == "channel"] == [("channel", "sent", 0)]
    assert len(connector.to(CHANNEL)) == 1


async def test_a_reaction_in_an_archived_team_never_revives_it(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(app)
    await installed(app, client, connector)
    await post(client, recorded("conversation_update_teamArchived.json", connector.url))
    await post(client, recorded("message_reaction_nameless.json", connector.url))
    await queue_case_card(app)
    await settle(app)
    assert connector.to(CHANNEL) == []
    assert ("channel", "held", 0) in await statuses(app)


async def test_when_nobody_can_be_told_the_log_says_so(
    app: Any, serve: Any, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve(app)
    await post(client, recorded("conversation_update_team_install.json", connector.url))
    await post(client, recorded("message_channel_mention.json", connector.url))
    await settle(app)
    await post(client, recorded("conversation_update_bot_removed.json", connector.url))
    assert "nobody in the Business Unit or admins can be told" in caplog.text
    assert notes_to_business_unit(connector) == []


async def test_a_post_refused_by_teams_counts_as_removal(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    """Removed without the event reaching us: Teams answers 403 to the post."""
    client = await serve(app)
    await installed(app, client, connector)
    connector.fail_next = [403]
    await queue_case_card(app)
    await settle(app)
    await settle(app)
    assert "teams.post_refused" in await audit_actions(app)
    assert ("channel", "held", 0) in await statuses(app)
    assert len(notes_to_business_unit(connector)) == 1


async def test_a_nameless_reaction_keeps_the_persons_name(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(app)
    await post(
        client,
        message("help", user=BUSINESS_UNIT, service_url=connector.url, expect_replies=False),
    )
    await post(client, recorded("message_reaction_nameless.json", connector.url))
    await post(client, recorded("installation_update_remove.json", connector.url))
    async with app[SERVICES].sessions() as session:
        person = await session.get(Person, BUSINESS_UNIT["aadObjectId"])
        nameless = await session.scalar(
            select(func.count()).select_from(Person).where(Person.name == "")
        )
    assert person is not None and person.name == "Bea Umar"
    assert nameless == 0


async def test_a_group_chat_without_a_type_is_not_a_private_chat(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    """A meeting chat: isGroup, no conversationType. `@bot refer` there collects nothing."""
    client = await serve(app)
    activity = recorded("message_meeting_chat.json", connector.url)
    await post(client, activity)
    (reply,) = connector.sent
    text = reply.activity.get("text", "")
    assert "1:1 chat" in text and "group chat" in text
    assert not reply.activity.get("attachments")  # no referral card, no Resume/Discard
    async with app[SERVICES].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FormDraft)) == 0
        kinds = list(await session.scalars(select(ConversationRef.kind)))
    assert kinds == ["groupChat"]


async def test_a_group_chat_welcome_promises_no_reminders(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(app)
    install = recorded("message_meeting_chat.json", connector.url)
    install.update(type="conversationUpdate", membersAdded=[dict(install["recipient"])])
    install.pop("text")
    await post(client, install)
    (welcome,) = connector.sent
    assert "reminders" not in welcome.activity["text"]
    assert "1:1 chat" in welcome.activity["text"]


async def test_the_tenant_is_read_from_the_conversation_too(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(app)
    only_conversation = recorded("message_tenant_in_conversation_only.json", connector.url)
    assert (await client.post("/api/messages", json=only_conversation)).status == 200
    assert len(connector.sent) == 1

    disagreeing = recorded("message_personal.json", connector.url)
    disagreeing["conversation"]["tenantId"] = "11111111-2222-3333-4444-555555555555"
    assert (await client.post("/api/messages", json=disagreeing)).status == 403

    other_tenant = recorded("message_tenant_in_conversation_only.json", connector.url)
    other_tenant["conversation"]["tenantId"] = "11111111-2222-3333-4444-555555555555"
    assert (await client.post("/api/messages", json=other_tenant)).status == 403

    neither = recorded("message_tenant_in_conversation_only.json", connector.url)
    del neither["conversation"]["tenantId"]
    assert (await client.post("/api/messages", json=neither)).status == 403
    assert len(connector.sent) == 1


async def test_a_file_without_text_gets_one_line_and_is_not_kept(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(app)
    await post(client, recorded("message_file_personal.json", connector.url))
    (reply,) = connector.sent
    assert "can't take files" in reply.activity["text"]
    assert "**refer**" in reply.activity["text"]
    async with app[SERVICES].sessions() as session:
        stored = " ".join(
            json.dumps(row.details) for row in await session.scalars(select(AuditEvent))
        )
    assert "chronology" not in stored and "download.link" not in stored


async def test_an_automatic_refresh_is_never_taken_for_a_press(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    _, actions = load_commands()
    presses: list[str] = []

    @actions.verb("test.status", rule=Rule(None, ONE_TO_ONE))
    async def press(turn: Turn) -> ActionResult:
        presses.append(turn.user_name)
        return ActionResult(message="pressed")

    @actions.refresh("test.status", rule=Rule(None, ONE_TO_ONE))
    async def refresh(turn: Turn) -> ActionResult:
        roles = sorted(await turn.roles())
        text = f"Current view for {turn.user_name}: {roles}"
        body = [{"type": "TextBlock", "text": text}]
        return ActionResult(card={"type": "AdaptiveCard", "version": "1.5", "body": body})

    app = create_app(local_settings(tmp_path), actions=actions)
    client = await serve(app)

    stale = recorded("invoke_refresh_automatic.json", connector.url)  # a verb with no refresh
    body = await (await client.post("/api/messages", json=stale)).json()
    assert "no longer available" not in json.dumps(body)
    assert body["statusCode"] == 200

    current = recorded("invoke_refresh_automatic.json", connector.url)
    current["value"]["action"]["verb"] = "test.status"
    body = await (await client.post("/api/messages", json=current)).json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Current view for Priya Shah: ['practitioner']" in json.dumps(body["value"])
    assert presses == []  # the press handler never ran

    pressed = recorded("invoke_action_execute.json", connector.url)
    pressed["value"]["action"]["verb"] = "test.status"
    body = await (await client.post("/api/messages", json=pressed)).json()
    assert body["value"] == "pressed" and presses == ["Priya Shah"]


async def test_a_failed_welcome_is_tried_again(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(app)
    install = recorded("conversation_update_team_install.json", connector.url)
    connector.fail_next = [502]
    await post(client, install)
    assert connector.to(TEAM) == []
    await post(client, install)
    await post(client, install)
    welcomes = connector.to(TEAM)
    assert len(welcomes) == 1 and "I'll post case updates" in welcomes[0].activity["text"]
    # No "something went wrong" was posted in the channel about the failed welcome.
    assert all("went wrong" not in s.activity.get("text", "") for s in connector.sent)


async def test_a_submit_whose_card_cannot_be_updated_is_shown_anew(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    """Action.Submit: the action ran (and committed); the card update then fails. The user
    gets the result as a new message, never "something went wrong, try again"."""
    client = await serve(app)
    submit = recorded("message_personal.json", connector.url)
    submit.pop("text")
    submit["attachments"] = []
    submit["replyToId"] = "1764151263000"
    submit["value"] = {"verb": "help.more"}
    connector.fail_updates = [404]  # the card was deleted meanwhile
    await post(client, submit)
    (shown,) = connector.sent
    assert not shown.updated
    assert "How your information is handled" in json.dumps(shown.activity)
    assert "went wrong" not in json.dumps(shown.activity)


async def test_a_slow_profile_lookup_never_holds_up_refer(
    app: Any, serve: Any, connector: FakeConnector
) -> None:
    """Teams' member lookup does not answer: the form comes at once, without the email; when
    the answer arrives, the next step fills it in."""

    client = await serve(app)
    connector.member_gate = asyncio.Event()
    bot = Bot(client, connector.url)
    (reply,) = await asyncio.wait_for(bot.say("refer"), 5)
    card = reply["attachments"][0]["content"]
    assert "What happened to the child" in json.dumps(card) or "criteria" in json.dumps(card)
    connector.member_gate.set()
    for _ in range(50):  # the lookup, now answered, finishes in the background
        if app[SERVICES].profiles.known("00000000-0000-4000-8000-000000000101"):
            break
        await asyncio.sleep(0.02)
    card = await bot.press(card, "Next", must_notify="life_threatening_injury")
    assert "priya.shah@example.org" in json.dumps(card)


async def test_a_personal_chat_that_refuses_the_bot_is_opened_anew(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    """Teams answers 403 in a 1:1 chat (the person uninstalled the app): the next try opens
    the chat again through the team instead of failing the same way until it gives up."""
    from datetime import timedelta

    from tests.conftest import FixedClock

    clock = FixedClock()
    app = create_app(local_settings(tmp_path, case_review_channel_id=CHANNEL), clock=clock)
    client = await serve(app)
    await installed(app, client, connector)
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        await outbox.enqueue(
            session=session,
            cipher=services.cipher,
            now=clock(),
            card={"type": "AdaptiveCard", "version": "1.5", "body": []},
            summary="For the Business Unit",
            recipient_aad_id=BUSINESS_UNIT["aadObjectId"],
        )
    connector.fail_next = [403]
    await settle(app)
    assert await statuses(app) == [("person", "pending", 1)]
    clock.current += timedelta(minutes=10)
    await settle(app)
    assert await statuses(app) == [("person", "sent", 1)]
    (sent,) = connector.sent
    assert sent.conversation_id == f"a:1on1-{BUSINESS_UNIT['id']}"  # opened through the team
