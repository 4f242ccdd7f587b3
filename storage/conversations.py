"""Conversation references: where the bot can post later (proactive messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert
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
) -> None:
    """Insert or refresh the reference for ``info.conversation_id``, in one statement (two
    first activities of a new conversation may arrive at once). Whether it is reachable, and
    welcomed, is kept: only explicit events change those."""
    fields = {
        "kind": info.kind,
        "user_aad_id": info.user_aad_id,
        "team_id": info.team_id,
        "channel_id": info.channel_id,
        "tenant_id": info.tenant_id,
        "service_url": info.service_url,
        "reference": info.reference_json,
        "updated_at": now,
    }
    new: dict[str, Any] = {"conversation_id": info.conversation_id, **fields, "reachable": True}
    # A conversation first seen in a channel or team the bot has lost (a reaction in an
    # archived team, say) is no way back in: it starts as unreachable as they are.
    lost = await _lost_sibling(session, info)
    if lost is not None:
        new.update(
            reachable=False,
            unreachable_reason=lost.unreachable_reason,
            unreachable_at=lost.unreachable_at,
        )
    statement = upsert(session, ConversationRef).values(**new)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["conversation_id"], set_=fields)
    )


async def _lost_sibling(session: AsyncSession, info: ConversationInfo) -> ConversationRef | None:
    """The lost conversation a new one shares its channel with, or (when no conversation of
    its team is reachable) its team."""
    siblings = select(ConversationRef).order_by(ConversationRef.updated_at.desc()).limit(1)
    if info.channel_id:
        same_channel: ConversationRef | None = await session.scalar(
            siblings.where(ConversationRef.channel_id == info.channel_id)
        )
        if same_channel is not None:
            return None if same_channel.reachable else same_channel
    if info.team_id:
        same_team: ConversationRef | None = await session.scalar(
            siblings.where(ConversationRef.team_id == info.team_id)
        )
        if same_team is not None and not same_team.reachable:
            reachable = await session.scalar(
                select(ConversationRef.id).where(
                    ConversationRef.team_id == info.team_id, ConversationRef.reachable.is_(True)
                )
            )
            return same_team if reachable is None else None
    return None


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
    """The person's 1:1 chat with the bot, unless they uninstalled the bot there."""
    row: ConversationRef | None = await session.scalar(
        select(ConversationRef)
        .where(
            ConversationRef.kind == "personal",
            ConversationRef.user_aad_id == user_aad_id,
            ConversationRef.reachable.is_(True),
        )
        .order_by(ConversationRef.updated_at.desc())
        .limit(1)
    )
    return row


async def get_team_conversation(
    *, session: AsyncSession, channel_id: str | None = None
) -> ConversationRef | None:
    """A reference in a team the bot is still in, for its service URL and team: the
    configured channel's own when ``channel_id`` is known, else the latest seen. Never one
    the bot was removed from, nor one in an archived or deleted team."""
    query = select(ConversationRef).where(
        ConversationRef.team_id.is_not(None), ConversationRef.reachable.is_(True)
    )
    if channel_id:
        query = query.where(
            or_(
                ConversationRef.channel_id == channel_id,
                ConversationRef.conversation_id == channel_id,
            )
        )
    row: ConversationRef | None = await session.scalar(
        query.order_by(ConversationRef.updated_at.desc()).limit(1)
    )
    return row


async def set_reachable(
    *,
    session: AsyncSession,
    now: datetime,
    reachable: bool,
    reason: str | None = None,
    team_id: str | None = None,
    conversation_id: str | None = None,
    channel_id: str | None = None,
) -> int:
    """Mark every conversation of a team, or one conversation or channel, (un)reachable;
    return how many rows changed."""
    query = update(ConversationRef).where(ConversationRef.reachable.is_(not reachable))
    if team_id is not None:
        query = query.where(ConversationRef.team_id == team_id)
    elif channel_id is not None:
        query = query.where(
            or_(
                ConversationRef.channel_id == channel_id,
                ConversationRef.conversation_id == channel_id,
            )
        )
    elif conversation_id is not None:
        query = query.where(ConversationRef.conversation_id == conversation_id)
    else:
        raise ValueError("name a team, a channel or a conversation")
    result = await session.execute(
        query.values(
            reachable=reachable,
            unreachable_reason=None if reachable else (reason or "")[:64],
            unreachable_at=None if reachable else now,
            updated_at=now,
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_welcomed(*, session: AsyncSession, conversation_id: str, now: datetime) -> None:
    await session.execute(
        update(ConversationRef)
        .where(ConversationRef.conversation_id == conversation_id)
        .values(welcomed_at=now)
        .execution_options(synchronize_session=False)
    )


async def channel_route(
    *, session: AsyncSession, channel_id: str | None
) -> tuple[ConversationRef | None, bool]:
    """The team reference to post to the case review channel through, and whether the
    channel is *gone* (the bot was there and was removed, or the team or channel archived or
    deleted) rather than not yet known. The channel's own reference first; without one, any
    team the bot is still in."""
    if channel_id:
        exact = await get_team_conversation(session=session, channel_id=channel_id)
        if exact is not None:
            return exact, False
        lost = await session.scalar(
            select(ConversationRef.id).where(
                or_(
                    ConversationRef.channel_id == channel_id,
                    ConversationRef.conversation_id == channel_id,
                ),
                ConversationRef.reachable.is_(False),
            )
        )
        if lost is not None:
            return None, True
    anywhere = await get_team_conversation(session=session)
    if anywhere is not None:
        return anywhere, False
    lost = await session.scalar(
        select(ConversationRef.id).where(
            ConversationRef.team_id.is_not(None), ConversationRef.reachable.is_(False)
        )
    )
    return None, lost is not None
