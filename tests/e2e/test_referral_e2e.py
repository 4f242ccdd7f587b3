"""Referral intake as a practitioner meets it, through the local Teams client."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage.case_keys import key_context
from storage.crypto import Cipher
from tests.cardcheck import assert_valid_card
from tests.e2e.harness import BotMessage, LocalTeams, card_text, current_values
from tests.http.test_referral import answer_safety_question

pytestmark = pytest.mark.e2e

CHILDREN = [
    {
        "name": "Zebedee Quattlebaum",
        "date_of_birth": "2019-03-14",
        "home_address": "12 Larkspur Row, Bradford BD1 1AA",
        "ethnic_origin": "White British",
        "cp_plan": "before",
        "carer": "Marigold Quattlebaum",
    },
    {
        "name": "Juniper Quattlebaum",
        "date_of_birth": "2021-07-09",
        "home_address": "12 Larkspur Row, Bradford BD1 1AA",
        "cp_plan": "now,before",
        "carer": "Marigold Quattlebaum",
    },
]
FAMILY = [
    {
        "name": "Marigold Quattlebaum",
        "relationship": "mother",
        "date_of_birth": "1990-05-06",
        "address": "12 Larkspur Row, Bradford BD1 1AA",
        "legal_status": "None known",
    },
    {
        "name": "Rufus Pettigrew",
        "relationship": "mother's partner",
        "date_of_birth": "1987-01-02",
        "address": "4 Thornbury Close, Leeds LS2 2BB",
        "legal_status": "Bail conditions",
    },
]
AGENCY = {
    "name": "Dr Amy Lin",
    "agency": "Moorside GP Surgery",
    "contact": "01274 111111",
    "still_involved": "yes",
}
PERSONAL = [
    "Zebedee",
    "Juniper",
    "2021-07-09",
    "9 Jul 2021",
    "14 Mar 2019",
    "Quattlebaum",
    "Larkspur",
    "2019-03-14",
    "Marigold",
    "Pettigrew",
    "Thornbury",
    "1990-05-06",
    "1987-01-02",
]


async def press(
    teams: LocalTeams,
    message: BotMessage,
    title: str,
    *,
    persona: str = "practitioner",
    **inputs: Any,
) -> BotMessage:
    assert message.card is not None
    answer = await teams.press(
        message, title, answer_safety_question(message.card, inputs), persona=persona
    )
    shown = message.showing(answer)
    assert shown.card is not None
    assert_valid_card(shown.card)
    return shown


async def start(teams: LocalTeams) -> BotMessage:
    chat = await teams.personal_chat("practitioner")
    before = teams.count(chat)
    await teams.send("refer")
    return await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chat, after=before
    )


def stored_referrals(workdir: Path) -> list[dict[str, Any]]:
    """Read the referral back from the bot's database, as the bot would."""

    master = Cipher.from_text((workdir / "var" / "data.key").read_text())
    conn = sqlite3.connect(workdir / "bot.db")
    rows = conn.execute(
        "SELECT c.reference, c.wrapped_key, r.version, r.payload FROM cases c "
        "JOIN referral_versions r ON r.case_id = c.id"
    ).fetchall()
    conn.close()
    forms = []
    for reference, wrapped, version, payload in rows:
        case_key = Cipher.from_text(master.decrypt(wrapped, context=key_context(reference)))
        forms.append(case_key.decrypt_json(payload, context=f"referral:{reference}:{version}"))
    return forms


def row(values: dict[str, str], index: int) -> dict[str, str]:
    return {f"{key}__{index}": value for key, value in values.items()}


