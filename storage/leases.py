"""Job leases: with several instances on one database, a scheduled job runs on whichever
holds its lease, one at a time. A lease lapses on its own (an instance that died lets go)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction
from storage.models import JobLease


async def take(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    holder: str,
    now: datetime,
    seconds: float,
) -> bool:
    """Hold the lease on ``name`` for ``seconds`` from ``now``: True when this holder has it
    (it was free, lapsed, or already this holder's), False when another instance holds it."""
    until = now + timedelta(seconds=seconds)
    try:
        async with transaction(sessions) as session:
            row = await session.get(JobLease, name, with_for_update=True)
            if row is None:
                session.add(JobLease(name=name, holder=holder, until=until))
                await session.flush()
                return True
            if row.holder != holder and row.until > now:
                return False
            row.holder, row.until = holder, until
            return True
    except IntegrityError:  # another instance took it first, at the same moment
        return False
