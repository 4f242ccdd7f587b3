"""Notifications: who was told of the case (the Panel, Ofsted, ...), when, and their reference."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import append_audit
from storage.models import (
    Case,
    NotificationRow,
)


async def record_notification(
    *,
    session: AsyncSession,
    case: Case,
    recipient: str,
    sent_at: datetime,
    recorded_by: str,
    actor_role: str,
    external_reference: str | None = None,
) -> NotificationRow:
    row = NotificationRow(
        case_id=case.id,
        recipient=recipient,
        sent_at=sent_at,
        recorded_by=recorded_by,
        external_reference=external_reference,
    )
    session.add(row)
    await session.flush()
    await append_audit(
        session=session,
        now=sent_at,
        actor_aad_id=recorded_by,
        actor_role=actor_role,
        action="notification.recorded",
        case_ref=case.reference,
        details={"recipient": recipient, "external_reference": external_reference},
    )
    return row


_CASE_NOTIFICATIONS = (
    select(NotificationRow)
    .where(NotificationRow.case_id == bindparam("case_id"))
    .order_by(NotificationRow.sent_at)
)


async def list_notifications(*, session: AsyncSession, case: Case) -> list[NotificationRow]:
    return list(await session.scalars(_CASE_NOTIFICATIONS, {"case_id": case.id}))