async def test_a_practitioner_refers_two_children_with_their_family_and_an_agency(
    teams: LocalTeams,
) -> None:
    """Rows added and removed, Edit from the summary, and a double submit making one case."""
    card = await start(teams)
    assert "Immediate safety and the criteria" in card_text(card.card)
    card = await press(teams, card, "Next", must_notify="life_threatening_injury")
    prefilled = current_values(card.card)  # from the Teams profile
    assert (prefilled["name"], prefilled["email"]) == ("Priya Shah", "priya.shah@example.org")
    card = await press(
        teams,
        card,
        "Next",
        agency="Bradford Teaching Hospitals",
        designation="Safeguarding nurse",
        email="priya.shah@example.org",
    )
    assert "Child 1" in card_text(card.card)
    card = await press(teams, card, "Add another child", **row(CHILDREN[0], 0))
    card = await press(
        teams, card, "Next", **row({**CHILDREN[1], "date_of_birth": "2012-07-09"}, 1)
    )
    card = await press(teams, card, "Add a family member")
    card = await press(teams, card, "Add another family member", **row(FAMILY[0], 0))
    card = await press(teams, card, "Add another family member", **row(FAMILY[1], 1))
    card = await press(teams, card, "Remove family member 3", name__2="Added by mistake")
    assert "Family member 3" not in card_text(card.card)
    card = await press(teams, card, "Next")
    card = await press(teams, card, "Add an agency")
    card = await press(teams, card, "Add another agency", **row(AGENCY, 0))
    card = await press(teams, card, "Remove agency 2")
    card = await press(teams, card, "Next")
    card = await press(
        teams,
        card,
        "Next",
        incident_date="2026-11-20",
        what_happened="Admitted to A&E with injuries inconsistent with the "
        "account given by the carer.",
    )
    summary = card_text(card.card)
    assert "check and submit" in summary and "Rufus Pettigrew" in summary
    assert "9 Jul 2012" in summary  # the year mistyped
    # Every answer is on the summary, each under its question: the second family member's
    # legal status and address, the children's ethnic origin and carer, all of what happened.
    for value in ("Bail conditions", "4 Thornbury Close, Leeds LS2 2BB", "White British"):
        assert value in summary, value
    assert "Carer at the time of the incident Marigold Quattlebaum" in summary
    assert "account given by the carer." in summary
    # Edit from the summary: back to the children, then straight back to the summary.
    card = await press(teams, card, "Edit the children")
    card = await press(
        teams, card, "Save and return to summary", date_of_birth__1=CHILDREN[1]["date_of_birth"]
    )
    summary = card_text(card.card)
    assert "9 Jul 2021" in summary and "9 Jul 2012" not in summary  # the change is shown
    assert "Added by mistake" not in summary
    done = await press(teams, card, "Submit referral")
    again = await press(teams, card, "Submit referral")  # pressed twice: still one case
    confirmation = card_text(done.card)
    assert "Referral received: BR-2026-0001" in confirmation
    assert "Referral received: BR-2026-0001" in card_text(again.card)
    assert "What happens next" in confirmation
    assert "Bea Umar at the BDSCP Business Unit" in confirmation  # learned from the team roster

    (form,) = stored_referrals(teams.workdir)
    assert len(form["child"]) == len(CHILDREN)
    for stored, given in zip(form["child"], CHILDREN, strict=True):
        assert {k: stored[k] for k in given} == {**given, "cp_plan": given["cp_plan"].split(",")}
    assert [{k: m[k] for k in FAMILY[0]} for m in form["family"]] == FAMILY
    assert form["agencies"] == [AGENCY]
    assert form["referrer"]["agency"] == "Bradford Teaching Hospitals"

    case_card = await teams.wait_for_message(
        lambda m: m.card is not None and "Case BR-2026-0001" in card_text(m.card),
        conversation_id=teams.channel_id,
    )
    assert "Bradford Teaching Hospitals" in card_text(case_card.card)
    for who in ("business_unit", "chair"):
        details = await teams.wait_for_message(
            lambda m: m.card is not None, conversation_id=await teams.personal_chat(who)
        )
        assert "New referral BR-2026-0001" in card_text(details.card)
        assert "Zebedee Quattlebaum" in card_text(details.card)
        assert "Juniper Quattlebaum" in card_text(details.card)
    for message in teams.bot_messages(teams.channel_id):
        shown = json.dumps(message.activity)
        for value in PERSONAL:
            assert value not in shown, f"{value} appeared in the channel"


async def test_the_practitioner_picks_up_where_they_were_after_a_restart(
    teams: LocalTeams,
) -> None:
    card = await start(teams)
    card = await press(teams, card, "Next")
    card = await press(teams, card, "Next", agency="West Yorkshire Police", phone="+44 1274 000000")
    card = await press(teams, card, "Next", name__0="Kit Marlowe")
    assert "Family and significant others" in card_text(card.card)

    await teams.restart_bot()

    offer = await start(teams)
    assert "You have a referral in progress" in card_text(offer.card)
    resumed = await press(teams, offer, "Resume the referral")
    assert "Family and significant others" in card_text(resumed.card)
    back = await press(teams, resumed, "Back")
    assert current_values(back.card)["name__0"] == "Kit Marlowe"
    # The card from before the restart still works too.
    old = await press(teams, card, "Next")
    assert "Other agencies involved" in card_text(old.card)


async def test_bad_input_in_the_client_is_explained_and_kept(teams: LocalTeams) -> None:
    card = await start(teams)
    card = await press(teams, card, "Next")
    card = await press(teams, card, "Next", agency="Police", email="p@example.org")
    again = await press(
        teams,
        card,
        "Next",
        name__0="Kit",
        date_of_birth__0="2019-03-14",
        date_of_death__0="2018-01-01",
    )
    text = card_text(again.card)
    assert "before the date of birth" in text and "Everything you typed is kept" in text
    assert current_values(again.card)["date_of_death__0"] == "2018-01-01"
    assert current_values(again.card)["name__0"] == "Kit"


async def test_refer_in_the_channel_starts_in_the_private_chat(teams: LocalTeams) -> None:
    chat = await teams.personal_chat("practitioner")
    before = teams.count(chat)
    await teams.send("refer", where="channel")
    line = await teams.wait_for_message(
        lambda m: "opened a private chat" in m.text, conversation_id=teams.channel_id
    )
    assert line.card is None
    wizard = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chat, after=before
    )
    assert "Immediate safety and the criteria" in card_text(wizard.card)
