"""Real token validation through the HTTP endpoint, against a local OpenID server.

Tokens are signed with generated keys that the loopback identity server publishes the way
the Bot Framework does; the bot is in production mode, pointed at it by the settings the SDK
reads (TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL, TO_CHANNEL_FROM_BOT_LOGIN_URL).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import SERVICES, create_app
from storage import outbox
from storage.conversations import ConversationInfo, save_conversation
from storage.db import transaction
from storage.models import ConversationRef
from tests.activities import SERVICE_URL, message
from tests.conftest import TENANT, card_of, card_text, replies
from tests.fakes import FakeConnector
from tests.identity import IdentityServer, SigningKeyPair, mint, unsigned


async def queue_channel_card(app: Any, service_url: str) -> None:
    """The bot knows its team's channel, and a card for it is queued."""
    services = app[SERVICES]
    now = services.clock()
    reference = {
        "bot": {"id": "28:bot-app-id"},
        "conversation": {"id": CHANNEL, "conversationType": "channel", "isGroup": True},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }
    async with transaction(services.sessions) as session:
        await save_conversation(
            session=session,
            now=now,
            info=ConversationInfo(
                conversation_id=CHANNEL,
                kind="channel",
                user_aad_id=None,
                team_id="19:team@thread.tacv2",
                channel_id=CHANNEL,
                tenant_id=TENANT,
                service_url=service_url,
                reference_json=json.dumps(reference),
            ),
        )
        await outbox.enqueue(
            session=session,
            cipher=services.cipher,
            now=now,
            card={"type": "AdaptiveCard", "version": "1.5", "body": []},
            summary="A case card",
            channel_id=CHANNEL,
        )


CHANNEL = "19:case-review@thread.tacv2"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def started(serve: Any, identity: IdentityServer, tmp_path: Path, **settings: Any) -> Any:
    """The bot in production mode, with its keys and token fetched (as after start-up)."""
    app = create_app(identity.settings(tmp_path, **settings))
    client = await serve(app)
    for _ in range(100):
        if identity.hits["keys"] and identity.hits["token"]:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)
    return app, client


async def healthz_latencies(client: Any, until: asyncio.Task[Any]) -> list[float]:
    """Poll /healthz every 50 ms while ``until`` runs; each answer's latency in seconds."""
    latencies: list[float] = []
    while not until.done():
        began = time.perf_counter()
        response = await client.get("/healthz")
        latencies.append(time.perf_counter() - began)
        assert response.status == 200
        await asyncio.sleep(0.05)
    return latencies


async def test_a_valid_token_is_accepted(serve: Any, identity: IdentityServer, tmp_path: Path):
    _app, client = await started(serve, identity, tmp_path)
    token = mint(identity.keys[0], service_url=SERVICE_URL)
    response = await client.post("/api/messages", json=message("help"), headers=bearer(token))
    assert response.status == 200
    assert "help" in card_text(card_of(replies(await response.json())[0]))


def _bad_tokens(identity: IdentityServer) -> dict[str, str]:
    key = identity.keys[0]
    stranger = SigningKeyPair("key-1")  # same kid, another key: the signature fails
    return {
        "wrong audience": mint(key, service_url=SERVICE_URL, audience="someone-else"),
        "wrong issuer": mint(key, service_url=SERVICE_URL, issuer="https://evil.example"),
        "no issuer": mint(key, service_url=SERVICE_URL, issuer=None),
        "expired": mint(key, service_url=SERVICE_URL, expires_in=-3600),
        "not yet valid": mint(key, service_url=SERVICE_URL, not_before=time.time() + 3600),
        "unsigned": unsigned(SERVICE_URL),
        "signed by an unknown key": mint(SigningKeyPair("key-9"), service_url=SERVICE_URL),
        "signed by another key with a known kid": mint(stranger, service_url=SERVICE_URL),
        "HMAC with the public key": _hmac_confusion(key),
        "serviceUrl mismatch": mint(key, service_url="https://attacker.example/"),
        "malformed": "garbage",
        "empty": "",
    }


def _hmac_confusion(key: SigningKeyPair) -> str:
    import jwt

    now = int(time.time())
    claims = {"serviceurl": SERVICE_URL, "aud": "x", "iss": "https://api.botframework.com"}
    claims["exp"] = now + 3600
    return jwt.encode(claims, "s" * 64, algorithm="HS256", headers={"kid": key.kid})


