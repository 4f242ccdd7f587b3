"""The authorisation matrix enforced: where an activity came from, and every refusal audited.

The handler asks ``place_of`` which kind of conversation a turn is in, checks the command's
or verb's row of workflow/authorisation.py, and on a refusal calls ``audit_refusal``: the
person, their real roles, what they tried, on which case and why. A refusal carries no case
content: one line for the person, the audit row for the scrutineer.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from botbuilder.schema import Activity

from storage.audit import append_audit
from storage.db import transaction
from workflow import authorisation as authz

log = logging.getLogger(__name__)

GROUP_CHAT = (
    "I work in a 1:1 chat with me, or in the case review channel. Nothing about a case is "
    "shown or collected in a group chat: open a 1:1 chat with me and type **help**."
)
OTHER_CHANNEL = (
    "I work in a 1:1 chat with me and in the case review channel, not in this channel. "
    "Open a 1:1 chat with me and type **help**."
)
NO_REVIEW_CHANNEL = (
    "No case review channel is set up yet, so I answer only in a 1:1 chat with me. An "
    "administrator types **setup** in the channel the case reviews should use."
)

_REFERENCE = re.compile(r"\bBR-\d{4}-\d{4,6}\b", re.IGNORECASE)


def place_of(activity: Activity, kind: str, review_channel_id: str) -> str:
    """``personal``, ``review_channel``, ``other_channel`` or ``group_chat``."""
    if kind == "personal":
        return authz.PERSONAL
    if kind != "channel":
        return authz.GROUP_CHAT
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel = data.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    if review_channel_id and isinstance(channel_id, str) and channel_id == review_channel_id:
        return authz.REVIEW_CHANNEL
    return authz.OTHER_CHANNEL


def wrong_place_text(place: str, review_channel_id: str) -> str:
    """One line saying where the bot works, for a command or button used elsewhere."""
    if place == authz.GROUP_CHAT:
        return GROUP_CHAT
    return OTHER_CHANNEL if review_channel_id else NO_REVIEW_CHANNEL


def reference_in(value: Any) -> str | None:
    """The case reference in a command's words or a card's data, if any (for the audit)."""
    if isinstance(value, dict):
        value = value.get("case")
    if not isinstance(value, str):
        return None
    found = _REFERENCE.search(value[:2000])
    return found.group(0).upper() if found else None


async def audit_refusal(
    services: Any,
    *,
    actor: str,
    roles: frozenset[str],
    action: str,
    what: str,
    reason: str,
    place: str,
    case_ref: str | None,
) -> None:
    """One audit row for a refused command, button or refresh, in its own transaction."""
    try:
        async with transaction(services.sessions) as session:
            await append_audit(
                session=session,
                now=services.clock(),
                actor_aad_id=actor or "unknown",
                actor_role=authz.actor_roles(roles),
                action=action,
                case_ref=case_ref,
                details={"what": what[:64], "reason": reason, "where": place},
            )
    except Exception as error:  # the person still gets their answer; the log says why not
        log.error("refusal not audited", extra={"error": type(error).__name__})
    log.info("refused", extra={"what": what[:64], "reason": reason, "where": place})
