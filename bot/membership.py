"""Where the bot is, and is no longer: installs, removals, archived or deleted teams and
channels, as Teams reports them.

Each event is recorded in the audit log, and the conversations it concerns are marked
reachable or not, in one transaction. When the case review channel can no longer be reached,
its unsent messages are held (not retried until they fail) and the Business Unit and the
bot's administrators are told in their 1:1 chats, or, when none of them can be reached, the
log says so. When the bot is back, held messages are released.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.schema import Activity, ActivityTypes
from sqlalchemy.ext.asyncio import AsyncSession

from cards.notices import channel_lost_card
from storage import outbox
from storage.audit import append_audit
from storage.conversations import channel_route, get_personal_conversation, set_reachable
from storage.crypto import Cipher
from storage.people import list_holders
from workflow.roles import Role

log = logging.getLogger(__name__)

TEAMS_ACTOR = "teams"

# channelData.eventType, lower-cased (Microsoft's own examples spell "teamrestored" both
# ways) -> (audit action, what happened, in the words of the note)
_LOST_EVENTS = {
    "teamarchived": ("teams.team_archived", "The team was archived"),
    "teamdeleted": ("teams.team_deleted", "The team was deleted"),
    "teamharddeleted": ("teams.team_deleted", "The team was deleted"),
    "channeldeleted": ("teams.channel_deleted", "The case review channel was deleted"),
}
_BACK_EVENTS = {
    "teamunarchived": "teams.team_unarchived",
    "teamrestored": "teams.team_restored",
    "channelrestored": "teams.channel_restored",
}


@dataclass(frozen=True)
class Change:
    """What one Teams event means for where the bot can post."""

    action: str  # the audit action
    reachable: bool
    words: str = ""  # for the note, when lost
    team_id: str | None = None
    channel_id: str | None = None
    conversation_id: str | None = None


def _ids(activity: Activity) -> tuple[str | None, str | None]:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team, channel = data.get("team"), data.get("channel")
    team_id = team.get("id") if isinstance(team, dict) else None
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    return (
        team_id if isinstance(team_id, str) else None,
        channel_id if isinstance(channel_id, str) else None,
    )


def _is_bot(members: list[Any] | None, activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return bool(bot_id) and any(getattr(m, "id", None) == bot_id for m in members or [])


def change_of(activity: Activity) -> Change | None:
    """The change a ``conversationUpdate`` or ``installationUpdate`` makes, if any."""
    team_id, channel_id = _ids(activity)
    conversation_id = activity.conversation.id if activity.conversation else None
    # The bot in a team, or in this one chat.
    scope = {"team_id": team_id} if team_id else {"conversation_id": conversation_id}
    if activity.type == ActivityTypes.installation_update:
        if activity.action in ("remove", "remove-upgrade"):
            return Change("teams.uninstalled", False, "I was uninstalled from the team", **scope)
        if activity.action in ("add", "add-upgrade"):
            return Change("teams.installed", True, **scope)
        return None
    if activity.type != ActivityTypes.conversation_update:
        return None
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    event = str(data.get("eventType") or "").lower()
    if event in _LOST_EVENTS:
        action, words = _LOST_EVENTS[event]
        if event == "channeldeleted":
            return Change(action, False, words, channel_id=channel_id)
        return Change(action, False, words, team_id=team_id)
    if event in _BACK_EVENTS:
        if event == "channelrestored":
            return Change(_BACK_EVENTS[event], True, channel_id=channel_id)
        return Change(_BACK_EVENTS[event], True, team_id=team_id)
    if _is_bot(activity.members_removed, activity):
        return Change("teams.bot_removed", False, "I was removed from the team", **scope)
    if _is_bot(activity.members_added, activity):
        return Change("teams.bot_added", True, **scope)
    return None


async def apply_change(
    *,
    session: AsyncSession,
    change: Change,
    now: datetime,
    actor_aad_id: str,
    cipher: Cipher,
    channel_id: str,
    timezone: ZoneInfo,
) -> None:
    """Record ``change`` in the caller's transaction. Messages it queues or releases are
    sent once that commits."""
    if not (change.team_id or change.channel_id or change.conversation_id):
        return
    _, was_gone = await channel_route(session=session, channel_id=channel_id)
    rows = await set_reachable(
        session=session,
        now=now,
        reachable=change.reachable,
        reason=change.action,
        team_id=change.team_id,
        channel_id=change.channel_id,
        conversation_id=change.conversation_id,
    )
    if change.reachable and not rows:
        return  # a repeated install event (the local client sends one per chat opened)
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor_aad_id or TEAMS_ACTOR,
        actor_role="teams",
        action=change.action,
        details={
            "team_id": change.team_id,
            "channel_id": change.channel_id,
            "conversation_id": change.conversation_id,
            "conversations": rows,
        },
    )
    route, gone = await channel_route(session=session, channel_id=channel_id)
    if gone and not was_gone:
        await channel_lost(
            session=session, now=now, words=change.words, cipher=cipher, timezone=timezone
        )
    elif route is not None and change.reachable:
        released = await outbox.release_held(session=session, now=now)
        if released:
            log.info("held messages released", extra={"messages": released})


async def channel_lost(
    *, session: AsyncSession, now: datetime, words: str, cipher: Cipher, timezone: ZoneInfo
) -> int:
    """Hold the channel's unsent messages and tell the Business Unit and the admins; return
    how many were told."""
    held = await outbox.hold_channel_messages(
        session=session, now=now, reason="held: the case review channel cannot be reached"
    )
    card = channel_lost_card(what=words, when=now.astimezone(timezone), held=held)
    told = 0
    recipients = dict.fromkeys(
        [
            *await list_holders(session=session, role=Role.BUSINESS_UNIT),
            *await list_holders(session=session, role=Role.ADMIN),
        ]
    )
    for aad_id in recipients:
        if await get_personal_conversation(session=session, user_aad_id=aad_id) is None:
            continue
        await outbox.enqueue(
            session=session,
            cipher=cipher,
            now=now,
            card=card,
            summary="I can't post in the case review channel",
            recipient_aad_id=aad_id,
        )
        told += 1
    log.warning(
        "case review channel cannot be reached; its messages are held",
        extra={"why": words, "held": held, "told": told},
    )
    if not told:
        log.error(
            "nobody in the Business Unit or admins can be told in Teams that the case review "
            "channel cannot be reached: add the bot back to the team",
            extra={"held": held},
        )
    return told
