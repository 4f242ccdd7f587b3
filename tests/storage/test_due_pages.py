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
from flows.case_lists import case_lines, due_page
from flows.context import CaseContext
from flows.queries import STAFF
from storage.crypto import Cipher, new_key
from storage.models import Case, CaseRequest, DecisionRow, MilestoneRow
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


async def test_every_page_of_cases_agrees_with_the_open_cases_sorted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """``cases`` and ``mine``: open cases with a deadline soonest first, then those without
    one, twenty a page, each with its next open milestone; one person's list holds the cases
    they referred, were asked about or decided on."""
    master = Cipher.from_text(new_key())
    await generate(sessions, master, TIMETABLE, 150, now=NOW, seed=5)
    async with sessions() as session, session.begin():
        open_ids = list(
            await session.scalars(
                select(Case.id).where(Case.stage != "closed", Case.next_due_date.is_not(None))
            )
        )
        # Some open cases with no deadline yet, to page past the dated ones.
        await session.execute(
            update(Case)
            .where(Case.id.in_(open_ids[:: len(open_ids) // 6]))
            .values(next_due_date=None)
        )
        decider = await session.scalar(select(DecisionRow.decided_by).limit(1))
    context = CaseContext(master, TIMETABLE, ZoneInfo("Europe/London"))
    for aad, roles, mine in (
        ("", STAFF, False),
        (decider, frozenset({Role.CHAIR}), True),
    ):
        async with sessions() as session:
            cases = list(await session.scalars(select(Case).where(Case.stage != "closed")))
            if mine:
                asked = set(
                    await session.scalars(
                        select(CaseRequest.case_id).where(CaseRequest.aad_object_id == aad)
                    )
                )
                decided = set(
                    await session.scalars(
                        select(DecisionRow.case_id).where(DecisionRow.decided_by == aad)
                    )
                )
                cases = [
                    c
                    for c in cases
                    if aad in (c.referrer_aad_id,) or c.id in asked or c.id in decided
                ]
            expected = [
                (c.reference, c.next_due_date)
                for c in sorted(
                    cases,
                    key=lambda c: (c.next_due_date is None, c.next_due_date or TODAY, c.id),
                )
            ]
            shown: list[tuple[str, date | None]] = []
            for page in range(len(expected) // PAGE + 2):
                lines, total = await case_lines(
                    session, context, NOW, aad=aad, roles=roles, mine=mine, page=page
                )
                assert total == len(expected)
                shown += [(line.reference, line.due) for line in lines]
                assert all(line.next_title for line in lines if line.due is not None)
        assert shown == expected, aad
        assert expected and (mine or len(expected) > PAGE)
        assert any(due is None for _, due in expected) or mine
