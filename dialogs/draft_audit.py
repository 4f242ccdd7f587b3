"""What the wizard writes to the audit log: a draft started or discarded (with the person's
real roles, never a label for the form), and a press on another person's or another form's
draft, refused."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage import drafts, people
from storage.audit import append_audit
from workflow.authorisation import actor_roles


class Someone(Protocol):
    @property
    def aad_object_id(self) -> str: ...


async def audited(
    session: AsyncSession, kind: str, what: str, draft: drafts.Draft, person: Someone, now: datetime
) -> None:
    roles = await people.get_roles(
        session=session, aad_object_id=person.aad_object_id, case_id=draft.case_id
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=person.aad_object_id,
        actor_role=actor_roles(roles),
        action=f"{kind}.draft_{what}",
        details={"draft": draft.id},
    )


async def misuse(
    session: AsyncSession, kind: str, draft_id: str, verb: str, person: Someone, now: datetime
) -> None:
    """A press naming another person's draft, or another form's: refused and audited (a
    draft merely gone, cancelled or sent is not a misuse)."""
    header = await drafts.get_header(session=session, draft_id=draft_id)
    if header is None:
        return
    owner, draft_kind, case_id = header
    if owner == person.aad_object_id and draft_kind == kind:
        return
    roles = await people.get_roles(
        session=session, aad_object_id=person.aad_object_id, case_id=case_id
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=person.aad_object_id or "unknown",
        actor_role=actor_roles(roles),
        action="action.refused",
        details={
            "what": verb[:64],
            "reason": "another person's draft"
            if owner != person.aad_object_id
            else "another form's draft",
            "draft": draft_id[:64],
        },
    )
