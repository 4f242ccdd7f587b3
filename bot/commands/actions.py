"""Action plans: ``actions BR-...`` (a case's plan), ``actions overdue`` (across cases),
``action add BR-...`` (the Business Unit) and ``action update BR-...`` (an action's owner or
the Business Unit), the last two through forms on the form engine."""

from __future__ import annotations

from typing import Any

from bot.actions import ActionResult
from bot.commands.common import BU, case_asked, reference_of
from bot.routes import command, verb
from bot.turn import Turn
from cards.actions import overdue_actions_card
from flows.actions import names_of, plan_card
from flows.queries import STAFF
from storage import actions, cases
from storage.db import transaction
from workflow.actions import ACTION_ADD, ACTION_UPDATE, STATUSES


@command("actions", usage="actions BR-2026-0007 | actions overdue")
async def actions_command(turn: Turn) -> None:
    """A case's action plan, or every overdue action (`actions overdue`)."""
    services = turn.services
    roles = await turn.roles()
    if turn.args.strip().lower() == "overdue":
        if not STAFF & roles:
            await turn.say("The overdue actions across cases are for the partnership's staff.")
            return
        today = turn.now.astimezone(services.settings.tz).date()
        async with services.sessions() as session:
            late = await actions.overdue_actions(session=session, today=today)
            names = await names_of(session, {a.owner_aad_id for a in late})
        card = overdue_actions_card(title="Overdue actions", actions=late, names=names, today=today)
        await turn.send_card(card, summary="Overdue actions")
        return
    reference = reference_of(turn.args)
    if not reference:
        await turn.say(
            "Type **actions** and the case reference, for example **actions BR-2026-0007**, "
            "or **actions overdue**."
        )
        return
    plan = await _plan(turn, reference, 0)
    if plan is None:
        await turn.say(f"I can't find a case {reference}.")
        return
    await turn.send_card(plan, summary=f"Action plan: {reference}")


async def _plan(turn: Turn, reference: str, start: int) -> dict[str, Any] | None:
    """The plan's page from ``start`` as this person may see it, or None (no such case, or
    not theirs to see)."""
    services = turn.services
    roles = await turn.roles()
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        if case is None or not (
            STAFF & roles
            or await actions.owns_any(session=session, case=case, aad=turn.user_aad_id)
        ):
            return None
        return await plan_card(
            session,
            services.cases,
            case,
            viewer=turn.user_aad_id,
            roles=roles,
            personal=turn.is_personal,
            now=turn.now,
            start=start,
        )


@verb("actions.page")
async def actions_page(turn: Turn) -> ActionResult:
    """Another page of a long plan: checked again, whatever the card says."""
    reference = reference_of(turn.data.get("case"))
    start = str(turn.data.get("start", ""))
    card = await _plan(turn, reference, int(start)) if reference and start.isdigit() else None
    if card is None:
        return ActionResult(message=f"I can't find a case {reference or 'on that card'}.")
    return ActionResult(card=card)


async def _start(
    turn: Turn, command: str, spec_kind: str, reference: str, known: dict[str, Any] | None = None
) -> None:
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
    if case is None:
        await turn.say(f"I can't find a case {reference}.")
        return
    card = await services.wizards[spec_kind].start(turn.person(), case_id=case.id, known=known)
    await turn.send_card(card, summary=f"{command.capitalize()}: {reference}")


@command("action add", usage="action add BR-2026-0007")
async def action_add(turn: Turn) -> None:
    """Add an action to a case's plan: what, its owner and agency, when it's due."""
    reference = await case_asked(turn, "action add", "Actions are added")
    if reference:
        await _start(turn, "action add", ACTION_ADD.kind, reference)


@command("action update", usage="action update BR-2026-0007 [action number]")
async def action_update(turn: Turn) -> None:
    """Record where an action stands (its owner, or the Business Unit); with its number, the
    form opens with the action as it stands."""
    reference = await case_asked(turn, "action update", "Actions are updated")
    if not reference:
        return
    words = turn.args.split()
    number = words[1] if len(words) > 1 and words[1].isdigit() else ""
    is_bu = bool(BU & await turn.roles())
    known: dict[str, Any] | None = None
    async with transaction(turn.services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        owns = case is not None and await actions.owns_any(
            session=session, case=case, aad=turn.user_aad_id
        )
        if case is not None and number and (owns or is_bu):
            action = await actions.get_action(session=session, case=case, number=int(number))
            if action is None or not (is_bu or action.owner_aad_id == turn.user_aad_id):
                await turn.say(
                    f"{reference} has no action {number} of yours. Type **actions {reference}** "
                    "to see the plan."
                )
                return
            view = next(
                a
                for a in await actions.list_actions(
                    session=session, master=turn.services.cases.cipher, case=case
                )
                if a.number == action.number
            )
            known = {
                "update": {
                    "number": str(view.number),
                    "status": view.status if view.status in dict(STATUSES) else "",
                    "rag": view.rag,
                    "due": view.due.isoformat(),
                    "outcome": view.outcome,
                }
            }
    if case is None or not (owns or is_bu):
        await turn.say(
            f"I can't find an action of yours on {reference}. Only an action's owner, or the "
            "BDSCP Business Unit, updates it."
        )
        return
    await _start(turn, "action update", ACTION_UPDATE.kind, reference, known)
