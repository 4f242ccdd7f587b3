"""A local review through the bot, after the decision to carry it out: commissioning (who was
told, the reviewer, the methodology) on a form that opens with what is recorded; a delay the
chair approves or refuses from card buttons, the deadline moved and the Business Unit nudged
until the Panel and the Secretary of State are told why; the decision not to publish in full;
the Partnership Group's sign-off, the communication plan and the publication, each in its
order; single milestones closed by the chair with a reason; the channel sees dates, never the
words."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES
from storage import cases
from storage.db import transaction
from storage.milestones import mark_not_applicable
from storage.models import AuditEvent, DecisionRow, MilestoneRow
from tests.activities import BUSINESS_UNIT, CHAIR, POLICE
from tests.cardcheck import card_text
from tests.conftest import FixedClock, card_of
from tests.fakes import FakeConnector
from tests.http.test_decisions import CLIENTS, app_for, flush, latest_card, referred
from tests.http.test_referral import CHANNEL, Bot
from tests.http.test_reminders import run

REF = "BR-2026-0001"
FAMILY = "The mother will be visited at home by the reviewer with her advocate."
REASON = "The coroner has opened an inquest; evidence is to be heard in the summer."


async def local_review(app: Any) -> None:
    """The Panel agreed to the local review decided on Wednesday 25 Nov 2026 (the steps
    before it have their own tests)."""
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        case = await cases.lock_case(session=session, reference=REF)
        assert case is not None
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="review_decision",
            on=date(2026, 11, 25),
            timetable=services.timetable,
            now=services.clock(),
        )
        case.stage = "lcspr"


async def milestone(app: Any, key: str) -> MilestoneRow:
    async with app[SERVICES].sessions() as session:
        row = await session.scalar(select(MilestoneRow).where(MilestoneRow.key == key))
    assert row is not None
    return row


async def said(bot: Bot, text: str, **kwargs: Any) -> str:
    (reply,) = await bot.say(text, **kwargs)
    return json.dumps(reply)


async def commission(
    bu: Bot, told: dict[str, str], reviewer: dict[str, str], method: dict[str, str]
) -> dict[str, Any]:
    (reply,) = await bu.say(f"commission {REF}")
    step = card_of(reply)
    assert "Local review: commissioning" in card_text(step)
    step = await bu.press(step, "Next", **told)
    step = await bu.press(step, "Next", **reviewer)
    summary = await bu.press(step, "Next", **method)
    return await bu.press(summary, "Save the commissioning record")


async def test_commissioning_only_by_the_business_unit_and_not_before_the_decision(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    _, practitioner = await referred(app, connector)
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    assert "has no local review" in await said(bu, f"commission {REF}")
    await local_review(app)
    assert "Only the BDSCP Business Unit" in await said(practitioner, f"commission {REF}")

    (reply,) = await bu.say(f"commission {REF}")
    first = card_of(reply)
    assert "Bea Umar" in json.dumps(first)  # who told them: the person recording, to start with
    step = await bu.press(first, "Next", panel_told="2026-11-20", ofsted_told="2026-11-26")
    summary = await bu.press(await bu.press(step, "Next"), "Next")
    refused = await bu.press(summary, "Save the commissioning record")
    text = card_text(refused)
    assert "20 Nov 2026 is before the decision to start the review (25 Nov 2026)" in text
    assert "2026-11-20" in json.dumps(refused) or "20 Nov 2026" in text  # nothing typed is lost
    assert (await milestone(app, "review_told")).completed_at is None


async def test_commissioning_then_the_reviewer_and_methodology(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    await local_review(app)
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)

    saved = await commission(bu, {"panel_told": "2026-11-26", "ofsted_told": "2026-11-26"}, {}, {})
    text = card_text(saved)
    assert "Recorded: who was told of the review." in text
    assert "Panel 26 Nov 2026, Ofsted 26 Nov 2026, DfE not yet (Bea Umar)" in text
    assert (await milestone(app, "review_told")).completed_at is None

    # Later: the form opens with what is recorded; the rest is added.
    clock.current = datetime(2026, 12, 2, 11, tzinfo=UTC)
    saved = await commission(
        bu,
        {"dfe_told": "2026-11-27"},
        {
            "reviewer": "Dr Anna Reid",
            "organisation": "Independent Reviews Ltd",
            "panel_named": "2026-12-01",
            "ofsted_named": "2026-12-01",
            "dfe_named": "2026-12-02",
        },
        {
            "methodology": "Systems review with a practitioner learning event.",
            "agreed_on": "2026-12-02",
            "practitioners": "A learning event for the practitioners involved.",
            "family": FAMILY,
        },
    )
    text = card_text(saved)
    assert "DfE 27 Nov 2026" in text and "Dr Anna Reid (Independent Reviews Ltd)" in text
    assert "Agreed 2 Dec 2026" in text and FAMILY in text  # 1:1, to the Business Unit
    assert (await milestone(app, "review_told")).completed_at is not None
    assert (await milestone(app, "reviewer_commissioned")).completed_at is not None

    # The channel sees the dates and the reviewer, never the methodology or the family.
    police = Bot(CLIENTS[id(app)], connector.url, user=POLICE)
    shown = await said(police, f"status {REF}", channel=True)
    assert "Dr Anna Reid (Independent Reviews Ltd)" in shown and "Agreed 2 Dec 2026" in shown
    assert FAMILY not in shown
    await flush(app)
    case_card = latest_card(connector, CHANNEL, f"Case {REF}")
    assert "Local review" in card_text(case_card) and FAMILY not in json.dumps(case_card)

    in_channel = await said(police, f"review {REF}", channel=True)
    assert "Dr Anna Reid (Independent Reviews Ltd)" in in_channel and FAMILY not in in_channel
    chair = Bot(CLIENTS[id(app)], connector.url, user=CHAIR)
    assert FAMILY in await said(chair, f"review {REF}")
    async with app[SERVICES].sessions() as session:
        viewed = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "review.viewed")
        )
        details = list(await session.scalars(select(AuditEvent.details)))
    assert viewed is not None and viewed.actor_aad_id == CHAIR["aadObjectId"]
    assert not any(FAMILY in d for d in details)


async def ask_for_delay(bu: Bot, new_date: str) -> dict[str, Any]:
    (reply,) = await bu.say(f"delay {REF}")
    step = card_of(reply)
    summary = await bu.press(step, "Next", cause="inquest", reason=REASON, new_date=new_date)
    return await bu.press(summary, "Ask the chair to approve the delay")


async def test_a_delay_approved_by_the_chair_moves_the_deadline_and_the_panel_is_told_why(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    await local_review(app)
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    assert "Publication no later than 25 May 2027" in await said(bu, f"publication {REF}")

    (reply,) = await bu.say(f"delay {REF}")
    step = card_of(reply)
    summary = await bu.press(step, "Next", cause="inquest", reason=REASON, new_date="2027-05-04")
    refused = await bu.press(summary, "Ask the chair to approve the delay")
    assert "later than it is now, 25 May 2027: 4 May 2027 isn't later" in card_text(refused)
    summary = await bu.press(
        await bu.press(await bu.press(refused, "Back to the delay request"), "Edit the delay"),
        "Save and return to summary",
        cause="inquest",
        reason=REASON,
        new_date="2027-09-30",
    )
    asked = await bu.press(summary, "Ask the chair to approve the delay")
    assert "To 30 Sep 2027, waiting for the chair" in card_text(asked)
    again = await ask_for_delay(bu, "2027-10-29")
    assert "waiting for the chair already" in card_text(again)

    await flush(app)
    card = latest_card(connector, CHAIR["id"], f"Publication delay: {REF}")
    assert REASON in card_text(card) and "Latest publication now" in card_text(card)
    police = Bot(CLIENTS[id(app)], connector.url, user=POLICE)
    (reply,) = await police.say("help")  # an open 1:1 chat
    pressed = await police.press(card, f"Approve the delay to {REF}'s publication")
    assert "Only the Case Review Sub-group chair" in json.dumps(pressed)
    chair = Bot(CLIENTS[id(app)], connector.url, user=CHAIR)
    no_note = await chair.press(card, f"Refuse the delay to {REF}'s publication")
    assert "Say why you are refusing it" in card_text(no_note)
    approved = await chair.press(
        card, f"Approve the delay to {REF}'s publication", rationale="Agreed: the inquest."
    )
    assert "Approved by Chris Holt" in card_text(approved)
    twice = await chair.press(card, f"Refuse the delay to {REF}'s publication", rationale="No.")
    assert "Approved by Chris Holt" in card_text(twice)  # answered once; the card says how

    assert (await milestone(app, "publication")).due_date == date(2027, 9, 30)
    async with app[SERVICES].sessions() as session:
        decision = await session.scalar(
            select(DecisionRow).where(DecisionRow.kind == "publication_delay")
        )
    assert decision is not None and decision.outcome == "delay"
    assert decision.decided_by == CHAIR["aadObjectId"]
    await flush(app)
    told = latest_card(connector, BUSINESS_UNIT["id"], f"Delay approved: {REF}")
    assert f"panel told {REF}" in card_text(told)

    assert "Planned publication 17 Sep 2027" in await said(bu, f"publication {REF} 2027-09-17")
    shown = await said(police, f"status {REF}", channel=True)
    assert "30 Sep 2027 (delayed: an inquest; was 25 May 2027)" in shown
    assert "Not yet: the delay to 30 Sep 2027" in shown and REASON not in shown

    # Nudged from the next working day until it is recorded.
    await run(app, "2026-11-27T09:00")
    await flush(app)
    nudge = latest_card(connector, BUSINESS_UNIT["id"], "Tell the Panel and the Secretary")
    assert "the delay to 30 Sep 2027" in card_text(nudge)
    clock.current = datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert "not a day to come" in await said(bu, f"panel told {REF} 2026-12-01")
    assert "before the chair's decision (26 Nov 2026)" in await said(
        bu, f"panel told {REF} 2026-11-25"
    )
    recorded = await said(bu, f"panel told {REF} 2026-11-30")
    assert "told about the delay to 30 Sep 2027 on 30 Nov 2026" in recorded
    before = len(connector.sent)
    await run(app, "2026-12-01T09:00")
    await flush(app)
    assert not any(
        "Tell the Panel and the Secretary" in json.dumps(s.activity)
        for s in connector.sent[before:]
    )
    assert "no delay or decision not to publish" in await said(bu, f"panel told {REF} 2026-11-30")


async def test_sign_off_report_communication_plan_and_publication_in_order(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    _, practitioner = await referred(app, connector)
    await local_review(app)
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    chair = Bot(CLIENTS[id(app)], connector.url, user=CHAIR)

    # Not in full: the chair's decision, with its justification; the Business Unit asked to
    # tell the Panel and the Secretary of State.
    assert "Only the Case Review Sub-group chair" in await said(bu, f"not in full {REF} x")
    assert "Give the justification" in await said(chair, f"not in full {REF}")
    decided = await said(chair, f"not in full {REF} Publishing in full would identify the twins.")
    assert "won't be published, with your justification" in decided
    assert "recorded already" in await said(chair, f"not in full {REF} Again.")
    await flush(app)
    assert "decision not to publish the full report" in card_text(
        latest_card(connector, BUSINESS_UNIT["id"], "Tell the Panel and the Secretary of State")
    )

    assert "Plan the publication date next" in await said(bu, f"signed off {REF} 2026-11-26")
    assert "record the sign-off first" not in await said(bu, f"publication {REF} 2027-05-14")
    assert (await milestone(app, "report_signed_off")).completed_at is not None
    assert "signed off already" in await said(bu, f"signed off {REF} 2026-11-26")

    (reply,) = await bu.say(f"comms {REF}")
    summary = await bu.press(
        card_of(reply), "Next", done=["media_leads", "key_messages", "qa"], notes="Press: Friday."
    )
    saved = await bu.press(summary, "Save the communication plan")
    assert "still to do: briefings arranged" in card_text(saved)
    assert "3 of 4 done" in card_text(saved)

    clock.current = datetime(2027, 5, 4, 10, tzinfo=UTC)
    early = await said(bu, f"published {REF} 2027-05-04 https://bdscp.org.uk/reviews/1")
    assert "Record the final report sent" in early
    clock.current = datetime(2027, 5, 6, 10, tzinfo=UTC)  # recorded two days after it went
    assert "went to the Panel" in await said(bu, f"report sent {REF} 2027-05-04")
    assert "went to the Panel on 4 May 2027" in await said(
        bu, f"published {REF} 2027-05-03 https://bdscp.org.uk/reviews/1"
    )
    clock.current = datetime(2027, 5, 14, 10, tzinfo=UTC)
    assert "starting https://" in await said(bu, f"published {REF} 2027-05-14 bdscp.org.uk")
    done = await said(bu, f"published {REF} 2027-05-14 https://bdscp.org.uk/reviews/1")
    assert "published on 14 May 2027" in done and "briefings arranged" in done.lower()
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference=REF)
    assert case is not None and case.stage == "action_plan"
    shown = await said(practitioner, f"status {REF}")  # the referrer: the stage and dates
    assert "Action plan follow-up" in shown
    staff = await said(chair, f"status {REF}")
    assert "14 May 2027: https" in staff and "bdscp.org.uk/reviews/1" in staff
    (reply,) = await chair.say(f"status {REF}")
    facts = {
        fact["title"]: fact["value"]
        for node in card_of(reply)["body"]
        for fact in node.get("facts", [])
    }
    assert facts["Final report sent"] == "4 May 2027"  # the day it went, not the day recorded
    assert "Not to be published in full" in staff and "twins" not in staff


async def test_the_chair_closes_a_single_milestone_with_a_reason(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    chair = Bot(CLIENTS[id(app)], connector.url, user=CHAIR)
    assert "Only the Case Review Sub-group chair" in await said(bu, f"close {REF} milestone 2 x")
    assert "Give the reason" in await said(chair, f"close {REF} milestone 2")
    assert "There is no milestone 42" in await said(chair, f"close {REF} milestone 42 reason")
    assert "has no action 1" in await said(chair, f"close {REF} action 1 reason")
    closed = await said(chair, f"close {REF} milestone 2 Views were given at a meeting instead.")
    assert "Closed: Milestone 2 (Scoping views" in closed
    assert (await milestone(app, "scoping_views")).not_applicable_since is not None
    assert "isn't open" in await said(chair, f"close {REF} milestone 2 again")
    (reply,) = await chair.say(f"status {REF}")
    assert "2\\. Scoping views from Police" in card_text(card_of(reply))  # shown as "2. ..."
    async with app[SERVICES].sessions() as session:
        decision = await session.scalar(
            select(DecisionRow).where(DecisionRow.outcome == "close_item")
        )
    assert decision is not None and decision.decided_by == CHAIR["aadObjectId"]


async def test_a_local_review_decided_at_day_15_is_recorded_before_the_panel_answers(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    """The Panel, Ofsted and DfE are told as soon as the review is decided: the Business Unit
    needn't wait for the Panel's answer. Another kind of review has nothing of one."""
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    await local_review(app)
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        case = await cases.lock_case(session=session, reference=REF)
        assert case is not None
        case.stage = "awaiting_panel"
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    saved = await commission(bu, {"panel_told": "2026-11-26"}, {}, {})
    assert "Recorded: who was told of the review." in card_text(saved)
    assert "Publication no later than 25 May 2027" in await said(bu, f"publication {REF}")

    async with transaction(services.sessions) as session:  # an audit instead: no local review
        case = await cases.lock_case(session=session, reference=REF)
        assert case is not None
        await mark_not_applicable(
            session=session,
            case=case,
            keys=["review_told", "reviewer_commissioned"],
            why="audit",
            now=services.clock(),
        )
    (reply,) = await bu.say(f"delay {REF}")
    assert "has no local review" in json.dumps(reply)
    assert "has no local review" in await said(bu, f"publication {REF}")


async def test_the_sign_off_and_the_final_reports_deadlines_follow_the_planned_date_and_nudge(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    await local_review(app)
    bu = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    await said(bu, f"publication {REF} 2027-05-21")  # a Friday
    assert (await milestone(app, "report_signed_off")).due_date == date(2027, 5, 11)
    assert (await milestone(app, "final_report_sent")).due_date == date(2027, 5, 12)
    await run(app, "2027-05-07T09:00")  # two working days before the sign-off is due
    await flush(app)
    nudges = [
        text
        for sent in connector.to(CHANNEL)
        for text in [json.dumps(sent.activity)]
        if "Deadline coming up: BR-2026-0001" in text
    ]
    signed = [t for t in nudges if "Final report signed off by the Partnership Group" in t]
    assert len(signed) == 1 and "11 May 2027" in signed[0] and "Bea Umar" in signed[0]
    assert not any("Final report sent to the Panel" in t for t in nudges)  # its day is Monday
    await run(app, "2027-05-10T09:00")
    await flush(app)
    sent = [
        json.dumps(s.activity)
        for s in connector.to(CHANNEL)
        if "Final report sent to the Panel, the Secretary of State and Ofsted"
        in json.dumps(s.activity)
    ]
    assert any("12 May 2027" in t for t in sent)
