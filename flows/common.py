"""What every flow shares: the answer a press gets back, the current decisions of a kind, the
partner roles, refusals audited in one wording per reason, and the two preludes the flows
would otherwise each repeat: lock the case and check the role (or audit the refusal), and
record a chair's decision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.context import CaseContext
from storage import cases
from storage.audit import append_audit
from storage.decisions import DecisionView, current_decisions
from storage.decisions import record_decision as store_decision
from storage.models import Case
from workflow.authorisation import actor_roles
from workflow.decisions import DecisionDraft, DecisionKind
from workflow.roles import Role

log = logging.getLogger(__name__)

PARTNER_ROLES = (Role.PARTNER_POLICE, Role.PARTNER_LA, Role.PARTNER_ICB)


@dataclass(frozen=True)
class Answer:
    """What a press gets back: the card that replaces the pressed one, or (for someone who
    may not see the card) a message."""

    card: dict[str, Any] | None
    changed: bool
    message: str = ""


class Reason(StrEnum):
    """Why a press or a read was refused, as the audit log records it: one wording each."""

    NOT_BUSINESS_UNIT = "not the BDSCP Business Unit"
    NOT_CHAIR = "not the Case Review Sub-group chair"
    NOT_LA_DECIDER = "not the Strategic Director or the BDSCP Business Unit"
    NOT_A_READER = "not one of those who may read it"
    NOT_ASKED = "not asked for this case"
    NO_SUCH_REQUEST = "no such request on this case"
    STAGE_RULES = "the stage rules do not allow it"


async def current(
    session: AsyncSession, context: CaseContext, case: Case, kind: DecisionKind
) -> list[DecisionView]:
    """The decisions of ``kind`` on ``case`` that stand (not superseded), oldest first."""
    return await current_decisions(
        session=session, master=context.cipher, case=case, kind=kind.value
    )


async def refuse(
    session: AsyncSession,
    case: Case,
    actor: str,
    what: str,
    reason: Reason,
    now: datetime,
    *,
    roles: frozenset[str],
) -> None:
    """A press or read that changed nothing because of who made it: audited, with the roles
    the person really holds."""
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor or "unknown",
        actor_role=actor_roles(roles),
        action="decision.refused",
        case_ref=case.reference,
        details={"what": what, "reason": reason.value},
    )
    log.warning("decision refused", extra={"case": case.reference, "what": what})


ROLE_REASONS = {Role.BUSINESS_UNIT: Reason.NOT_BUSINESS_UNIT, Role.CHAIR: Reason.NOT_CHAIR}


async def lock_as(
    session: AsyncSession,
    reference: str,
    role: Role,
    *,
    what: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
    refusal: str,
) -> Case | Answer | None:
    """The case, locked for this change, when the person holds ``role``; otherwise the
    refusal audited (``what`` they tried) and ``refusal`` as the answer. None: no such case."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    if role not in roles:
        await refuse(
            session, case, actor, what, ROLE_REASONS.get(role, Reason.STAGE_RULES), now, roles=roles
        )
        return Answer(None, False, refusal)
    return case


async def record_decision(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    kind: DecisionKind,
    *,
    role: Role,
    outcome: str,
    rationale: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
    consulted: tuple[str, ...] = (),
    views: dict[str, str] | None = None,
    recorded_by: str | None = None,
) -> None:
    """A decision by ``actor`` as ``role`` (holding ``roles``), kept with its rationale
    (encrypted; never edited); ``recorded_by`` the Business Unit, when it records it for them."""
    await store_decision(
        session=session,
        master=context.cipher,
        case=case,
        draft=DecisionDraft(
            kind=kind,
            outcome=outcome,
            rationale=rationale,
            decided_by=actor,
            decided_role=role,
            decided_at=now,
            consulted=consulted,
            views=views or {},
        ),
        decider_roles=roles,
        recorded_by=recorded_by,
    )


async def record_chair_decision(
    session: AsyncSession, context: CaseContext, case: Case, kind: DecisionKind, **details: Any
) -> None:
    """The chair's decision (``record_decision``'s arguments, but for the role)."""
    await record_decision(session, context, case, kind, role=Role.CHAIR, **details)
