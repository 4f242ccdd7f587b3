"""Teams activity JSON as Teams (and the local client) sends it, for HTTP tests."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import TENANT

BOT = {"id": "28:bot-app-id", "name": "Case Review Bot"}
# Loopback and closed: a test that makes the bot call out without a fake connector fails fast
# instead of reaching any real service.
SERVICE_URL = "http://127.0.0.1:9/"

PRACTITIONER = {
    "id": "29:practitioner",
    "name": "Priya Shah",
    "aadObjectId": "00000000-0000-4000-8000-000000000101",
}
CHAIR = {
    "id": "29:chair",
    "name": "Chris Holt",
    "aadObjectId": "00000000-0000-4000-8000-000000000102",
}
CSC_DEPUTY_DIRECTOR = {  # Laura Ahmed: the LA representative, and CSC Deputy Director
    "id": "29:local-authority",
    "name": "Laura Ahmed",
    "aadObjectId": "00000000-0000-4000-8000-000000000105",
}
BUSINESS_UNIT = {
    "id": "29:business-unit",
    "name": "Bea Umar",
    "aadObjectId": "00000000-0000-4000-8000-000000000103",
}
POLICE = {
    "id": "29:police",
    "name": "Paul Okafor",
    "aadObjectId": "00000000-0000-4000-8000-000000000104",
}
LOCAL_AUTHORITY = CSC_DEPUTY_DIRECTOR  # the same person holds both roles locally
HEALTH = {
    "id": "29:health",
    "name": "Hannah Ibe",
    "aadObjectId": "00000000-0000-4000-8000-000000000106",
}
DIRECTOR = CSC_DEPUTY_DIRECTOR  # locally the Strategic Director too (six personas at most)


def _base(
    user: dict[str, str],
    *,
    tenant: str = TENANT,
    channel: bool = False,
    service_url: str = SERVICE_URL,
) -> dict[str, Any]:
    conversation: dict[str, Any] = {
        "conversationType": "channel" if channel else "personal",
        "tenantId": tenant,
        "id": "19:case-review@thread.tacv2" if channel else f"a:personal-{user['id']}",
    }
    channel_data: dict[str, Any] = {"tenant": {"id": tenant}}
    if channel:
        conversation["isGroup"] = True
        channel_data["team"] = {"id": "19:team@thread.tacv2"}
        channel_data["channel"] = {"id": "19:case-review@thread.tacv2"}
    return {
        "id": str(uuid.uuid4()),
        "timestamp": "2026-11-26T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": dict(user),
        "recipient": dict(BOT),
        "conversation": conversation,
        "channelData": channel_data,
        "locale": "en-GB",
    }


def message(
    text: str,
    *,
    user: dict[str, str] = PRACTITIONER,
    tenant: str = TENANT,
    channel: bool = False,
    expect_replies: bool = True,
    service_url: str = SERVICE_URL,
) -> dict[str, Any]:
    activity = _base(user, tenant=tenant, channel=channel, service_url=service_url)
    activity.update({"type": "message", "text": text, "textFormat": "plain"})
    if expect_replies:
        activity["deliveryMode"] = "expectReplies"
    return activity


def execute(
    verb: str,
    data: dict[str, Any] | None = None,
    *,
    user: dict[str, str] = PRACTITIONER,
    reply_to: str = "card-message-1",
    channel: bool = False,
    service_url: str = SERVICE_URL,
) -> dict[str, Any]:
    activity = _base(user, channel=channel, service_url=service_url)
    activity.update(
        {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "replyToId": reply_to,
            "value": {
                "action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
                "trigger": "manual",
            },
        }
    )
    return activity
