"""Referral versions: every submitted or amended referral kept, encrypted, the newest read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import append_audit
from storage.case_keys import case_cipher
from storage.crypto import Cipher
from storage.models import (
    Case,
    ReferralVersion,
)


@dataclass(frozen=True)
class ReferralView:
    version: int
    submitted_by: str
    submitted_at: datetime
    form: dict[str, Any]


async def add_referral_version(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    form: Mapping[str, Any],
    by: str,
    actor_role: str,
    now: datetime,
) -> int:
    """A correction: a new version; earlier ones stay as they were."""
    latest = await session.scalar(
        select(func.max(ReferralVersion.version)).where(ReferralVersion.case_id == case.id)
    )
    version = int(latest or 0) + 1
    session.add(
        ReferralVersion(
            case_id=case.id,
            version=version,
            submitted_by=by,
            submitted_at=now,
            payload=case_cipher(master, case).encrypt_json(
                dict(form), context=f"referral:{case.reference}:{version}"
            ),
        )
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=by,
        actor_role=actor_role,
        action="referral.corrected",
        case_ref=case.reference,
        details={"version": version},
    )
    await session.flush()
    return version


async def read_referral(
    *, session: AsyncSession, master: Cipher, case: Case, version: int | None = None
) -> ReferralView:
    """Decrypt a referral version (the latest by default). The caller audits the view."""
    query = select(ReferralVersion).where(ReferralVersion.case_id == case.id)
    if version is None:
        query = query.order_by(ReferralVersion.version.desc()).limit(1)
    else:
        query = query.where(ReferralVersion.version == version)
    row = (await session.scalars(query)).one()
    form = case_cipher(master, case).decrypt_json(
        row.payload, context=f"referral:{case.reference}:{row.version}"
    )
    return ReferralView(row.version, row.submitted_by, row.submitted_at, form)
