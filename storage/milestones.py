"""Milestones: the due dates from the timetable, adjustments to them (kept with their
reasons), completion, and the cases' next due date for lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from storage import read_memo
from storage.audit import append_audit
from storage.case_keys import case_cipher
from storage.crypto import Cipher
from storage.db import transaction
from storage.models import (
    Case,
    CaseRequest,
    MilestoneAdjustment,
    MilestoneRow,
)
from workflow.adjustments import (
    Adjustment,
    AdjustmentKind,
    DueState,
    InvalidAdjustment,
    check_adjustment,
    effective_due,
)
from workflow.roles import Role
from workflow.stages import Stage
from workflow.timetable import Timetable, due_dates

ANCHOR_COLUMNS = {
    "awareness": "awareness_date",
    "notification": "notification_date",
    "igt_sent": "igt_sent_date",
    "review_decision": "review_decision_date",
    "report_sent": "report_sent_date",
    "planned_publication": "planned_publication_date",
}


# Milestones whose due date is set request by request, when each is sent (the seed: "due
# date set when sent, default Day 12"): once any is sent, the milestone falls due with the last
# of them; until then, the timetable's date.
REQUEST_DUES = {"igt_returns": "igt"}


def anchors_of(case: Case) -> dict[str, date]:
    found: dict[str, date] = {}
    for anchor, column in ANCHOR_COLUMNS.items():
        value = getattr(case, column)
        if value is not None:
            found[anchor] = value
    return found


_CASE_MILESTONES = (
    select(MilestoneRow)
    .where(MilestoneRow.case_id == bindparam("case_id"))
    .order_by(MilestoneRow.id)
)


_MILESTONES_READ = "milestones read"  # read_memo: case id -> its milestone rows


async def list_milestones(*, session: AsyncSession, case: Case) -> list[MilestoneRow]:
    """Every milestone of the case, in order. Read once per transaction: the rows are the
    session's own objects, so a change made to one shows in the next call; a milestone added
    (or removed) makes the next call read them afresh."""
    memo: dict[int, list[MilestoneRow]] = read_memo.memo(session, _MILESTONES_READ)
    if case.id not in memo or _pending_milestones(session.sync_session):
        memo[case.id] = list(await session.scalars(_CASE_MILESTONES, {"case_id": case.id}))
    return list(memo[case.id])


def _pending_milestones(session: Session) -> bool:
    return any(isinstance(row, MilestoneRow) for row in (*session.new, *session.deleted))


@event.listens_for(Session, "before_flush")
def _forget_milestones(session: Session, flush_context: Any, instances: Any) -> None:
    if _pending_milestones(session):
        read_memo.forget(session, _MILESTONES_READ)


async def _adjustments(
    session: AsyncSession, milestone_ids: list[int]
) -> dict[int, list[MilestoneAdjustment]]:
    """Each milestone's pauses and extensions, in order: one query for the case's milestones."""
    found: dict[int, list[MilestoneAdjustment]] = {}
    rows = await session.scalars(
        select(MilestoneAdjustment)
        .where(MilestoneAdjustment.milestone_id.in_(milestone_ids))
        .order_by(MilestoneAdjustment.id)
    )
    for row in rows:
        found.setdefault(row.milestone_id, []).append(row)
    return found


async def recompute_milestones(*, session: AsyncSession, case: Case, timetable: Timetable) -> None:
    """Due dates from the case's anchors, then each milestone's pauses and extensions."""
    dues = due_dates(timetable, anchors_of(case))
    for key, purpose in REQUEST_DUES.items():
        last = await session.scalar(
            select(func.max(CaseRequest.due_date)).where(
                CaseRequest.case_id == case.id, CaseRequest.purpose == purpose
            )
        )
        if last is not None and key in dues:
            dues[key] = last
    calendar = timetable.calendar()
    rows = await list_milestones(session=session, case=case)
    have = {row.key for row in rows}
    missing = [m.key for m in timetable.milestones if m.key not in have]
    if missing:  # a milestone the timetable gained after the case began
        for key in missing:
            session.add(MilestoneRow(case_id=case.id, key=key))
        await session.flush()
        rows = await list_milestones(session=session, case=case)
    adjusted = await _adjustments(session, [row.id for row in rows])
    for row in rows:
        base = dues.get(row.key)
        row.base_due_date = base
        if base is None:
            row.due_date = None
            row.paused_since = None
            continue
        history = [
            Adjustment(AdjustmentKind(a.kind), a.effective_on, "", a.approved_by, a.new_due_date)
            for a in adjusted.get(row.id, [])
        ]
        state = effective_due(base, history, calendar)
        row.due_date = state.due
        row.paused_since = state.paused_since
    await _refresh_next_due(session, case)  # the due dates written with the next deadline


async def fill_new_milestones(
    sessions: async_sessionmaker[AsyncSession], timetable: Timetable
) -> int:
    """Due dates for the open cases' milestones that have none though their anchor is
    recorded (a milestone the timetable gained after the case began), one case per
    transaction; how many cases changed."""
    anchor_of = {m.key: timetable.resolve_anchor(m.anchor) for m in timetable.milestones}
    columns = [getattr(Case, column) for column in ANCHOR_COLUMNS.values()]
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Case.id, MilestoneRow.key, *columns)
                .join(MilestoneRow, MilestoneRow.case_id == Case.id)
                .where(
                    Case.stage != Stage.CLOSED.value,
                    MilestoneRow.base_due_date.is_(None),
                    MilestoneRow.completed_at.is_(None),
                    MilestoneRow.not_applicable_since.is_(None),
                )
            )
        ).all()
    # Only the cases where an undated milestone's anchor is recorded: the rest (a milestone
    # still waiting for its anchor, as most are) would be recomputed to the same dates.
    recorded = {anchor: n + 2 for n, anchor in enumerate(ANCHOR_COLUMNS)}
    ids = sorted(
        {
            row[0]
            for row in rows
            if row[1] in anchor_of
            and anchor_of[row[1]] in recorded
            and row[recorded[anchor_of[row[1]]]] is not None
        }
    )
    changed = 0
    for case_id in ids:
        async with transaction(sessions) as session:
            case = await session.get(Case, case_id, with_for_update=True)
            if case is None:
                continue
            before = [r.due_date for r in await list_milestones(session=session, case=case)]
            await recompute_milestones(session=session, case=case, timetable=timetable)
            after = [r.due_date for r in await list_milestones(session=session, case=case)]
            changed += before != after
    return changed


async def _refresh_next_due(session: AsyncSession, case: Case) -> None:
    """Keep the case's next deadline: its earliest open milestone's due date. Written, with
    the milestones' changes, by the transaction's next flush (its next query's, or the
    commit's), not by a flush of its own."""
    case.next_due_date = min(
        (
            row.due_date
            for row in await list_milestones(session=session, case=case)
            if row.completed_at is None and row.not_applicable_since is None and row.due_date
        ),
        default=None,
    )


async def complete_milestone(
    *, session: AsyncSession, case: Case, key: str, by: str, now: datetime
) -> MilestoneRow:
    return (await complete_milestones(session=session, case=case, keys=(key,), by=by, now=now))[0]


async def complete_milestones(
    *, session: AsyncSession, case: Case, keys: Iterable[str], by: str, now: datetime
) -> list[MilestoneRow]:
    """Complete the case's milestones ``keys`` (those not done already), in the order given."""
    wanted = list(keys)
    found = {row.key: row for row in await list_milestones(session=session, case=case)}
    rows = [found[key] for key in wanted]  # KeyError: not one of the timetable's
    fresh = [row for row in rows if row.completed_at is None]
    for row in fresh:
        row.completed_at = now
        row.completed_by = by
    if fresh:  # written with the case's next deadline, by the next flush
        await _refresh_next_due(session, case)
    return rows


async def mark_not_applicable(
    *, session: AsyncSession, case: Case, keys: Iterable[str], why: str, now: datetime
) -> list[str]:
    """Mark open milestones not applicable (the branch taken makes them irrelevant); return
    the keys marked."""
    wanted = set(keys)
    marked = []
    for row in await list_milestones(session=session, case=case):
        if row.key in wanted and row.completed_at is None and row.not_applicable_since is None:
            row.not_applicable_since = now
            row.not_applicable_why = why[:64]
            marked.append(row.key)
    if marked:  # written with the case's next deadline, by the next flush
        await _refresh_next_due(session, case)
    return marked


async def adjust_milestone(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    timetable: Timetable,
    key: str,
    adjustment: Adjustment,
    approver_roles: Iterable[str],
    now: datetime,
) -> MilestoneRow:
    """Record a pause, resume or extension and recompute due dates.

    Checked here too (``workflow.adjustments.check_adjustment``): only with a reason and the
    chair's approval, whoever calls. Raises ``InvalidAdjustment`` with a plain reason.
    """
    row = {r.key: r for r in await list_milestones(session=session, case=case)}[key]  # KeyError
    if row.base_due_date is None:
        raise InvalidAdjustment("This deadline isn't set yet, so it can't be changed.")
    current = DueState(row.due_date, row.paused_since, row.base_due_date)
    roles = set(approver_roles)
    check_adjustment(current, adjustment, roles, timetable.calendar())
    session.add(
        MilestoneAdjustment(
            milestone_id=row.id,
            kind=adjustment.kind.value,
            effective_on=adjustment.on,
            new_due_date=adjustment.new_due,
            reason=case_cipher(master, case).encrypt(
                adjustment.reason, context=f"adjustment:{case.reference}:{key}"
            ),
            approved_by=adjustment.approved_by,
            decided_at=now,
        )
    )
    await session.flush()
    await recompute_milestones(session=session, case=case, timetable=timetable)
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=adjustment.approved_by,
        actor_role=Role.CHAIR,
        action=f"milestone.{adjustment.kind.value}",
        case_ref=case.reference,
        details={
            "milestone": key,
            "effective_on": adjustment.on.isoformat(),
            "new_due": adjustment.new_due.isoformat() if adjustment.new_due else None,
        },
    )
    return row


async def list_due_milestones(
    *, session: AsyncSession, before: date
) -> list[tuple[Case, MilestoneRow]]:
    """Open milestones of open cases due on or before ``before``, soonest first."""
    rows = await session.execute(
        select(Case, MilestoneRow)
        .join(MilestoneRow, MilestoneRow.case_id == Case.id)
        .where(
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.not_applicable_since.is_(None),
            MilestoneRow.due_date.is_not(None),
            MilestoneRow.due_date <= before,
            Case.stage != Stage.CLOSED.value,
        )
        .order_by(MilestoneRow.due_date, Case.id, MilestoneRow.id)
    )
    return [(case, milestone) for case, milestone in rows.tuples()]
