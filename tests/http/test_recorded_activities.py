"""Activity JSON as Teams sends it (tests/fixtures/teams/), posted to the real endpoint; the
bot answers through a fake Bot Connector, as it does in Teams (no expectReplies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import ADAPTER, SERVICES, create_app
from storage.models import ConversationRef, Person
from tests.cardcheck import assert_valid_card, card_text
from tests.fakes import FakeConnector

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "teams"


def recorded(name: str, service_url: str) -> dict[str, Any]:
    text = (FIXTURES / name).read_text().replace("{service_url}", service_url)
    return dict(json.loads(text))


async def test_recorded_personal_message_is_answered_through_the_connector(
    serve: Any, settings: Any, connector: FakeConnector
) -> None:
    client = await serve(create_app(settings))
    response = await client.post(
        "/api/messages", json=recorded("message_personal.json", connector.url)
    )
    assert response.status == 200
    (sent,) = connector.to("a:1XyZpersonalPriyaShahConversation")
    card = sent.activity["attachments"][0]["content"]
    assert_valid_card(card)
    assert "Case Review Bot" in card_text(card)
    assert sent.activity["replyToId"] == "1764151262123"


async def test_recorded_channel_mention_replies_in_the_thread(
    serve: Any, settings: Any, connector: FakeConnector
) -> None:
    client = await serve(create_app(settings))
    response = await client.post(
        "/api/messages", json=recorded("message_channel_mention.json", connector.url)
    )
    assert response.status == 200
    (sent,) = connector.to("19:caseReview0a1b2c3d@thread.tacv2;messageid=1764151500000")
    assert "Case Review Bot" in card_text(sent.activity["attachments"][0]["content"])


async def test_recorded_action_execute_answers_with_the_replacement_card(
    serve: Any, settings: Any, connector: FakeConnector
) -> None:
    client = await serve(create_app(settings))
    response = await client.post(
        "/api/messages", json=recorded("invoke_action_execute.json", connector.url)
    )
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "How your information is handled" in card_text(body["value"])
    assert connector.sent == []  # the answer is the HTTP response, nothing else is sent


async def test_recorded_team_install_saves_the_team_and_learns_its_members(
    serve: Any, settings: Any, connector: FakeConnector
) -> None:
    app = create_app(settings)
    client = await serve(app)
    response = await client.post(
        "/api/messages", json=recorded("conversation_update_team_install.json", connector.url)
    )
    assert response.status == 200
    (welcome,) = connector.to("19:team9f8e7d6c@thread.tacv2")
    assert "I'll post case updates" in welcome.activity["text"]
    services = app[SERVICES]
    await services.dispatcher.wait_idle()
    async with services.sessions() as session:
        team = await session.scalar(select(ConversationRef))
        people = list(await session.scalars(select(Person).order_by(Person.name)))
    assert team is not None and team.team_id == "19:team9f8e7d6c@thread.tacv2"
    assert "Bea Umar" in [p.name for p in people]


async def test_connector_and_token_clients_are_built_once_per_service_url(
    serve: Any, settings: Any, connector: FakeConnector
) -> None:
    app = create_app(settings)
    client = await serve(app)
    await client.post("/api/messages", json=recorded("message_personal.json", connector.url))
    auth = app[ADAPTER].auth
    connector_client, token_client = auth._connectors[connector.url], auth._user_token_client
    for _ in range(2):
        await client.post("/api/messages", json=recorded("message_personal.json", connector.url))
    assert len(connector.sent) == 3
    assert list(auth._connectors.values()) == [connector_client]
    assert auth._user_token_client is token_client


async def test_the_welcome_is_said_once_per_conversation(
    serve: Any, settings: Any, connector: FakeConnector
) -> None:
    app = create_app(settings)
    client = await serve(app)
    install = recorded("conversation_update_team_install.json", connector.url)
    for _ in range(3):
        await client.post("/api/messages", json=install)
    await app[SERVICES].dispatcher.wait_idle()
    assert len(connector.to("19:team9f8e7d6c@thread.tacv2")) == 1