async def test_bad_tokens_get_401_with_one_short_log_line_and_store_nothing(
    serve: Any, identity: IdentityServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, client = await started(serve, identity, tmp_path)
    for name, token in _bad_tokens(identity).items():
        caplog.clear()
        response = await client.post("/api/messages", json=message("help"), headers=bearer(token))
        assert response.status == 401, name
        refusals = [r for r in caplog.records if "not authenticated" in r.getMessage()]
        assert len(refusals) == 1, name
        assert all(r.exc_info is None for r in caplog.records), name
        assert all(r.levelno < logging.ERROR for r in caplog.records), name
        assert len(caplog.text) < 600, name
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "garbage"):
        response = await client.post(
            "/api/messages", json=message("help"), headers={"Authorization": header}
        )
        assert response.status == 401, header
    assert (await client.post("/api/messages", json=message("help"))).status == 401
    async with app[SERVICES].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationRef)) == 0


async def test_a_key_not_endorsed_for_teams_is_refused(
    serve: Any, identity: IdentityServer, tmp_path: Path
) -> None:
    webchat_only = SigningKeyPair("key-webchat", endorsements=("webchat",))
    identity.keys.append(webchat_only)
    _app, client = await started(serve, identity, tmp_path)
    token = mint(webchat_only, service_url=SERVICE_URL)
    response = await client.post("/api/messages", json=message("help"), headers=bearer(token))
    assert response.status == 401


async def test_unknown_key_ids_refresh_the_keys_at_most_once_a_minute(
    serve: Any, identity: IdentityServer, tmp_path: Path
) -> None:
    _app, client = await started(serve, identity, tmp_path)
    assert identity.hits["metadata"] == 1
    for n in range(10):
        forged = mint(SigningKeyPair(f"forged-{n}"), service_url=SERVICE_URL)
        response = await client.post("/api/messages", json=message("help"), headers=bearer(forged))
        assert response.status == 401
    assert identity.hits["metadata"] == 2  # one refresh for the first unknown kid, then none


async def test_a_rotated_key_is_picked_up_by_a_refresh(
    serve: Any, identity: IdentityServer, tmp_path: Path
) -> None:
    _app, client = await started(serve, identity, tmp_path)
    rotated = SigningKeyPair("key-2")
    identity.keys.append(rotated)
    token = mint(rotated, service_url=SERVICE_URL)
    response = await client.post("/api/messages", json=message("help"), headers=bearer(token))
    assert response.status == 200


async def test_keys_are_kept_when_a_refresh_fails(
    serve: Any, identity: IdentityServer, tmp_path: Path
) -> None:
    _app, client = await started(serve, identity, tmp_path)
    identity.fail.add("metadata")
    forged = mint(SigningKeyPair("forged"), service_url=SERVICE_URL)
    assert (
        await client.post("/api/messages", json=message("help"), headers=bearer(forged))
    ).status == 401
    good = mint(identity.keys[0], service_url=SERVICE_URL)
    response = await client.post("/api/messages", json=message("help"), headers=bearer(good))
    assert response.status == 200


async def test_a_metadata_server_that_never_answers_blocks_nobody(
    serve: Any, identity: IdentityServer, tmp_path: Path
) -> None:
    """Keys were loaded; then the endpoint hangs. A forged token's refresh hangs with it,
    while /healthz and a genuine user's turns are answered at once."""
    _app, client = await started(serve, identity, tmp_path)
    identity.hang.update({"metadata", "keys"})
    forged = mint(SigningKeyPair("forged"), service_url=SERVICE_URL)
    began = time.perf_counter()
    attack = asyncio.create_task(
        client.post("/api/messages", json=message("help"), headers=bearer(forged))
    )
    await asyncio.sleep(0.1)
    good = mint(identity.keys[0], service_url=SERVICE_URL)
    genuine_began = time.perf_counter()
    genuine = await client.post("/api/messages", json=message("help"), headers=bearer(good))
    genuine_took = time.perf_counter() - genuine_began
    latencies = await healthz_latencies(client, attack)
    response = await attack
    took = time.perf_counter() - began
    assert response.status in (401, 503)
    assert took < 8, took
    assert genuine.status == 200 and genuine_took < 1, genuine_took
    assert latencies and max(latencies) < 0.5, max(latencies)
    print(
        f"hanging refresh: forged answered {response.status} in {took:.2f}s; genuine in "
        f"{genuine_took * 1000:.1f} ms; healthz max {max(latencies) * 1000:.1f} ms "
        f"over {len(latencies)} polls"
    )


