"""Scoping and the decisions on notification through the HTTP endpoint: the partners' views
(one revised), the chair's prompt in the channel (live buttons for the chair only, checked on
the server), the Local Authority's decision, and the referrer told the outcome."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES, create_app
from storage import cases, people
from storage.milestones import list_due_milestones
from storage.models import AuditEvent, DecisionRow, MilestoneRow
from tests.activities import (
    BUSINESS_UNIT,
    CHAIR,
    DIRECTOR,
    HEALTH,
    LOCAL_AUTHORITY,
    POLICE,
    PRACTITIONER,
    execute,
)
from tests.cardcheck import assert_valid_card, card_text
from tests.conftest import FixedClock, card_of, local_settings
from tests.e2e.harness import find_action
from tests.fakes import FakeConnector
from tests.http.test_referral import CHANNEL, Bot, fill_to_summary, start_referral

CLIENTS: dict[int, Any] = {}  # each test's app -> its HTTP client
VIEW = {
    "abuse_or_neglect": "yes",
    "died_or_harmed": "yes",
    "where": "yes",
    "view": "meets_criteria",
    "reason": "Injuries unexplained; neglect suspected.",
}


async def referred(app: Any, connector: FakeConnector) -> tuple[Any, Bot]:
    SERVICE["url"] = connector.url
    client = CLIENTS[id(app)]
    bot = Bot(client, connector.url)
    await bot.say("help", channel=True)
    await bot.press(await fill_to_summary(bot, await start_referral(bot)), "Submit referral")
    await flush(app)
    return client, bot


async def flush(app: Any) -> None:
    await app[SERVICES].dispatcher.wait_idle()
    await app[SERVICES].dispatcher.flush()


def latest_card(connector: FakeConnector, conversation: str, words: str) -> dict[str, Any]:
    """The newest card with ``words`` sent to ``conversation`` (a channel, or a person's id:
    their 1:1 chat, whichever id it has)."""
    sent_there = (
        connector.to(conversation)
        if conversation.startswith("19:")
        else [s for s in connector.sent if s.conversation_id.endswith(conversation)]
    )
    for sent in reversed(sent_there):
        for attachment in sent.activity.get("attachments") or []:
            if words in card_text(attachment["content"]):
                return dict(attachment["content"])
    raise AssertionError(f"no card with {words!r} in {conversation}")


async def give_view(
    client: Any, connector: FakeConnector, who: dict[str, str], **answers: str
) -> dict[str, Any]:
    bot = Bot(client, connector.url, user=who)
    invitation = latest_card(connector, who["id"], "Your scoping view on")
    step = await bot.press(invitation, "Give your view on BR-2026-0001")
    text = card_text(step)
    assert "Children Act 2004 s16C(1)" in text and "'Serious harm'" in text
    summary = await bot.press(step, "Next", **{**VIEW, **answers})
    return await bot.press(summary, "Give this view")


SERVICE: dict[str, str] = {}  # the fake connector's address, as Teams would send it


async def refresh(client: Any, who: dict[str, str], verb: str = "chair.prompt") -> dict[str, Any]:
    activity = execute(
        verb,
        {"case": "BR-2026-0001"},
        user=who,
        channel=True,
        service_url=SERVICE["url"],
    )
    activity["value"]["trigger"] = "automatic"
    response = await client.post("/api/messages", json=activity)
    body = await response.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive", body
    assert_valid_card(body["value"])
    return dict(body["value"])


async def press_in_channel(
    client: Any, who: dict[str, str], card: dict[str, Any], title: str, **inputs: str
) -> dict[str, Any]:
    action = find_action(card, title)
    data = {**(action.get("data") or {}), **inputs}
    response = await client.post(
        "/api/messages",
        json=execute(action["verb"], data, user=who, channel=True, service_url=SERVICE["url"]),
    )
    body = await response.json()
    return dict(body)


async def app_for(tmp_path: Path, serve: Any, clock: FixedClock, database_url: str = "") -> Any:
    settings = local_settings(tmp_path, case_review_channel_id=CHANNEL)
    if database_url:
        settings = local_settings(
            tmp_path, case_review_channel_id=CHANNEL, database_url=database_url
        )
    app = create_app(settings, clock=clock)
    CLIENTS[id(app)] = await serve(app)
    return app


async def scoped(tmp_path: Path, serve: Any, connector: FakeConnector, clock: Any) -> Any:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    for who in (POLICE, LOCAL_AUTHORITY, HEALTH):
        done = await give_view(client, connector, who)
        assert "View recorded: BR-2026-0001" in card_text(done)
    await flush(app)
    return app


async def test_partners_give_views_and_one_is_revised(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    await give_view(client, connector, POLICE, view="unsure", where="no")
    await give_view(client, connector, LOCAL_AUTHORITY)
    await flush(app)
    prompt = latest_card(connector, CHANNEL, "Recommendation on notification")
    text = card_text(prompt)
    assert "Not sure yet" in text and "Not given yet" in text  # health hasn't answered
    assert "Not clear yet" in text and "Views differ" in text
    # Police revise: typed as a command this time.
    police = Bot(client, connector.url, user=POLICE)
    (reply,) = await police.say("view BR-2026-0001")
    summary = await police.press(card_of(reply), "Next", **VIEW)
    revised = await police.press(summary, "Give this view")
    assert "View revised: BR-2026-0001" in card_text(revised)
    await give_view(client, connector, HEALTH)
    await flush(app)
    text = card_text(latest_card(connector, CHANNEL, "Recommendation on notification"))
    assert "Does the statutory test look met?** Yes, from the views given" in text
    assert "Not sure yet" not in text
    for value in ("Zebedee", "Quattlebaum", "Injuries unexplained"):  # no reasons, no child
        assert value not in json.dumps([s.activity for s in connector.to(CHANNEL)])
    async with app[SERVICES].sessions() as session:
        rows = list(await session.scalars(select(DecisionRow).order_by(DecisionRow.id)))
    assert [r.kind for r in rows] == ["scoping_view"] * 4
    assert rows[2].supersedes_id == rows[0].id  # the old view kept, replaced


async def test_only_a_partner_gives_a_view(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    invitation = latest_card(connector, POLICE["id"], "Your scoping view on")
    practitioner = Bot(client, connector.url, user=PRACTITIONER)
    answer = await practitioner.press(invitation, "Give your view on BR-2026-0001")
    assert "Only the Police, Local Authority and Integrated Care Board" in answer["message"]


async def test_the_chair_sees_the_buttons_and_everyone_else_the_status(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    posted = latest_card(connector, CHANNEL, "Recommendation on notification")
    assert posted["refresh"]["action"]["verb"] == "chair.prompt"
    assert posted["refresh"]["userIds"] == [CHAIR["id"]]
    chair_view = await refresh(client, CHAIR)
    assert "Recommend notification for BR-2026-0001" in json.dumps(chair_view)
    for who in (BUSINESS_UNIT, POLICE):
        status = await refresh(client, who)
        assert "actions" not in status
        assert "Waiting for the Case Review Sub-group chair" in card_text(status)
    # The referrer, with no staff role: nothing read, the card stays as it was posted.
    activity = execute(
        "chair.prompt",
        {"case": "BR-2026-0001"},
        user=PRACTITIONER,
        channel=True,
        service_url=SERVICE["url"],
    )
    activity["value"]["trigger"] = "automatic"
    body = await (await client.post("/api/messages", json=activity)).json()
    assert body == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "",
    }


async def test_someone_else_pressing_the_chairs_button_is_refused_and_audited(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    chair_view = await refresh(client, CHAIR)  # a forged or forwarded copy of the chair's card
    body = await press_in_channel(
        client,
        BUSINESS_UNIT,
        chair_view,
        "Recommend notification for BR-2026-0001",
        rationale="I'll do it.",
    )
    # One line, nothing of the case (not the views, not the stage).
    assert body["value"] == "Only the Case Review Sub-group chair can do that."
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        refused = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "action.refused")
        )
        kinds = list(await session.scalars(select(DecisionRow.kind)))
    assert case is not None and case.stage == "scoping"
    assert refused is not None and refused.actor_aad_id == BUSINESS_UNIT["aadObjectId"]
    assert "business_unit" in refused.actor_role.split(",") and refused.case_ref == "BR-2026-0001"
    assert "chair_recommendation" not in kinds


async def test_an_empty_rationale_is_refused_in_the_card(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    chair_view = await refresh(client, CHAIR)
    body = await press_in_channel(
        client, CHAIR, chair_view, "Recommend notification for BR-2026-0001", rationale="  \n "
    )
    text = card_text(body["value"])
    assert "Give your rationale" in text
    assert "Recommend notification for BR-2026-0001" in json.dumps(body["value"])
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
    assert case is not None and case.stage == "scoping"


async def test_two_presses_at_once_record_one_recommendation_and_the_director_decides(
    tmp_path: Path,
    serve: Any,
    connector: FakeConnector,
    clock: FixedClock,
    database_url: str,
) -> None:
    """On SQLite and on PostgreSQL."""
    app = await app_for(tmp_path, serve, clock, database_url)
    client, _ = await referred(app, connector)
    for who in (POLICE, LOCAL_AUTHORITY, HEALTH):
        await give_view(client, connector, who)
    chair_view = await refresh(client, CHAIR)
    first, second = await asyncio.gather(
        press_in_channel(
            client,
            CHAIR,
            chair_view,
            "Recommend notification for BR-2026-0001",
            rationale="All three partners agree the test is met.",
        ),
        press_in_channel(
            client,
            CHAIR,
            chair_view,
            "Recommend no notification for BR-2026-0001",
            rationale="Pressed at the same moment.",
        ),
    )
    texts = [card_text(first["value"]), card_text(second["value"])]
    for text in texts:  # both see the one decision: what, who and when
        assert "By** " in text or "Chris Holt (Case Review Sub-group chair)" in text
    outcomes = {"Do not notify the national Panel" in t for t in texts}
    assert len(outcomes) == 1  # the same outcome shown to both, whichever press came first
    async with app[SERVICES].sessions() as session:
        kinds = list(await session.scalars(select(DecisionRow.kind)))
        case = await cases.get_case(session=session, reference="BR-2026-0001")
    assert kinds.count("chair_recommendation") == 1
    assert case is not None and case.stage == "la_decision"

    await flush(app)
    card = latest_card(connector, DIRECTOR["id"], "Decision on notification")
    text = card_text(card)
    assert "Injuries unexplained; neglect suspected." in text  # the partners' reasons, 1:1
    director = Bot(client, connector.url, user=DIRECTOR)
    empty = await director.press(card, "Notify the national Panel about BR-2026-0001")
    assert "Give your rationale" in card_text(empty)
    done = await director.press(
        card,
        "Notify the national Panel about BR-2026-0001",
        rationale="The statutory test is met.",
    )
    assert "Laura Ahmed" in card_text(done) and "notifies the national Panel" in card_text(done)
    # Someone else pressing the director's card after the decision: told, not shown the card
    # (it carries the partners' reasons), nothing changed, the attempt audited.
    stranger = await Bot(client, connector.url, user=POLICE).press(
        card, "Don't notify the Panel about BR-2026-0001", rationale="Forged."
    )
    assert "message" in stranger and "Injuries" not in stranger["message"], stranger
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        refused = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "action.refused",
                AuditEvent.actor_aad_id == POLICE["aadObjectId"],
            )
        )
    assert case is not None and case.stage == "rapid_review"
    assert refused is not None
    assert case.notification_date is not None
    await flush(app)
    outcome = latest_card(connector, PRACTITIONER["id"], "Outcome on BR-2026-0001")
    assert "decided to **notify the national Panel**" in card_text(outcome)
    # The Business Unit gets the checklist and the text for the Panel's form.
    checklist = latest_card(connector, BUSINESS_UNIT["id"], "Notifications: BR-2026-0001")
    assert "Department for Education" in card_text(checklist)
    panel = latest_card(connector, BUSINESS_UNIT["id"], "For the Panel's online form")
    assert "Child 1: Zebedee Quattlebaum, aged 7 at the incident" in json.dumps(panel)
    bu = Bot(client, connector.url, user=BUSINESS_UNIT)
    marked = await bu.press(
        checklist,
        "Mark the national Panel as told",
        ref_panel="CSPRP-12345",
    )
    assert "Told 26 Nov 2026, 10:00, reference CSPRP-12345" in card_text(marked)
    again = await bu.press(checklist, "Mark the national Panel as told")
    assert card_text(again).count("CSPRP-12345") == 1  # marked once
    stranger = await Bot(client, connector.url, user=PRACTITIONER).press(
        checklist, "Mark Ofsted as told"
    )
    assert stranger["message"] == "Only the BDSCP Business Unit can do that."
    await flush(app)
    case_card = latest_card(connector, CHANNEL, "Case BR-2026-0001")
    assert "Notified" in card_text(case_card) and "the national Panel: Bea Umar" in card_text(
        case_card
    )
    assert "Rapid review" in card_text(case_card)
    shown = card_text(case_card)  # the decisions so far: what, who, when
    assert "Chair's recommendation" in shown and "national Panel: Chris Holt" in shown
    assert "Local Authority's decision" in shown and "Laura Ahmed" in shown


async def test_the_business_unit_records_the_directors_decision_not_to_notify(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    chair_view = await refresh(client, CHAIR)
    await press_in_channel(
        client,
        CHAIR,
        chair_view,
        "Recommend no notification for BR-2026-0001",
        rationale="Harm is not serious on what is known.",
    )
    bu = Bot(client, connector.url, user=BUSINESS_UNIT)
    (reply,) = await bu.say("la decision BR-2026-0001")
    card = card_of(reply)
    assert "You are recording the decision of Laura Ahmed" in card_text(card)
    done = await bu.press(
        card,
        "Don't notify the Panel about BR-2026-0001",
        rationale="Decided by phone with the director.",
    )
    text = card_text(done)
    assert "does not notify the national Panel" in text
    assert "Recorded by" in text and "Bea Umar" in text
    async with app[SERVICES].sessions() as session:
        row = await session.scalar(select(DecisionRow).where(DecisionRow.kind == "la_decision"))
        case = await cases.get_case(session=session, reference="BR-2026-0001")
    assert row is not None
    assert row.decided_by == DIRECTOR["aadObjectId"] and row.decided_role == "strategic_director"
    assert row.recorded_by == BUSINESS_UNIT["aadObjectId"]
    assert case is not None and case.stage == "not_notified"
    # The branch taken makes the rapid review and the local review irrelevant: never chased.
    async with app[SERVICES].sessions() as session:
        irrelevant = set(
            await session.scalars(
                select(MilestoneRow.key).where(MilestoneRow.not_applicable_since.is_not(None))
            )
        )
        due = await list_due_milestones(session=session, before=date(2030, 1, 1))
    assert {"rapid_review_meeting", "report_to_panel", "publication"} <= irrelevant
    assert not {m.key for _, m in due} & irrelevant
    practitioner = Bot(client, connector.url, user=PRACTITIONER)
    (reply,) = await practitioner.say("la decision BR-2026-0001")
    assert "Only the" in reply["text"]

    # What next: the chair decides on the channel's card; everyone else sees the status.
    await flush(app)
    posted = latest_card(connector, CHANNEL, "What next for BR-2026-0001")
    assert posted["refresh"]["action"]["verb"] == "next.prompt"
    assert posted["refresh"]["userIds"] == [CHAIR["id"]]
    assert "Decided by phone with the director." not in card_text(posted)  # 1:1 only
    assert "**decisions BR-2026-0001** in a 1:1 chat" in card_text(posted)
    status = await refresh(client, POLICE, "next.prompt")
    assert "actions" not in status and "Waiting for the Case Review Sub-group chair" in (
        card_text(status)
    )
    live = await refresh(client, CHAIR, "next.prompt")
    start = "Start a single agency review of BR-2026-0001"
    forged = await press_in_channel(client, POLICE, live, start, rationale="Let's.")
    assert forged["value"] == "Only the Case Review Sub-group chair can do that."
    empty = await press_in_channel(client, CHAIR, live, start, rationale=" ")
    assert "Give your rationale" in card_text(empty["value"])
    done = await press_in_channel(client, CHAIR, live, start, rationale="Health can learn.")
    text = card_text(done["value"])
    assert "A single agency review" in text and "Chris Holt" in text
    assert "refresh" not in done["value"]
    stale = await press_in_channel(
        client, CHAIR, live, "Close BR-2026-0001 with no further action", rationale="No."
    )
    assert "A single agency review" in card_text(stale["value"])  # decided: nothing changes
    await flush(app)
    case_card = card_text(latest_card(connector, CHANNEL, "Case BR-2026-0001"))
    assert "Chair's decision on what next" in case_card and "A single agency review" in case_card
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        kinds = list(await session.scalars(select(DecisionRow.kind)))
        refused = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "action.refused")
        )
    assert case is not None and case.stage == "alternative_review"
    assert kinds.count("next_step") == 1
    assert refused is not None and refused.actor_aad_id == POLICE["aadObjectId"]


async def review_refresh(client: Any, who: dict[str, str]) -> dict[str, Any]:
    activity = execute(
        "review.prompt",
        {"case": "BR-2026-0001"},
        user=who,
        channel=True,
        service_url=SERVICE["url"],
    )
    activity["value"]["trigger"] = "automatic"
    body = await (await client.post("/api/messages", json=activity)).json()
    assert_valid_card(body["value"])
    return dict(body["value"])


async def test_the_day_15_decision_is_proposed_by_the_business_unit_and_approved_by_the_chair(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    await press_in_channel(
        client,
        CHAIR,
        await refresh(client, CHAIR),
        "Recommend notification for BR-2026-0001",
        rationale="Test met.",
    )
    await flush(app)
    director = Bot(client, connector.url, user=DIRECTOR)
    card = latest_card(connector, DIRECTOR["id"], "Decision on notification")
    await director.press(card, "Notify the national Panel about BR-2026-0001", rationale="Met.")

    bu = Bot(client, connector.url, user=BUSINESS_UNIT)
    (reply,) = await bu.say("decide BR-2026-0001")
    step = card_of(reply)
    assert "The local review criteria" in card_text(step)
    step = await bu.press(
        step,
        "Next",
        must="improvements,working_together",
        note_improvements="Repeated missed visits.",
    )
    assert "normally be made within one month of notification" in card_text(step)
    summary = await bu.press(
        step,
        "Next",
        immediate_action="no",
        national="no",
        outcome="lcspr",
        rationale="Learning about agencies working together.",
        consulted="Police, LA and ICB agree.",
    )
    sent = await bu.press(summary, "Send to the chair for approval")
    assert "Sent to the chair: BR-2026-0001" in card_text(sent)
    await flush(app)
    prompt = latest_card(connector, CHANNEL, "Rapid review decision: BR-2026-0001")
    text = card_text(prompt)
    assert "A local child safeguarding practice review" in text
    assert "organisations or agencies working together" in text
    assert "Repeated missed visits" not in json.dumps(
        [s.activity for s in connector.to(CHANNEL)]
    )  # notes go to the chair 1:1 only
    details = latest_card(connector, CHAIR["id"], "Proposed rapid review decision")
    assert "Repeated missed visits." in card_text(details)

    live = await review_refresh(client, CHAIR)
    assert "Approve the decision on BR-2026-0001" in json.dumps(live)
    status = await review_refresh(client, BUSINESS_UNIT)
    assert "actions" not in status
    refused = await press_in_channel(
        client, BUSINESS_UNIT, live, "Approve the decision on BR-2026-0001"
    )
    assert refused["value"] == "Only the Case Review Sub-group chair can do that."
    empty = await press_in_channel(client, CHAIR, live, "Send the decision on BR-2026-0001 back")
    assert "Say why you are sending it back" in card_text(empty["value"])
    approved = await press_in_channel(client, CHAIR, live, "Approve the decision on BR-2026-0001")
    assert "Approved by the chair" in card_text(approved["value"])
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        row = await session.scalar(select(DecisionRow).where(DecisionRow.kind == "review_decision"))
        refusals = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "action.refused"))
        )
    assert case is not None and case.stage == "reporting"
    assert case.review_decision_date is not None
    assert row is not None and row.outcome == "lcspr" and row.decided_role == "chair"
    assert row.recorded_by == BUSINESS_UNIT["aadObjectId"]
    assert refusals
    # Day 20: the report sent, then the Panel agrees: the local review starts.
    (reply,) = await bu.say("panel BR-2026-0001")
    panel = card_of(reply)
    sent_card = await bu.press(panel, "Record the report on BR-2026-0001 sent to the Panel")
    assert "The Panel agrees with the decision on BR-2026-0001" in json.dumps(sent_card)
    no_note = await bu.press(sent_card, "The Panel asks for more on BR-2026-0001")
    assert "Add a note" in card_text(no_note)
    more = await bu.press(
        sent_card, "The Panel asks for more on BR-2026-0001", note="Chronology requested."
    )
    assert "The Panel asked for more information" in card_text(more)
    agreed = await bu.press(
        more, "The Panel agrees with the decision on BR-2026-0001", note="Agreed by letter."
    )
    assert "The Panel agrees with the local decision" in card_text(agreed)
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        responses = list(
            await session.scalars(
                select(DecisionRow.outcome).where(DecisionRow.kind == "panel_response")
            )
        )
    assert case is not None and case.stage == "lcspr" and case.report_sent_date is not None
    assert responses == ["more_information", "agrees"]
    stranger = await Bot(client, connector.url, user=POLICE).press(
        agreed, "The Panel takes a national review of BR-2026-0001", note="x"
    )
    assert "Only the BDSCP Business Unit" in stranger["message"]


async def test_the_business_unit_invites_another_agency_to_give_a_view(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)
    (reply,) = await unit.say("invite BR-2026-0001")
    card = card_of(reply)
    assert_valid_card(card)
    assert "Invite another agency's view on BR-2026-0001" in card_text(card)
    choices = json.dumps(card)
    assert PRACTITIONER["aadObjectId"] in choices and "Priya Shah" in choices
    # No agency: said in the card, the choice kept.
    again = await unit.press(
        card, "Invite them to give a view on BR-2026-0001", person=PRACTITIONER["aadObjectId"]
    )
    assert "Say which agency Priya Shah is from." in card_text(again)
    assert PRACTITIONER["aadObjectId"] in json.dumps(again["body"])
    # A partner is asked already.
    partner = await unit.press(
        again,
        "Invite them to give a view on BR-2026-0001",
        person=POLICE["aadObjectId"],
        agency="West Yorkshire Police",
    )
    assert "they were asked for a view already" in card_text(partner)
    done = await unit.press(
        again,
        "Invite them to give a view on BR-2026-0001",
        person=PRACTITIONER["aadObjectId"],
        agency="Bradford Council Education",
    )
    text = card_text(done)
    assert "Invited Priya Shah (Bradford Council Education)" in text
    assert "No view yet" in text
    await flush(app)
    # The invitee gets the referral's details and the partners' card, and gives a view.
    details = latest_card(connector, PRACTITIONER["id"], "New referral BR-2026-0001")
    assert "Invited agency representative" in card_text(details)
    done = await give_view(client, connector, PRACTITIONER, view="does_not_meet_criteria")
    assert "View recorded: BR-2026-0001" in card_text(done)
    await flush(app)
    prompt = card_text(latest_card(connector, CHANNEL, "Recommendation on notification"))
    assert "Bradford Council Education (invited by the Business Unit)" in prompt
    # Inviting twice asks once.
    twice = await unit.press(
        card_of((await unit.say("invite BR-2026-0001"))[0]),
        "Invite them to give a view on BR-2026-0001",
        person=PRACTITIONER["aadObjectId"],
        agency="Education",
    )
    assert "was invited already, for Bradford Council Education" in card_text(twice)
    assert "View given" in card_text(twice)
    async with app[SERVICES].sessions() as session:
        everywhere = await people.get_roles(
            session=session, aad_object_id=PRACTITIONER["aadObjectId"]
        )
        invited = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "scoping.invited")
        )
    assert "invited_agency" not in everywhere  # for this case only
    assert invited is not None and invited.actor_aad_id == BUSINESS_UNIT["aadObjectId"]


async def test_only_the_business_unit_invites_and_the_attempt_is_audited(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    client, _ = await referred(app, connector)
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)
    (reply,) = await unit.say("invite BR-2026-0001")
    police = Bot(client, connector.url, user=POLICE)
    (said,) = await police.say("invite BR-2026-0001")
    assert "Only the BDSCP Business Unit can use **invite**" in said["text"]
    answer = await police.press(  # a forwarded copy of the Business Unit's card
        card_of(reply),
        "Invite them to give a view on BR-2026-0001",
        person=PRACTITIONER["aadObjectId"],
        agency="Education",
    )
    assert answer["message"] == "Only the BDSCP Business Unit can do that."
    async with app[SERVICES].sessions() as session:
        refused = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "action.refused")
        )
        invited = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "scoping.invited")
        )
    assert refused is not None and refused.actor_aad_id == POLICE["aadObjectId"]
    assert invited is None
    # And the practitioner, not invited, still can't give a view.
    invitation = latest_card(connector, POLICE["id"], "Your scoping view on")
    practitioner = Bot(client, connector.url, user=PRACTITIONER)
    answer = await practitioner.press(invitation, "Give your view on BR-2026-0001")
    assert "people the BDSCP Business Unit invites" in answer["message"]


async def test_the_scoping_views_are_read_in_full_by_those_allowed(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    chair = Bot(client, connector.url, user=CHAIR)
    replies = await chair.say("scoping BR-2026-0001")
    text = " ".join(card_text(card_of(r)) for r in replies)
    assert "Scoping views on BR-2026-0001" in text
    assert text.count("Injuries unexplained; neglect suspected.") == 3
    assert "Police representative" in text
    (said,) = await Bot(client, connector.url, user=PRACTITIONER).say("scoping BR-2026-0001")
    assert "Only the BDSCP Business Unit, the Case Review Sub-group chair" in said["text"]
    (here,) = await chair.say("scoping BR-2026-0001", channel=True)
    assert "1:1 chat" in here["text"]
    async with app[SERVICES].sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.action.in_(["scoping.views_viewed", "command.refused"])
                )
            )
        )
    # refused twice: the practitioner (a role), the chair in the channel (the wrong place)
    assert sorted(actions) == ["command.refused", "command.refused", "scoping.views_viewed"]
