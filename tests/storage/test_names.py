"""Who is who on a card: ``people.names`` reads the names a card needs in one query, keeps
every answer for the session (the ids with no one behind them too), and a name saved in the
session is read again rather than shown stale."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import people
from storage.db import transaction

NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)


async def test_names_are_read_once_a_session_in_one_query(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with transaction(sessions) as session:
        for aad, name in (("aad-chair", "Chris Holt"), ("aad-bu", "Sam Patel"), ("aad-x", "")):
            await people.save_person(
                session=session, aad_object_id=aad, teams_user_id=f"29:{aad}", name=name, now=NOW
            )
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM people" in statement:
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with transaction(sessions) as session:
            asked = ["aad-chair", "aad-nobody", "aad-bu", "", "aad-x", "aad-chair"]
            found = await people.names(session=session, aad_ids=asked)
            assert found == {
                "aad-chair": "Chris Holt",
                "aad-nobody": None,
                "aad-bu": "Sam Patel",
                "aad-x": None,
            }
            assert len(statements) == 1
            # Asked again, misses included: nothing read.
            assert await people.names(session=session, aad_ids=["aad-nobody", "aad-bu"]) == {
                "aad-nobody": None,
                "aad-bu": "Sam Patel",
            }
            assert len(statements) == 1
            await people.save_person(
                session=session, aad_object_id="aad-x", teams_user_id="", name="Alex Kaur", now=NOW
            )
            assert await people.names(session=session, aad_ids=["aad-x"]) == {"aad-x": "Alex Kaur"}
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
