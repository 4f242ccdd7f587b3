"""Scoping views and the decisions on notification: the commands and card actions that reach
the flows (flows/scoping.py, recommendation.py, la_decision.py, not_notified.py,
notifications.py). Every press is checked on the server: the role, the case's
stage, and whether it was decided already, whatever the card says."""

from __future__ import annotations

import logging

from bot.actions import ActionResult
from bot.commands.common import BU, case_asked, press, reference_of, text_of
from bot.routes import command, refresh, verb
from bot.turn import Turn
from flows.decided import who_is
from flows.forms import Refused
from flows.invitations import ONLY_BUSINESS_UNIT, invite, invite_card_for
from flows.la_decision import director_of, la_card_for, la_decide
from flows.not_notified import decide_next_step, next_step_for
from flows.notifications import mark_notified, notifications_card_for
from flows.panel import panel_card_for, record_panel_step
from flows.recommendation import chair_prompt_for, recommend
from flows.review import answer_proposal, review_prompt_for
from flows.scoping import ONLY_PARTNERS, partner_role, read_views
from storage import cases, people
from storage.db import transaction
from workflow.review import REVIEW
from workflow.roles import Role, label
from workflow.scoping import SCOPING

log = logging.getLogger(__name__)


async def _start_view(turn: Turn, reference: str) -> ActionResult:
    async with turn.services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
        roles = (
            await people.get_roles(session=session, aad_object_id=turn.user_aad_id, case_id=case.id)
            if case is not None
            else await turn.roles()
        )
    if partner_role(roles) is None:
        return ActionResult(message=ONLY_PARTNERS)
    if case is None:
        return ActionResult(message=f"I can't find a case {reference}.")
    card = await turn.services.wizards[SCOPING.kind].start(turn.person(), case_id=case.id)
    return ActionResult(card=card)


@verb("scoping.begin")
async def begin_scoping(turn: Turn) -> ActionResult:
    if not turn.is_personal:
        return ActionResult(message="Scoping views are given in a 1:1 chat with me.")
    reference = reference_of(turn.data.get("case"))
    if not reference:
        return ActionResult(message="That card doesn't name a case.")
    return await _start_view(turn, reference)


@command("view", usage="view BR-2026-0007", menu=True)
async def view(turn: Turn) -> None:
    """Partners: give or revise your scoping view on a case."""
    reference = await case_asked(turn, "view", "Scoping views are given")
    if not reference:
        return
    result = await _start_view(turn, reference)
    if result.card is not None:
        await turn.send_card(result.card, summary=f"Scoping view on {reference}")
    else:
        await turn.say(result.message or "")


@command("scoping", usage="scoping BR-2026-0007")
async def scoping_command(turn: Turn) -> None:
    """Read every agency's scoping view on a case in full, with its reason."""
    reference = await case_asked(turn, "scoping", "Scoping views are read")
    if not reference:
        return
    services = turn.services
    roles = await turn.roles()
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        found, why = (
            await read_views(
                session, services.cases, case, actor=turn.user_aad_id, roles=roles, now=turn.now
            )
            if case is not None
            else ([], f"I can't find a case {reference}.")
        )
    if why:
        await turn.say(why)
    for card in found:
        await turn.send_card(card, summary=f"Scoping views on {reference}")


@command("invite", usage="invite BR-2026-0007")
async def invite_command(turn: Turn) -> None:
    """Business Unit: ask someone from another agency for a scoping view on a case."""
    reference = await case_asked(
        turn, "invite", "Other agencies are invited", allowed=BU, refused=ONLY_BUSINESS_UNIT
    )
    if not reference:
        return
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
        if case is None:
            await turn.say(f"I can't find a case {reference}.")
            return
        try:
            card = await invite_card_for(session, services.cases, case)
        except Refused as refused:
            await turn.say(str(refused))
            return
    await turn.send_card(card, summary=f"Invite another agency's view on {reference}")


@verb("scoping.invite")
async def scoping_invite(turn: Turn) -> ActionResult:
    return await press(
        turn,
        invite,
        only_in_1_to_1="Other agencies are invited in a 1:1 chat with me.",
        person=text_of(turn, "person", 64),
        agency=text_of(turn, "agency", 400),
    )


# ----- the chair's recommendation (a card in the case review channel) ------------------------


@refresh("chair.prompt")
async def chair_prompt_refresh(turn: Turn) -> ActionResult:
    """Teams refreshing the prompt for one viewer: the chair gets the live buttons, everyone
    else the status."""
    reference = reference_of(turn.data.get("case"))
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference) if reference else None
        if case is None:
            return ActionResult(unchanged=True)
        is_chair = Role.CHAIR in await turn.roles()
        card = await chair_prompt_for(session, services.cases, case, for_chair=is_chair)
    return ActionResult(card=card)


@verb("chair.recommend")
async def chair_recommend(turn: Turn) -> ActionResult:
    return await press(
        turn, recommend, outcome=text_of(turn, "outcome", 64), rationale=text_of(turn, "rationale")
    )


# ----- the Local Authority's decision (1:1) ----------------------------------------------------


@verb("la.decide")
async def la_decision(turn: Turn) -> ActionResult:
    return await press(
        turn,
        la_decide,
        only_in_1_to_1="The Local Authority's decision is made in a 1:1 chat.",
        outcome=text_of(turn, "outcome", 64),
        rationale=text_of(turn, "rationale"),
    )


