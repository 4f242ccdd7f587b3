"""Information gathering through the local Teams client, with the personas: the Business Unit
sends the Information Gathering Tool to three people; the police return it with five
chronology events across two days (one more added and removed), Education returns it naming
another agency, which the Business Unit then asks with one press, and health says "no
involvement". The merged chronology lists every event in date order with its agency, and the
channel's case card counts the returns."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import BotMessage, LocalTeams, card_text
from tests.e2e.test_decisions_e2e import card_in, prompt, scoped
from tests.e2e.test_referral_e2e import press

pytestmark = pytest.mark.e2e

BU = "business_unit"


async def typed(teams: LocalTeams, persona: str, text: str, words: str = "") -> BotMessage:
    """``persona`` types ``text`` in their 1:1 chat; the card or message that answers (with
    ``words``, the card showing them: other cards may arrive meanwhile)."""
    chat = await teams.personal_chat(persona)
    before = teams.count(chat)
    await teams.send(text, persona=persona)
    return await teams.wait_for_message(
        lambda m: not words or (m.card is not None and words in card_text(m.card)),
        conversation_id=chat,
        after=before,
    )


async def at_rapid_review(teams: LocalTeams) -> str:
    """A case notified by the Local Authority: the rapid review has begun."""
    reference = await scoped(teams)
    live = await teams.refresh(await prompt(teams, reference), persona="chair")
    await press(
        teams, live, f"Recommend notification for {reference}", persona="chair", rationale="Met."
    )
    director = await card_in(teams, "local_authority", f"Decision on notification: {reference}")
    await press(
        teams,
        director,
        f"Notify the national Panel about {reference}",
        persona="local_authority",
        rationale="Met.",
    )
    return reference


async def until(
    teams: LocalTeams, step: BotMessage, persona: str, title: str, **inputs: Any
) -> BotMessage:
    while title not in card_text(step.card):
        step = await press(teams, step, "Next", persona=persona, **inputs)
        inputs = {}
    return step


async def test_information_gathering_through_the_client(teams: LocalTeams) -> None:
    reference = await at_rapid_review(teams)
    sending = await typed(
        teams, BU, f"igt {reference}", f"Information Gathering Tools: {reference}"
    )
    for persona, agency in (
        ("police", "West Yorkshire Police"),
        ("health", "Bradford Teaching Hospitals"),
        ("practitioner", "Bradford Council Education"),
    ):
        sending = await press(
            teams,
            sending,
            f"Send the Information Gathering Tool for {reference}",
            persona=BU,
            person=teams.user(persona)["aadObjectId"],
            other_agency=agency,
        )
        assert f"({agency})" in card_text(sending.card)

    # The police: five events across two days, one more added and removed.
    request = await card_in(teams, "police", f"Information Gathering Tool: {reference}")
    step = await press(
        teams,
        request,
        f"Complete the Information Gathering Tool for {reference}",
        persona="police",
    )
    step = await until(teams, step, "police", "Chronology of key events")
    events = [
        ("2026-11-20", "21:40", "Neighbour calls police about shouting"),
        ("2026-11-20", "22:15", "Officers attend; no answer"),
        ("2026-11-21", "", "Added by mistake"),
        ("2026-11-21", "08:05", "Child taken to A&E by carer"),
        ("2026-11-21", "09:30", "Hospital raises a concern"),
        ("2026-11-21", "11:00", "Strategy discussion held"),
    ]
    step = await press(teams, step, "Add an event", persona="police")
    for n, (on, at, what) in enumerate(events):
        values = {f"date__{n}": on, f"time__{n}": at, f"event__{n}": what}
        last = n == len(events) - 1
        step = await press(
            teams,
            step,
            "Remove event 3" if last else "Add another event",
            persona="police",
            **values,
        )
    assert "Added by mistake" not in str(step.card)
    summary = await until(teams, step, "police", "check and submit")
    done = await press(teams, summary, "Return the Information Gathering Tool", persona="police")
    assert f"Information Gathering Tool returned: {reference}" in card_text(done.card)

    # Health: no involvement.
    request = await card_in(teams, "health", f"Information Gathering Tool: {reference}")
    said = await press(
        teams,
        request,
        f"Send 'no involvement' for {reference}",
        persona="health",
        reason="Not known to our services.",
    )
    assert "'No involvement' sent" in card_text(said.card)

    # Education: names Barnardo's as involved.
    request = await card_in(teams, "practitioner", f"Information Gathering Tool: {reference}")
    step = await press(teams, request, f"Complete the Information Gathering Tool for {reference}")
    step = await until(teams, step, "practitioner", "Other agencies involved")
    step = await press(teams, step, "Add an agency")
    step = await press(
        teams, step, "Next", agency__0="Barnardo's", reason__0="Family support worker"
    )
    step = await until(teams, step, "practitioner", "Chronology of key events")
    step = await press(teams, step, "Add an event")
    step = await press(
        teams,
        step,
        "Next",
        date__0="2026-11-20",
        time__0="15:20",
        event__0="Child withdrawn at school pick-up",
    )
    summary = await until(teams, step, "practitioner", "check and submit")
    await press(teams, summary, "Return the Information Gathering Tool")

    # The Business Unit asks Barnardo's with one press.
    notice = await card_in(teams, BU, "It names other agencies")
    sent = await press(
        teams,
        notice,
        f"Send Barnardo's the Information Gathering Tool for {reference}",
        persona=BU,
        person_0=teams.user("local_authority")["aadObjectId"],
    )
    assert "Sent to Laura Ahmed (Barnardo's)" in card_text(sent.card)
    await card_in(teams, "local_authority", f"Information Gathering Tool: {reference}")

    # The merged chronology, in date and time order, each with its agency.
    merged = card_text((await typed(teams, "chair", f"chronology {reference}")).card)
    order = [
        "Child withdrawn at school pick-up",
        "Neighbour calls police",
        "Officers attend",
        "Child taken to A&E",
        "Hospital raises a concern",
        "Strategy discussion held",
    ]
    assert [merged.index(words) for words in order] == sorted(merged.index(w) for w in order)
    assert "West Yorkshire Police" in merged and "Bradford Council Education" in merged

    # The case card counts the returns.
    await teams.wait_for_message(
        lambda m: (
            m.card is not None
            and f"Case {reference}" in card_text(m.card)
            and "Information Gathering Tools:** 3 of 4 returned" in card_text(m.card)
        ),
        conversation_id=teams.channel_id,
    )
