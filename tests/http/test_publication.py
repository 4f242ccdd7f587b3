"""The publication timetable through the bot: the Business Unit plans the publication (not
after the latest date, 6 months from the decision to start the review); the final report's
deadline follows; a late submission is refused without a reason, and says why; nobody else
may."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES
from storage import cases
from storage.db import transaction
from storage.models import AuditEvent, MilestoneRow
from tests.activities import BUSINESS_UNIT
from tests.conftest import FixedClock
from tests.fakes import FakeConnector
from tests.http.test_decisions import CLIENTS, app_for, referred
from tests.http.test_referral import Bot

REF = "BR-2026-0001"


async def with_local_review(app: Any, decided: date) -> None:
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=REF)
        assert case is not None
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="review_decision",
            on=decided,
            timetable=services.timetable,
            now=services.clock(),
        )
        case.stage = "lcspr"  # the Panel agreed to the local review


async def said(bot: Bot, text: str) -> str:
    (reply,) = await bot.say(text)
    return json.dumps(reply)


async def test_planning_publication_and_a_late_report_needing_its_reason(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    _, practitioner = await referred(app, connector)
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    assert "has no local review" in await said(bu, f"publication {REF} 2027-05-21")
    await with_local_review(app, date(2026, 11, 25))

    shown = await said(bu, f"publication {REF}")
    assert "Publication no later than 25 May 2027" in shown and "No publication date" in shown
    refused = await said(bu, f"publication {REF} 2027-06-01")
    assert "after the latest publication date, 25 May 2027" in refused
    planned = await said(bu, f"publication {REF} 2027-05-21")
    assert "Planned publication 21 May 2027" in planned and "by 12 May 2027" in planned
    async with app[SERVICES].sessions() as session:
        due = await session.scalar(
            select(MilestoneRow.due_date).where(MilestoneRow.key == "final_report_sent")
        )
    assert due == date(2027, 5, 12)

    refused = await said(practitioner, f"publication {REF} 2027-05-20")
    assert "Only the BDSCP Business Unit can use **publication**" in refused

    clock.current = datetime(2027, 5, 14, 10, tzinfo=UTC)
    early = await said(bu, f"report sent {REF} 2027-05-14")
    assert "record the sign-off first" in early
    assert "signed off BR-2026-0001's final report on 11 May 2027" in await said(
        bu, f"signed off {REF} 2027-05-11"
    )
    late = await said(bu, f"report sent {REF} 2027-05-14")
    assert "by 12 May 2027 for publication on 21 May 2027" in late and "record why" in late
    recorded = await said(bu, f"report sent {REF} 2027-05-14 The reviewer's final draft was late.")
    assert "later than 12 May 2027, because: The reviewer's final draft was late." in recorded
    async with app[SERVICES].sessions() as session:
        done = await session.scalar(
            select(MilestoneRow.completed_at).where(MilestoneRow.key == "final_report_sent")
        )
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "publication.report_sent")
        )
    assert done is not None and audit is not None
