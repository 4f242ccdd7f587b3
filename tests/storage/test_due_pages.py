"""``overdue``, ``deadlines`` and the digest page open milestones and unanswered Information
Gathering Tool returns in SQL, each branch cut at its page's last due date on a partial index
before the two are merged: every page agrees with the whole list sorted independently, ties
on a date across a page boundary included, for the staff and for one practitioner."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_timetable
from bot.demo import generate
from cards.status import PAGE
from flows.case_lists import due_page
from flows.context import CaseContext
from flows.queries import STAFF
from storage.crypto import Cipher, new_key
from storage.models import Case, CaseRequest, MilestoneRow
from workflow.roles import Role

ROOT = Path(__file__).resolve().parents[2]
TIMETABLE = load_timetable(ROOT / "config" / "timetable.toml")
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)  # a Monday
TODAY = date(2026, 12, 7)


async def _expected(
    session: AsyncSession, *, overdue: bool, until: date, aad: str = ""
) -> list[tuple[str, date]]:
    """Every line, the plain way: all rows read, filtered and sorted in Python."""
    lines = []
    for case, row in await session.execute(
        select(Case, MilestoneRow).join(MilestoneRow, MilestoneRow.case_id == Case.id)
    ):
        if row.completed_at is None and row.not_applicable_since is None and row.due_date:
            lines.append((case, "m", row.key, row.due_date))
    for case, request in await session.execute(
        select(Case, CaseRequest).join(CaseRequest, CaseRequest.case_id == Case.id)
    ):
        unanswered = request.state not in ("returned", "no_involvement")
        if request.purpose == "igt" and unanswered and request.due_date:
            lines.append((case, "r", request.agency, request.due_date))
    if aad:
        asked = set(
            await session.scalars(
                select(CaseRequest.case_id).where(CaseRequest.aad_object_id == aad)
            )
        )
        lines = [x for x in lines if x[0].referrer_aad_id == aad or x[0].id in asked]
    kept = [
        (c.reference, kind, what, due)
        for c, kind, what, due in lines
        if c.stage != "closed" and (due < TODAY if overdue else TODAY <= due <= until)
    ]
    return [(reference, due) for reference, _, _, due in sorted(kept, key=lambda x: (x[3], *x))]


async def test_every_page_agrees_with_the_whole_list_sorted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    master = Cipher.from_text(new_key())
    await generate(sessions, master, TIMETABLE, 60, now=NOW, seed=3)
    async with sessions() as session, session.begin():
        # Unanswered returns, due on dates the milestones use too (ties across the branches).
        dates = list(
            await session.scalars(
                select(MilestoneRow.due_date)
                .join(Case, Case.id == MilestoneRow.case_id)
                .where(Case.stage != "closed", MilestoneRow.completed_at.is_(None))
                .where(MilestoneRow.not_applicable_since.is_(None))
                .order_by(MilestoneRow.due_date)
            )
        )
        ids = list(
            await session.scalars(
                select(CaseRequest.id).where(CaseRequest.purpose == "igt").order_by(CaseRequest.id)
            )
        )
        assert len(ids) > 30 and dates
        for n, request in enumerate(ids[:30]):
            due = dates[(n * 7) % len(dates)] if n % 3 else TODAY + timedelta(days=n % 4)
            await session.execute(
                update(CaseRequest)
                .where(CaseRequest.id == request)
                .values(state="sent" if n % 2 else "in_progress", due_date=due)
            )
        someone = await session.scalar(
            select(CaseRequest.aad_object_id).where(CaseRequest.id == ids[1])
        )
    context = CaseContext(master, TIMETABLE, ZoneInfo("Europe/London"))
    until = TIMETABLE.calendar().add_working_days(TODAY, 5)
    practitioner = frozenset({Role.PRACTITIONER})
    for overdue in (True, False):
        for aad, roles in (("", STAFF), (someone, practitioner)):
            async with sessions() as session:
                expected = await _expected(session, overdue=overdue, until=until, aad=aad)
                shown: list[tuple[str, date]] = []
                for page in range(len(expected) // PAGE + 2):
                    lines, total = await due_page(
                        session, context, NOW, aad=aad, roles=roles, overdue=overdue, page=page
                    )
                    assert total == len(expected)
                    assert len(lines) <= PAGE
                    shown += [(line.reference, line.due) for line in lines]
            assert shown == expected, (overdue, aad)
            if overdue and not aad:
                assert len(expected) > 2 * PAGE  # several pages, with ties on their edges
