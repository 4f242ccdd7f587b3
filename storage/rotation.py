"""Master key rotation: every case key re-wrapped under the new master key, without reading any
case's content, while the bot keeps running.

DATA_KEY holds the new key first and the old one after it (``new,old``): every instance then
reads under either and writes under the new one, so rotating needs no downtime. ``rotate``
re-wraps each case's own key (32 bytes, never the content it protects) and re-encrypts the
few values sealed with the master key itself (open drafts, cards waiting in the outbox), in
batches, each its own transaction and each row changed only if it still holds what was read
(compare and set). Interrupted, it is run again: what already opens under the new key is
skipped. When it reports nothing left, the old key can be dropped from DATA_KEY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audit import append_audit
from storage.crypto import Cipher, DecryptionError
from storage.db import transaction
from storage.models import Case, FormDraft, OutboxMessage

BATCH = 200


@dataclass
class Rotated:
    case_keys: int = 0
    drafts: int = 0
    queued: int = 0
    already: int = 0  # under the new key before this run (a resumed rotation)

    @property
    def changed(self) -> int:
        return self.case_keys + self.drafts + self.queued


def _context_of_draft(row: Any) -> str:
    from storage.drafts import _context

    return _context(row.id)


async def _rewrap_cases(
    sessions: async_sessionmaker[AsyncSession], ring: Cipher, done: Rotated
) -> None:
    after = 0
    while True:
        async with transaction(sessions) as session:
            rows = (
                await session.execute(
                    select(Case.id, Case.reference, Case.wrapped_key)
                    .where(Case.id > after, Case.wrapped_key.is_not(None))
                    .order_by(Case.id)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                return
            for case_id, reference, wrapped in rows:
                after = case_id
                context = f"case-key:{reference}"
                if ring.opens_with_current(wrapped, context=context):
                    done.already += 1
                    continue
                key = ring.decrypt(wrapped, context=context)  # the case's key, not its data
                changed = await session.execute(
                    update(Case)
                    .where(Case.id == case_id, Case.wrapped_key == wrapped)
                    .values(wrapped_key=ring.encrypt(key, context=context))
                )
                done.case_keys += changed.rowcount or 0  # type: ignore[attr-defined]


async def _reseal(
    sessions: async_sessionmaker[AsyncSession],
    ring: Cipher,
    done: Rotated,
    model: Any,
    column: str,
    context_of: Any,
    counter: str,
) -> None:
    after: Any = None
    key = model.id
    while True:
        async with transaction(sessions) as session:
            query = select(model).where(getattr(model, column).is_not(None))
            query = query.where(getattr(model, column) != "")
            if after is not None:
                query = query.where(key > after)
            rows = list(await session.scalars(query.order_by(key).limit(BATCH)))
            if not rows:
                return
            for row in rows:
                after = row.id
                value = getattr(row, column)
                context = context_of(row)
                try:
                    if ring.opens_with_current(value, context=context):
                        done.already += 1
                        continue
                    plain = ring.decrypt(value, context=context)
                except DecryptionError:
                    continue  # a value sealed before a format change: left for its owner
                changed = await session.execute(
                    update(model)
                    .where(key == row.id, getattr(model, column) == value)
                    .values({column: ring.encrypt(plain, context=context)})
                )
                count = changed.rowcount or 0  # type: ignore[attr-defined]
                setattr(done, counter, getattr(done, counter) + count)


def _outbox_context(row: Any) -> str:
    from storage.outbox import _context

    return _context(row.target, row.recipient_aad_id or row.channel_id)


async def rotate(
    sessions: async_sessionmaker[AsyncSession], ring: Cipher, *, by: str, now: datetime
) -> Rotated:
    """Re-wrap and re-seal everything under ``ring``'s current key; audited once."""
    done = Rotated()
    await _rewrap_cases(sessions, ring, done)
    await _reseal(sessions, ring, done, FormDraft, "data", _context_of_draft, "drafts")
    await _reseal(sessions, ring, done, OutboxMessage, "payload", _outbox_context, "queued")
    async with transaction(sessions) as session:
        await append_audit(
            session=session,
            now=now,
            actor_aad_id=by,
            actor_role="operator",
            action="key.rotated",
            details={
                "key": ring.current_id,
                "case_keys": done.case_keys,
                "drafts": done.drafts,
                "queued": done.queued,
                "already": done.already,
            },
        )
    return done
