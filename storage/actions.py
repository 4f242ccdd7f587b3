"""Storing action plans: add an action (numbered within its case), change it, read a case's
or every overdue one. The text and outcome are encrypted with the case's key."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.case_keys import case_cipher
from storage.conditions import OPEN_ACTION, qualified
from storage.crypto import Cipher
from storage.models import Case, CaseAction
from workflow.actions import FINISHED, ActionView
from workflow.stages import Stage


def _context(case: Case, number: int) -> str:
    return f"action:{case.id}:{number}"


async def add_action(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    kind: str,
    text: str,
    owner_aad_id: str,
    agency: str,
    due: date,
    rag: str,
    by: str,
    now: datetime,
) -> int:
    """Add an action to the case's plan; its number."""
    latest = await session.scalar(
        select(func.max(CaseAction.number)).where(CaseAction.case_id == case.id)
    )
    number = int(latest or 0) + 1
    session.add(
        CaseAction(
            case_id=case.id,
            number=number,
            kind=kind,
            owner_aad_id=owner_aad_id,
            agency=agency,
            due_date=due,
            status="not_started",
            rag=rag,
            payload=case_cipher(master, case).encrypt_json(
                {"text": text, "outcome": ""}, context=_context(case, number)
            ),
            created_by=by,
            created_at=now,
            updated_by=by,
            updated_at=now,
        )
    )
    await session.flush()
    return number


async def owns_any(*, session: AsyncSession, case: Case, aad: str) -> bool:
    """Whether ``aad`` owns any action of the case's plan."""
    found = await session.scalar(
        select(CaseAction.id)
        .where(CaseAction.case_id == case.id, CaseAction.owner_aad_id == aad)
        .limit(1)
    )
    return bool(aad) and found is not None


async def get_action(*, session: AsyncSession, case: Case, number: int) -> CaseAction | None:
    row: CaseAction | None = await session.scalar(
        select(CaseAction).where(CaseAction.case_id == case.id, CaseAction.number == number)
    )
    return row


async def update_action(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    action: CaseAction,
    status: str,
    rag: str,
    due: date,
    outcome: str,
    by: str,
    now: datetime,
) -> dict[str, Any]:
    """Change the action; returns what changed (field: [before, after]), outcome excepted."""
    cipher = case_cipher(master, case)
    payload = cipher.decrypt_json(action.payload, context=_context(case, action.number))
    changed: dict[str, Any] = {}
    for name, before, after in (
        ("status", action.status, status),
        ("rag", action.rag, rag),
        ("due_date", action.due_date.isoformat(), due.isoformat()),
    ):
        if before != after:
            changed[name] = [before, after]
    action.status, action.rag, action.due_date = status, rag, due
    if outcome.strip() and outcome != payload.get("outcome"):
        payload["outcome"] = outcome
        changed["outcome"] = "recorded"
        action.payload = cipher.encrypt_json(payload, context=_context(case, action.number))
    action.completed_at = now if status in FINISHED else None
    action.updated_by, action.updated_at = by, now
    await session.flush()
    return changed


def _view(master: Cipher | None, case: Case, action: CaseAction) -> ActionView:
    payload: dict[str, Any] = {}
    if master is not None:
        payload = case_cipher(master, case).decrypt_json(
            action.payload, context=_context(case, action.number)
        )
    return ActionView(
        id=action.id,
        reference=case.reference,
        number=action.number,
        kind=action.kind,
        owner_aad_id=action.owner_aad_id,
        agency=action.agency,
        due=action.due_date,
        status=action.status,
        rag=action.rag,
        text=str(payload.get("text", "")),
        outcome=str(payload.get("outcome", "")),
    )


async def list_actions(
    *, session: AsyncSession, master: Cipher | None, case: Case
) -> list[ActionView]:
    """The case's actions in number order; with ``master``, their text and outcome too (the
    caller audits that view)."""
    rows = await session.scalars(
        select(CaseAction).where(CaseAction.case_id == case.id).order_by(CaseAction.number)
    )
    return [_view(master, case, row) for row in rows]


async def overdue_actions(
    *, session: AsyncSession, today: date, owner: str | None = None, since: date | None = None
) -> list[ActionView]:
    """Every action not complete and due before ``today`` (and on or after ``since``, if
    given) in an open case (``owner``'s only, if given), oldest first; without text."""
    # Columns, not entities: thousands of rows are read each morning by the reminder tick.
    query = (
        select(
            CaseAction.id,
            Case.reference,
            CaseAction.number,
            CaseAction.kind,
            CaseAction.owner_aad_id,
            CaseAction.agency,
            CaseAction.due_date,
            CaseAction.status,
            CaseAction.rag,
        )
        .join(CaseAction, CaseAction.case_id == Case.id)
        .where(
            Case.stage != Stage.CLOSED.value,
            qualified("case_actions", OPEN_ACTION),  # on its partial index, by due date
            CaseAction.due_date < today,
        )
        .order_by(CaseAction.due_date, Case.reference, CaseAction.number)
    )
    if owner is not None:
        query = query.where(CaseAction.owner_aad_id == owner)
    if since is not None:
        query = query.where(CaseAction.due_date >= since)
    return [
        ActionView(
            id=r.id,
            reference=r.reference,
            number=r.number,
            kind=r.kind,
            owner_aad_id=r.owner_aad_id,
            agency=r.agency,
            due=r.due_date,
            status=r.status,
            rag=r.rag,
            text="",  # read without the case's key
            outcome="",
        )
        for r in await session.execute(query)
    ]
