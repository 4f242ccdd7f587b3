"""Referral drafts: saved at every step, encrypted, owned by one person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher
from storage.models import ReferralDraft

OPEN, SUBMITTED, DISCARDED = "open", "submitted", "discarded"


def _context(draft_id: str) -> str:
    return f"referral-draft:{draft_id}"


@dataclass
class Draft:
    id: str
    owner_aad_id: str
    status: str
    section: str
    revision: int
    form: dict[str, Any]
    case_id: int | None
    created_at: datetime
    updated_at: datetime


def _view(row: ReferralDraft, cipher: Cipher) -> Draft:
    form = cipher.decrypt_json(row.data, context=_context(row.id)) if row.data else {}
    return Draft(
        row.id,
        row.owner_aad_id,
        row.status,
        row.section,
        row.revision,
        form,
        row.case_id,
        row.created_at,
        row.updated_at,
    )


async def create_draft(
    *,
    session: AsyncSession,
    cipher: Cipher,
    owner_aad_id: str,
    section: str,
    form: dict[str, Any],
    now: datetime,
) -> Draft:
    row = ReferralDraft(
        id=str(uuid.uuid4()),
        owner_aad_id=owner_aad_id,
        status=OPEN,
        section=section,
        revision=1,
        data=cipher.encrypt_json(form, context="pending"),
        created_at=now,
        updated_at=now,
    )
    row.data = cipher.encrypt_json(form, context=_context(row.id))
    session.add(row)
    await session.flush()
    return _view(row, cipher)


async def get_draft(
    *, session: AsyncSession, cipher: Cipher, draft_id: str, for_update: bool = False
) -> Draft | None:
    query = select(ReferralDraft).where(ReferralDraft.id == draft_id)
    if for_update:
        query = query.with_for_update()
    row = await session.scalar(query)
    return _view(row, cipher) if row is not None else None


async def open_draft_of(
    *, session: AsyncSession, cipher: Cipher, owner_aad_id: str
) -> Draft | None:
    """The person's most recent open draft."""
    row = await session.scalar(
        select(ReferralDraft)
        .where(ReferralDraft.owner_aad_id == owner_aad_id, ReferralDraft.status == OPEN)
        .order_by(ReferralDraft.updated_at.desc())
        .limit(1)
    )
    return _view(row, cipher) if row is not None else None


async def save_draft(
    *, session: AsyncSession, cipher: Cipher, draft: Draft, now: datetime
) -> Draft:
    row = await session.get(ReferralDraft, draft.id)
    if row is None:
        raise LookupError(draft.id)
    row.section = draft.section
    row.data = cipher.encrypt_json(draft.form, context=_context(draft.id))
    row.revision += 1
    row.updated_at = now
    await session.flush()
    draft.revision = row.revision
    draft.updated_at = now
    return draft


async def close_draft(
    *, session: AsyncSession, draft_id: str, status: str, now: datetime, case_id: int | None = None
) -> None:
    """Mark submitted or discarded; the form's text is removed (the case keeps its own copy)."""
    row = await session.get(ReferralDraft, draft_id)
    if row is None:
        raise LookupError(draft_id)
    row.status = status
    row.case_id = case_id
    row.data = None
    row.revision += 1
    row.updated_at = now
    await session.flush()
