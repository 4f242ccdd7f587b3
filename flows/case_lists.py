"""Lists of cases (``cases``, ``mine``) and of deadlines (``overdue``, ``due``): a line per case
or milestone, sorted by what falls due first; a practitioner's lists hold only their own
cases (``flows.queries.involves``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from itertools import product
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cards import status as cards
from flows.context import CaseContext
from flows.queries import STAFF, involves, local_today, milestone_title, owners_of
from storage.conditions import OPEN_CASE, OPEN_MILESTONE, UNANSWERED_IGT, qualified
from storage.models import Case, CaseRequest, DecisionRow, MilestoneRow
from workflow import status
from workflow.stages import Stage, stage_label


@dataclass(frozen=True)
class _CaseQueries:
    """``case_lines``' statements for the staff's list or one person's, built once."""

    counts: Any  # the open cases, and those with a deadline, counted in one statement
    dated_page: Any  # those with a deadline, soonest first, ``:size`` from ``:start``
    undated_page: Any  # those without one yet, oldest first
    next_keys: Any  # the open milestones with a date of the cases ``:ids``


@cache
def _case_queries(*, limited: bool) -> _CaseQueries:
    # The open cases' partial index (storage.models.OPEN_CASE), its condition as written there.
    query = select(Case.id, Case.reference, Case.stage, Case.next_due_date.label("due")).where(
        text(f"cases.{OPEN_CASE}")
    )
    if limited:  # one person's: ``:aad``'s own cases and those they decided on
        aad = bindparam("aad", type_=String)
        decided = select(DecisionRow.case_id).where(DecisionRow.decided_by == aad)
        query = query.where(or_(involves(aad), Case.id.in_(decided)))
    dated = query.where(Case.next_due_date.is_not(None))
    size, start = bindparam("size", type_=Integer), bindparam("start", type_=Integer)
    return _CaseQueries(
        counts=select(
            select(func.count()).select_from(query.subquery()).scalar_subquery(),
            select(func.count()).select_from(dated.subquery()).scalar_subquery(),
        ),
        dated_page=dated.order_by(Case.next_due_date, Case.id).limit(size).offset(start),
        undated_page=query.where(Case.next_due_date.is_(None))
        .order_by(Case.id)
        .limit(size)
        .offset(start),
        next_keys=select(MilestoneRow.case_id, MilestoneRow.key, MilestoneRow.due_date).where(
            MilestoneRow.case_id.in_(bindparam("ids", expanding=True)),
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.not_applicable_since.is_(None),
            MilestoneRow.due_date.is_not(None),
        ),
    )


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
    queries = _case_queries(limited=mine or not STAFF & roles)
    bound = {"aad": aad}
    total, with_dates = (await session.execute(queries.counts, bound)).one()
    # Those with a deadline, soonest first (on the index), then those without one yet.
    start = max(0, page) * cards.PAGE
    rows = []
    if start < with_dates:
        rows = list(
            (
                await session.execute(
                    queries.dated_page, {**bound, "size": cards.PAGE, "start": start}
                )
            ).all()
        )
    if len(rows) < cards.PAGE and total > with_dates:
        rows += (
            await session.execute(
                queries.undated_page,
                {**bound, "size": cards.PAGE - len(rows), "start": max(0, start - with_dates)},
            )
        ).all()
    keys = {}
    if rows:
        found = await session.execute(queries.next_keys, {"ids": [r.id for r in rows]})
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


def _due_branches(*, staff: bool, overdue: bool) -> list[tuple[Any, Any, Any]]:
    """Overdue (or due from ``:today`` to ``:until``) open milestones and unanswered IGT
    requests, bound to ``:today``, ``:until`` and (not ``staff``: one practitioner's cases)
    ``:aad``: for each branch, the query of its rows (reference, kind "m" or "r", milestone
    key or agency, due date) and the query of its due dates alone (on a partial index where it
    can be), and its due date.

    A closed case has no open milestone (``flows.cases.move_case`` marks every one not
    applicable when it closes), so the staff's milestones need no look at the case: they are
    counted and walked on the open milestones' index alone."""
    today, until = bindparam("today", type_=Date), bindparam("until", type_=Date)

    def window(column: Any) -> Any:
        return column < today if overdue else and_(column >= today, column <= until)

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
            where.append(involves(bindparam("aad", type_=String)))
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


@dataclass(frozen=True)
class _DueQueries:
    """``due_page``'s statements for one shape of list, built once: building them cost more
    than running them (0.6 to 0.8 ms a page)."""

    # In one statement: each branch's rows counted, then each branch's ``:skip``-th due
    # date, the earliest first (a round trip each cost more than the counting).
    heads: Any
    pages: dict[tuple[bool, ...], Any]  # by the branches cut at ``:last_0``, ``:last_1``


@cache
def _due_queries(*, staff: bool, overdue: bool) -> _DueQueries:
    branches = _due_branches(staff=staff, overdue=overdue)
    counts = [
        select(func.count()).select_from(dates.subquery()).scalar_subquery()
        for _, dates, _ in branches
    ]
    cuts = [
        dates.order_by(column).limit(1).offset(bindparam("skip", type_=Integer)).scalar_subquery()
        for _, dates, column in branches
    ]
    pages = {}
    for cut in product((False, True), repeat=len(branches)):
        parts = [
            rows.where(rows.selected_columns.due <= bindparam(f"last_{n}", type_=Date))
            if cut[n]
            else rows
            for n, (rows, _, _) in enumerate(branches)
        ]
        due = union_all(*parts).subquery()
        pages[cut] = (
            select(due.c.reference, due.c.kind, due.c.what, due.c.due)
            .order_by(due.c.due, due.c.reference, due.c.kind, due.c.what)
            .limit(bindparam("size", type_=Integer))
            .offset(bindparam("start", type_=Integer))
        )
    return _DueQueries(select(*counts, *cuts), pages)


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
    queries = _due_queries(staff=bool(STAFF & roles), overdue=overdue)
    bound: dict[str, Any] = {"today": today, "until": until, "aad": aad}
    # The page's rows are among each branch's first ``wanted`` by due date, ties included:
    # each branch is cut at its ``wanted``-th due date (read on the index) before the two
    # are merged and sorted, rather than every overdue row sorted to find twenty.
    wanted = (max(0, page) + 1) * cards.PAGE
    heads = (await session.execute(queries.heads, {**bound, "skip": wanted - 1})).one()
    branches = len(heads) // 2
    total = sum(heads[:branches])
    cut = []
    for n, last in enumerate(heads[branches:]):
        cut.append(last is not None)
        bound[f"last_{n}"] = last
    rows = await session.execute(
        queries.pages[tuple(cut)],
        {**bound, "size": cards.PAGE, "start": max(0, page) * cards.PAGE},
    )
    lines = [_due_line(context, today, calendar, *row) for row in rows.all()]
    return lines, int(total)
