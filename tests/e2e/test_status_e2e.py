"""The status queries through the local Teams client, for each persona, in 1:1 chat and in
the channel: the answers are right for who asks, a practitioner is told another person's
case is not found, and no channel answer carries a child's or family's details (the names,
date of birth and address the referral gave)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.harness import BotMessage, LocalTeams, card_text
from tests.e2e.test_referral_procedure_e2e import entered_referral, short_referral

pytestmark = pytest.mark.e2e

PERSONAL = ("Kit Example", "Ash Example")  # the children the referrals name


# What each answer begins with: the answer, not a card the outbox happens to deliver to the
# same chat meanwhile (a new referral's details, say).
ANSWERS = (
    "Status:",
    "Open cases",
    "Your cases",
    "You are",
    "Overdue",
    "Timeline:",
    "Decisions:",
    "Due in the next",
    "Roles",
    "Case Review Bot",
    "I can't find",
    "can use",
    "now holds",
    "no longer holds",
    "This is now",
)


def shown(message: BotMessage) -> str:
    return (
        card_text(message.card) if message.card is not None else str(message.activity.get("text"))
    )


def _heading(message: BotMessage) -> str:
    if message.card is not None:
        body = message.card.get("body") or [{}]
        return str(body[0].get("text", ""))
    return str(message.activity.get("text") or "")


async def asked(teams: LocalTeams, persona: str, text: str, where: str = "personal") -> BotMessage:
    chat = await teams.personal_chat(persona) if where == "personal" else teams.channel_id
    before = teams.count(chat)
    await teams.send(text, persona=persona, where=where)
    return await teams.wait_for_message(
        lambda m: any(words in _heading(m) for words in ANSWERS),
        conversation_id=chat,
        after=before,
    )


async def test_every_query_for_each_persona_in_1_to_1_and_the_channel(teams: LocalTeams) -> None:
    reference = await short_referral(teams)
    channel_answers = []
    for persona in ("business_unit", "chair", "police", "health", "local_authority"):
        status = await asked(teams, persona, f"/status {reference}")
        assert f"Status: {reference}" in shown(status) and "Working day" in shown(status)
        assert "Show the referral's details" in json.dumps(status.card)
        in_channel = await asked(teams, persona, f"status {reference}", where="channel")
        assert f"Status: {reference}" in shown(in_channel)
        channel_answers.append(in_channel)
        listed = await asked(teams, persona, "cases", where="channel")
        assert reference in shown(listed)
        channel_answers.append(listed)
        who = await asked(teams, persona, "whoami")
        assert "You are" in shown(who)
    for text in ("overdue", f"timeline {reference}", "help"):
        channel_answers.append(await asked(teams, "business_unit", text, where="channel"))
    records = await asked(teams, "chair", f"decisions {reference}")
    assert f"Decisions: {reference}" in shown(records)
    soon = await asked(teams, "business_unit", "deadlines 10")
    assert reference in shown(soon)
    admin = await asked(teams, "business_unit", "roles")
    assert "Case Review Sub-group chair" in shown(admin)
    granted = await asked(teams, "business_unit", "grant Hannah Ibe scrutineer")
    assert "Hannah Ibe now holds the role Independent scrutineer." in shown(granted)
    scrutiny = await asked(teams, "health", f"decisions {reference}")
    assert f"Decisions: {reference}" in shown(scrutiny)
    revoked = await asked(teams, "business_unit", "revoke Hannah Ibe scrutineer")
    assert "no longer holds" in shown(revoked)
    here = await asked(teams, "business_unit", "setup", where="channel")
    assert "This is now the case review channel" in shown(here)
    not_admin = await asked(teams, "chair", "setup", where="channel")
    assert "can use **setup**" in shown(not_admin)

    # The practitioner: their own case (stage and dates), no one else's, no staff commands.
    own = await asked(teams, "practitioner", f"status {reference}")
    assert f"Status: {reference}" in shown(own) and "Decisions" not in shown(own)
    someone_elses = await entered_referral(teams)  # the Business Unit's, for a GP
    other = await asked(teams, "practitioner", f"status {someone_elses}")
    assert shown(other) == f"I can't find a case {someone_elses}."
    nothing = await asked(teams, "practitioner", "status BR-2026-9999")
    assert shown(nothing) == "I can't find a case BR-2026-9999."
    refused = await asked(teams, "practitioner", "overdue")
    assert "can use **overdue**" in shown(refused)

    # Nothing personal in any channel answer.
    for answer in channel_answers:
        text = json.dumps(answer.activity)
        assert not any(value in text for value in PERSONAL), shown(answer)
