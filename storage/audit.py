"""The append-only audit log, hash-chained so that any edit is detectable.

Each entry's hash is SHA-256 over a canonical JSON of its fields and the previous entry's
hash. Appends lock the single ``audit_head`` row, so concurrent appends queue and the chain
never forks. ``details`` must never hold personal data: references, field names, counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def entry_hash(event: AuditEvent) -> str:
    """SHA-256 over the entry's fields and the previous entry's hash, canonically encoded."""
    canonical = json.dumps(
        [
            event.seq,
            event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            event.actor_aad_id,
            event.actor_role,
            event.action,
            event.case_ref,
            event.details,
            event.prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def append_audit(
    *,
    session: AsyncSession,
    now: datetime,
    actor_aad_id: str,
    actor_role: str,
    action: str,
    case_ref: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction."""
    head = (
        await session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    ).scalar_one()
    seq = head.seq + 1
    event = AuditEvent(
        seq=seq,
        occurred_at=now,
        actor_aad_id=actor_aad_id,
        actor_role=actor_role,
        action=action,
        case_ref=case_ref,
        details=json.dumps(dict(details or {}), sort_keys=True, separators=(",", ":")),
        prev_hash=head.hash,
    )
    event.hash = entry_hash(event)
    session.add(event)
    await session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=event.hash)
    )
    await session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


async def verify_audit(*, session: AsyncSession) -> VerifyResult:
    """Walk the chain from the start; name the first entry that does not check out."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    result = await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq))
    async for event in result:
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "entry missing")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "link to the previous entry broken")
        if entry_hash(event) != event.hash:
            return VerifyResult(False, checked, event.seq, "content does not match its hash")
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one()
    if head.seq != checked or head.hash != prev:
        return VerifyResult(False, checked, checked + 1, "entries removed from the end")
    return VerifyResult(True, checked)


async def list_audit(
    *, session: AsyncSession, case_ref: str | None = None, limit: int = 100
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if case_ref is not None:
        query = query.where(AuditEvent.case_ref == case_ref)
    return list(await session.scalars(query))
