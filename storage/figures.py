"""What the annual figures are counted from (workflow/figures.py): for each case that has
anything in the year, its dates, its standing rapid review decision and its statutory
deadlines. Nothing personal is read: no payload, no name."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, DecisionRow, MilestoneRow
from workflow.decisions import DecisionKind
from workflow.figures import DEADLINES, CaseFacts, Deadline


def _local(moment: datetime | None, tz: ZoneInfo) -> date | None:
    return moment.astimezone(tz).date() if moment is not None else None


async def year_facts(session: AsyncSession, year: int, tz: ZoneInfo) -> list[CaseFacts]:
    """The facts of every case with a referral, notification, decision, deadline or
    publication in ``year`` (local dates)."""
    start = datetime.combine(date(year, 1, 1), time(), tz).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(), tz).astimezone(UTC)
    first, last = date(year, 1, 1), date(year, 12, 31)
    keys = [key for key, _ in DEADLINES]
    statutory = MilestoneRow.base_due_date
    in_year = or_(
        and_(statutory.is_not(None), statutory.between(first, last)),
        and_(statutory.is_(None), MilestoneRow.due_date.between(first, last)),
        MilestoneRow.completed_at.between(start, end),
    )
    milestones = (
        await session.execute(
            select(
                MilestoneRow.case_id,
                MilestoneRow.key,
                statutory,
                MilestoneRow.due_date,
                MilestoneRow.completed_at,
                MilestoneRow.not_applicable_since,
            ).where(MilestoneRow.key.in_(keys), in_year)
        )
    ).all()
    review = DecisionRow.kind == DecisionKind.REVIEW_DECISION.value
    decisions = (
        await session.execute(
            select(
                DecisionRow.id,
                DecisionRow.case_id,
                DecisionRow.outcome,
                DecisionRow.decided_at,
                DecisionRow.supersedes_id,
            ).where(review)
        )
    ).all()
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id is not None}
    standing = {d.case_id: d for d in decisions if d.id not in superseded}
    rows = (
        await session.execute(
            select(Case.id, Case.created_at, Case.notification_date).where(
                or_(
                    Case.created_at.between(start, end),
                    Case.notification_date.between(first, last),
                    Case.id.in_(
                        select(MilestoneRow.case_id).where(MilestoneRow.key.in_(keys), in_year)
                    ),
                    Case.id.in_(
                        select(DecisionRow.case_id).where(
                            review, DecisionRow.decided_at.between(start, end)
                        )
                    ),
                )
            )
        )
    ).all()
    by_case: dict[int, list[Deadline]] = defaultdict(list)
    for m in milestones:
        by_case[m.case_id].append(
            Deadline(
                key=m.key,
                due=m.base_due_date or m.due_date,
                done=_local(m.completed_at, tz),
                not_applicable=m.not_applicable_since is not None,
            )
        )
    found = []
    for row in rows:
        decision = standing.get(row.id)
        found.append(
            CaseFacts(
                received=_local(row.created_at, tz) or first,
                notified=row.notification_date,
                review_decided=_local(decision.decided_at, tz) if decision else None,
                review_outcome=decision.outcome if decision else None,
                deadlines=tuple(by_case.get(row.id, ())),
            )
        )
    return found
