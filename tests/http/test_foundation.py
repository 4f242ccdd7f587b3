"""The app through its real HTTP endpoint: Teams activity JSON in, answers out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select

from bot.app import SERVICES, create_app
from bot.commands.loader import load_commands
from bot.turn import Turn
from storage.audit import new_audit_key
from storage.crypto import new_key
from storage.models import AuditEvent, ConversationRef, Person
from tests.activities import PRACTITIONER, execute, message
from tests.cardcheck import assert_valid_card, walk
from tests.conftest import card_of, card_text, local_settings, replies
from workflow.authorisation import ONE_TO_ONE, Rule


async def post(client: Any, activity: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return await client.post("/api/messages", json=activity, headers=headers or {})


async def test_help_answers_with_a_card_naming_the_commands(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    response = await post(client, message("help"))
    assert response.status == 200
    sent = replies(await response.json())
    assert len(sent) == 1
    card = card_of(sent[0])
    assert_valid_card(card)
    listed = {
        fact["title"].replace("\\", "") for node in walk(card) for fact in node.get("facts") or []
    }
    # The default user holds no role: what anyone may run in a 1:1 chat, and nothing else.
    for command in load_commands()[0].commands:
        shown = command.who is None and command.where in ("personal", "both")
        assert (command.usage in listed) == shown, command.name
    assert "refer" in listed and not any("correct awareness" in line for line in listed)


async def test_help_lists_what_each_person_may_run_where_they_ask(
    serve: Any, settings: Any
) -> None:
    """The Business Unit sees its commands in 1:1 chat; in the channel, only the channel's."""
    from bot.app import SERVICES
    from storage import people
    from storage.db import transaction
    from tests.activities import BUSINESS_UNIT

    app = create_app(settings)
    client = await serve(app)
    async with transaction(app[SERVICES].sessions) as session:
        await people.grant_role(
            session=session,
            aad_object_id=BUSINESS_UNIT["aadObjectId"],
            role="business_unit",
            granted_by="test",
            now=app[SERVICES].clock(),
        )
    personal = card_text(
        card_of(replies(await (await post(client, message("/help", user=BUSINESS_UNIT))).json())[0])
    )
    assert "correct awareness BR-2026-0007" in personal and "igt BR-2026-0007" in personal
    channel = card_text(
        card_of(
            replies(
                await (await post(client, message("help", user=BUSINESS_UNIT, channel=True))).json()
            )[0]
        )
    )
    assert "correct awareness" not in channel and "refer" in channel


