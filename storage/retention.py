"""Retention: the personal data of cases closed before a date, removed by destroying each case's
own key (crypto-shredding).

Every personal field of a case (the referral, rationales and views, returns, actions' words,
reasons) is encrypted under the case's key; with the key gone none of it can be read again,
from the database or from any backup taken afterwards. What stays is the record: the
reference, the stage, every date and milestone, each decision's kind, outcome, who made it and
when, and the audit trail. The case's drafts and queued cards (encrypted under the master key)
are cleared too. One transaction per case, each audited; a dry run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audit import append_audit
from storage.db import transaction
from storage.models import Case, DecisionRow, FormDraft, OutboxMessage

CLOSED = "closed"


@dataclass(frozen=True)
class Closed:
    reference: str
    closed_on: date
    decisions: int
    drafts: int
    queued: int


async def closed_before(*, session: AsyncSession, before: date) -> list[Closed]:
    """Closed cases whose closure was decided before ``before`` and whose key still exists."""
    closed_at = (
        select(DecisionRow.case_id, func.max(DecisionRow.decided_at).label("at"))
        .where(DecisionRow.kind == "closure", DecisionRow.outcome == "close")
        .group_by(DecisionRow.case_id)
        .subquery()
    )
    cutoff = datetime.combine(before, time(0), tzinfo=UTC)
    rows = await session.execute(
        select(Case, closed_at.c.at)
        .join(closed_at, closed_at.c.case_id == Case.id)
        .where(Case.stage == CLOSED, Case.wrapped_key.is_not(None), closed_at.c.at < cutoff)
        .order_by(Case.id)
    )
    found = []
    for case, at in rows:
        found.append(
            Closed(
                reference=case.reference,
                closed_on=at.date() if isinstance(at, datetime) else at,
                decisions=await _count(session, DecisionRow.case_id == case.id, DecisionRow),
                drafts=await _count(session, FormDraft.case_id == case.id, FormDraft),
                queued=await _count(
                    session, OutboxMessage.case_ref == case.reference, OutboxMessage
                ),
            )
        )
    return found


async def _count(session: AsyncSession, where: Any, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(where)) or 0)


async def purge_case(
    *, session: AsyncSession, reference: str, by: str, now: datetime, before: date
) -> bool:
    """Destroy one closed case's key (locked, in the caller's transaction) and clear its drafts
    and queued cards; audited. False when it is no longer due (reopened, or purged already)."""
    case = await session.scalar(select(Case).where(Case.reference == reference).with_for_update())
    if case is None or case.stage != CLOSED or case.wrapped_key is None:
        return False
    await session.execute(
        update(Case).where(Case.id == case.id).values(wrapped_key=None, updated_at=now)
    )
    drafts = await session.execute(
        update(FormDraft).where(FormDraft.case_id == case.id).values(data=None)
    )
    queued = await session.execute(
        update(OutboxMessage).where(OutboxMessage.case_ref == reference).values(payload="")
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=by,
        actor_role="operator",
        action="case.purged",
        case_ref=reference,
        details={
            "closed_before": before.isoformat(),
            "drafts_cleared": drafts.rowcount or 0,  # type: ignore[attr-defined]
            "queued_cleared": queued.rowcount or 0,  # type: ignore[attr-defined]
        },
    )
    return True


async def purge(
    sessions: async_sessionmaker[AsyncSession],
    *,
    before: date,
    by: str,
    now: datetime,
    dry_run: bool,
) -> tuple[list[Closed], int]:
    """What is due, and how many cases were purged (0 on a dry run): one transaction each."""
    async with sessions() as session:
        due = await closed_before(session=session, before=before)
    if dry_run:
        return due, 0
    done = 0
    for closed in due:
        async with transaction(sessions) as session:
            done += await purge_case(
                session=session, reference=closed.reference, by=by, now=now, before=before
            )
    return due, done
