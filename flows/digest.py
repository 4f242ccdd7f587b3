"""The daily digest in the case review channel: open cases with their next deadlines, what is
overdue and what falls due this week, as the status commands list them (one card: the first
lines of each). It holds no personal data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cards import reminders as cards
from flows import case_lists, queries
from flows.context import CaseContext
from flows.nudge import CHANNEL, Outgoing, Today
from storage import outbox


async def daily_digest(session: AsyncSession, context: CaseContext, today: Today) -> list[Outgoing]:
    """The day's digest, once, from the digest's time of day."""
    if today.local.time() < today.rules.digest or not context.case_review_channel_id:
        return []
    key = f"digest:{today.day.isoformat()}"
    if await outbox.queued_under(session=session, dedupe_key=key):
        return []
    now, staff = today.now, queries.STAFF  # every case (the digest holds no personal data)
    lines, open_cases = await case_lists.case_lines(
        session, context, now, aad="", roles=staff, mine=False, page=0
    )
    # The first page of each, and how many in all: counted in SQL, however many there are.
    overdue, late = await case_lists.due_page(
        session, context, now, aad="", roles=staff, overdue=True
    )
    week, coming = await case_lists.due_page(
        session, context, now, aad="", roles=staff, overdue=False
    )
    card = cards.digest_card(
        today=today.day,
        open_cases=open_cases,
        cases=[cards.DigestLine(c.reference, c.next_title, c.due, c.mark) for c in lines],
        overdue=[cards.DigestLine(d.reference, d.title, d.due, d.mark) for d in overdue],
        this_week=[cards.DigestLine(d.reference, d.title, d.due, d.mark) for d in week],
        overdue_total=late,
        week_total=coming,
    )
    return [Outgoing(key, CHANNEL, card=card, summary=f"Daily digest: {today.day.isoformat()}")]
