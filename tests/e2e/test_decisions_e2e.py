"""Scoping and the decisions on notification, through the local Teams client, with the
personas: three partners' views (one revised), the chair's recommendation from the channel
card (refreshed as each persona, since the client never sends refreshes), the Strategic
Director's decision, and the referrer told the outcome. A second scenario takes the "not
notified" branch, recorded by the Business Unit for the director."""

from __future__ import annotations

import pytest

from tests.e2e.harness import BotMessage, LocalTeams, card_text
from tests.e2e.test_referral_e2e import press
from tests.e2e.test_referral_procedure_e2e import short_referral

pytestmark = pytest.mark.e2e

VIEW = {
    "abuse_or_neglect": "yes",
    "died_or_harmed": "yes",
    "where": "yes",
    "view": "meets_criteria",
    "reason": "Injuries unexplained; neglect suspected.",
}


async def card_in(teams: LocalTeams, persona: str, words: str, after: int = 0) -> BotMessage:
    chat = await teams.personal_chat(persona) if persona != "channel" else teams.channel_id
    return await teams.wait_for_message(
        lambda m: m.card is not None and words in card_text(m.card),
        conversation_id=chat,
        after=after,
    )


async def give_view(teams: LocalTeams, persona: str, reference: str, **answers: str) -> str:
    invitation = await card_in(teams, persona, f"Your scoping view on {reference}")
    step = await press(teams, invitation, f"Give your view on {reference}", persona=persona)
    assert "Children Act 2004 s16C(1)" in card_text(step.card)
    summary = await press(teams, step, "Next", persona=persona, **{**VIEW, **answers})
    done = await press(teams, summary, "Give this view", persona=persona)
    return card_text(done.card)


async def prompt(teams: LocalTeams, reference: str) -> BotMessage:
    """The decision prompt once every partner's current view is in and the police's revised
    one has replaced their first ("Not sure yet")."""

    def ready(m: BotMessage) -> bool:
        text = card_text(m.card) if m.card is not None else ""
        return (
            f"Recommendation on notification: {reference}" in text
            and "Not given yet" not in text
            and "Not sure yet" not in text
        )

    return await teams.wait_for_message(ready, conversation_id=teams.channel_id)


async def scoped(teams: LocalTeams) -> str:
    reference = await short_referral(teams)
    assert "View recorded" in await give_view(teams, "police", reference, view="unsure")
    assert "View recorded" in await give_view(teams, "local_authority", reference)
    assert "View recorded" in await give_view(teams, "health", reference)
    # The police revise their view: typed, in their chat.
    chat = await teams.personal_chat("police")
    before = teams.count(chat)
    await teams.send(f"view {reference}", persona="police")
    step = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chat, after=before
    )
    summary = await press(teams, step, "Next", persona="police", **VIEW)
    revised = await press(teams, summary, "Give this view", persona="police")
    assert f"View revised: {reference}" in card_text(revised.card)
    return reference


