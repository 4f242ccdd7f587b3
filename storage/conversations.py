"""Conversation references: where the bot can post later (proactive messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationRef


@dataclass(frozen=True)
class ConversationInfo:
    conversation_id: str
    kind: str
    user_aad_id: str | None
    team_id: str | None
    channel_id: str | None
    tenant_id: str | None
    service_url: str
    reference_json: str


async def save_conversation(
    *, session: AsyncSession, info: ConversationInfo, now: datetime
) -> bool:
    """Insert or refresh the reference for ``info.conversation_id``; True when it is new."""
    row = await session.scalar(
        select(ConversationRef).where(ConversationRef.conversation_id == info.conversation_id)
    )
    created = row is None
    if row is None:
        row = ConversationRef(conversation_id=info.conversation_id)
        session.add(row)
    row.kind = info.kind
    row.user_aad_id = info.user_aad_id
    row.team_id = info.team_id
    row.channel_id = info.channel_id
    row.tenant_id = info.tenant_id
    row.service_url = info.service_url
    row.reference = info.reference_json
    row.updated_at = now
    await session.flush()
    return created


async def get_conversation(
    *, session: AsyncSession, conversation_id: str
) -> ConversationRef | None:
    row: ConversationRef | None = await session.scalar(
        select(ConversationRef).where(ConversationRef.conversation_id == conversation_id)
    )
    return row


async def get_personal_conversation(
    *, session: AsyncSession, user_aad_id: str
) -> ConversationRef | None:
    row: ConversationRef | None = await session.scalar(
        select(ConversationRef)
        .where(ConversationRef.kind == "personal", ConversationRef.user_aad_id == user_aad_id)
        .order_by(ConversationRef.updated_at.desc())
        .limit(1)
    )
    return row


async def get_any_team_conversation(*, session: AsyncSession) -> ConversationRef | None:
    """A channel reference, for its service URL and team when opening a 1:1 chat."""
    row: ConversationRef | None = await session.scalar(
        select(ConversationRef)
        .where(ConversationRef.team_id.is_not(None))
        .order_by(ConversationRef.updated_at.desc())
        .limit(1)
    )
    return row
