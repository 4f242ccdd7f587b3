"""Decisions: every decision recorded with its rationale (encrypted), never edited: a
revision supersedes; the current ones read once per transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import read_memo
from storage.audit import append_audit
from storage.case_keys import case_cipher
from storage.crypto import Cipher
from storage.models import (
    Case,
    DecisionRow,
)
from workflow.decisions import DecisionDraft, InvalidDecision, check_decision


@dataclass(frozen=True)
class DecisionView:
    id: int
    kind: str
    outcome: str
    rationale: str
    decided_by: str
    decided_role: str
    decided_at: datetime
    consulted: list[str]
    views: dict[str, str]
    supersedes_id: int | None
    recorded_by: str | None = None


async def record_decision(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    draft: DecisionDraft,
    decider_roles: Iterable[str],
    recorded_by: str | None = None,
) -> DecisionRow:
    """Store a decision with its rationale, checked here too (``check_decision``: a known
    outcome, a rationale, a decider holding a role that may decide). Raises
    ``InvalidDecision``. A superseded decision must belong to the same case."""
    check_decision(draft, decider_roles)
    if draft.supersedes is not None:
        earlier = await session.get(DecisionRow, draft.supersedes)
        if earlier is None or earlier.case_id != case.id or earlier.kind != draft.kind.value:
            raise InvalidDecision("That earlier decision isn't one of this case's to replace.")
    cipher = case_cipher(master, case)
    row = DecisionRow(
        case_id=case.id,
        kind=draft.kind.value,
        outcome=draft.outcome,
        rationale=cipher.encrypt(draft.rationale, context=f"decision:{case.reference}"),
        decided_by=draft.decided_by,
        decided_role=draft.decided_role,
        decided_at=draft.decided_at,
        consulted=json.dumps(list(draft.consulted)),
        views=cipher.encrypt_json(draft.views, context=f"decision-views:{case.reference}")
        if draft.views
        else None,
        supersedes_id=draft.supersedes,
        recorded_by=recorded_by,
    )
    session.add(row)
    await session.flush()
    read = read_memo.memo(session, _DECISIONS_READ).get(case.id)
    if read is not None:  # the transaction read the case's decisions: this one joins them
        read.append(_view(row, draft.rationale, dict(draft.views) if draft.views else {}))
    await append_audit(
        session=session,
        now=draft.decided_at,
        actor_aad_id=recorded_by or draft.decided_by,
        actor_role=draft.decided_role,
        action="decision.recorded",
        case_ref=case.reference,
        details={
            "decision_id": row.id,
            "kind": draft.kind.value,
            "outcome": draft.outcome,
            "supersedes": draft.supersedes,
            "decided_by": draft.decided_by,
            "recorded_by": recorded_by,
        },
    )
    return row


async def list_decisions(
    *, session: AsyncSession, master: Cipher, case: Case
) -> list[DecisionView]:
    """Every decision on the case, oldest first, decrypted. Read once per transaction: a
    decision recorded on the case in it joins what was read."""
    memo: dict[int, list[DecisionView]] = read_memo.memo(session, _DECISIONS_READ)
    if case.id not in memo:
        memo[case.id] = await _read_decisions(session, master, case)
    return list(memo[case.id])


_DECISIONS_READ = "decisions read"  # read_memo: case id -> its decisions


PURGED = "Removed under the retention policy."


_CASE_DECISIONS = (
    select(DecisionRow).where(DecisionRow.case_id == bindparam("case_id")).order_by(DecisionRow.id)
)


async def _read_decisions(session: AsyncSession, master: Cipher, case: Case) -> list[DecisionView]:
    # A purged case keeps its decisions (kind, outcome, who, when); their words are gone.
    cipher = case_cipher(master, case) if case.wrapped_key is not None else None
    rows = await session.scalars(_CASE_DECISIONS, {"case_id": case.id})
    return [
        _view(
            row,
            cipher.decrypt(row.rationale, context=f"decision:{case.reference}")
            if cipher is not None
            else PURGED,
            cipher.decrypt_json(row.views, context=f"decision-views:{case.reference}")
            if row.views and cipher is not None
            else {},
        )
        for row in rows
    ]


def _view(row: DecisionRow, rationale: str, views: dict[str, str]) -> DecisionView:
    """A decision as read, its words given decrypted."""
    return DecisionView(
        id=row.id,
        kind=row.kind,
        outcome=row.outcome,
        rationale=rationale,
        decided_by=row.decided_by,
        decided_role=row.decided_role,
        decided_at=row.decided_at.astimezone(UTC),  # as read back: stored times are UTC
        consulted=json.loads(row.consulted),
        views=views,
        supersedes_id=row.supersedes_id,
        recorded_by=row.recorded_by,
    )


async def current_decisions(
    *, session: AsyncSession, master: Cipher, case: Case, kind: str | None = None
) -> list[DecisionView]:
    """The case's decisions that nothing has superseded (of ``kind``, if given), oldest
    first."""
    every = await list_decisions(session=session, master=master, case=case)
    replaced = {d.supersedes_id for d in every if d.supersedes_id is not None}
    return [d for d in every if d.id not in replaced and (kind is None or d.kind == kind)]
