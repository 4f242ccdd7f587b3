"""The referral as the procedure asks, through the local Teams client: a child at immediate
risk is flagged to the Business Unit, the chair and the CSC Deputy Director; the Business
Unit corrects Day 1."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cards.common import day
from tests.e2e.harness import LocalTeams, card_text
from tests.e2e.test_referral_e2e import press, start

pytestmark = pytest.mark.e2e


async def short_referral(teams: LocalTeams, **first_step: str) -> str:
    """A referral with the least the form asks, from the first step's answers; its reference."""
    card = await start(teams)
    assert "does not replace a child protection referral" in card_text(card.card)
    card = await press(teams, card, "Next", **first_step)
    card = await press(teams, card, "Next", agency="West Yorkshire Police", phone="01274 000000")
    card = await press(teams, card, "Next", name__0="Kit Example")
    card = await press(teams, card, "Next")
    card = await press(teams, card, "Next")
    card = await press(
        teams, card, "Next", incident_date="2026-11-20", what_happened="Found alone and injured."
    )
    done = await press(teams, card, "Submit referral")
    return card_text(done.card).split("Referral received: ")[1].split()[0]


async def test_immediate_risk_is_flagged_and_the_business_unit_corrects_day_one(
    teams: LocalTeams,
) -> None:
    reference = await short_referral(teams, immediate_risk="yes", cp_referral="yes")

    for who in ("business_unit", "chair", "local_authority"):
        details = await teams.wait_for_message(
            lambda m: m.card is not None and reference in card_text(m.card),
            conversation_id=await teams.personal_chat(who),
        )
        text = card_text(details.card)
        assert "The referrer says a child is at immediate risk of harm now." in text, who
        assert "Kit Example" in text

    # The Business Unit learns the police knew the day before.
    yesterday = datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=1)
    bu_chat = await teams.personal_chat("business_unit")
    before = teams.count(bu_chat)
    await teams.send(
        f"correct awareness {reference} {yesterday.isoformat()} the police knew the day before",
        persona="business_unit",
    )
    answer = await teams.wait_for_message(
        lambda m: "so Day 1 is" in m.text, conversation_id=bu_chat, after=before
    )
    assert f"{reference}: the agency became aware on **{day(yesterday)}**" in answer.text


async def test_the_referrer_adds_information_and_the_business_unit_sees_it(
    teams: LocalTeams,
) -> None:
    reference = await short_referral(teams)

    chat = await teams.personal_chat("practitioner")
    before = teams.count(chat)
    await teams.send(f"add info {reference}")
    form = await teams.wait_for_message(
        lambda m: m.card is not None and "What you've learned" in card_text(m.card),
        conversation_id=chat,
        after=before,
    )
    summary = await press(teams, form, "Next", what="A neighbour heard shouting at 9pm.")
    added = await press(teams, summary, "Add to the referral")
    assert f"Added to {reference}" in card_text(added.card)

    note = await teams.wait_for_message(
        lambda m: m.card is not None and "More information on" in card_text(m.card),
        conversation_id=await teams.personal_chat("business_unit"),
    )
    assert "A neighbour heard shouting at 9pm." in card_text(note.card)


async def entered_referral(teams: LocalTeams) -> str:
    """The Business Unit enters a referral that came by email; its reference."""
    bu = "business_unit"
    chat = await teams.personal_chat(bu)
    before = teams.count(chat)
    await teams.send("enter referral", persona=bu)
    card = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chat, after=before
    )
    assert "Referral for someone" in card_text(card.card)
    card = await press(teams, card, "Next", persona=bu)
    assert "Referrer's name" in card_text(card.card)
    card = await press(
        teams,
        card,
        "Next",
        persona=bu,
        received_via="email",
        name="Dr Sam Patel",
        agency="Moorside GP Surgery",
        email="sam.patel@example.org",
    )
    card = await press(teams, card, "Next", persona=bu, name__0="Ash Example")
    card = await press(teams, card, "Next", persona=bu)
    card = await press(teams, card, "Next", persona=bu)
    card = await press(
        teams,
        card,
        "Next",
        persona=bu,
        incident_date="2026-11-20",
        what_happened="Emailed to the Business Unit by the GP.",
    )
    done = await press(teams, card, "Submit referral", persona=bu)
    text = card_text(done.card)
    assert "Referral entered: BR-" in text and "The referrer isn't told by me" in text
    reference = text.split("Referral entered: ")[1].split()[0]
    return reference


async def test_the_business_unit_enters_a_referral_that_came_by_email(teams: LocalTeams) -> None:
    """Typed in for the referrer, who isn't prefilled; the chair is told who entered it."""
    reference = await entered_referral(teams)
    details = await teams.wait_for_message(
        lambda m: m.card is not None and reference in card_text(m.card),
        conversation_id=await teams.personal_chat("chair"),
    )
    shown = card_text(details.card)
    assert "From Dr Sam Patel, Moorside GP Surgery" in shown
    assert "By email; entered by Bea Umar of the BDSCP Business Unit" in shown
