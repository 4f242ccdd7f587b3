"""Shared fixtures: settings, databases (SQLite and a real PostgreSQL), the HTTP app."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from storage import db
from storage.audit import AuditSigner
from tests.pg import PostgresServer, start_postgres

ROOT = Path(__file__).resolve().parent.parent
TENANT = "00000000-0000-4000-8000-00000000b0d5"
# The audit key the storage tests sign with (the app makes its own: AUDIT_KEY or var/).
AUDIT_SIGNER = AuditSigner(bytes(range(32)))


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def local_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mode": "local",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "allowed_tenant_id": TENANT,
        "var_dir": str(tmp_path / "var"),
        "timetable_file": str(ROOT / "config" / "timetable.toml"),
        "local_roles_file": str(ROOT / "config" / "local-roles.toml"),
        "outbox_interval_seconds": 3600.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return local_settings(tmp_path)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


async def _create_database(server: PostgresServer) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(
        host="127.0.0.1", port=server.port, user="postgres", database="postgres"
    )
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_database(server: PostgresServer, name: str) -> None:
    conn = await asyncpg.connect(
        host="127.0.0.1", port=server.port, user="postgres", database="postgres"
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def postgres_url(postgres: PostgresServer) -> AsyncIterator[str]:
    name = await _create_database(postgres)
    try:
        yield postgres.url(name)
    finally:
        await _drop_database(postgres, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = await _create_database(server)
    try:
        yield server.url(name)
    finally:
        await _drop_database(server, name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = db.create_engine(database_url)
    await db.upgrade(eng)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return db.create_sessionmaker(engine, AUDIT_SIGNER)


@pytest.fixture
async def serve() -> AsyncIterator[Any]:
    """``await serve(app)`` starts ``app`` on a test server and returns an aiohttp TestClient."""
    from aiohttp.test_utils import TestClient, TestServer

    clients: list[TestClient[Any, Any]] = []

    async def start(app: Any) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    try:
        yield start
    finally:
        for client in reversed(clients):
            await client.close()


def replies(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The activities an ``expectReplies`` answer carries."""
    return list(body.get("activities") or [])


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    attachments = activity.get("attachments") or []
    assert attachments, f"expected a card, got {activity.get('text')!r}"
    content = attachments[0]["content"]
    assert isinstance(content, dict)
    return content


from tests.cardcheck import card_text  # noqa: E402,F401 - shared with the tests


async def _serving(fake: Any) -> AsyncIterator[Any]:
    """Serve a fake service's ``app()`` on loopback, with its ``url`` set, until done."""
    from aiohttp.test_utils import TestServer

    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("/"))
    try:
        yield fake
    finally:
        await server.close()


@pytest.fixture
async def connector() -> AsyncIterator[Any]:
    """A fake Bot Connector service on loopback; ``connector.sent`` is what the bot sent."""
    from tests.fakes import FakeConnector

    async for fake in _serving(FakeConnector()):
        yield fake


@pytest.fixture
async def identity() -> AsyncIterator[Any]:
    """Microsoft's identity endpoints, stood in for on loopback (tests/identity.py)."""
    from tests.identity import IdentityServer

    async for fake in _serving(IdentityServer()):
        yield fake
