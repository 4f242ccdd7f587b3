"""Referral intake through the real HTTP endpoint, with a fake Bot Connector for what the bot
sends on its own (the business unit's and chair's cards, the channel's case card)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import logs
from bot.app import SERVICES, create_app
from storage import cases
from storage.models import AuditEvent, Case, FormDraft, OutboxMessage
from storage.referrals import read_referral
from tests.activities import (
    BUSINESS_UNIT,
    CHAIR,
    CSC_DEPUTY_DIRECTOR,
    HEALTH,
    POLICE,
    PRACTITIONER,
    execute,
    message,
)
from tests.cardcheck import assert_valid_card
from tests.conftest import FixedClock, card_of, card_text, local_settings, replies
from tests.e2e.harness import current_values, find_action, input_ids
from tests.fakes import FakeConnector
from tests.http.test_recorded_activities import recorded

CHANNEL = "19:case-review@thread.tacv2"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

CHILDREN = [
    {
        "name": "Zebedee Quattlebaum",
        "date_of_birth": "2019-03-14",
        "home_address": "12 Larkspur Row, Bradford BD1 1AA",
    },
    {
        "name": "Juniper Quattlebaum",
        "date_of_birth": "2021-07-09",
        "home_address": "12 Larkspur Row, Bradford BD1 1AA",
    },
]
CHILD = CHILDREN[0]
FAMILY = [
    {
        "name": "Marigold Quattlebaum",
        "relationship": "mother",
        "date_of_birth": "1990-05-06",
        "address": "12 Larkspur Row, Bradford BD1 1AA",
    },
    {
        "name": "Rufus Pettigrew",
        "relationship": "mother's partner",
        "date_of_birth": "1987-01-02",
        "address": "4 Thornbury Close, Leeds LS2 2BB",
    },
]
PERSONAL_VALUES = [
    *(v for child in CHILDREN for v in child.values()),
    "14 Mar 2019",  # a date of birth as the cards write it
    *(v for m in FAMILY for k, v in m.items() if k != "relationship"),
    "Quattlebaum",
    "Larkspur",
    "Pettigrew",
    "Thornbury",
]


def row(values: dict[str, str], index: int = 0) -> dict[str, str]:
    """A repeating step's inputs for one row: ``name`` on row 0 is ``name__0``."""
    return {f"{key}__{index}": value for key, value in values.items()}


