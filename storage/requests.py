"""Requests on one case: who was asked to act on it, for which agency, by whom and when.
A request is what gives its person a role for that case alone (``people.get_roles``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.case_keys import case_cipher
from storage.crypto import Cipher
from storage.models import Case, CaseRequest, IgtReturn


async def get_request(
    *, session: AsyncSession, case: Case, purpose: str, aad_object_id: str
) -> CaseRequest | None:
    row: CaseRequest | None = await session.scalar(
        select(CaseRequest).where(
            CaseRequest.case_id == case.id,
            CaseRequest.purpose == purpose,
            CaseRequest.aad_object_id == aad_object_id,
        )
    )
    return row


async def add_request(
    *,
    session: AsyncSession,
    case: Case,
    purpose: str,
    aad_object_id: str,
    agency: str,
    requested_by: str,
    now: datetime,
    due_date: date | None = None,
) -> tuple[CaseRequest, bool]:
    """The request, and whether it is new (asking the same person twice asks once)."""
    existing = await get_request(
        session=session, case=case, purpose=purpose, aad_object_id=aad_object_id
    )
    if existing is not None:
        return existing, False
    row = CaseRequest(
        case_id=case.id,
        purpose=purpose,
        aad_object_id=aad_object_id,
        agency=agency,
        requested_by=requested_by,
        requested_at=now,
        due_date=due_date,
        state="sent",
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row, True


_CASE_REQUESTS = (
    select(CaseRequest)
    .where(CaseRequest.case_id == bindparam("case_id"), CaseRequest.purpose == bindparam("purpose"))
    .order_by(CaseRequest.requested_at, CaseRequest.id)
)


async def list_requests(*, session: AsyncSession, case: Case, purpose: str) -> list[CaseRequest]:
    rows = await session.scalars(_CASE_REQUESTS, {"case_id": case.id, "purpose": purpose})
    return list(rows)


# ----- the Information Gathering Tool's returns ---------------------------------------------


@dataclass(frozen=True)
class ReturnView:
    request_id: int
    version: int
    kind: str  # "return" or "no_involvement"
    form: dict[str, Any]  # the form; for no involvement, {"reason": ...}
    submitted_by: str
    submitted_at: datetime


def _context(case: Case, request_id: int, version: int) -> str:
    return f"igt:{case.reference}:{request_id}:{version}"


async def add_return(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    request: CaseRequest,
    kind: str,
    form: dict[str, Any],
    by: str,
    now: datetime,
) -> int:
    """Store a return as the request's next version (earlier ones are kept); its number."""
    latest = await session.scalar(
        select(func.max(IgtReturn.version)).where(IgtReturn.request_id == request.id)
    )
    version = int(latest or 0) + 1
    session.add(
        IgtReturn(
            request_id=request.id,
            case_id=case.id,
            version=version,
            kind=kind,
            payload=case_cipher(master, case).encrypt_json(
                form, context=_context(case, request.id, version)
            ),
            submitted_by=by,
            submitted_at=now,
        )
    )
    await session.flush()
    return version


_NEWEST = (
    select(IgtReturn.request_id, func.max(IgtReturn.version).label("version"))
    .where(IgtReturn.case_id == bindparam("case_id"))
    .group_by(IgtReturn.request_id)
    .subquery()
)
_LATEST_RETURNS = select(IgtReturn).join(  # each request's latest return on a case
    _NEWEST,
    (IgtReturn.request_id == _NEWEST.c.request_id) & (IgtReturn.version == _NEWEST.c.version),
)
_LATEST_OF = _LATEST_RETURNS.where(IgtReturn.request_id.in_(bindparam("ids", expanding=True)))


async def latest_returns(
    *, session: AsyncSession, master: Cipher, case: Case, request_ids: Iterable[int] | None = None
) -> dict[int, ReturnView]:
    """Each request's latest return (of ``request_ids``, or all the case's), decrypted. The
    caller audits the view."""
    if request_ids is None:
        rows = await session.scalars(_LATEST_RETURNS, {"case_id": case.id})
    else:
        rows = await session.scalars(_LATEST_OF, {"case_id": case.id, "ids": list(request_ids)})
    cipher = case_cipher(master, case)
    found = {}
    for row in rows:
        found[row.request_id] = ReturnView(
            request_id=row.request_id,
            version=row.version,
            kind=row.kind,
            form=cipher.decrypt_json(
                row.payload, context=_context(case, row.request_id, row.version)
            ),
            submitted_by=row.submitted_by,
            submitted_at=row.submitted_at,
        )
    return found
