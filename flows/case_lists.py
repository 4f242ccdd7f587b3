"""Lists of cases (``cases``, ``mine``) and of deadlines (``overdue``, ``due``): a line per case
or milestone, sorted by what falls due first; a practitioner's lists hold only their own
cases (``flows.queries.involves``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import status as cards
from flows.context import CaseContext
from flows.queries import STAFF, involves, local_today, milestone_title, owners_of
from storage.models import (
    Case,
    CaseRequest,
    DecisionRow,
    MilestoneRow,
)
from workflow import igt, status
from workflow.stages import Stage, stage_label


async def case_lines(
    session: AsyncSession,
    context: CaseContext,
    now: datetime,
    *,
    aad: str,
    roles: frozenset[str],
    mine: bool,
    page: int,
) -> tuple[list[cards.CaseLine], int]:
    """Open cases, most urgent first: each with its next open milestone."""
    today = local_today(context, now)
    calendar = context.timetable.calendar()
    soon = calendar.add_working_days(today, status.SOON_WORKING_DAYS)
    query = select(Case.id, Case.reference, Case.stage, Case.next_due_date.label("due")).where(
        Case.stage != Stage.CLOSED.value
    )
    if mine or not STAFF & roles:
        decided = select(DecisionRow.case_id).where(DecisionRow.decided_by == aad)
        query = query.where(or_(involves(aad), Case.id.in_(decided)))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (
        await session.execute(
            query.order_by(Case.next_due_date.is_(None), Case.next_due_date, Case.id)
            .limit(cards.PAGE)
            .offset(max(0, page) * cards.PAGE)
        )
    ).all()
    keys = {}
    if rows:
        found = await session.execute(
            select(MilestoneRow.case_id, MilestoneRow.key, MilestoneRow.due_date).where(
                MilestoneRow.case_id.in_([r.id for r in rows]),
                MilestoneRow.completed_at.is_(None),
                MilestoneRow.not_applicable_since.is_(None),
                MilestoneRow.due_date.is_not(None),
            )
        )
        for case_id, key, due in found.all():
            if (case_id, due) not in keys:
                keys[(case_id, due)] = key
    lines = []
    for row in rows:
        due = row.due
        mark = (
            status.NOT_SET
            if due is None
            else status.OVERDUE
            if due < today
            else status.DUE_SOON
            if due <= soon
            else status.DUE
        )
        key = keys.get((row.id, due), "")
        lines.append(
            cards.CaseLine(
                reference=row.reference,
                stage=stage_label(Stage(row.stage), context.timetable.day_number),
                next_title=milestone_title(context, key) if key else "",
                due=due,
                mark=mark,
            )
        )
    return lines, int(total)


async def due_rows(
    session: AsyncSession,
    context: CaseContext,
    now: datetime,
    *,
    aad: str,
    roles: frozenset[str],
    overdue: bool,
    working_days: int = 5,
) -> list[cards.Due]:
    """Overdue milestones and Information Gathering Tool returns (``overdue``), or what falls
    due in the next ``working_days`` working days; each with its owner."""
    today = local_today(context, now)
    calendar = context.timetable.calendar()
    until = calendar.add_working_days(today, working_days)
    query = (
        select(Case.reference, MilestoneRow.key, MilestoneRow.due_date)
        .join(MilestoneRow, MilestoneRow.case_id == Case.id)
        .where(
            Case.stage != Stage.CLOSED.value,
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.not_applicable_since.is_(None),
            MilestoneRow.due_date.is_not(None),
        )
    )
    query = query.where(
        MilestoneRow.due_date < today
        if overdue
        else and_(MilestoneRow.due_date >= today, MilestoneRow.due_date <= until)
    )
    if not STAFF & roles:
        query = query.where(involves(aad))
    rows = [
        cards.Due(
            reference,
            milestone_title(context, key),
            due,
            owners_of(context, key) or "BDSCP Business Unit",
            status.OVERDUE
            if due < today
            else status.mark(
                due=due, completed=False, not_applicable=False, today=today, calendar=calendar
            ),
        )
        for reference, key, due in (await session.execute(query)).all()
    ]
    requests = (
        select(Case.reference, CaseRequest.agency, CaseRequest.due_date)
        .join(CaseRequest, CaseRequest.case_id == Case.id)
        .where(
            Case.stage != Stage.CLOSED.value,
            CaseRequest.purpose == "igt",
            CaseRequest.state.not_in(list(igt.ANSWERED)),
            CaseRequest.due_date.is_not(None),
        )
    )
    requests = requests.where(
        CaseRequest.due_date < today
        if overdue
        else and_(CaseRequest.due_date >= today, CaseRequest.due_date <= until)
    )
    if not STAFF & roles:
        requests = requests.where(involves(aad))
    rows += [
        cards.Due(
            reference,
            "Information Gathering Tool return",
            due,
            agency,
            status.OVERDUE if due < today else status.DUE,
        )
        for reference, agency, due in (await session.execute(requests)).all()
    ]
    return sorted(rows, key=lambda r: (r.due or date.max, r.reference))
