"""Storage on both databases: the audit chain, conversation references."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audit import append_audit, list_audit, verify_audit
from storage.db import transaction

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


async def test_audit_chain_appends_concurrently_and_verifies(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def one(i: int) -> None:
        async with transaction(sessions) as session:
            await append_audit(
                session=session,
                now=NOW,
                actor_aad_id=f"user-{i}",
                actor_role="business_unit",
                action="case.viewed",
                case_ref="BR-2026-0001",
                details={"i": i},
            )

    await asyncio.gather(*(one(i) for i in range(12)))
    async with sessions() as session:
        result = await verify_audit(session=session)
        events = await list_audit(session=session, case_ref="BR-2026-0001")
    assert result.ok, result
    assert result.checked == 12
    assert sorted(e.seq for e in events) == list(range(1, 13))


async def _tamper(sessions: async_sessionmaker[AsyncSession], statement: str) -> None:
    """What someone with database access could do: drop the guard and edit a row."""
    async with transaction(sessions) as session:
        dialect = session.bind.dialect.name
        if dialect == "postgresql":
            await session.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
        else:
            await session.execute(text("DROP TRIGGER audit_events_no_update"))
            await session.execute(text("DROP TRIGGER audit_events_no_delete"))
        await session.execute(text(statement))


async def test_editing_an_audit_row_is_refused_then_detected(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        for i in range(5):
            await append_audit(
                session=session, now=NOW, actor_aad_id="u", actor_role="r", action=f"a{i}"
            )
    with pytest.raises(Exception, match="append-only"):
        async with transaction(sessions) as session:
            await session.execute(text("UPDATE audit_events SET action = 'x' WHERE seq = 3"))
    await _tamper(sessions, "UPDATE audit_events SET action = 'forged' WHERE seq = 3")
    async with sessions() as session:
        result = await verify_audit(session=session)
    assert not result.ok
    assert result.broken_seq == 3


async def test_deleting_an_audit_row_is_detected(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        for i in range(4):
            await append_audit(
                session=session, now=NOW, actor_aad_id="u", actor_role="r", action=f"a{i}"
            )
    await _tamper(sessions, "DELETE FROM audit_events WHERE seq = 2")
    async with sessions() as session:
        result = await verify_audit(session=session)
    assert (result.ok, result.broken_seq) == (False, 2)


async def test_naive_datetimes_are_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with transaction(sessions) as session:
            await append_audit(
                session=session,
                now=datetime(2026, 1, 1),
                actor_aad_id="u",
                actor_role="r",
                action="a",
            )


async def test_stored_times_come_back_as_utc(sessions: async_sessionmaker[AsyncSession]) -> None:
    from zoneinfo import ZoneInfo

    london_summer = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    async with transaction(sessions) as session:
        await append_audit(
            session=session, now=london_summer, actor_aad_id="u", actor_role="r", action="a"
        )
    async with sessions() as session:
        (event,) = await list_audit(session=session)
    assert event.occurred_at == london_summer
    assert event.occurred_at.utcoffset() is not None
    assert event.occurred_at.hour == 11  # 12:00 BST is 11:00 UTC


def test_fixture_runs_both_databases(database_url: str, request: Any) -> None:
    assert database_url.startswith(("sqlite", "postgresql"))


async def test_a_row_edited_and_the_chain_rehashed_is_named_by_its_signature(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """What the keyless chain let through: drop the guard, edit a row, re-hash every entry
    after it with SHA-256 and move the head. The hashes all check out; the signatures don't."""
    from storage.audit import entry_hash
    from storage.models import AuditEvent, AuditHead
    from tests.conftest import AUDIT_SIGNER

    async with transaction(sessions) as session:
        for i in range(5):
            await append_audit(
                session=session, now=NOW, actor_aad_id="u", actor_role="r", action=f"a{i}"
            )
    async with sessions() as session:
        assert (await verify_audit(session=session, verifier=AUDIT_SIGNER)).ok
    await _tamper(sessions, "UPDATE audit_events SET actor_aad_id = 'someone-else' WHERE seq = 3")
    async with transaction(sessions) as session:
        rows = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        prev = rows[1].hash
        for row in rows[2:]:
            row.prev_hash = prev
            row.hash = entry_hash(row)
            prev = row.hash
        await session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    async with sessions() as session:
        unkeyed = await verify_audit(session=session)
        keyed = await verify_audit(session=session, verifier=AUDIT_SIGNER)
    assert unkeyed.ok  # the hashes alone are fooled
    assert (keyed.ok, keyed.broken_seq) == (False, 3)
    assert "not signed with the audit key" in keyed.reason


async def test_a_chain_signed_with_another_key_does_not_verify(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from storage.audit import AuditSigner

    async with transaction(sessions) as session:
        await append_audit(session=session, now=NOW, actor_aad_id="u", actor_role="r", action="a")
    async with sessions() as session:
        other = await verify_audit(session=session, verifier=AuditSigner(bytes(32)))
    assert (other.ok, other.broken_seq) == (False, 1)