async def test_from_scoping_to_the_local_authoritys_decision_to_notify(
    teams: LocalTeams,
) -> None:
    reference = await scoped(teams)
    card = await prompt(teams, reference)
    assert "Yes, from the views given" in card_text(card.card)

    # User-specific views: the chair gets the buttons, everyone else the status.
    for persona in ("business_unit", "police", "health"):
        status = await teams.refresh(card, persona=persona)
        assert status.card is not None and "actions" not in status.card, persona
        assert "Waiting for the Case Review Sub-group chair" in card_text(status.card)
    live = await teams.refresh(card, persona="chair")
    # The Business Unit pressing the chair's live card (forwarded or forged): one line, no case.
    forged = await teams.press(
        live,
        f"Recommend notification for {reference}",
        {"rationale": "I'll do it."},
        persona="business_unit",
    )
    assert forged.get("value") == "Only the Case Review Sub-group chair can do that.", forged
    empty = await press(
        teams, live, f"Recommend notification for {reference}", persona="chair", rationale=" "
    )
    assert "Give your rationale" in card_text(empty.card)
    decided = await press(
        teams,
        live,
        f"Recommend notification for {reference}",
        persona="chair",
        rationale="All three partners say the test is met.",
    )
    text = card_text(decided.card)
    assert "Notify the national Panel" in text and "Chris Holt" in text
    # The channel card gives the outcome, never the rationale: that is read 1:1.
    assert "All three partners say the test is met." not in text
    assert f"**decisions {reference}** in a 1:1 chat" in text
    chat = await teams.personal_chat("chair")
    before = teams.count(chat)
    await teams.send(f"decisions {reference}", persona="chair")
    records = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chat, after=before
    )
    assert "All three partners say the test is met." in card_text(records.card)  # 1:1

    director_card = await card_in(
        teams, "local_authority", f"Decision on notification: {reference}"
    )
    assert "Injuries unexplained" in card_text(director_card.card)  # reasons, in 1:1 only
    done = await press(
        teams,
        director_card,
        f"Notify the national Panel about {reference}",
        persona="local_authority",
        rationale="The statutory test is met.",
    )
    assert "The Local Authority notifies the national Panel" in card_text(done.card)
    outcome = await card_in(teams, "practitioner", f"Outcome on {reference}")
    assert "notify the national Panel" in card_text(outcome.card)
    # The Business Unit records the notifications, the Panel's with its reference.
    checklist = await card_in(teams, "business_unit", f"Notifications: {reference}")
    panel_text = await card_in(teams, "business_unit", "For the Panel's online form")
    assert "Child 1: Kit Example" in str(panel_text.card)
    marked = await press(
        teams,
        checklist,
        "Mark the national Panel as told",
        persona="business_unit",
        ref_panel="CSPRP-777",
    )
    assert "reference CSPRP-777" in card_text(marked.card)
    case_card = await teams.wait_for_message(
        lambda m: (
            m.card is not None
            and f"Case {reference}" in card_text(m.card)
            and "Rapid review" in card_text(m.card)
        ),
        conversation_id=teams.channel_id,
    )
    assert "Chris Holt" in card_text(case_card.card)  # the decisions so far, who and when


async def invite(teams: LocalTeams, reference: str, persona: str, agency: str) -> str:
    """The Business Unit asks another agency's person (a persona) for a scoping view."""
    chat = await teams.personal_chat("business_unit")
    before = teams.count(chat)
    await teams.send(f"invite {reference}", persona="business_unit")
    card = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chat, after=before
    )
    done = await press(
        teams,
        card,
        f"Invite them to give a view on {reference}",
        persona="business_unit",
        person=teams.user(persona)["aadObjectId"],
        agency=agency,
    )
    return card_text(done.card)


async def test_the_not_notified_branch_recorded_by_the_business_unit(teams: LocalTeams) -> None:
    """An invited agency's view, the Local Authority's decision not to notify recorded by the
    Business Unit, and the chair's choice of an alternative review from the channel card."""
    reference = await scoped(teams)
    said = await invite(teams, reference, "practitioner", "Bradford Council Education")
    assert "Invited" in said and "Bradford Council Education" in said
    details = await card_in(teams, "practitioner", f"New referral {reference}")
    assert "Invited agency representative" in card_text(details.card)
    given = await give_view(teams, "practitioner", reference, view="does_not_meet_criteria")
    assert "View recorded" in given
    card = await teams.wait_for_message(
        lambda m: (
            m.card is not None
            and f"Recommendation on notification: {reference}" in card_text(m.card)
            and "Bradford Council Education (invited by the Business Unit)" in card_text(m.card)
        ),
        conversation_id=teams.channel_id,
    )
    live = await teams.refresh(card, persona="chair")
    await press(
        teams,
        live,
        f"Recommend no notification for {reference}",
        persona="chair",
        rationale="On what is known the harm is not serious.",
    )
    chat = await teams.personal_chat("business_unit")
    before = teams.count(chat)
    await teams.send(f"la decision {reference}", persona="business_unit")
    form = await teams.wait_for_message(
        lambda m: m.card is not None, conversation_id=chat, after=before
    )
    assert "You are recording the decision of Laura Ahmed" in card_text(form.card)
    done = await press(
        teams,
        form,
        f"Don't notify the Panel about {reference}",
        persona="business_unit",
        rationale="Agreed with the director by phone.",
    )
    text = card_text(done.card)
    assert "does not notify the national Panel" in text and "Recorded by" in text
    outcome = await card_in(teams, "practitioner", f"Outcome on {reference}")
    assert "not to notify the national Panel" in card_text(outcome.card)

    # What next: the chair chooses an alternative review on the channel's card.
    what_next = await card_in(teams, "channel", f"What next for {reference}")
    status = await teams.refresh(what_next, persona="police")
    assert status.card is not None and "actions" not in status.card
    live = await teams.refresh(what_next, persona="chair")
    chosen = await press(
        teams,
        live,
        f"Start a single agency review of {reference}",
        persona="chair",
        rationale="Health's own review will show the learning.",
    )
    assert "A single agency review" in card_text(chosen.card)
    case_card = await teams.wait_for_message(
        lambda m: (
            m.card is not None
            and f"Case {reference}" in card_text(m.card)
            and "Alternative review" in card_text(m.card)
        ),
        conversation_id=teams.channel_id,
    )
    text = card_text(case_card.card)
    assert "Chair's decision on what next" in text and "Chris Holt" in text


