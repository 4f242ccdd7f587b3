"""Requests on one case: who was asked to act on it, for which agency, by whom and when.
A request is what gives its person a role for that case alone (``people.get_roles``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseRequest


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


async def list_requests(*, session: AsyncSession, case: Case, purpose: str) -> list[CaseRequest]:
    rows = await session.scalars(
        select(CaseRequest)
        .where(CaseRequest.case_id == case.id, CaseRequest.purpose == purpose)
        .order_by(CaseRequest.requested_at, CaseRequest.id)
    )
    return list(rows)
