"""Form drafts: saved at every button, encrypted, owned by one person. At most one open draft
per form kind, owner and case: the database refuses a second (``IntegrityError``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, select, update
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


def _view(row: Any, cipher: Cipher) -> Draft:
    """A draft from its row (an ORM object or a Core row: the same names), decrypted."""
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


_DRAFTS: Table = FormDraft.__table__  # type: ignore[assignment]
_ROW = (
    _DRAFTS.c.id,
    _DRAFTS.c.form_kind,
    _DRAFTS.c.owner_aad_id,
    _DRAFTS.c.status,
    _DRAFTS.c.section,
    _DRAFTS.c.revision,
    _DRAFTS.c.data,
    _DRAFTS.c.case_id,
    _DRAFTS.c.created_at,
    _DRAFTS.c.updated_at,
)

# Built once: a statement object's cache key is worked out once, not at every button.
_GET = select(*_ROW).where(_DRAFTS.c.id == bindparam("draft_id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_SAVE = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("draft_id"))
    .values(
        section=bindparam("section"),
        data=bindparam("data"),
        revision=_DRAFTS.c.revision + 1,
        updated_at=bindparam("updated_at"),
    )
    .returning(_DRAFTS.c.revision)
)


async def get_draft(
    *, session: AsyncSession, cipher: Cipher, draft_id: str, for_update: bool = False
) -> Draft | None:
    """The draft, decrypted. Read and saved at every button: Core statements, not ORM
    objects (the ORM's loading and flushing were most of a wizard step's cost)."""
    query = _GET_FOR_UPDATE if for_update else _GET
    row = (await session.execute(query, {"draft_id": draft_id})).first()
    return _view(row, cipher) if row is not None else None


async def get_header(*, session: AsyncSession, draft_id: str) -> tuple[str, str, int | None] | None:
    """(owner, form kind, case id) of a draft, nothing decrypted: who a press may act on."""
    row = (
        await session.execute(
            select(_DRAFTS.c.owner_aad_id, _DRAFTS.c.form_kind, _DRAFTS.c.case_id).where(
                _DRAFTS.c.id == draft_id
            )
        )
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


@dataclass(frozen=True)
class DraftHeader:
    """An open draft without its answers: enough to offer it back."""

    id: str
    section: str
    created_at: datetime
    updated_at: datetime


def _open_query(for_case: bool) -> Select[Any]:
    case = _DRAFTS.c.case_id
    return (
        select(_DRAFTS.c.id, _DRAFTS.c.section, _DRAFTS.c.created_at, _DRAFTS.c.updated_at)
        .where(
            _DRAFTS.c.form_kind == bindparam("form_kind"),
            _DRAFTS.c.owner_aad_id == bindparam("owner"),
            _DRAFTS.c.status == OPEN,
            case == bindparam("case_id") if for_case else case.is_(None),
        )
        .order_by(_DRAFTS.c.updated_at.desc())
        .limit(1)
    )


_OPEN, _OPEN_FOR_CASE = _open_query(False), _open_query(True)


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
    query = _OPEN_FOR_CASE if case_id is not None else _OPEN
    params = {"form_kind": form_kind, "owner": owner_aad_id, "case_id": case_id}
    async with engine.connect() as connection:
        row = (await connection.execute(query, params)).first()
    return DraftHeader(*row) if row is not None else None


async def save_draft(
    *, session: AsyncSession, cipher: Cipher, draft: Draft, now: datetime
) -> Draft:
    values = {
        "draft_id": draft.id,
        "section": draft.section,
        "data": cipher.encrypt_json(draft.form, context=_context(draft.id)),
        "updated_at": now,
    }
    revision = (await session.execute(_SAVE, values)).scalar_one_or_none()
    if revision is None:
        raise LookupError(draft.id)
    draft.revision = int(revision)
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
