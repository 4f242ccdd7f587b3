"""Lists of cases (``cases``, ``mine``) and of deadlines (``overdue``, ``due``): a line per case
or milestone, sorted by what falls due first; a practitioner's lists hold only their own
cases (``flows.queries.involves``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from cards import status as cards
from flows.context import CaseContext
from flows.queries import STAFF, involves, local_today, milestone_title, owners_of
from storage.conditions import OPEN_CASE, OPEN_MILESTONE, UNANSWERED_IGT, qualified
from storage.models import Case, CaseRequest, DecisionRow, MilestoneRow
from workflow import status
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
    # The open cases' partial index (storage.models.OPEN_CASE), its condition as written there.
    query = select(Case.id, Case.reference, Case.stage, Case.next_due_date.label("due")).where(
        text(f"cases.{OPEN_CASE}")
    )
    if mine or not STAFF & roles:
        decided = select(DecisionRow.case_id).where(DecisionRow.decided_by == aad)
        query = query.where(or_(involves(aad), Case.id.in_(decided)))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    dated = query.where(Case.next_due_date.is_not(None))
    with_dates = await session.scalar(select(func.count()).select_from(dated.subquery())) or 0
    # Those with a deadline, soonest first (on the index), then those without one yet.
    start = max(0, page) * cards.PAGE
    rows = []
    if start < with_dates:
        rows = list(
            (
                await session.execute(
                    dated.order_by(Case.next_due_date, Case.id).limit(cards.PAGE).offset(start)
                )
            ).all()
        )
    if len(rows) < cards.PAGE and total > with_dates:
        rows += (
            await session.execute(
                query.where(Case.next_due_date.is_(None))
                .order_by(Case.id)
                .limit(cards.PAGE - len(rows))
                .offset(max(0, start - with_dates))
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


def _due_branches(
    today: date, until: date, *, aad: str, roles: frozenset[str], overdue: bool
) -> list[tuple[Any, Any, Any]]:
    """Overdue (or due by ``until``) open milestones and unanswered IGT requests: for each,
    the query of its rows (reference, kind "m" or "r", milestone key or agency, due date) and
    the query of its due dates alone (on a partial index where it can be), and its due date.

    A closed case has no open milestone (``flows.cases.move_case`` marks every one not
    applicable when it closes), so the staff's milestones need no look at the case: they are
    counted and walked on the open milestones' index alone."""

    def window(column: Any) -> Any:
        return column < today if overdue else and_(column >= today, column <= until)

    staff = bool(STAFF & roles)
    branches = []
    for kind, table, what, where, case_needed in (
        ("m", MilestoneRow, MilestoneRow.key, [qualified("milestones", OPEN_MILESTONE)], not staff),
        (
            "r",
            CaseRequest,
            CaseRequest.agency,
            [text(f"cases.{OPEN_CASE}"), qualified("case_requests", UNANSWERED_IGT)],
            True,
        ),
    ):
        column, on_case = table.due_date, table.case_id == Case.id
        where = [*where, window(column)]
        if not staff:
            where.append(involves(aad))
        rows = select(
            Case.reference.label("reference"),
            literal(kind).label("kind"),
            what.label("what"),
            column.label("due"),
        ).join(Case, on_case)
        dates = select(column.label("due"))
        if case_needed:
            dates = dates.join(Case, on_case)
        branches.append((rows.where(*where), dates.where(*where), column))
    return branches


def _due_line(
    context: CaseContext,
    today: date,
    calendar: Any,
    reference: str,
    kind: str,
    what: str,
    due: date,
) -> cards.Due:
    if kind == "r":
        return cards.Due(
            reference,
            "Information Gathering Tool return",
            due,
            what,
            status.OVERDUE if due < today else status.DUE,
        )
    return cards.Due(
        reference,
        milestone_title(context, what),
        due,
        owners_of(context, what) or "BDSCP Business Unit",
        status.OVERDUE
        if due < today
        else status.mark(
            due=due, completed=False, not_applicable=False, today=today, calendar=calendar
        ),
    )


async def due_page(
    session: AsyncSession,
    context: CaseContext,
    now: datetime,
    *,
    aad: str,
    roles: frozenset[str],
    overdue: bool,
    working_days: int = 5,
    page: int = 0,
) -> tuple[list[cards.Due], int]:
    """Overdue milestones and IGT returns (``overdue``), or what falls due in the next
    ``working_days`` working days, each with its owner: one page (``cards.PAGE`` lines),
    paged in SQL, the oldest (or soonest) first; and how many in all."""
    today = local_today(context, now)
    calendar = context.timetable.calendar()
    until = calendar.add_working_days(today, working_days)
    branches = _due_branches(today, until, aad=aad, roles=roles, overdue=overdue)
    total = 0
    for _, dates, _ in branches:
        total += await session.scalar(select(func.count()).select_from(dates.subquery())) or 0
    # The page's rows are among each branch's first ``wanted`` by due date, ties included:
    # each branch is cut at its ``wanted``-th due date (read on the index) before the two
    # are merged and sorted, rather than every overdue row sorted to find twenty.
    wanted = (max(0, page) + 1) * cards.PAGE
    parts = []
    for rows, dates, column in branches:
        last = await session.scalar(dates.order_by(column).limit(1).offset(wanted - 1))
        parts.append(rows if last is None else rows.where(rows.selected_columns.due <= last))
    due = union_all(*parts).subquery()
    rows = await session.execute(
        select(due.c.reference, due.c.kind, due.c.what, due.c.due)
        .order_by(due.c.due, due.c.reference, due.c.kind, due.c.what)
        .limit(cards.PAGE)
        .offset(max(0, page) * cards.PAGE)
    )
    lines = [_due_line(context, today, calendar, *row) for row in rows.all()]
    return lines, int(total)
