"""The bot's own settings, kept in the database (the case review channel ``setup`` chose, the
reminders' bookkeeping): one row per key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert
from storage.models import BotSetting

CASE_REVIEW_CHANNEL = "case_review_channel_id"


async def stored_setting(*, session: AsyncSession, key: str) -> str | None:
    row = await session.get(BotSetting, key, populate_existing=True)  # as stored, not cached
    return row.value if row is not None else None


async def store_setting(
    *, session: AsyncSession, key: str, value: str, by: str, now: datetime
) -> None:
    """Set ``key`` in one statement (an upsert), so processes writing it at the same moment
    (two instances' ticks) can't both try to insert it."""
    values = {"value": value, "updated_by": by, "updated_at": now}
    statement = upsert(session, BotSetting).values(key=key, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[BotSetting.key], set_=values),
        execution_options={"synchronize_session": False},
    )
