"""Form drafts: saved at every button, encrypted, owned by one person. At most one open draft
per form kind, owner and case: the database refuses a second (``IntegrityError``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

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


@dataclass(frozen=True)
class DraftHeader:
    """An open draft without its answers: enough to offer it back."""

    id: str
    section: str
    created_at: datetime
    updated_at: datetime


async def open_draft_header(
    *,
    engine: AsyncEngine,
    form_kind: str,
    owner_aad_id: str,
    case_id: int | None = None,
) -> DraftHeader | None:
    """The person's open draft of this form (for this case), answers not read or decrypted.
    Asked on every start of a form, so a Core read on a pooled connection: about a third of
    an ORM session's cost."""
    table = FormDraft.__table__
    query = (
        select(table.c.id, table.c.section, table.c.created_at, table.c.updated_at)
        .where(
            table.c.form_kind == form_kind,
            table.c.owner_aad_id == owner_aad_id,
            table.c.status == OPEN,
            table.c.case_id.is_(None) if case_id is None else table.c.case_id == case_id,
        )
        .order_by(table.c.updated_at.desc())
        .limit(1)
    )
    async with engine.connect() as connection:
        row = (await connection.execute(query)).first()
    return DraftHeader(*row) if row is not None else None


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
