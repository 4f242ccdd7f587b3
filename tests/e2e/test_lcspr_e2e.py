"""A local review from the Day 15 decision to the case closing, through the local Teams client,
with every persona it touches: the Business Unit records the commissioning (the Panel, Ofsted
and DfE told; the reviewer; the methodology), asks for a delay that Chris Holt approves from the
card in his chat, records the Panel and the Secretary of State told why, plans the
publication, records the sign-off, the report sent, the communication plan and the
publication; three actions are given to Paul Okafor, Hannah Ibe and Laura Ahmed, nudged when
overdue (``tick``), updated and completed with their outcomes; the chair closes the two
milestones the case never needed, with reasons, and then the case. The channel's status and
case card show the review's stage and dates throughout, and never its words."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from tests.e2e.harness import BotMessage, LocalTeams, card_text
from tests.e2e.test_decisions_e2e import card_in, local_review
from tests.e2e.test_igt_e2e import BU, typed
from tests.e2e.test_referral_e2e import press
from workflow.calendar import british

pytestmark = pytest.mark.e2e

LONDON = ZoneInfo("Europe/London")
FAMILY = "The mother and grandmother are invited to meet the reviewer at home."
REASON = "HM Coroner has opened an inquest; the hearing is listed for the summer."
OWNERS = (
    (
        "police",
        "Paul Okafor",
        "West Yorkshire Police",
        "Share the learning with response officers.",
    ),
    ("health", "Hannah Ibe", "West Yorkshire ICB", "Audit health visitors' escalation to CSC."),
    ("local_authority", "Laura Ahmed", "Bradford Children's Social Care", "Hold a learning event."),
)


async def answer(teams: LocalTeams, persona: str, text: str, words: str) -> str:
    """``persona`` types ``text`` in their 1:1 chat; the bot's text answer with ``words``."""
    chat = await teams.personal_chat(persona)
    before = teams.count(chat)
    await teams.send(text, persona=persona)
    reply = await teams.wait_for_message(
        lambda m: words in m.text or (m.card is not None and words in card_text(m.card)),
        conversation_id=chat,
        after=before,
    )
    return reply.text or card_text(reply.card)


async def channel_status(teams: LocalTeams, reference: str) -> str:
    """``status`` typed in the channel (by the police representative): what everyone sees."""
    chat = teams.channel_id
    before = teams.count(chat)
    await teams.send(f"status {reference}", persona="police", where="channel")
    shown = await teams.wait_for_message(
        lambda m: m.card is not None and f"Status: {reference}" in card_text(m.card),
        conversation_id=chat,
        after=before,
    )
    return json.dumps(shown.activity)


def weekday_after(day: date, days: int) -> date:
    found = day + timedelta(days=days)
    while found.weekday() >= 5:
        found += timedelta(days=1)
    return found


