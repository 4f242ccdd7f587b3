"""The HTTP edge: every bad request gets its 4xx and one short log line, never a 500."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest

from bot.app import MAX_BODY_BYTES, create_app
from bot.logs import LIBRARIES, library_levels
from tests.activities import message
from tests.conftest import replies

JSON = {"Content-Type": "application/json"}


async def raw(client: Any, body: bytes | str) -> Any:
    return await client.post("/api/messages", data=body, headers=JSON)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("not JSON", "{"),
        ("bad UTF-8", b'{"type": "message", "text": "\xff\xfe"}'),
        ("nested 10,000 deep", '{"type": "message", "value": ' + "[" * 10_000 + "]" * 10_000 + "}"),
        ("a list", "[]"),
        ("no type", '{"text": "hi"}'),
        ("type a number", '{"type": 7, "text": "hi"}'),
        ("type a list", '{"type": ["message"], "text": "hi"}'),
        ("type empty", '{"type": "", "text": "hi"}'),
        ("text an object", '{"type": "message", "text": {"a": 1}}'),
        ("attachments not a list", '{"type": "message", "attachments": "x"}'),
        ("membersAdded of strings", '{"type": "conversationUpdate", "membersAdded": ["x"]}'),
    ],
)  # fmt: skip
async def test_malformed_bodies_get_400(
    serve: Any, settings: Any, caplog: pytest.LogCaptureFixture, name: str, body: Any
) -> None:
    client = await serve(create_app(settings))
    response = await raw(client, body)
    assert response.status == 400, name
    assert "error" in await response.json()
    assert all(r.levelno < logging.ERROR and r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize("field", ["conversation", "from", "recipient", "channelData"])
@pytest.mark.parametrize("value", ["a string", ["a", "list"], 42, True])
async def test_objects_given_as_other_things_get_400(
    serve: Any, settings: Any, caplog: pytest.LogCaptureFixture, field: str, value: Any
) -> None:
    client = await serve(create_app(settings))
    activity = message("help")
    activity[field] = value
    response = await client.post("/api/messages", json=activity)
    assert response.status == 400
    assert all(r.levelno < logging.ERROR for r in caplog.records)


async def test_a_body_too_large_gets_413(serve: Any, settings: Any) -> None:
    client = await serve(create_app(settings))
    body = json.dumps(message("x" * (MAX_BODY_BYTES + 10))).encode()
    response = await client.post("/api/messages", data=io.BytesIO(body), headers=JSON)
    assert response.status == 413


async def test_a_megabyte_of_angle_brackets_is_answered_and_healthz_stays_free(
    serve: Any, settings: Any
) -> None:
    """A quadratic clean-up took 11 s on 80,000 '<'. The bound here only catches a hang."""
    client = await serve(create_app(settings))
    body = io.BytesIO(json.dumps(message("<" * 1_000_000)).encode())
    request = asyncio.create_task(client.post("/api/messages", data=body, headers=JSON))
    health = await asyncio.wait_for(client.get("/healthz"), 5)
    assert health.status == 200
    response = await asyncio.wait_for(request, 10)
    assert response.status == 200
    (reply,) = replies(await response.json())
    assert "didn't understand" in reply["text"]


async def test_an_unexpected_failure_at_the_edge_is_500_with_a_reference(
    serve: Any, settings: Any, caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    app = create_app(settings)
    client = await serve(app)
    from bot.app import ADAPTER

    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app[ADAPTER], "process_activity", broken)
    response = await client.post("/api/messages", json=message("help"))
    assert response.status == 500
    body = await response.json()
    assert "reference" in body["error"]
    reference = body["error"].split("reference ")[1].rstrip(")")
    assert reference in caplog.text


async def test_library_loggers_stay_quiet_at_debug_unless_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At LOG_LEVEL=DEBUG, SQLAlchemy and aiosqlite would log every statement with its
    parameters (names, conversation references); they stay at WARNING unless
    LOG_LIBRARIES=yes asks for them."""
    saved = {name: logging.getLogger(name).level for name in LIBRARIES}
    try:
        library_levels("DEBUG")
        for name in ("sqlalchemy.engine.Engine", "aiosqlite", "asyncpg", "msrest.http_logger"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        library_levels("DEBUG", libraries=True)
        assert logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize(
    "where",
    [
        ("channelData", "tenant", "id"),
        ("channelData", "tenant"),
        ("conversation", "tenantId"),
        ("channelData", "team", "id"),
        ("channelData", "channel", "id"),
    ],
)
@pytest.mark.parametrize("value", ["LIST", {"id": "x"}, 42])
async def test_ids_given_as_other_things_are_refused_at_the_edge(
    serve: Any, settings: Any, caplog: pytest.LogCaptureFixture, where: Any, value: Any
) -> None:
    """A tenant, team or channel id that is not a string (the tenant's own id in a list, say)
    is refused before any handler runs: never "Sorry, something went wrong", nothing stored."""
    from sqlalchemy import func, select

    from bot.app import SERVICES
    from storage.models import ConversationRef
    from tests.conftest import TENANT

    app = create_app(settings)
    client = await serve(app)
    activity = message("help")
    activity["channelData"].setdefault("team", {"id": "19:team@thread.tacv2"})
    activity["channelData"].setdefault("channel", {"id": "19:general@thread.tacv2"})
    node = activity
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = [TENANT] if value == "LIST" else value
    response = await client.post("/api/messages", json=activity)
    assert response.status in (400, 403), (where, value)
    assert "something went wrong" not in await response.text()
    async with app[SERVICES].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationRef)) == 0
    assert all(r.levelno < logging.ERROR for r in caplog.records)
