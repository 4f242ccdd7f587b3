"""The business unit corrects a case's Day 1 (when the agency became aware): every due date
moves, across the Christmas bank holidays, and the channel's card is updated in place."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES, create_app
from storage import cases
from storage.milestones import list_milestones
from storage.models import AuditEvent, CaseCorrection
from tests.activities import BUSINESS_UNIT, message
from tests.conftest import FixedClock, local_settings, replies
from tests.fakes import FakeConnector
from tests.http.test_referral import CHANNEL, Bot, fill_to_summary, start_referral


async def referred_on_30_december(tmp_path: Path, serve: Any, connector: FakeConnector) -> Any:
    clock = FixedClock(datetime(2026, 12, 30, 10, 0, tzinfo=UTC))
    app = create_app(local_settings(tmp_path, case_review_channel_id=CHANNEL), clock=clock)
    client = await serve(app)
    bot = Bot(client, connector.url)
    await bot.say("help", channel=True)
    await bot.press(await fill_to_summary(bot, await start_referral(bot)), "Submit referral")
    await app[SERVICES].dispatcher.wait_idle()
    await app[SERVICES].dispatcher.flush()
    return app, client


async def say(client: Any, text: str, user: dict[str, str], service_url: str) -> str:
    response = await client.post(
        "/api/messages", json=message(text, user=user, service_url=service_url)
    )
    (reply,) = replies(await response.json())
    return str(reply["text"])


async def due(app: Any, key: str) -> date | None:
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        assert case is not None
        rows = await list_milestones(session=session, case=case)
    return {r.key: r.due_date for r in rows}[key]


async def test_correcting_day_one_to_christmas_eve_moves_every_date(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app, client = await referred_on_30_december(tmp_path, serve, connector)
    # Worked by hand: Day 1 Wed 30 Dec; 31 Dec; (1 Jan, weekend); 4, 5, 6 Jan: Day 5 is 6 Jan.
    assert await due(app, "la_decision") == date(2027, 1, 6)

    answer = await say(
        client,
        "correct awareness BR-2026-0001 2026-12-24 the police knew on Christmas Eve",
        BUSINESS_UNIT,
        connector.url,
    )
    assert "BR-2026-0001: the agency became aware on **24 Dec 2026**" in answer
    assert "(it was recorded as 30 Dec 2026), so Day 1 is **24 Dec 2026**" in answer
    # By hand: Day 1 Thu 24 Dec; (25 Dec, weekend, 28 Dec substitute Boxing Day) 29 Dec is
    # Day 2; 30, 31 Dec; (1 Jan, weekend) 4 Jan is Day 5.
    assert "the Local Authority's decision is due 4 Jan 2027" in answer
    assert await due(app, "la_decision") == date(2027, 1, 4)

    async with app[SERVICES].sessions() as session:
        correction = await session.scalar(select(CaseCorrection))
        audit = list(await session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "case.awareness_corrected")))  # fmt: skip
    assert correction is not None
    assert (correction.old_value, correction.new_value) == ("2026-12-30", "2026-12-24")
    assert "Christmas" not in correction.reason  # the reason is kept encrypted
    assert [json.loads(d) for d in audit] == [{"from": "2026-12-30", "to": "2026-12-24"}]

    await app[SERVICES].dispatcher.wait_idle()
    await app[SERVICES].dispatcher.flush()
    updates = [s for s in connector.to(CHANNEL) if s.updated]
    assert len(updates) == 1  # the case card, updated in place
    assert "4 Jan 2027" in json.dumps(updates[0].activity)


async def test_only_the_business_unit_corrects_and_only_with_a_reason(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app, client = await referred_on_30_december(tmp_path, serve, connector)
    from tests.activities import PRACTITIONER

    refused = await say(
        client, "correct awareness BR-2026-0001 2026-12-24 because", PRACTITIONER, connector.url
    )
    assert "Only the BDSCP Business Unit" in refused
    for text, words in (
        ("correct awareness BR-2026-0001 2026-12-24 ok", "Say why"),
        ("correct awareness BR-2026-0001 2027-01-05 a reason here", "can't be in the future"),
        ("correct awareness BR-2026-0001 24/12/2026 a reason here", "isn't a date I can read"),
        ("correct awareness BR-2026-0099 2026-12-24 a reason here", "can't find a case"),
        ("correct awareness", "for example"),
    ):
        answer = await say(client, text, BUSINESS_UNIT, connector.url)
        assert words in answer, text
    assert await due(app, "la_decision") == date(2027, 1, 6)  # nothing changed
