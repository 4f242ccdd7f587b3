"""Reminders through the local Teams client, driven by ``python -m bot tick --now`` at chosen
moments (the running bot's outbox sends what each tick queues): on the day an Information
Gathering Tool return is due, its respondent gets the chaser in their 1:1 chat and the channel
gets the daily digest; ticked each working day after, the channel gets the overdue nudge for
the Day 15 decision, naming the chair and the Business Unit. No child's details in the
channel."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import load_timetable
from cards.common import day
from storage import db
from storage.models import Case, CaseRequest, MilestoneRow
from tests.e2e.harness import LocalTeams, card_text
from tests.e2e.test_decisions_e2e import card_in
from tests.e2e.test_igt_e2e import BU, at_rapid_review, typed
from tests.e2e.test_referral_e2e import press

pytestmark = pytest.mark.e2e

LONDON = ZoneInfo("Europe/London")
CHILD = "Kit Example"


async def due_dates(teams: LocalTeams, reference: str) -> tuple[date, date]:
    """When the police's return is due, and the Day 15 decision."""
    engine = db.create_engine(teams.database_url)
    try:
        async with db.create_sessionmaker(engine)() as session:
            case = await session.scalar(select(Case).where(Case.reference == reference))
            assert case is not None
            igt_due = await session.scalar(
                select(CaseRequest.due_date).where(
                    CaseRequest.case_id == case.id, CaseRequest.purpose == "igt"
                )
            )
            meeting_due = await session.scalar(
                select(MilestoneRow.due_date).where(
                    MilestoneRow.case_id == case.id, MilestoneRow.key == "rapid_review_meeting"
                )
            )
    finally:
        await engine.dispose()
    assert igt_due is not None and meeting_due is not None
    return igt_due, meeting_due


def morning(of: date) -> str:
    return datetime.combine(of, time(9, 30), tzinfo=LONDON).isoformat()


async def test_the_digest_an_overdue_nudge_and_an_igt_chaser_in_the_client(
    teams: LocalTeams,
) -> None:
    reference = await at_rapid_review(teams)
    sending = await typed(
        teams, BU, f"igt {reference}", f"Information Gathering Tools: {reference}"
    )
    await press(
        teams,
        sending,
        f"Send the Information Gathering Tool for {reference}",
        persona=BU,
        person=teams.user("police")["aadObjectId"],
        other_agency="West Yorkshire Police",
    )
    await card_in(teams, "police", f"Information Gathering Tool: {reference}")
    igt_due, meeting_due = await due_dates(teams, reference)
    calendar = load_timetable("config/timetable.toml").calendar()

    # The morning the return is due: the chaser in the police's 1:1 chat, the digest.
    assert "newly queued" in await teams.tick(morning(igt_due))
    chaser = await card_in(teams, "police", f"Your deadline due today: {reference}")
    text = card_text(chaser.card)
    assert "Information Gathering Tool return (West Yorkshire Police)" in text
    assert f"Snooze the {reference} reminder" in str(chaser.card)
    digest = await card_in(teams, "channel", f"Daily digest: {day(igt_due)}")
    assert reference in card_text(digest.card)

    # Each working morning after it, until the Day 15 decision is overdue.
    when = igt_due
    while when <= meeting_due:
        when = calendar.next_working_day(when + timedelta(days=1))
        await teams.tick(morning(when))
    title = "Rapid review meeting: decision on a local review (Day 15)"
    overdue = await teams.wait_for_message(
        lambda m: (
            m.card is not None
            and f"Deadline overdue: {reference}" in card_text(m.card)
            and title in card_text(m.card)
        ),
        conversation_id=teams.channel_id,
    )
    text = card_text(overdue.card)
    assert f"This was due on {day(meeting_due)}." in text
    assert "Chris Holt" in text and "Bea Umar" in text
    # Nothing in the channel names the child.
    for message in teams.bot_messages(teams.channel_id):
        assert CHILD not in json.dumps(message.activity)