async def test_a_local_review_from_the_day_15_decision_to_closing(teams: LocalTeams) -> None:
    reference = await local_review(teams)
    today = datetime.now(LONDON).date()
    iso = today.isoformat()
    latest = today + relativedelta(months=6)
    shown = await channel_status(teams, reference)  # the review's stage and dates from the start
    assert "Local review" in shown and "Not commissioned yet" in shown and british(latest) in shown

    # Commissioning: all three told at once, the reviewer, the methodology.
    step = await typed(teams, BU, f"commission {reference}", "Local review: commissioning")
    assert "Bea Umar" in json.dumps(step.card)
    step = await press(
        teams, step, "Next", persona=BU, panel_told=iso, ofsted_told=iso, dfe_told=iso
    )
    step = await press(
        teams, step, "Next", persona=BU, reviewer="Dr Anna Reid",
        organisation="Independent Reviews Ltd", panel_named=iso, ofsted_named=iso, dfe_named=iso,
    )  # fmt: skip
    summary = await press(
        teams, step, "Next", persona=BU, methodology="Systems review; a practitioner event.",
        agreed_on=iso, practitioners="A learning event.", family=FAMILY,
    )  # fmt: skip
    saved = await press(teams, summary, "Save the commissioning record", persona=BU)
    text = card_text(saved.card)
    assert "Recorded: who was told of the review, the reviewer" in text
    assert "Dr Anna Reid (Independent Reviews Ltd)" in text and FAMILY in text
    shown = await channel_status(teams, reference)
    assert "Dr Anna Reid (Independent Reviews Ltd)" in shown and FAMILY not in shown
    assert "Publish no later than" in shown and british(latest) in shown

    # A delay: asked for by the Business Unit, approved by the chair from his card.
    new_latest = weekday_after(latest, 61)
    step = await typed(teams, BU, f"delay {reference}", "Publication delay: The delay")
    summary = await press(
        teams, step, "Next", persona=BU, cause="inquest", reason=REASON,
        new_date=new_latest.isoformat(),
    )  # fmt: skip
    asked = await press(teams, summary, "Ask the chair to approve the delay", persona=BU)
    assert f"To {british(new_latest)}, waiting for the chair" in card_text(asked.card)
    request = await card_in(teams, "chair", f"Publication delay: {reference}")
    assert REASON in card_text(request.card)
    approved = await press(
        teams,
        request,
        f"Approve the delay to {reference}'s publication",
        persona="chair",
        rationale="Agreed while the inquest is pending.",
    )
    assert "Approved by Chris Holt" in card_text(approved.card)
    told = await card_in(teams, BU, f"Delay approved: {reference}")
    assert f"panel told {reference}" in card_text(told.card)
    shown = await channel_status(teams, reference)
    assert f"{british(new_latest)} (delayed: an inquest; was {british(latest)})" in shown
    assert REASON not in shown
    assert "on " + british(today) in await answer(
        teams, BU, f"panel told {reference} {iso}", "the Panel and the Secretary of State were"
    )

    # The timetable, sign-off, the report sent, the communication plan, the publication.
    planned = weekday_after(latest, 30)  # after the first latest date: the delay allows it
    assert f"Planned publication {british(planned)}" in await answer(
        teams, BU, f"publication {reference} {planned.isoformat()}", "Recorded for"
    )
    assert "record the sign-off first" in await answer(
        teams, BU, f"published {reference} {iso} https://bdscp.org.uk/reviews/1", "signed off yet"
    )
    assert "signed off" in await answer(
        teams, BU, f"signed off {reference} {iso}", "Partnership Group signed off"
    )
    assert "went to the Panel" in await answer(
        teams, BU, f"report sent {reference} {iso}", "the final report on"
    )
    step = await typed(teams, BU, f"comms {reference}", "Communication plan")
    summary = await press(
        teams, step, "Next", persona=BU, done="media_leads,briefings,key_messages,qa",
        notes="Press release agreed with the three partners.",
    )  # fmt: skip
    saved = await press(teams, summary, "Save the communication plan", persona=BU)
    assert "every part done" in card_text(saved.card)
    published = await answer(
        teams,
        BU,
        f"published {reference} {iso} https://bdscp.org.uk/reviews/{reference}",
        "was published on",
    )
    assert f"published on {british(today)}" in published and "action add" in published

    # Three actions, each given to its owner in their chat.
    for number, (persona, name, agency, words) in enumerate(OWNERS, start=1):
        due = weekday_after(today, 2 + number)
        step = await typed(teams, BU, f"action add {reference}", "New action: The action")
        summary = await press(
            teams, step, "Next", persona=BU, text=words, kind="action" if number < 3 else
            "learning_event", owner=name, agency=agency, due=due.isoformat(), rag="amber",
        )  # fmt: skip
        added = await press(teams, summary, "Add the action", persona=BU)
        assert f"Action {number} added." in card_text(added.card)
        given = await card_in(teams, persona, f"An action for you: {reference}, action {number}")
        assert words in card_text(given.card)

    # Overdue: the morning after the last is due, each owner is nudged in their chat.
    last_due = weekday_after(today, 2 + len(OWNERS))
    after = weekday_after(last_due, 1)
    await teams.tick(datetime.combine(after, time(9, 30), tzinfo=LONDON).isoformat())
    for number, (persona, _name, agency, _words) in enumerate(OWNERS, start=1):
        nudge: BotMessage = await teams.wait_for_message(
            lambda m, n=number, a=agency: (
                m.card is not None
                and f"Your deadline overdue: {reference}" in card_text(m.card)
                and f"Action {n} of the action plan ({a})" in card_text(m.card)
            ),
            conversation_id=await teams.personal_chat(persona),
        )
        assert nudge.card is not None

    # Each owner updates theirs and completes it with its outcome.
    for number, (persona, _name, _agency, _words) in enumerate(OWNERS, start=1):
        step = await typed(
            teams, persona, f"action update {reference}", "Action update: Where the action stands"
        )
        if number == 2:  # on track first, then complete
            summary = await press(
                teams, step, "Next", persona=persona, number="2", status="on_track",
                rag="green", due=weekday_after(today, 10).isoformat(),
            )  # fmt: skip
            saved = await press(teams, summary, "Save the update", persona=persona)
            assert "Action 2 updated." in card_text(saved.card) and "On track" in card_text(
                saved.card
            )
            step = await typed(
                teams, persona, f"action update {reference}", "Action update: Where the action"
            )
        summary = await press(
            teams, step, "Next", persona=persona, number=str(number), status="complete",
            rag="green", due=weekday_after(today, 10).isoformat(),
            outcome=f"Done: outcome {number} recorded.",
        )  # fmt: skip
        saved = await press(teams, summary, "Save the update", persona=persona)
        assert f"Outcome: Done: outcome {number} recorded." in card_text(saved.card)

    # Closing: refused while the IGT milestones (never needed here) are open; the chair closes
    # them with reasons, then the case.
    refused = await answer(teams, "chair", f"close {reference} All done.", "can't close yet")
    assert "Information Gathering Tools sent" in refused
    for number in (5, 6):
        assert "Closed: Milestone" in await answer(
            teams,
            "chair",
            f"close {reference} milestone {number} Agencies reported at the meeting itself.",
            "Closed: Milestone",
        )
    closed = await answer(
        teams, "chair", f"close {reference} Published and every action complete.", "Closed:"
    )
    assert f"Closed: {reference}" in closed
    card = await teams.wait_for_message(
        lambda m: (
            m.card is not None
            and f"Case {reference}" in card_text(m.card)
            and "Stage: Closed" in card_text(m.card)
        ),
        conversation_id=teams.channel_id,
    )
    text = card_text(card.card)
    assert "Local review" in text and "Dr Anna Reid" in text and british(new_latest) in text
    for message in teams.bot_messages(teams.channel_id):
        dumped = json.dumps(message.activity)
        assert FAMILY not in dumped and REASON not in dumped
        assert not any(words in dumped for *_, words in OWNERS)
