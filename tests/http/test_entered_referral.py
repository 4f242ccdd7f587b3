"""A referral that reached the Business Unit by email or phone, entered for the referrer on the
same wizard: the referrer's details typed in, not prefilled; the case records who entered it
and how it arrived; only the Business Unit may."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from bot.app import SERVICES, create_app
from storage import cases
from storage.models import AuditEvent, Case, RoleAssignment
from storage.referrals import read_referral
from tests.activities import BUSINESS_UNIT, CHAIR, PRACTITIONER
from tests.cardcheck import card_text
from tests.conftest import card_of, local_settings
from tests.e2e.harness import current_values
from tests.fakes import FakeConnector
from tests.http.test_referral import CHANNEL, Bot

REFERRER = {
    "received_via": "phone",
    "name": "Dr Sam Patel",
    "agency": "Bradford Children's Social Care",
    "designation": "Team manager",
    "phone": "01274 222222",
}


async def entered_summary(bot: Bot) -> dict[str, Any]:
    (reply,) = await bot.say("enter referral")
    card = card_of(reply)
    assert "Referral for someone: Immediate safety and the criteria" in card_text(card)
    assert "you enter it here for the referrer" in card_text(card)
    card = await bot.press(card, "Next", must_notify="serious_sexual_abuse")
    text = card_text(card)
    assert "The referrer" in text and "Referrer's name" in text
    values = current_values(card)
    assert not values.get("name") and not values.get("email")  # typed in, not prefilled
    missing = await bot.press(card, "Next", name="Dr Sam Patel", agency="CSC")
    assert "Give the referrer's email or phone number" in card_text(missing)
    assert "How the referral reached the Business Unit is required" in card_text(missing)
    card = await bot.press(missing, "Next", **REFERRER)
    card = await bot.press(card, "Next", name__0="Ash Example")
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next")
    assert "When the referrer's agency became aware of it" in card_text(card)
    return await bot.press(
        card,
        "Next",
        incident_date="2026-11-20",
        aware_date="2026-11-24",
        what_happened="Disclosed to a teacher; reported by phone to the Business Unit.",
    )


async def test_the_business_unit_enters_a_phoned_in_referral_for_the_referrer(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app = create_app(local_settings(tmp_path, case_review_channel_id=CHANNEL))
    bot = Bot(await serve(app), connector.url, user=BUSINESS_UNIT)
    await bot.say("help", channel=True)
    summary = await entered_summary(bot)
    assert "The referrer isn't told by me" in card_text(summary)
    done = await bot.press(summary, "Submit referral")
    text = card_text(done)
    assert "Referral entered: BR-2026-0001" in text
    assert "give them the case reference, and later the outcome, yourself" in text
    assert "remind them to notify Ofsted" in text  # the referrer is from CSC
    assert "Day 1 of the timetable is **24 Nov 2026**" in text

    services = app[SERVICES]
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        assert case is not None
        assert case.referrer_aad_id == ""  # the referrer isn't on Teams through this
        assert case.entered_by_aad_id == BUSINESS_UNIT["aadObjectId"]
        assert case.received_via == "phone"
        assert case.referring_agency == "Bradford Children's Social Care"
        created = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case.created")
        )
        stored = await read_referral(session=session, master=services.cipher, case=case)
    assert created is not None and created.actor_aad_id == BUSINESS_UNIT["aadObjectId"]
    assert "business_unit" in created.actor_role.split(",")  # the roles really held
    assert stored.form["referrer"]["name"] == "Dr Sam Patel"

    await services.dispatcher.wait_idle()
    await services.dispatcher.flush()
    (sent,) = connector.to(f"a:1on1-{CHAIR['id']}")
    details = card_text(sent.activity["attachments"][0]["content"])
    assert "From Dr Sam Patel, Bradford Children's Social Care" in details
    assert "By phone; entered by Bea Umar of the BDSCP Business Unit" in details
    assert "Ash Example" in details


async def test_only_the_business_unit_may_enter_a_referral_for_someone(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app = create_app(local_settings(tmp_path, case_review_channel_id=CHANNEL))
    client = await serve(app)
    practitioner = Bot(client, connector.url, user=PRACTITIONER)
    (reply,) = await practitioner.say("enter referral")
    assert "Only the BDSCP Business Unit can use **enter referral**" in reply["text"]

    # Checked again on submit, whatever the card: the role was withdrawn meanwhile.
    bot = Bot(client, connector.url, user=BUSINESS_UNIT)
    summary = await entered_summary(bot)
    services = app[SERVICES]
    async with services.sessions() as session, session.begin():
        await session.execute(
            delete(RoleAssignment).where(
                RoleAssignment.aad_object_id == BUSINESS_UNIT["aadObjectId"],
                RoleAssignment.role == "business_unit",
            )
        )
    refused = await bot.press(summary, "Submit referral")
    assert "This referral wasn't submitted" in card_text(refused)
    assert "Your answers are kept" in card_text(refused)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0
    (reply,) = await bot.say("enter referral")
    assert "Only the BDSCP Business Unit" in reply["text"]


async def test_a_referral_entered_for_someone_is_a_draft_of_its_own(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    """The Business Unit's own referral draft and the one entered for someone don't mix."""
    app = create_app(local_settings(tmp_path))
    bot = Bot(await serve(app), connector.url, user=BUSINESS_UNIT)
    (own,) = await bot.say("refer")
    card = await bot.press(card_of(own), "Next")
    assert current_values(card)["name"] == "Bea Umar"  # her own: prefilled
    (other,) = await bot.say("enter referral")
    assert "Referral for someone" in card_text(card_of(other))
    (again,) = await bot.say("refer")
    assert "You have a referral in progress" in card_text(card_of(again))