async def test_mention_is_stripped_in_a_channel(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    response = await post(client, message("<at>Case Review Bot</at> help", channel=True))
    card = card_of(replies(await response.json())[0])
    assert "Case Review Bot" in card_text(card)


async def test_unknown_word_gets_did_you_mean(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    response = await post(client, message("hepl"))
    assert response.status == 200
    (reply,) = replies(await response.json())
    assert "didn't understand" in reply["text"]
    assert "Did you mean **help**" in reply["text"]


async def test_unknown_words_are_not_repeated_in_a_channel(serve: Any, tmp_path: Path) -> None:
    settings = local_settings(tmp_path, case_review_channel_id="19:case-review@thread.tacv2")
    client = await serve(create_app(settings))
    response = await post(client, message("<at>Case Review Bot</at> Zebedee hurt", channel=True))
    (reply,) = replies(await response.json())
    assert reply["text"].startswith("Sorry, I didn't understand that.")
    assert "Zebedee" not in reply["text"]


async def test_unknown_word_with_nothing_close(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    (reply,) = replies(await (await post(client, message("xyzzy"))).json())
    assert "didn't understand" in reply["text"]
    assert "Did you mean" not in reply["text"]


async def test_action_execute_round_trip_returns_the_updated_card(
    serve: Any, settings: Any
) -> None:
    """The SDK's double serialisation made this an HTTP 500; the adapter mends it."""
    client = await serve(create_app(settings))
    response = await post(client, execute("help.more"))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(body["value"])
    assert "How your information is handled" in card_text(body["value"])
    back = await (await post(client, execute("help.less"))).json()
    assert "How your information is handled" not in card_text(back["value"])


async def test_unknown_card_action_answers_politely(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    body = await (await post(client, execute("no.such.verb"))).json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "no longer available" in body["value"]


async def test_other_invokes_are_not_implemented(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    activity = execute("help.more")
    activity["name"] = "composeExtension/query"
    response = await post(client, activity)
    assert response.status == 501


async def test_conversation_reference_and_person_are_saved(serve: Any, settings: Any) -> None:
    app = create_app(settings)
    client = await serve(app)
    await post(client, message("help"))
    await post(client, message("help", channel=True))
    async with app[SERVICES].sessions() as session:
        refs = list(await session.scalars(select(ConversationRef).order_by(ConversationRef.kind)))
        person = await session.get(Person, PRACTITIONER["aadObjectId"])
    assert [r.kind for r in refs] == ["channel", "personal"]
    assert refs[1].user_aad_id == PRACTITIONER["aadObjectId"]
    assert refs[0].team_id == "19:team@thread.tacv2"
    assert person is not None and person.name == "Priya Shah"


async def test_activity_from_another_tenant_is_refused_and_nothing_stored(
    serve: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)
    client = await serve(app)
    response = await post(client, message("help", tenant="11111111-2222-3333-4444-555555555555"))
    assert response.status == 403
    assert "tenant not allowed" in caplog.text
    async with app[SERVICES].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationRef)) == 0
        assert await session.scalar(select(func.count()).select_from(Person)) == 0


async def test_activity_without_tenant_is_refused(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    activity = message("help")
    del activity["channelData"]
    del activity["conversation"]["tenantId"]
    assert (await post(client, activity)).status == 403


async def test_request_without_credentials_outside_local_mode_gets_401(
    serve: Any, tmp_path: Path
) -> None:
    production = local_settings(
        tmp_path,
        mode="production",
        app_id="11111111-0000-0000-0000-000000000001",
        app_password="not-a-real-secret",
        app_tenant_id="00000000-0000-4000-8000-00000000b0d5",
        data_key=new_key(),
        audit_key=new_audit_key(),
        # Loopback and closed: never a real identity service.
        openid_metadata_url="http://127.0.0.1:9/openid",
        login_url="http://127.0.0.1:9/tenant",
    )
    app = create_app(production)
    client = await serve(app)
    response = await post(client, message("help"))
    assert response.status == 401
    async with app[SERVICES].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationRef)) == 0


async def test_bad_requests_are_rejected_plainly(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    not_json = await client.post(
        "/api/messages", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status == 400
    no_type = await client.post("/api/messages", json={"text": "hi"})
    assert no_type.status == 400
    wrong_type = await client.post(
        "/api/messages", data=b"hi", headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status == 415


async def test_a_failing_turn_tells_the_user_plainly(
    serve: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    commands, _ = load_commands()

    @commands.command("boom")
    async def boom(turn: Turn) -> None:
        """Fail on purpose."""
        raise RuntimeError("secret internal detail")

    client = await serve(create_app(settings, commands=commands))
    response = await post(client, message("boom"))
    assert response.status == 200
    (reply,) = replies(await response.json())
    assert "something went wrong" in reply["text"]
    assert "Nothing you entered has been lost" in reply["text"]
    assert "secret internal detail" not in reply["text"]
    assert "Traceback" not in reply["text"]
    ref = reply["text"].split("(reference ")[1].split(")")[0]
    assert ref in caplog.text


async def test_a_failing_card_action_answers_with_a_message(serve: Any, settings: Any) -> None:
    _, actions = load_commands()

    @actions.verb("test.fail", rule=Rule(None, ONE_TO_ONE))
    async def fail(turn: Turn) -> Any:
        raise RuntimeError("nope")

    client = await serve(create_app(settings, actions=actions))
    response = await post(client, execute("test.fail"))
    assert response.status == 200
    body = await response.json()
    assert "something went wrong" in body["value"]


async def test_healthz_reports_database_and_scheduler(serve: Any, settings: Any) -> None:
    app = create_app(settings)
    client = await serve(app)
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["database"] == "ok"
    assert body["scheduler"] == "running"


@pytest.mark.postgres
async def test_healthz_is_503_when_the_database_is_unreachable(
    serve: Any, tmp_path: Path, postgres: Any, postgres_url: str
) -> None:
    app = create_app(local_settings(tmp_path, database_url=postgres_url))
    client = await serve(app)
    assert (await client.get("/healthz")).status == 200
    # The database goes away under the running bot.
    name = postgres_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(
        host="127.0.0.1", port=postgres.port, user="postgres", database="postgres"
    )
    try:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    response = await client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["database"] == "unreachable"


async def test_bootstrap_admins_get_the_admin_role_audited(serve: Any, tmp_path: Path) -> None:
    admin = "aaaaaaaa-0000-4000-8000-000000000999"
    app = create_app(local_settings(tmp_path, bootstrap_admins=(admin,), local_roles_file=""))
    await serve(app)
    async with app[SERVICES].sessions() as session:
        events = list(await session.scalars(select(AuditEvent)))
    assert [(e.action, admin in e.details) for e in events] == [("role.granted", True)]