async def test_a_cold_start_with_the_metadata_server_hanging_answers_503(
    serve: Any, identity: IdentityServer, tmp_path: Path
) -> None:
    identity.hang.add("metadata")
    app = create_app(identity.settings(tmp_path))
    client = await serve(app)
    token = mint(identity.keys[0], service_url=SERVICE_URL)
    began = time.perf_counter()
    request = asyncio.create_task(
        client.post("/api/messages", json=message("help"), headers=bearer(token))
    )
    latencies = await healthz_latencies(client, request)
    response = await request
    assert response.status == 503
    assert response.headers.get("Retry-After")
    assert time.perf_counter() - began < 8
    assert max(latencies) < 0.5, max(latencies)
    # While the failure is fresh, more requests fail at once instead of each waiting.
    again = time.perf_counter()
    second = await client.post("/api/messages", json=message("help"), headers=bearer(token))
    assert second.status == 503 and time.perf_counter() - again < 1
    print(f"cold start: 503 after {time.perf_counter() - began:.2f}s; healthz max "
          f"{max(latencies) * 1000:.1f} ms over {len(latencies)} polls")  # fmt: skip


async def test_a_token_endpoint_that_never_answers_blocks_nobody(
    serve: Any, identity: IdentityServer, tmp_path: Path, connector: FakeConnector
) -> None:
    """Inbound: the turn needs the bot's token to reply and cannot get one: 503 within a few
    seconds. Outbound: the outbox's send waits on it in the background. /healthz and an
    unauthenticated request are answered at once throughout."""
    identity.hang.add("token")
    app = create_app(identity.settings(tmp_path))
    client = await serve(app)
    token = mint(identity.keys[0], service_url=connector.url)
    activity = message("help", service_url=connector.url, expect_replies=False)
    began = time.perf_counter()
    turn = asyncio.create_task(client.post("/api/messages", json=activity, headers=bearer(token)))
    await asyncio.sleep(0.1)
    stranger_began = time.perf_counter()
    stranger = await client.post("/api/messages", json=message("help"))
    stranger_took = time.perf_counter() - stranger_began
    latencies = await healthz_latencies(client, turn)
    response = await turn
    assert response.status == 503
    assert time.perf_counter() - began < 8
    assert stranger.status == 401 and stranger_took < 0.5
    assert max(latencies) < 0.5, max(latencies)
    assert connector.sent == []
    print(f"token endpoint hanging: turn 503 after {time.perf_counter() - began:.2f}s; "
          f"healthz max {max(latencies) * 1000:.1f} ms")  # fmt: skip

    # The outbox's send: a proactive turn that cannot get a token fails in the background
    # (to be retried), without holding up anything else.
    dispatcher = app[SERVICES].dispatcher
    await queue_channel_card(app, connector.url)
    flush = asyncio.create_task(dispatcher.flush())
    latencies = await healthz_latencies(client, flush)
    await flush
    assert max(latencies) < 0.5, max(latencies)
    assert connector.sent == []
    print(f"token endpoint hanging: healthz max {max(latencies) * 1000:.1f} ms during the send")


async def test_the_bot_token_is_fetched_once_and_sent_on_replies(
    serve: Any, identity: IdentityServer, tmp_path: Path, connector: FakeConnector
) -> None:
    _app, client = await started(serve, identity, tmp_path)
    for _ in range(3):
        token = mint(identity.keys[0], service_url=connector.url)
        activity = message("help", service_url=connector.url, expect_replies=False)
        response = await client.post("/api/messages", json=activity, headers=bearer(token))
        assert response.status == 200
    assert len(connector.sent) == 3
    assert identity.hits["token"] == 1
    assert connector.authorizations == ["Bearer bot-token-1"] * 3


async def test_a_key_with_no_endorsements_at_all_is_refused(
    serve: Any, identity: IdentityServer, tmp_path: Path
) -> None:
    """As the SDK's EndorsementsValidator: a key that endorses nothing endorses no channel."""
    bare = SigningKeyPair("key-bare", endorsements=())
    identity.keys.append(bare)
    _app, client = await started(serve, identity, tmp_path)
    token = mint(bare, service_url=SERVICE_URL)
    response = await client.post("/api/messages", json=message("help"), headers=bearer(token))
    assert response.status == 401
