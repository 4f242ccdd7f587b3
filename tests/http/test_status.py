"""The status queries through the HTTP endpoint, for each kind of person: what each answer
says, what the channel never shows, and who is told a case is "not found"."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES
from storage import cases, people
from storage.db import transaction
from storage.milestones import adjust_milestone
from storage.models import AuditEvent
from tests.activities import BUSINESS_UNIT, CHAIR, POLICE, PRACTITIONER
from tests.cardcheck import assert_valid_card, card_text, walk
from tests.conftest import FixedClock, card_of
from tests.fakes import FakeConnector
from tests.http.test_decisions import app_for, flush, latest_card, referred
from tests.http.test_referral import Bot
from workflow.adjustments import Adjustment, AdjustmentKind
from workflow.roles import Role

REF = "BR-2026-0001"
STRANGER = {  # a practitioner with nothing to do with the case
    "id": "29:stranger",
    "name": "Sam Stranger",
    "aadObjectId": "00000000-0000-4000-8000-000000000199",
}
PERSONAL = ("Zebedee", "Quattlebaum", "Larkspur", "2019-03-14", "14 Mar 2019")


async def ask(bot: Bot, text: str, *, channel: bool = False) -> list[dict[str, Any]]:
    found = []
    for reply in await bot.say(text, channel=channel):
        if reply.get("attachments"):
            card = card_of(reply)
            assert_valid_card(card)
            found.append(card)
        else:
            found.append({"message": reply.get("text", "")})
    return found


async def test_status_for_each_person_and_place(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    await flush(app)
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)

    (card,) = await ask(unit, f"/status {REF}")  # a leading slash is the same command
    text = card_text(card)
    assert f"Status: {REF}" in text and "Stage: Scoping" in text
    assert "Working day 1 of 15 of the rapid review" in text
    assert "Tell the chair, Police and Integrated Care Board; start scoping (Day 1)" in text
    assert "26 Nov 2026: Done (the bot, 26 Nov 2026)" in text and "2 Dec 2026: Due" in text
    assert "**Next:**" in text
    # The referral's details, 1:1, from the card: sent, and the view audited.
    answer = await unit.press(card, f"Show the referral's details for {REF}")
    assert "on their way" in answer["message"]
    await flush(app)
    details = latest_card(connector, BUSINESS_UNIT["id"], f"New referral {REF}")
    assert "Zebedee Quattlebaum" in card_text(details)

    # In the channel: the same status, nothing personal, no button.
    (in_channel,) = await ask(unit, f"status {REF}", channel=True)
    shown = json.dumps(in_channel)
    assert f"Status: {REF}" in shown and "Show the referral" not in shown
    assert not any(value in shown for value in PERSONAL)

    # The referrer: their own case, the stage and the dates only.
    referrer = Bot(client, connector.url, user=PRACTITIONER)
    (own,) = await ask(referrer, f"status {REF}")
    assert "Stage: Scoping" in card_text(own) and "Decisions" not in card_text(own)
    assert "Show the referral" not in json.dumps(own)
    # Someone else: not found, worded exactly as for a case that doesn't exist.
    stranger = Bot(client, connector.url, user=STRANGER)
    (missing,) = await ask(stranger, f"status {REF}")
    (nothing,) = await ask(stranger, "status BR-2026-0999")
    assert missing["message"] == f"I can't find a case {REF}."
    assert nothing["message"] == "I can't find a case BR-2026-0999."
    (timeline,) = await ask(stranger, f"timeline {REF}")
    assert timeline["message"] == f"I can't find a case {REF}."
    (listed,) = await ask(stranger, "cases")
    assert REF not in card_text(listed)
    (mine,) = await ask(referrer, "cases")
    assert REF in card_text(mine)


async def test_a_paused_deadline_shows_with_its_reason_and_new_date(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=REF)
        assert case is not None
        today = clock().date()
        for kind, on in (
            (AdjustmentKind.PAUSE, today),
            (AdjustmentKind.RESUME, today + timedelta(days=7)),
        ):
            await adjust_milestone(
                session=session,
                master=services.cipher,
                case=case,
                timetable=services.timetable,
                key="rapid_review_meeting",
                adjustment=Adjustment(
                    kind=kind,
                    on=on,
                    reason="Criminal proceedings: the police asked for a pause.",
                    approved_by=CHAIR["aadObjectId"],
                ),
                approver_roles={Role.CHAIR},
                now=clock(),
            )
    chair = Bot(client, connector.url, user=CHAIR)
    (card,) = await ask(chair, f"status {REF}")
    text = card_text(card)
    assert "Pauses and extensions" in text
    assert "paused from 26 Nov 2026" in text and "resumed on 3 Dec 2026" in text
    assert "Reason: Criminal proceedings: the police asked for a pause." in text
    assert "Rapid review meeting: decision on a local review (Day 15): now due 23 Dec 2026" in text
    (channel,) = await ask(chair, f"status {REF}", channel=True)
    assert "Criminal proceedings" not in json.dumps(channel)
    assert "The reason is shown in a 1:1 chat" in card_text(channel)


async def test_lists_timeline_decisions_whoami_and_roles(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    await referred(app, connector)  # BR-2026-0002
    await flush(app)
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)
    (listed,) = await ask(unit, "cases", channel=True)
    text = card_text(listed)
    assert "2 open" in text and REF in text and "BR-2026-0002" in text
    (soon,) = await ask(unit, "deadlines 5")
    assert REF in card_text(soon) and "2 Dec 2026: Due" in card_text(soon)
    clock.current += timedelta(days=14)  # the Day 5 deadlines pass
    (late,) = await ask(unit, "overdue", channel=True)
    late_text = card_text(late)
    assert "Overdue" in late_text and "Case Review Sub-group chair" in late_text
    assert not any(value in json.dumps(late) for value in PERSONAL)
    (timeline,) = await ask(unit, f"timeline {REF}", channel=True)
    assert "Referral received from Bradford Teaching Hospitals" in card_text(timeline)

    chair = Bot(client, connector.url, user=CHAIR)
    (records,) = await ask(chair, f"decisions {REF}")
    assert f"Decisions: {REF}" in card_text(records)
    (in_channel,) = await ask(chair, f"decisions {REF}", channel=True)
    assert "1:1 chat" in in_channel["message"]
    police = Bot(client, connector.url, user=POLICE)
    (refused,) = await ask(police, f"decisions {REF}")
    assert "can use **decisions**" in refused["message"]
    (who,) = await ask(police, "whoami")
    assert "Police representative (West Yorkshire Police)" in card_text(who)

    # Roles: administrators only; each change audited.
    (not_admin,) = await ask(police, "roles")
    assert "Bot administrator" in not_admin["message"]
    async with transaction(app[SERVICES].sessions) as session:
        await people.grant_role(
            session=session,
            aad_object_id=BUSINESS_UNIT["aadObjectId"],
            role=Role.ADMIN,
            granted_by="test",
            now=clock(),
        )
    (granted,) = await ask(unit, "grant Paul Okafor scrutineer")
    assert granted["message"] == "Paul Okafor now holds the role Independent scrutineer."
    (again,) = await ask(unit, "grant Paul Okafor scrutineer")
    assert "already holds" in again["message"]
    (roles,) = await ask(unit, "roles")
    assert "Paul Okafor" in card_text(roles)
    (revoked,) = await ask(unit, "revoke Paul Okafor scrutineer")
    assert "no longer holds" in revoked["message"]
    (last,) = await ask(unit, "revoke Bea Umar admin")
    assert "last administrator" in last["message"]
    async with app[SERVICES].sessions() as session:
        actions = list(
            await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("role.%")))
        )
    assert actions.count("role.granted") >= 1 and actions.count("role.revoked") == 1


async def test_setup_makes_this_channel_the_case_review_channel_and_survives_a_restart(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    from bot.app import create_app
    from tests.conftest import local_settings
    from tests.http.test_referral import CHANNEL, fill_to_summary, start_referral

    def fresh() -> Any:
        return create_app(local_settings(tmp_path, case_review_channel_id=""), clock=clock)

    client = await serve(fresh())
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)
    police = Bot(client, connector.url, user=POLICE)
    (refused,) = await ask(police, "setup", channel=True)
    assert "Bot administrator" in refused["message"]
    (private,) = await ask(unit, "setup")
    assert "case review channel" in private["message"]  # said where it is typed
    (done,) = await ask(unit, "setup", channel=True)
    assert "This is now the case review channel" in done["message"]
    # After a restart the choice stands: a new referral's card goes there.
    app = fresh()
    client = await serve(app)
    referrer = Bot(client, connector.url, user=PRACTITIONER)
    await referrer.press(
        await fill_to_summary(referrer, await start_referral(referrer)), "Submit referral"
    )
    await flush(app)
    assert latest_card(connector, CHANNEL, f"Case {REF}")
    async with app[SERVICES].sessions() as session:
        setup = await session.scalar(select(AuditEvent).where(AuditEvent.action == "channel.setup"))
    assert setup is not None and setup.actor_aad_id == BUSINESS_UNIT["aadObjectId"]


async def test_setup_on_one_instance_reaches_another_within_a_minute(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    """Two instances on one database: the channel chosen on the first is re-read by the
    second's every-minute job, and the second's messenger, outbox and flows all use it."""
    from bot.app import SCHEDULER, create_app
    from tests.conftest import local_settings
    from tests.http.test_referral import CHANNEL

    def instance() -> Any:
        return create_app(local_settings(tmp_path, case_review_channel_id=""), clock=clock)

    first, second = instance(), instance()
    unit = Bot(await serve(first), connector.url, user=BUSINESS_UNIT)
    await serve(second)
    services = second[SERVICES]
    assert services.cases.channel.id == ""
    (done,) = await ask(unit, "setup", channel=True)
    assert "This is now the case review channel" in done["message"]
    assert first[SERVICES].cases.channel.id == CHANNEL  # at once where it was typed
    job = second[SCHEDULER].get_job("channel")
    assert job is not None and job.trigger.interval.total_seconds() == 60
    await job.func()
    assert services.cases.channel is services.dispatcher.channel is services.messenger.channel
    assert services.cases.case_review_channel_id == CHANNEL


async def test_overdue_is_paged_twenty_at_a_time_oldest_first(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    """``overdue`` on many cases: one card of 20 lines, Next and Previous walk the rest in
    order, the last page has no Next, and every line is shown exactly once."""
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    for _ in range(9):
        await referred(app, connector)
    clock.current += timedelta(days=21)
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)

    (first,) = await ask(unit, "overdue", channel=True)
    assert len(json.dumps(first)) < 28_000  # one Teams message
    texts = [b["text"] for b in walk(first) if b.get("type") == "TextBlock"]
    summary = next(t for t in texts if "the oldest first" in t)
    total = int(summary.split(",")[0])
    assert total > 40, summary
    assert "1 to 20." in summary
    assert "Previous 20 overdue" not in json.dumps(first)

    def lines(card: dict[str, Any]) -> list[str]:
        blocks = [b["text"] for b in walk(card) if b.get("type") == "TextBlock"]
        return [t for t in blocks if t.startswith("**BR-")]

    seen = lines(first)
    assert len(seen) == 20
    second = await unit.press(first, "Next 20 overdue")
    assert "21 to 40." in card_text(second) and len(lines(second)) == 20
    last = await unit.press(second, "Next 20 overdue")
    assert f"41 to {total}." in card_text(last)
    assert "Next 20 overdue" not in json.dumps(last)
    shown = seen + lines(second) + lines(last)
    assert len(shown) == total  # every overdue line once, none twice
    back = await unit.press(last, "Previous 20 overdue")
    assert lines(back) == lines(second)
    assert len(set(shown)) == total
    dates = [datetime.strptime(t.split("\n")[1].split(":")[0], "%d %b %Y") for t in shown]
    assert dates == sorted(dates)  # the oldest first, across the pages
    assert not any(value in json.dumps(shown) for value in PERSONAL)
