"""Download links: one use, a few minutes, bound to the person who asked.

A link's URL is ``/downloads/<id>.<signature>``: the id is random and the signature (an HMAC
under a key derived from the master key) covers who it is for, what it is and when it ends,
so a link is never guessed, and a row changed in the database no longer matches. Nothing of
the file is stored: the caller builds it in memory when the link is used.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher
from storage.models import DownloadLink

PURPOSE = "download-link"
SIGNATURE_CHARS = 32


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # no such link, or the signature does not match
    EXPIRED = "expired"
    USED = "used"
    OTHER_PERSON = "other_person"
    NOT_ALLOWED = "not_allowed"  # no longer holds a role that may have it


def _signature(cipher: Cipher, row: DownloadLink) -> str:
    claims = f"{row.id}|{row.aad_object_id}|{row.kind}|{row.subject}|{row.expires_at.isoformat()}"
    return cipher.mac(PURPOSE, claims)[:SIGNATURE_CHARS]


async def create_link(
    *,
    session: AsyncSession,
    cipher: Cipher,
    aad_object_id: str,
    kind: str,
    subject: str,
    now: datetime,
    minutes: float,
) -> str:
    """A new link's token (the URL's last part)."""
    row = DownloadLink(
        id=secrets.token_urlsafe(24),
        aad_object_id=aad_object_id,
        kind=kind,
        subject=subject,
        created_at=now,
        expires_at=(now + timedelta(minutes=minutes)).replace(microsecond=0),
        used_at=None,
    )
    session.add(row)
    await session.flush()
    return f"{row.id}.{_signature(cipher, row)}"


async def find_link(*, session: AsyncSession, cipher: Cipher, token: str) -> DownloadLink | None:
    """The link a token names, if its signature holds."""
    link_id, _, signature = token.partition(".")
    if not link_id or len(link_id) > 64 or len(signature) != SIGNATURE_CHARS:
        return None
    row = await session.get(DownloadLink, link_id)
    if row is None or not hmac.compare_digest(_signature(cipher, row), signature):
        return None
    return row


def refusal(row: DownloadLink | None, *, person: str, now: datetime) -> Refusal | None:
    """Why ``person`` may not use the link now, or None when they may."""
    if row is None:
        return Refusal.UNKNOWN
    if row.aad_object_id != person:
        return Refusal.OTHER_PERSON
    if row.used_at is not None:
        return Refusal.USED
    if now >= row.expires_at:
        return Refusal.EXPIRED
    return None


async def use_link(*, session: AsyncSession, row: DownloadLink, now: datetime) -> bool:
    """Mark the link used; False when another request used it first (one use, whichever
    instance serves it)."""
    result = await session.execute(
        update(DownloadLink)
        .where(DownloadLink.id == row.id, DownloadLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