@command("la decision", usage="la decision BR-2026-0007")
async def la_decision_command(turn: Turn) -> None:
    """Strategic Director, or the Business Unit for them: decide on notifying the Panel."""
    reference = await case_asked(
        turn,
        "la decision",
        "The Local Authority's decision is made",
        allowed=frozenset({Role.STRATEGIC_DIRECTOR, Role.BUSINESS_UNIT}),
        refused=f"Only the {label(Role.STRATEGIC_DIRECTOR)}, or the BDSCP Business Unit "
        "recording for them, can make this decision.",
    )
    if not reference:
        return
    roles = await turn.roles()
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
        if case is None:
            await turn.say(f"I can't find a case {reference}.")
            return
        recording_for = ""
        if Role.STRATEGIC_DIRECTOR not in roles:
            director = await director_of(session)
            if director is None:
                await turn.say(
                    "No one holds the Strategic Director's role, so there is no one to record "
                    "the decision for. Ask an administrator to assign it."
                )
                return
            recording_for = await who_is(session, director, Role.STRATEGIC_DIRECTOR)
        try:
            card = await la_card_for(session, services.cases, case, recording_for=recording_for)
        except Refused as refused:
            await turn.say(str(refused))
            return
    await turn.send_card(card, summary=f"Decision on notification: {reference}")


# ----- what next, when the Local Authority does not notify (the channel) ----------------------


@refresh("next.prompt")
async def next_step_refresh(turn: Turn) -> ActionResult:
    reference = reference_of(turn.data.get("case"))
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference) if reference else None
        if case is None:
            return ActionResult(unchanged=True)
        try:
            card = await next_step_for(
                session, services.cases, case, for_chair=Role.CHAIR in await turn.roles()
            )
        except Refused:
            return ActionResult(unchanged=True)
    return ActionResult(card=card)


@verb("next.decide")
async def next_step_decide(turn: Turn) -> ActionResult:
    return await press(
        turn,
        decide_next_step,
        outcome=text_of(turn, "outcome", 64),
        rationale=text_of(turn, "rationale"),
    )


# ----- notifications (the Business Unit's checklist, 1:1) --------------------------------------


@verb("notify.mark")
async def notify_mark(turn: Turn) -> ActionResult:
    recipient = text_of(turn, "recipient", 64)
    return await press(
        turn,
        mark_notified,
        only_in_1_to_1="Notifications are recorded in a 1:1 chat with me.",
        recipient=recipient,
        external_reference=text_of(turn, f"ref_{recipient}", 200),
    )


@command("notifications", usage="notifications BR-2026-0007")
async def notifications_command(turn: Turn) -> None:
    """Business Unit: the checklist of who the Local Authority must tell about a case."""
    reference = await case_asked(
        turn,
        "notifications",
        "Notifications are recorded",
        allowed=BU,
        refused="Only the BDSCP Business Unit records notifications.",
    )
    if not reference:
        return
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
        card = await notifications_card_for(session, services.cases, case) if case else None
    if card is None:
        await turn.say(
            f"There is nobody to tell about {reference} yet: the list comes with the Local "
            "Authority's decision."
        )
        return
    await turn.send_card(card, summary=f"Notifications: {reference}")


# ----- the rapid review decision (Day 15) ------------------------------------------------------


@command("decide", usage="decide BR-2026-0007")
async def decide(turn: Turn) -> None:
    """Business Unit: propose the rapid review decision on a local review, for the chair."""
    reference = await case_asked(
        turn,
        "decide",
        "The rapid review decision is prepared",
        allowed=BU,
        refused="Only the BDSCP Business Unit proposes the rapid review decision.",
    )
    if not reference:
        return
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
    if case is None:
        await turn.say(f"I can't find a case {reference}.")
        return
    card = await services.wizards[REVIEW.kind].start(turn.person(), case_id=case.id)
    await turn.send_card(card, summary=f"Rapid review decision: {reference}")


@refresh("review.prompt")
async def review_prompt_refresh(turn: Turn) -> ActionResult:
    reference = reference_of(turn.data.get("case"))
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference) if reference else None
        if case is None:
            return ActionResult(unchanged=True)
        card = await review_prompt_for(
            session,
            services.cases,
            case,
            for_chair=Role.CHAIR in await turn.roles(),
            today=turn.now.astimezone(services.settings.tz).date(),
        )
    return ActionResult(card=card)


async def _answer_review(turn: Turn, approve: bool) -> ActionResult:
    return await press(turn, answer_proposal, approve=approve, note=text_of(turn, "rationale"))


@verb("review.approve")
async def review_approve(turn: Turn) -> ActionResult:
    return await _answer_review(turn, approve=True)


@verb("review.reject")
async def review_reject(turn: Turn) -> ActionResult:
    return await _answer_review(turn, approve=False)


# ----- Day 20 and the Panel's answer (the Business Unit, 1:1) ---------------------------------


@command("panel", usage="panel BR-2026-0007")
async def panel(turn: Turn) -> None:
    """Business Unit: record the report sent to the Panel (Day 20) and the Panel's response."""
    reference = await case_asked(
        turn,
        "panel",
        "The Panel's steps are recorded",
        allowed=BU,
        refused="Only the BDSCP Business Unit records the Panel's steps.",
    )
    if not reference:
        return
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
        card = await panel_card_for(session, services.cases, case) if case else None
    if card is None:
        await turn.say(f"I can't find a case {reference}.")
        return
    await turn.send_card(card, summary=f"The Panel: {reference}")


@verb("panel.record")
async def panel_record(turn: Turn) -> ActionResult:
    return await press(
        turn,
        record_panel_step,
        only_in_1_to_1="The Panel's steps are recorded in a 1:1 chat with me.",
        what=text_of(turn, "what", 64),
        note=text_of(turn, "note", 2000),
    )