async def local_review(teams: LocalTeams) -> str:
    """The rest of the notified path: the Business Unit proposes the rapid review decision,
    the chair approves it on the channel card, the report goes to the Panel on Day 20 and the
    Panel's agreement starts the local review (the case's reference)."""
    reference = await scoped(teams)
    live = await teams.refresh(await prompt(teams, reference), persona="chair")
    await press(
        teams, live, f"Recommend notification for {reference}", persona="chair", rationale="Met."
    )
    director_card = await card_in(
        teams, "local_authority", f"Decision on notification: {reference}"
    )
    await press(
        teams,
        director_card,
        f"Notify the national Panel about {reference}",
        persona="local_authority",
        rationale="Met.",
    )
    bu = "business_unit"
    chat = await teams.personal_chat(bu)
    before = teams.count(chat)
    await teams.send(f"decide {reference}", persona=bu)
    step = await teams.wait_for_message(
        lambda m: m.card is not None and "The local review criteria" in card_text(m.card),
        conversation_id=chat,
        after=before,
    )
    step = await press(teams, step, "Next", persona=bu, must="improvements")
    summary = await press(
        teams,
        step,
        "Next",
        persona=bu,
        immediate_action="no",
        national="no",
        outcome="lcspr",
        rationale="Learning about working together.",
        consulted="All three partners agree.",
    )
    sent = await press(teams, summary, "Send to the chair for approval", persona=bu)
    assert f"Sent to the chair: {reference}" in card_text(sent.card)
    review = await teams.wait_for_message(
        lambda m: m.card is not None and f"Rapid review decision: {reference}" in card_text(m.card),
        conversation_id=teams.channel_id,
    )
    status = await teams.refresh(review, persona="police")
    assert status.card is not None and "actions" not in status.card
    live_review = await teams.refresh(review, persona="chair")
    approved = await press(
        teams, live_review, f"Approve the decision on {reference}", persona="chair"
    )
    assert "Approved by the chair" in card_text(approved.card)

    before = teams.count(chat)
    await teams.send(f"panel {reference}", persona=bu)
    panel = await teams.wait_for_message(
        lambda m: m.card is not None and f"The Panel: {reference}" in card_text(m.card),
        conversation_id=chat,
        after=before,
    )
    sent_report = await press(
        teams, panel, f"Record the report on {reference} sent to the Panel", persona=bu
    )
    agreed = await press(
        teams,
        sent_report,
        f"The Panel agrees with the decision on {reference}",
        persona=bu,
        note="Agreed by letter.",
    )
    assert "The Panel agrees with the local decision" in card_text(agreed.card)
    await teams.wait_for_message(
        lambda m: (
            m.card is not None
            and f"Case {reference}" in card_text(m.card)
            and "Local child safeguarding practice review" in card_text(m.card)
        ),
        conversation_id=teams.channel_id,
    )
    return reference
