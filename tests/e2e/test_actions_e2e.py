"""Action plans through the local Teams client: the Business Unit adds an action for Paul
Okafor; he is told in his 1:1 chat, tries to complete it without an outcome (the card says
why and keeps what he typed), then completes it with one; the channel's plan shows the marks
without the action's words."""

from __future__ import annotations

import pytest

from tests.e2e.harness import LocalTeams, card_text
from tests.e2e.test_decisions_e2e import card_in
from tests.e2e.test_igt_e2e import BU, typed
from tests.e2e.test_referral_e2e import press
from tests.e2e.test_referral_procedure_e2e import short_referral

pytestmark = pytest.mark.e2e


WORDS = "Review how the school's concerns reached children's social care."


async def test_an_action_added_told_refused_without_outcome_and_completed(
    teams: LocalTeams,
) -> None:
    reference = await short_referral(teams)
    step = await typed(teams, BU, f"action add {reference}", "New action: The action")
    summary = await press(
        teams,
        step,
        "Next",
        persona=BU,
        text=WORDS,
        kind="action",
        owner="Paul Okafor",
        agency="West Yorkshire Police",
        due="2027-01-29",
        rag="amber",
    )
    done = await press(teams, summary, "Add the action", persona=BU)
    assert "Action 1 added." in card_text(done.card) and WORDS in card_text(done.card)

    given = await card_in(teams, "police", f"An action for you: {reference}, action 1")
    assert WORDS in card_text(given.card) and "29 Jan 2027" in card_text(given.card)

    step = await typed(
        teams, "police", f"action update {reference}", "Action update: Where the action stands"
    )
    refused = await press(
        teams, step, "Next", persona="police", number="1", status="complete", rag="green",
        due="2027-01-29",
    )  # fmt: skip
    assert "Say what the outcome was" in card_text(refused.card)
    summary = await press(
        teams, refused, "Next", persona="police", outcome="Joint training delivered."
    )
    saved = await press(teams, summary, "Save the update", persona="police")
    text = card_text(saved.card)
    assert "Action 1 updated." in text and "Outcome: Joint training delivered." in text

    chat = teams.channel_id
    before = teams.count(chat)
    await teams.send(f"actions {reference}", persona=BU, where="channel")
    plan = await teams.wait_for_message(lambda m: m.card is not None, conversation_id=chat,
                                        after=before)  # fmt: skip
    shown = card_text(plan.card)
    assert f"Action plan: {reference}" in shown and "Complete" in shown
    assert WORDS not in shown and "Joint training" not in shown
