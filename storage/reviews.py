"""Storing a local review's record: append-only steps, the latest of each kind current.

``facts`` (plain JSON: dates, kinds, ticks, staff ids) may be shown in the channel; the
``payload`` (methodology, involvement, reasons) is encrypted with the case's key and read
only with the master key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.case_keys import case_cipher
from storage.crypto import Cipher
from storage.models import Case, ReviewRecord


@dataclass(frozen=True)
class RecordView:
    id: int
    kind: str
    facts: dict[str, Any]
    recorded_by: str
    recorded_at: datetime
    words: dict[str, Any] = field(default_factory=dict)  # empty when read without the key


def _context(case: Case, kind: str) -> str:
    return f"review:{case.reference}:{kind}"


async def add_record(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    kind: str,
    facts: dict[str, Any],
    words: dict[str, Any] | None = None,
    by: str,
    now: datetime,
) -> int:
    row = ReviewRecord(
        case_id=case.id,
        kind=kind,
        facts=json.dumps(facts, sort_keys=True),
        payload=case_cipher(master, case).encrypt_json(
            dict(words or {}), context=_context(case, kind)
        ),
        recorded_by=by,
        recorded_at=now,
    )
    session.add(row)
    await session.flush()
    return int(row.id)


_CASE_RECORDS = (
    select(ReviewRecord)
    .where(ReviewRecord.case_id == bindparam("case_id"))
    .order_by(ReviewRecord.id)
)


async def list_records(
    *, session: AsyncSession, master: Cipher | None, case: Case
) -> list[RecordView]:
    """Every record of the case's review, oldest first; their words only with ``master``."""
    rows = await session.scalars(_CASE_RECORDS, {"case_id": case.id})
    cipher = case_cipher(master, case) if master is not None else None
    found = []
    for row in rows:
        words = (
            cipher.decrypt_json(row.payload, context=_context(case, row.kind))
            if cipher is not None
            else {}
        )
        found.append(
            RecordView(
                int(row.id),
                row.kind,
                json.loads(row.facts),
                row.recorded_by,
                row.recorded_at,
                words,
            )
        )
    return found


def latest(records: list[RecordView], kind: str) -> RecordView | None:
    for record in reversed(records):
        if record.kind == kind:
            return record
    return None
