"""A case's milestones are read once per transaction (a press builds several cards from
them), and the reading is never stale: a change through the rows shows, a milestone added
is read afresh, the next transaction reads again, and the case's next deadline follows."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.crypto import Cipher, new_key
from storage.milestones import complete_milestones, list_milestones
from storage.models import MilestoneRow
from tests.storage.test_cases import NOW, case_in, create


@pytest.fixture
def master() -> Cipher:
    return Cipher.from_text(new_key())


async def test_milestones_are_read_once_a_transaction_and_never_stale(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master)
    reads: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM milestones" in statement:
            reads.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with case_in(sessions, reference) as (session, case):
            rows = await list_milestones(session=session, case=case)
            open_rows = sorted(
                (r for r in rows if r.due_date and r.completed_at is None), key=lambda r: r.due_date
            )
            first, second = open_rows[0], open_rows[1]
            assert case.next_due_date == first.due_date
            await complete_milestones(
                session=session, case=case, keys=[first.key], by="chair-1", now=NOW
            )
            assert len(reads) == 1  # completing it and the next deadline: no second read
            assert case.next_due_date == second.due_date
            again = {r.key: r for r in await list_milestones(session=session, case=case)}
            assert again[first.key].completed_by == "chair-1"
            session.add(MilestoneRow(case_id=case.id, key="added_in_this_transaction"))
            keys = [r.key for r in await list_milestones(session=session, case=case)]
            assert "added_in_this_transaction" in keys and len(reads) == 2
            added = (await list_milestones(session=session, case=case))[-1]  # by id: the newest
            await session.delete(added)
            await session.flush()
            keys = [r.key for r in await list_milestones(session=session, case=case)]
            assert "added_in_this_transaction" not in keys
        async with case_in(sessions, reference, write=False) as (session, case):
            before = len(reads)
            rows = {r.key: r for r in await list_milestones(session=session, case=case)}
            assert len(reads) == before + 1  # a new transaction reads them again
            assert rows[first.key].completed_at is not None
            assert case.next_due_date == second.due_date
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