def answer_safety_question(card: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The referral's first step asks (required) whether any child is at immediate risk: the
    tests' referrer answers "no" unless a test says otherwise."""
    asked = "immediate_risk" in input_ids(card) and "immediate_risk" not in inputs
    if asked and not current_values(card).get("immediate_risk"):
        return {**inputs, "immediate_risk": "no"}
    return inputs


class Bot:
    """One practitioner's view of the bot over HTTP."""

    def __init__(self, client: Any, service_url: str, user: dict[str, str] = PRACTITIONER):
        self.client = client
        self.service_url = service_url
        self.user = user

    async def say(self, text: str, *, channel: bool = False) -> list[dict[str, Any]]:
        response = await self.client.post(
            "/api/messages",
            json=message(text, user=self.user, channel=channel, service_url=self.service_url),
        )
        assert response.status == 200, await response.text()
        return replies(await response.json())

    async def press(self, card: dict[str, Any], title: str, **inputs: Any) -> dict[str, Any]:
        inputs = answer_safety_question(card, inputs)
        action = find_action(card, title)
        unknown = set(inputs) - input_ids(card)
        assert not unknown, f"no inputs {unknown} on the card"
        data = {**current_values(card), **inputs, **(action.get("data") or {})}
        response = await self.client.post(
            "/api/messages",
            json=execute(action["verb"], data, user=self.user, service_url=self.service_url),
        )
        assert response.status == 200, await response.text()
        body = await response.json()
        if body["type"] == "application/vnd.microsoft.card.adaptive":
            assert_valid_card(body["value"])
            return dict(body["value"])
        return {"message": body["value"]}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def make_app(tmp_path: Path, clock: FixedClock) -> Any:
    def build() -> Any:
        return create_app(local_settings(tmp_path, case_review_channel_id=CHANNEL), clock=clock)

    return build


async def start_referral(bot: Bot) -> dict[str, Any]:
    (reply,) = await bot.say("refer")
    card = card_of(reply)
    assert_valid_card(card)
    return card


async def test_the_referrer_is_prefilled_from_their_teams_profile(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(make_app()), connector.url)
    card = await bot.press(await start_referral(bot), "Next")
    values = current_values(card)
    assert (values["name"], values["email"]) == ("Priya Shah", "priya.shah@example.org")


async def fill_to_summary(bot: Bot, card: dict[str, Any], *, from_step: int = 1) -> dict[str, Any]:
    if from_step == 1:
        card = await bot.press(
            card, "Next", must_notify="life_threatening_injury", consider="child_protection_plan"
        )
    assert "About you" in card_text(card)
    card = await bot.press(
        card,
        "Next",
        agency="Bradford Teaching Hospitals",
        designation="Safeguarding nurse",
        phone="01274 000000",
    )
    assert "Child 1" in card_text(card)
    card = await bot.press(card, "Add another child", **row(CHILDREN[0], 0))
    card = await bot.press(card, "Next", **row(CHILDREN[1], 1))
    assert "Family and significant others" in card_text(card)
    card = await bot.press(card, "Add a family member")
    for index, member in enumerate(FAMILY):
        last = index == len(FAMILY) - 1
        card = await bot.press(
            card, "Next" if last else "Add another family member", **row(member, index)
        )
    assert "Other agencies involved" in card_text(card)
    card = await bot.press(card, "Add an agency")
    card = await bot.press(
        card,
        "Next",
        name__0="Dr Amy Lin",
        agency__0="Moorside GP Surgery",
        contact__0="01274 111111",
        still_involved__0="yes",
    )
    card = await bot.press(
        card,
        "Next",
        incident_date="2026-11-20",
        what_happened="Admitted with injuries inconsistent with the account given.",
        why_referred="Serious injury; neglect.",
    )
    assert "check and submit" in card_text(card)
    return card


async def test_a_referral_from_start_to_submit(
    make_app: Any, serve: Any, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app()
    client = await serve(app)
    bot = Bot(client, connector.url)
    await bot.say("help", channel=True)  # the bot knows its team and channel
    summary = await fill_to_summary(bot, await start_referral(bot))
    # The summary shows what was typed, escaped, with an Edit per section.
    assert "Zebedee Quattlebaum" in card_text(summary)
    assert "Juniper Quattlebaum" in card_text(summary)
    for name in (
        "safety and the criteria",
        "your details",
        "the children",
        "the family",
        "the agencies",
    ):
        assert f"Edit {name}" in card_text(summary)  # each button says what it edits

    done = await bot.press(summary, "Submit referral")
    assert "Referral received: BR-2026-0001" in card_text(done)
    assert "26 Nov 2026" in card_text(done)  # Day 1
    assert "2 Dec 2026" in card_text(done)  # Day 5: the LA's decision
    assert (
        "I'll tell you here, in this chat, whether the Local Authority decides to notify the "
        "national Panel (due by 2 Dec 2026)" in card_text(done)
    )

    services = app[SERVICES]
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        assert case is not None
        stored = await read_referral(session=session, master=services.cipher, case=case)
    form = stored.form
    assert [{k: child[k] for k in CHILD} for child in form["child"]] == CHILDREN
    assert form["incident"]["incident_date"] == "2026-11-20"
    assert [{k: m[k] for k in FAMILY[0]} for m in form["family"]] == FAMILY
    assert form["agencies"] == [
        {
            "name": "Dr Amy Lin",
            "agency": "Moorside GP Surgery",
            "contact": "01274 111111",
            "still_involved": "yes",
        }
    ]
    assert form["criteria"] == {
        "immediate_risk": "no",
        "cp_referral": "",
        "must_notify": ["life_threatening_injury"],
        "consider": ["child_protection_plan"],
    }
    assert case.referring_agency == "Bradford Teaching Hospitals"
    assert case.awareness_date.isoformat() == "2026-11-26"

    await services.dispatcher.wait_idle()  # the kick after submitting
    await services.dispatcher.flush()
    channel = connector.to(CHANNEL)
    assert len(channel) == 2  # the case card, and the chair's decision prompt
    channel_text = json.dumps([sent.activity for sent in channel])
    assert "Case BR-2026-0001" in channel_text
    assert "Recommendation on notification: BR-2026-0001" in channel_text
    # Day numbers from the timetable file, not the code.
    assert (
        "Scoping (Days 1 to 5)" in channel_text
        and "Local Authority's decision due (Day 5)" in channel_text
    )
    assert "Bradford Teaching Hospitals" in channel_text
    for value in PERSONAL_VALUES:
        assert value not in channel_text, value
    # The business unit, the chair and the CSC Deputy Director get the details in 1:1 chats,
    # spoken of as the referrer's, not as "your name".
    for who in (BUSINESS_UNIT, CHAIR, CSC_DEPUTY_DIRECTOR, POLICE, HEALTH):
        sent = connector.to(f"a:1on1-{who['id']}")[0]
        details = card_text(sent.activity["attachments"][0]["content"])
        assert "Zebedee Quattlebaum" in details and "Juniper Quattlebaum" in details
        assert "The referrer" in details and "Your name" not in details
        assert "immediate risk" not in details.split("Any child at immediate risk")[0]
    async with services.sessions() as session:
        actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        logs = list(await session.scalars(select(AuditEvent.details)))
    assert "case.created" in actions
    # the business unit, the chair, the CSC Deputy Director (also the Local Authority's
    # partner representative), the Police and the Integrated Care Board representatives
    assert actions.count("referral.details_sent") == 5
    assert not any(v in d for d in logs for v in PERSONAL_VALUES)
    # Nor in any log line, at any level, from any library.
    for value in PERSONAL_VALUES:
        assert value not in caplog.text, value
    assert "referral submitted" in caplog.text


STAFF_AND_AGENCIES = [
    "Priya Shah",
    "Bea Umar",
    "Chris Holt",
    "Paul Okafor",
    "Bradford Teaching Hospitals",
    "Safeguarding nurse",
    "Moorside GP Surgery",
    "Dr Amy Lin",
    "01274",
    "priya.shah@example.org",
]


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING"])
async def test_a_whole_referral_leaves_no_name_agency_or_personal_value_in_the_log(
    make_app: Any,
    serve: Any,
    connector: FakeConnector,
    caplog: pytest.LogCaptureFixture,
    level: str,
) -> None:
    """As `make run` configures logging at LOG_LEVEL=DEBUG or INFO (library loggers held at
    WARNING): staff names, free-text agencies and the referral's personal values never
    reach a log line, from the team install to the channel's case card."""
    saved = {name: logging.getLogger(name).level for name in logs.LIBRARIES}
    caplog.set_level(level)
    logs.library_levels(level)
    try:
        app = make_app()
        client = await serve(app)
        await client.post(
            "/api/messages",
            json=recorded("conversation_update_team_install.json", connector.url),
        )
        bot = Bot(client, connector.url)
        await bot.say("help", channel=True)
        summary = await fill_to_summary(bot, await start_referral(bot))
        await bot.press(summary, "Submit referral")
        await app[SERVICES].dispatcher.wait_idle()
        await app[SERVICES].dispatcher.flush()
    finally:
        for name, was in saved.items():
            logging.getLogger(name).setLevel(was)
    assert len(connector.to(CHANNEL)) == 2  # the whole way through
    assert caplog.records
    for value in [*STAFF_AND_AGENCIES, *PERSONAL_VALUES]:
        assert value not in caplog.text, value


async def test_a_child_at_immediate_risk_is_flagged_to_every_recipient(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    app = make_app()
    bot = Bot(await serve(app), connector.url)
    await bot.say("help", channel=True)
    card = await start_referral(bot)
    assert "does not replace a child protection referral" in card_text(card)
    card = await bot.press(card, "Next", immediate_risk="yes", cp_referral="yes")
    summary = await fill_to_summary(bot, card, from_step=2)
    await bot.press(summary, "Submit referral")
    await app[SERVICES].dispatcher.wait_idle()
    await app[SERVICES].dispatcher.flush()
    for who in (BUSINESS_UNIT, CHAIR, CSC_DEPUTY_DIRECTOR, POLICE, HEALTH):
        sent = connector.to(f"a:1on1-{who['id']}")[0]
        details = card_text(sent.activity["attachments"][0]["content"])
        assert details.index("a child is at immediate risk of harm now") < details.index(
            "Confidential"
        )
    channel = json.dumps([sent.activity for sent in connector.to(CHANNEL)])
    assert "immediate risk" not in channel  # the flag goes to people, not the channel


async def test_a_referrer_from_childrens_social_care_is_reminded_about_ofsted(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(make_app()), connector.url)
    card = await bot.press(await start_referral(bot), "Next")
    card = await bot.press(
        card, "Next", agency="Bradford Children's Social Care", email="p@example.org"
    )
    card = await bot.press(card, "Next", name__0="Kit")
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next")
    summary = await bot.press(card, "Next", incident_date="2026-11-20", what_happened="Fell.")
    done = await bot.press(summary, "Submit referral")
    assert "notify Ofsted" in card_text(done)


async def test_bad_input_is_explained_next_to_the_field_and_kept(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(make_app()), connector.url)
    card = await start_referral(bot)
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next", agency="Police", email="p@example.org")
    long_name = "N" * 10_000
    cases_to_try = [
        ({"name__0": "Kit", "date_of_birth__0": "2026-02-30"}, "enter a real date"),
        (
            {"name__0": "Kit", "date_of_birth__0": "2019-03-14", "date_of_death__0": "2018-01-01"},
            "before the date of birth",
        ),
        ({"name__0": "", "identifying_details__0": ""}, "Give the child's name"),
        ({"name__0": "Kit", "cp_plan__0": "now,no"}, "Tick 'Yes, now', 'Yes, before' or both"),
    ]
    for inputs, words in cases_to_try:
        again = await bot.press(card, "Next", **inputs)
        text = card_text(again)
        assert "The children" in text and words in text
        assert "Everything you typed is kept" in text
        kept = current_values(again)
        for key, value in inputs.items():
            assert kept.get(key, "") == value, key
    # Longer than the field allows (only a client that ignores maxLength can send it): cut
    # to the limit, and the card says exactly that, never "everything is kept".
    again = await bot.press(card, "Next", name__0=long_name)
    text = card_text(again)
    assert "only the first 200 are kept" in text
    assert "too long and were cut" in text and "Everything you typed is kept" not in text
    assert current_values(again)["name__0"] == "N" * 200
    # The incident's own dates are checked on its step, against each child's.
    card = await bot.press(again, "Next", name__0="Kit", date_of_birth__0="2026-11-21")
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next")
    for inputs, words in [
        ({"incident_date": "2026-02-30"}, "enter a real date"),
        ({"incident_date": ""}, "Date of the critical incident is required"),
        ({"incident_date": "2026-11-20"}, "before child 1's date of birth (21 Nov 2026)"),
    ]:
        again = await bot.press(card, "Next", what_happened="Fell.", **inputs)
        text = card_text(again)
        assert "What happened" in text and words in text
        assert current_values(again).get("incident_date", "") == inputs["incident_date"]
    agencies = await bot.press(again, "Back")
    assert "Other agencies involved" in card_text(agencies)


async def test_a_draft_that_no_longer_exists_gets_a_clear_card(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(make_app()), connector.url)
    card = await start_referral(bot)
    ghost = json.loads(
        json.dumps(card).replace(
            find_action(card, "Next")["data"]["draft_id"], "00000000-dead-0000-0000-000000000000"
        )
    )
    answer = await bot.press(ghost, "Next")
    assert "no longer open" in card_text(answer)
    assert "can't find that referral form" in card_text(answer)

    gone = await bot.press(card, "Yes, delete it")  # under "Cancel referral", in place
    assert find_action(card, "Cancel referral")["type"] == "Action.ShowCard"
    assert "Referral cancelled" in card_text(gone)
    stale = await bot.press(card, "Next")
    assert "cancelled and its answers deleted" in card_text(stale)

    summary = await fill_to_summary(bot, await start_referral(bot))
    vanished = json.loads(
        json.dumps(summary).replace(
            find_action(summary, "Submit referral")["data"]["draft_id"], "no-such-draft"
        )
    )
    answer = await bot.press(vanished, "Submit referral")
    assert "no longer open" in card_text(answer)


async def test_two_rapid_submits_make_one_case(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock, database_url: str
) -> None:
    """On SQLite and on PostgreSQL: the draft row lock and the unique key hold."""
    settings = local_settings(tmp_path, case_review_channel_id=CHANNEL, database_url=database_url)
    app = create_app(settings, clock=clock)
    bot = Bot(await serve(app), connector.url)
    summary = await fill_to_summary(bot, await start_referral(bot))
    first, second = await asyncio.gather(
        bot.press(summary, "Submit referral"), bot.press(summary, "Submit referral")
    )
    assert "BR-2026-0001" in card_text(first)
    assert "BR-2026-0001" in card_text(second)
    third = await bot.press(summary, "Submit referral")
    assert "Referral received: BR-2026-0001" in card_text(third)
    async with app[SERVICES].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
        # details to the business unit, the chair and the three partners (one of them also
        # the CSC Deputy Director), a scoping invitation to each partner, and two channel cards
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 10


async def test_the_wizard_survives_a_restart(
    make_app: Any, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    first = await serve(make_app())
    bot = Bot(first, connector.url)
    card = await start_referral(bot)
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next", agency="Police", email="p@example.org")
    await bot.press(card, "Next", name__0="Kit")  # now at family
    await first.close()

    clock.current += timedelta(days=3)
    bot = Bot(await serve(make_app()), connector.url)
    (reply,) = await bot.say("refer")
    offer = card_of(reply)
    assert "You have a referral in progress" in card_text(offer)
    assert "Family and significant others" in card_text(offer)
    resumed = await bot.press(offer, "Resume the referral")
    assert "Family and significant others" in card_text(resumed)
    back = await bot.press(resumed, "Back")
    assert current_values(back)["name__0"] == "Kit"

    (reply,) = await bot.say("refer")
    fresh = await bot.press(card_of(reply), "Discard the referral and start again")
    assert "Immediate safety and the criteria" in card_text(fresh)


async def test_someone_elses_card_is_refused(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(make_app())
    card = await start_referral(Bot(client, connector.url))
    chair = Bot(client, connector.url, user=CHAIR)
    answer = await chair.press(card, "Next")
    assert "belongs to someone else" in card_text(answer)


async def test_refer_in_the_channel_moves_to_a_private_chat(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(make_app()), connector.url)
    (reply,) = await bot.say("refer", channel=True)
    assert "opened a private chat" in reply["text"]
    assert "attachments" not in reply or not reply["attachments"]
    (private,) = connector.to(f"a:1on1-{PRACTITIONER['id']}")
    assert "Immediate safety and the criteria" in json.dumps(private.activity)


async def test_outbox_retries_after_throttling(
    make_app: Any, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = make_app()
    bot = Bot(await serve(app), connector.url)
    await bot.say("help", channel=True)
    summary = await fill_to_summary(bot, await start_referral(bot))
    connector.fail_next = [429, 429, 429]
    await bot.press(summary, "Submit referral")
    services = app[SERVICES]
    await services.dispatcher.wait_idle()
    await services.dispatcher.flush()
    async with services.sessions() as session:
        statuses = list(await session.scalars(select(OutboxMessage.status)))
    assert statuses.count("pending") >= 1
    clock.current += timedelta(minutes=10)
    await services.dispatcher.flush()
    async with services.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert [r.status for r in rows] == ["sent"] * 10
    assert any(r.attempts == 1 for r in rows)


async def test_drafts_are_encrypted(make_app: Any, serve: Any, connector: FakeConnector) -> None:
    app = make_app()
    bot = Bot(await serve(app), connector.url)
    card = await start_referral(bot)
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next", agency="Police", email="p@example.org")
    await bot.press(card, "Next", name__0="Zebedee Quattlebaum")
    async with app[SERVICES].sessions() as session:
        data = await session.scalar(select(FormDraft.data))
    assert data is not None and "Zebedee" not in data


async def test_messages_wait_without_using_attempts_until_the_team_is_known(
    make_app: Any, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = make_app()
    bot = Bot(await serve(app), connector.url)
    summary = await fill_to_summary(bot, await start_referral(bot))
    await bot.press(summary, "Submit referral")
    services = app[SERVICES]
    await services.dispatcher.wait_idle()
    async with services.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert {(r.status, r.attempts) for r in rows} == {("pending", 0)}
    # The first to each conversation was tried and waits; those after it wait behind it, in
    # order, untried.
    firsts: dict[str, OutboxMessage] = {}
    for row in sorted(rows, key=lambda r: r.id):
        firsts.setdefault(f"{row.target}:{row.recipient_aad_id or row.channel_id}", row)
    assert all(
        (r.last_error or "").startswith("waiting: the bot is not installed")
        for r in firsts.values()
    )

    await bot.say("help", channel=True)  # now the bot knows its team
    clock.current += timedelta(minutes=2)
    await services.dispatcher.flush()
    async with services.sessions() as session:
        assert set(await session.scalars(select(OutboxMessage.status))) == {"sent"}


async def test_row_errors_point_at_the_row_shown(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(make_app()), connector.url)
    card = await start_referral(bot)
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next", agency="Police", email="p@example.org")
    card = await bot.press(card, "Next", name__0="Kit")
    card = await bot.press(card, "Add a family member")
    card = await bot.press(card, "Add another family member")  # row 1 of 2 left empty
    answer = await bot.press(card, "Next", name__1="Ann", date_of_birth__1="2030-01-01")
    # The empty row is gone; Ann is now member 1 and her date is the one flagged.
    assert current_values(answer)["name__0"] == "Ann"
    assert "Family member 2" not in card_text(answer)
    assert "can't be in the future" in card_text(answer)


async def test_day_one_is_when_the_referrers_agency_became_aware(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    """Asked on the form (prefilled with today, 26 Nov): the police knew on Monday 23 Nov."""
    app = make_app()
    bot = Bot(await serve(app), connector.url)
    card = await bot.press(await start_referral(bot), "Next")
    card = await bot.press(card, "Next", agency="Police", email="p@example.org")
    card = await bot.press(card, "Next", name__0="Kit")
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next")
    assert current_values(card)["aware_date"] == "2026-11-26"
    early = await bot.press(
        card, "Next", incident_date="2026-11-20", aware_date="2026-11-19", what_happened="Fell."
    )
    assert "can't have become aware before the incident" in card_text(early)
    summary = await bot.press(early, "Next", aware_date="2026-11-23")
    done = await bot.press(summary, "Submit referral")
    assert "Day 1 of the timetable is **23 Nov 2026**" in card_text(done)
    async with app[SERVICES].sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
    assert case is not None and case.awareness_date.isoformat() == "2026-11-23"


async def test_the_summary_shows_every_answer_and_an_edit_made_from_it(
    make_app: Any, serve: Any, connector: FakeConnector
) -> None:
    client = await serve(make_app())
    bot = Bot(client, connector.url)
    summary = await fill_to_summary(bot, await start_referral(bot))
    text = card_text(summary)
    for member in FAMILY:  # the second family member's address too, not one line per row
        for key, value in member.items():
            assert (value if key != "date_of_birth" else "") in text, value
    assert "6 May 1990" in text and "2 Jan 1987" in text
    assert "Whereabouts at the time of the incident" in text and "Not given" in text
    assert "Admitted with injuries inconsistent with the account given." in text

    step = await bot.press(summary, "Edit the children")
    assert "Save and return to summary" in card_text(step)
    again = await bot.press(
        step,
        "Save and return to summary",
        whereabouts__1="At a neighbour's house on Heaton Road",
        carer__1="A neighbour, Ottoline Fairweather",
    )
    text = card_text(again)
    assert "check and submit" in text
    assert "At a neighbour's house on Heaton Road" in text
    assert "A neighbour, Ottoline Fairweather" in text
    done = await bot.press(again, "Submit referral")
    assert "Referral received: BR-2026-0001" in card_text(done)
