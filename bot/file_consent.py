"""Teams' own file consent flow, for the rapid review pack where the bot runs in Teams (the
local client cannot show it: PLATFORM.md). The bot offers the file with a file consent card;
the person accepts in Teams; Teams gives an upload address in their OneDrive; the bot builds
the file then, in memory, puts it there and sends a card that opens it. The offer is a
one-use link like the download button's, bound to the person: accepted by anyone else, late
or twice, it is refused and audited (bot.downloads.redeem).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from bot.downloads import REFUSED, redeem
from bot.turn import Services

log = logging.getLogger(__name__)

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)


def consent_attachment(*, name: str, size: int, token: str, what: str) -> dict[str, Any]:
    """The file consent card offering ``name`` (about ``size`` bytes)."""
    context = {"link": token}
    return {
        "contentType": CONSENT,
        "name": name,
        "content": {
            "description": what,
            "sizeInBytes": size,
            "acceptContext": context,
            "declineContext": context,
        },
    }


async def answer(services: Services, value: Any, person: str) -> tuple[str, dict[str, Any] | None]:
    """The answer to a ``fileConsent/invoke``: what to say, and the file card to send (when
    the file was uploaded)."""
    value = value if isinstance(value, dict) else {}
    context = value.get("context") if isinstance(value.get("context"), dict) else {}
    token = str(context.get("link") or "")
    if value.get("action") != "accept":
        return "All right: the file wasn't sent. Type the command again if you want it.", None
    upload = value.get("uploadInfo") if isinstance(value.get("uploadInfo"), dict) else {}
    url = str(upload.get("uploadUrl") or "")
    if not token or (not url.startswith("https://") and not services.settings.local):
        return "That offer of a file can't be used. Type the command again.", None
    why, body, _name, _kind = await redeem(services, token, person, via="teams_file")
    if why is not None or body is None:
        return REFUSED[why] if why else "That offer can't be used.", None
    size = len(body)
    try:
        async with (
            aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as http,
            http.put(
                url,
                data=body,
                headers={
                    "Content-Length": str(size),
                    "Content-Range": f"bytes 0-{size - 1}/{size}",
                },
            ) as put,
        ):
            if put.status >= 300:
                raise aiohttp.ClientResponseError(
                    put.request_info, (), status=put.status, message="upload refused"
                )
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("file upload failed", extra={"error": type(error).__name__})
        return (
            "I couldn't put the file in your OneDrive just now. Type the command again for a "
            "fresh offer, or use the download button.",
            None,
        )
    card = {
        "contentType": FILE_INFO,
        "contentUrl": str(upload.get("contentUrl") or ""),
        "name": str(upload.get("name") or _name),
        "content": {
            "uniqueId": str(upload.get("uniqueId") or ""),
            "fileType": str(upload.get("fileType") or ""),
        },
    }
    return "The file is in your OneDrive:", card
