"""Information gathering through the HTTP endpoint: the Business Unit sends the Information
Gathering Tool, respondents return it on the one wizard (prefilled from the referral, a
chronology added to and taken from, answers withheld), say "no involvement", name another
agency that is then sent the form with one press, and the returns are read: one by one, and
as one chronology in date order. Access is checked on the server and refusals are audited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES
from storage import cases
from storage.models import AuditEvent, CaseRequest, IgtReturn, MilestoneRow
from tests.activities import BUSINESS_UNIT, CHAIR, HEALTH, LOCAL_AUTHORITY, POLICE, PRACTITIONER
from tests.cardcheck import assert_valid_card, card_text
from tests.conftest import FixedClock, card_of
from tests.fakes import FakeConnector
from tests.http.test_decisions import CLIENTS, app_for, flush, latest_card, referred
from tests.http.test_referral import CHANNEL, Bot
from workflow.igt import IGT

REF = "BR-2026-0001"


async def at_rapid_review(tmp_path: Path, serve: Any, connector: FakeConnector, clock: Any) -> Any:
    """A referred case moved straight to the rapid review (the decisions before it are tested
    in test_decisions.py; the end-to-end test takes the whole way)."""
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    async with app[SERVICES].sessions() as session, session.begin():
        case = await cases.get_case(session=session, reference=REF)
        assert case is not None
        case.stage = "rapid_review"
    return app


async def send(unit: Bot, card: dict[str, Any], who: dict[str, str], agency: str) -> dict[str, Any]:
    return await unit.press(
        card,
        f"Send the Information Gathering Tool for {REF}",
        person=who["aadObjectId"],
        other_agency=agency,
    )


async def sending_card(unit: Bot) -> dict[str, Any]:
    (reply,) = await unit.say(f"igt {REF}")
    card = card_of(reply)
    assert_valid_card(card)
    return card


async def open_form(bot: Bot, connector: FakeConnector, who: dict[str, str]) -> dict[str, Any]:
    request = latest_card(connector, who["id"], f"Information Gathering Tool: {REF}")
    return await bot.press(request, f"Complete the Information Gathering Tool for {REF}")


async def next_until(bot: Bot, card: dict[str, Any], title: str, **inputs: Any) -> dict[str, Any]:
    """Press Next (with ``inputs`` on the first step only) until the step titled ``title``."""
    while title not in card_text(card):
        card = await bot.press(card, "Next", **inputs)
        inputs = {}
    return card


def read_card(request_id: int) -> dict[str, Any]:
    """A card with a Read button for one return (as forged, or forwarded)."""
    return {
        "type": "AdaptiveCard",
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Read",
                "verb": "igt.read",
                "data": {"case": REF, "request": request_id},
            }
        ],
    }


async def test_agencies_are_asked_return_the_form_and_the_chronology_is_merged(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await at_rapid_review(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)
    card = await sending_card(unit)
    text = card_text(card)
    assert "Bradford Teaching Hospitals" in text  # the referral's agencies are offered
    assert "2026-12-" in json.dumps(card)  # the due date defaults from the timetable
    # Nobody chosen: said in the card, the agency typed kept.
    again = await unit.press(
        card, f"Send the Information Gathering Tool for {REF}", other_agency="Police"
    )
    assert "Choose who to ask" in card_text(again) and '"Police"' in json.dumps(again)
    card = await send(unit, again, POLICE, "West Yorkshire Police")
    assert "Sent to Paul Okafor (West Yorkshire Police)" in card_text(card)
    card = await send(unit, card, HEALTH, "Bradford Teaching Hospitals")
    card = await send(unit, card, PRACTITIONER, "Bradford Council Education")
    assert "0 of 3 returned" in card_text(card)
    await flush(app)

    # The police complete it: prefilled from the referral, a chronology of five events across
    # two days (one added by mistake and removed), an answer withheld.
    police = Bot(client, connector.url, user=POLICE)
    step = await open_form(police, connector, POLICE)
    assert "Paul Okafor" in json.dumps(step) and "West Yorkshire Police" in json.dumps(step)
    step = await next_until(police, step, "The children", role="Detective Sergeant")
    assert "Zebedee Quattlebaum" in json.dumps(step)  # from the referral, to confirm
    step = await next_until(police, step, "Investigations and involvement")
    step = await police.press(
        step, "Next", _withheld="criminal_investigation", open_now="Not open."
    )
    step = await next_until(police, step, "Chronology of key events")
    events = [
        ("2026-11-20", "21:40", "Neighbour calls police about shouting"),
        ("2026-11-20", "22:15", "Officers attend; no answer at the door"),
        ("2026-11-19", "", "A mistake, removed below"),
        ("2026-11-21", "08:05", "Child taken to A&E by carer"),
        ("2026-11-21", "09:30", "Hospital raises a safeguarding concern"),
        ("2026-11-21", "", "Strategy discussion held"),
    ]
    step = await police.press(step, "Add an event")
    for n, (on, at, what) in enumerate(events):
        values = {f"date__{n}": on, f"time__{n}": at, f"event__{n}": what}
        last = n == len(events) - 1
        step = await police.press(step, "Remove event 3" if last else "Add another event", **values)
    assert "A mistake" not in json.dumps(step)
    step = await next_until(police, step, "The review you think")
    summary = await police.press(step, "Next", review_type="local")
    assert "Withheld: ongoing police investigation" in card_text(summary)
    done = await police.press(summary, "Return the Information Gathering Tool")
    assert f"Information Gathering Tool returned: {REF}" in card_text(done)

    # Health: no involvement, with a reason (refused without one, the card kept).
    health = Bot(client, connector.url, user=HEALTH)
    request = latest_card(connector, HEALTH["id"], f"Information Gathering Tool: {REF}")
    empty = await health.press(request, f"Send 'no involvement' for {REF}", reason=" ")
    assert "Give the reason" in card_text(empty)
    said = await health.press(
        request, f"Send 'no involvement' for {REF}", reason="Not known to our services."
    )
    assert f"'No involvement' sent: {REF}" in card_text(said)

    # Education returns it naming another agency; the Business Unit sends it with one press.
    school = Bot(client, connector.url, user=PRACTITIONER)
    step = await open_form(school, connector, PRACTITIONER)
    step = await next_until(school, step, "Other agencies involved")
    step = await school.press(step, "Add an agency")
    step = await school.press(
        step, "Next", agency__0="Barnardo's", reason__0="Family support worker"
    )
    step = await next_until(school, step, "Chronology of key events")
    step = await school.press(step, "Add an event")
    step = await school.press(
        step,
        "Next",
        date__0="2026-11-20",
        time__0="15:20",
        event__0="Child seemed withdrawn at school pick-up",
    )
    summary = await next_until(school, step, "check and submit")
    await school.press(summary, "Return the Information Gathering Tool")
    await flush(app)
    notice = latest_card(connector, BUSINESS_UNIT["id"], "It names other agencies")
    sent = await unit.press(
        notice,
        f"Send Barnardo's the Information Gathering Tool for {REF}",
        person_0=LOCAL_AUTHORITY["aadObjectId"],
    )
    assert "Sent to Laura Ahmed (Barnardo's)" in card_text(sent)
    await flush(app)
    assert latest_card(connector, LOCAL_AUTHORITY["id"], f"Information Gathering Tool: {REF}")

    # The merged chronology, in date and time order, each entry with its agency.
    chair = Bot(client, connector.url, user=CHAIR)
    (reply,) = await chair.say(f"chronology {REF}")
    text = card_text(card_of(reply))
    order = [
        "Child seemed withdrawn",  # 20 Nov, 15:20 (Education)
        "Neighbour calls police",  # 20 Nov, 21:40 (Police)
        "Officers attend",  # 20 Nov, 22:15
        "Strategy discussion",  # 21 Nov, no time: first on its day
        "Child taken to A&E",  # 21 Nov, 08:05
        "Hospital raises",  # 21 Nov, 09:30
    ]
    assert [text.index(words) for words in order] == sorted(text.index(w) for w in order)
    assert "A mistake" not in text
    assert "West Yorkshire Police" in text and "Bradford Council Education" in text
    assert "Events 1 to 6 of 6" in text

    # The channel's case card counts the returns, and names no child.
    case_card = card_text(latest_card(connector, CHANNEL, f"Case {REF}"))
    assert "Information Gathering Tools:** 3 of 4 returned" in case_card
    assert "No involvement" in case_card and "Zebedee" not in case_card

    # Access: Education (a respondent, not a partner) reads its own return, not the police's,
    # nor the chronology; the police, a partner representative, read every return.
    async with app[SERVICES].sessions() as session:
        requests = {r.agency: r.id for r in await session.scalars(select(CaseRequest))}
    own = await school.press(read_card(requests["Bradford Council Education"]), "Read")
    assert own["message"] == "The return is below."
    await flush(app)
    mine = latest_card(connector, PRACTITIONER["id"], "Bradford Council Education's")
    assert "Barnardo's" in card_text(mine)
    forged = await school.press(read_card(requests["West Yorkshire Police"]), "Read")
    assert "Only the BDSCP Business Unit" in forged["message"]
    (denied,) = await school.say(f"chronology {REF}")
    assert "Only the BDSCP Business Unit" in denied["text"]
    partner = await police.press(read_card(requests["Bradford Council Education"]), "Read")
    assert partner["message"] == "The return is below."
    await flush(app)
    theirs = latest_card(connector, POLICE["id"], "Bradford Council Education's")
    assert "Child seemed withdrawn" in card_text(theirs)
    async with app[SERVICES].sessions() as session:
        refused = list(
            await session.scalars(
                select(AuditEvent.details).where(
                    AuditEvent.action.in_(["decision.refused", "command.refused"]),
                    AuditEvent.actor_aad_id == PRACTITIONER["aadObjectId"],
                )
            )
        )
        viewed = list(
            await session.scalars(
                select(AuditEvent.actor_aad_id).where(AuditEvent.action == "igt.viewed")
            )
        )
        versions = list(await session.scalars(select(IgtReturn.version)))
    assert len(refused) == 2
    assert viewed == [PRACTITIONER["aadObjectId"], POLICE["aadObjectId"]]
    assert sorted(versions) == [1, 1, 1]


async def test_a_draft_survives_a_restart_a_correction_is_a_new_version_and_only_the_case_asked(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await at_rapid_review(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    await referred(app, connector)  # BR-2026-0002: Education is not asked about it
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)
    await send(unit, await sending_card(unit), PRACTITIONER, "Bradford Council Education")
    await flush(app)
    school = Bot(client, connector.url, user=PRACTITIONER)
    step = await open_form(school, connector, PRACTITIONER)
    step = await next_until(school, step, "Chronology of key events")
    # Bad input: an event with no date, and a time that isn't one; both said, nothing lost.
    step = await school.press(step, "Add an event")
    step = await school.press(step, "Add another event", event__0="Seen at school", time__0="")
    wrong = await school.press(
        step, "Next", event__0="Seen at school", time__0="25:99", event__1="Absent"
    )
    text = card_text(wrong)
    assert "Give the date of this event." in text and "enter a time like 14:30" in text
    assert "Seen at school" in json.dumps(wrong) and "Absent" in json.dumps(wrong)
    # Eleven events: the step shows ten at a time, the others a press away.
    step = await school.press(
        wrong, "Add another event", date__0="2026-11-20", time__0="", date__1="2026-11-21"
    )
    for n in range(2, 10):
        step = await school.press(
            step,
            "Add another event",
            **{f"date__{n}": "2026-11-22", f"event__{n}": f"Event number {n}"},
        )
    assert "Showing events 11 to 11 of 11" in card_text(step)
    step = await school.press(
        step, "Show events 1 to 10", date__10="2026-11-23", event__10="Event number 10"
    )
    assert "Showing events 1 to 10 of 11" in card_text(step)
    assert "Event number 9" in json.dumps(step) and "Event number 10" not in json.dumps(step)

    # The bot restarts: the draft is still there.
    app2 = await app_for(tmp_path, serve, clock)
    school2 = Bot(CLIENTS[id(app2)], connector.url, user=PRACTITIONER)
    (reply,) = await school2.say(f"igt {REF}")
    assert "You have an Information Gathering Tool in progress" in card_text(card_of(reply))

    # Not asked about BR-2026-0002: refused, by command and by a forged button; audited.
    (other,) = await school2.say("igt BR-2026-0002")
    assert other["text"] == "I can't find a case BR-2026-0002."  # no hint it exists
    forged = await school2.press(
        {
            "type": "AdaptiveCard",
            "actions": [
                {
                    "type": "Action.Execute",
                    "title": "Open",
                    "verb": "igt.begin",
                    "data": {"case": "BR-2026-0002"},
                }
            ],
        },
        "Open",
    )
    assert forged["message"] == "I can't find a case BR-2026-0002."
    async with app2[SERVICES].sessions() as session:
        refused = list(
            await session.scalars(
                select(AuditEvent.case_ref).where(
                    AuditEvent.action.in_(["decision.refused", "command.refused"]),
                    AuditEvent.actor_aad_id == PRACTITIONER["aadObjectId"],
                )
            )
        )
    assert refused == ["BR-2026-0002", "BR-2026-0002"]

    # Returned, then corrected: a new version; the chronology shows the latest.
    step = await school2.press(card_of(reply), f"Resume the {IGT.noun}")
    summary = await next_until(school2, step, "check and submit")
    text = card_text(summary)  # the summary shows every event, the eleventh too
    assert "Event 11" in text and "Event number 10" in text and "Seen at school" in text
    await school2.press(summary, "Return the Information Gathering Tool")
    (again,) = await school2.say(f"igt {REF}")
    step = card_of(again)
    assert "Bradford Council Education" in json.dumps(step)  # from the return, not the referral
    step = await next_until(school2, step, "Chronology of key events")
    assert "Event number 9" in json.dumps(step) and "of 11" in card_text(step)
    step = await school2.press(step, "Remove event 1")
    summary = await next_until(school2, step, "check and submit")
    await school2.press(summary, "Return the Information Gathering Tool")
    chair = Bot(CLIENTS[id(app2)], connector.url, user=CHAIR)
    (reply,) = await chair.say(f"chronology {REF}")
    text = card_text(card_of(reply))
    assert "Seen at school" not in text and "Absent" in text and "Events 1 to 10 of 10" in text
    async with app2[SERVICES].sessions() as session:
        versions = sorted(await session.scalars(select(IgtReturn.version)))
    assert versions == [1, 2]


async def test_the_returns_milestone_falls_due_with_the_last_return_asked_for(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: Any
) -> None:
    """Tools sent before Day 6 keep the date each respondent was given (default Day 12), so the
    channel never calls the returns overdue while a respondent still has time."""
    app = await at_rapid_review(tmp_path, serve, connector, clock)  # Thursday 26 Nov: Day 1
    unit = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    await send(unit, await sending_card(unit), POLICE, "West Yorkshire Police")  # by Day 12

    async def returns_due() -> date | None:
        async with app[SERVICES].sessions() as session:
            return await session.scalar(
                select(MilestoneRow.due_date).where(MilestoneRow.key == "igt_returns")
            )

    assert await returns_due() == date(2026, 12, 11)  # Day 12, as the police were told
    later = await sending_card(unit)
    await unit.press(
        later,
        f"Send the Information Gathering Tool for {REF}",
        person=HEALTH["aadObjectId"],
        other_agency="West Yorkshire ICB",
        due="2026-12-15",
    )
    assert await returns_due() == date(2026, 12, 15)  # the last one asked for
