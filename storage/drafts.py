"""Form drafts: saved at every button, encrypted, owned by one person. At most one open draft
per form kind, owner and case: the database refuses a second (``IntegrityError``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher
from storage.models import FormDraft

OPEN, SUBMITTED, DISCARDED = "open", "submitted", "discarded"


def _context(draft_id: str) -> str:
    return f"referral-draft:{draft_id}"  # the name drafts had when only referrals had them


@dataclass
class Draft:
    id: str
    form_kind: str
    owner_aad_id: str
    status: str
    section: str
    revision: int
    form: dict[str, Any]
    case_id: int | None
    created_at: datetime
    updated_at: datetime


def _view(row: FormDraft, cipher: Cipher) -> Draft:
    form = cipher.decrypt_json(row.data, context=_context(row.id)) if row.data else {}
    return Draft(
        row.id,
        row.form_kind,
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
    form_kind: str,
    owner_aad_id: str,
    section: str,
    form: dict[str, Any],
    now: datetime,
    case_id: int | None = None,
) -> Draft:
    row = FormDraft(
        id=str(uuid.uuid4()),
        form_kind=form_kind,
        owner_aad_id=owner_aad_id,
        case_id=case_id,
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
    query = select(FormDraft).where(FormDraft.id == draft_id)
    if for_update:
        query = query.with_for_update()
    row = await session.scalar(query)
    return _view(row, cipher) if row is not None else None


async def open_draft_of(
    *,
    session: AsyncSession,
    cipher: Cipher,
    form_kind: str,
    owner_aad_id: str,
    case_id: int | None = None,
) -> Draft | None:
    """The person's open draft of this form (for this case)."""
    row = await session.scalar(
        select(FormDraft)
        .where(
            FormDraft.form_kind == form_kind,
            FormDraft.owner_aad_id == owner_aad_id,
            FormDraft.status == OPEN,
            FormDraft.case_id.is_(None) if case_id is None else FormDraft.case_id == case_id,
        )
        .order_by(FormDraft.updated_at.desc())
        .limit(1)
    )
    return _view(row, cipher) if row is not None else None


async def save_draft(
    *, session: AsyncSession, cipher: Cipher, draft: Draft, now: datetime
) -> Draft:
    row = await session.get(FormDraft, draft.id)
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
    row = await session.get(FormDraft, draft_id)
    if row is None:
        raise LookupError(draft_id)
    row.status = status
    if case_id is not None:
        row.case_id = case_id
    row.data = None
    row.revision += 1
    row.updated_at = now
    await session.flush()
