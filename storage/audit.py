"""The append-only audit log, hash-chained and signed, so that any edit is detectable.

Each entry's hash is SHA-256 over a canonical JSON of its fields and the previous entry's
hash; each hash is signed with the audit key (Ed25519, ``AUDIT_KEY``, kept apart from the
data key), and so is the head (the last sequence number and hash). Someone who can write the
database can edit a row and re-hash the chain, but cannot sign it: ``verify_audit`` names the
first entry whose signature fails. Verifying needs only the public key, which the export
carries (with its fingerprint, to be checked against the one the partnership publishes).

Appends lock the single ``audit_head`` row, so concurrent appends queue and the chain never
forks. ``details`` must never hold personal data: references, field names, counts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64
SIGNER = "audit.signer"  # sessionmaker info: the audit key (storage.db.create_sessionmaker)


class AuditKeyError(ValueError):
    """The audit key is missing or malformed."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"{what} is not base64") from None


class AuditVerifier:
    """Checks entries' signatures: the public half of the audit key, all a scrutineer needs."""

    def __init__(self, public: bytes) -> None:
        if len(public) != 32:
            raise AuditKeyError("an audit public key is 32 bytes")
        self._public = Ed25519PublicKey.from_public_bytes(public)
        self.public_text = _b64(public)

    @classmethod
    def from_text(cls, text: str) -> AuditVerifier:
        return cls(_unb64(text, "the audit public key"))

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the public key, in groups of four: read out and compared by people."""
        digest = hashlib.sha256(_unb64(self.public_text, "key")).hexdigest()[:32]
        return " ".join(digest[i : i + 4] for i in range(0, 32, 4))

    def valid(self, message: str, signature: str | None) -> bool:
        if not signature:
            return False
        try:
            self._public.verify(_unb64(signature, "a signature"), message.encode())
        except (InvalidSignature, AuditKeyError, ValueError):
            return False
        return True


class AuditSigner(AuditVerifier):
    """The audit key: signs each entry's hash and the head."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise AuditKeyError(f"AUDIT_KEY must decode to 32 bytes, not {len(seed)}")
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        super().__init__(self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def from_text(cls, text: str) -> AuditSigner:
        return cls(_unb64(text, "AUDIT_KEY"))

    def sign(self, message: str) -> str:
        return _b64(self._private.sign(message.encode()))


def new_audit_key() -> str:
    return _b64(os.urandom(32))


def head_message(seq: int, hash_: str) -> str:
    """What the head's signature covers: the chain's length and its last hash."""
    return f"audit-head:{seq}:{hash_}"


def entry_hash(event: AuditEvent) -> str:
    """SHA-256 over the entry's fields and the previous entry's hash, canonically encoded."""
    canonical = json.dumps(
        [
            event.seq,
            event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            event.actor_aad_id,
            event.actor_role,
            event.action,
            event.case_ref,
            event.details,
            event.prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def append_audit(
    *,
    session: AsyncSession,
    now: datetime,
    actor_aad_id: str,
    actor_role: str,
    action: str,
    case_ref: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction; return it as written (not in the
    session: the entry and the head are written at once, by three Core statements, which
    cost a third of what the ORM's flush of them did)."""
    head = (await session.execute(_HEAD)).one()
    seq = head.seq + 1
    event = AuditEvent(
        seq=seq,
        occurred_at=now,
        actor_aad_id=actor_aad_id,
        actor_role=actor_role,
        action=action,
        case_ref=case_ref,
        details=json.dumps(dict(details or {}), sort_keys=True, separators=(",", ":")),
        prev_hash=head.hash,
    )
    event.hash = entry_hash(event)
    signer: AuditSigner | None = session.info.get(SIGNER)
    # Unsigned only where no key was given (storage tests); verify_audit reports those.
    event.signature = signer.sign(event.hash) if signer is not None else None
    await session.execute(_ADD, {column: getattr(event, column) for column in _COLUMNS})
    await session.execute(
        _MOVE_HEAD,
        {
            "new_seq": seq,
            "new_hash": event.hash,
            "new_signature": signer.sign(head_message(seq, event.hash)) if signer else None,
        },
    )
    return event


# The chain's head, locked for the rest of the transaction (PostgreSQL; SQLite's writers are
# one at a time already), the entry, and the head moved on: built once, as Core statements
# (building a statement costs more than running it).
_HEAD_TABLE: Table = AuditHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_HEAD = select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash).where(_HEAD_TABLE.c.id == 1).with_for_update()
_COLUMNS = tuple(column.name for column in _EVENTS.columns)
_ADD = insert(_EVENTS)
_MOVE_HEAD = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(
        seq=bindparam("new_seq"), hash=bindparam("new_hash"), signature=bindparam("new_signature")
    )
)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


async def verify_audit(
    *, session: AsyncSession, verifier: AuditVerifier | None = None
) -> VerifyResult:
    """Walk the chain from the start; name the first entry that does not check out. With
    ``verifier`` (the audit key's public half), each entry's signature and the head's too."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    result = await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq))
    async for event in result:
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "entry missing")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "link to the previous entry broken")
        if entry_hash(event) != event.hash:
            return VerifyResult(False, checked, event.seq, "content does not match its hash")
        if verifier is not None and not verifier.valid(event.hash, event.signature):
            return VerifyResult(
                False,
                checked,
                event.seq,
                "not signed with the audit key (edited and re-hashed, or written without it)",
            )
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one()
    if head.seq != checked or head.hash != prev:
        return VerifyResult(False, checked, checked + 1, "entries removed from the end")
    if (
        verifier is not None
        and checked
        and not verifier.valid(head_message(head.seq, head.hash), head.signature)
    ):
        return VerifyResult(
            False, checked, checked + 1, "the head is not signed with the audit key"
        )
    return VerifyResult(True, checked)


async def list_audit(
    *, session: AsyncSession, case_ref: str | None = None, limit: int = 100
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if case_ref is not None:
        query = query.where(AuditEvent.case_ref == case_ref)
    return list(await session.scalars(query))
