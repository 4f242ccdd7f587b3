"""Information gathering: the commands and card actions that reach flows/igt.py. ``igt
BR-...`` opens the person's own form when they were asked for one, and otherwise the Business
Unit's sending card; ``returns`` and ``chronology`` read what came back. Every press is checked
on the server: who may see which case and which return, whatever the card says."""

from __future__ import annotations

import logging

from bot.actions import ActionResult
from bot.commands.common import case_asked, press, reference_of, text_of
from bot.routes import command, verb
from bot.turn import Turn
from flows import igt as flow
from flows import igt_returns as returns
from flows.common import Reason, refuse
from flows.forms import Refused
from flows.queries import STAFF
from storage import cases
from storage.db import transaction
from workflow.igt import IGT
from workflow.roles import Role

log = logging.getLogger(__name__)

ONLY_1_TO_1 = "The Information Gathering Tool is used in a 1:1 chat with me."


async def _open(turn: Turn, reference: str) -> ActionResult:
    """The respondent's form for ``reference`` (marked opened), the Business Unit's sending
    card, or a refusal (audited)."""
    services = turn.services
    roles = await turn.roles()
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        if case is None:
            return ActionResult(message=f"I can't find a case {reference}.")
        request = await returns.request_of(session, case, turn.user_aad_id)
        if request is not None:
            await returns.opened(session, case, request, turn.now)
        elif Role.BUSINESS_UNIT in roles:
            try:
                card = await flow.sending_card_for(session, services.cases, case, turn.now)
            except Refused as refused:
                return ActionResult(message=str(refused))
            return ActionResult(card=card)
        else:
            await refuse(
                session, case, turn.user_aad_id, "igt_open", Reason.NOT_ASKED, turn.now, roles=roles
            )
            # Staff may know the case; anyone else is told no more than for no case at all.
            return ActionResult(
                message=flow.NOT_ASKED if STAFF & roles else f"I can't find a case {reference}."
            )
    card = await services.wizards[IGT.kind].start(turn.person(), case_id=case.id)
    return ActionResult(card=card)


@command("igt", usage="igt BR-2026-0007", menu=True)
async def igt_command(turn: Turn) -> None:
    """Your Information Gathering Tool on a case; for the Business Unit, who has been asked
    and where each stands, and asking someone more."""
    reference = await case_asked(turn, "igt", "The Information Gathering Tool is used")
    if not reference:
        return
    result = await _open(turn, reference)
    if result.card is not None:
        await turn.send_card(result.card, summary=f"Information Gathering Tool: {reference}")
    else:
        await turn.say(result.message or "")


@verb("igt.begin")
async def igt_begin(turn: Turn) -> ActionResult:
    if not turn.is_personal:
        return ActionResult(message=ONLY_1_TO_1)
    reference = reference_of(turn.data.get("case"))
    if not reference:
        return ActionResult(message="That card doesn't name a case.")
    return await _open(turn, reference)


@verb("igt.send")
async def igt_send(turn: Turn) -> ActionResult:
    pick = text_of(turn, "pick", 32)
    person = text_of(turn, pick if pick.startswith("person_") else "person", 64)
    return await press(
        turn,
        flow.send,
        only_in_1_to_1=ONLY_1_TO_1,
        person=person,
        agency=text_of(turn, "other_agency", 400).strip() or text_of(turn, "agency", 400),
        due=text_of(turn, "due", 32),
    )


@verb("igt.none")
async def igt_none(turn: Turn) -> ActionResult:
    return await press(
        turn,
        returns.no_involvement,
        only_in_1_to_1=ONLY_1_TO_1,
        reason=text_of(turn, "reason", 2000),
    )


async def _send_all(turn: Turn, found: list[dict[str, object]], summary: str) -> None:
    for card in found:
        await turn.send_card(dict(card), summary=summary)


@verb("igt.read")
async def igt_read(turn: Turn) -> ActionResult:
    """Read one agency's return: sent as new messages, the pressed card left as it is."""
    if not turn.is_personal:
        return ActionResult(message=ONLY_1_TO_1)
    reference = reference_of(turn.data.get("case"))
    try:
        request_id = int(str(turn.data.get("request") or ""))
    except ValueError:
        request_id = 0
    if not reference or not request_id:
        return ActionResult(message="That card doesn't name a return.")
    services = turn.services
    roles = await turn.roles()
    async with transaction(services.sessions) as session:
        found, why = await returns.read_return(
            session,
            services.cases,
            reference=reference,
            request_id=request_id,
            actor=turn.user_aad_id,
            roles=roles,
            now=turn.now,
        )
    if why:
        return ActionResult(message=why)
    await _send_all(turn, list(found), f"Information Gathering Tool: {reference}")
    return ActionResult(message="The return is below.")


@command("returns", usage="returns BR-2026-0007")
async def returns_command(turn: Turn) -> None:
    """The Information Gathering Tools on a case: who was asked, where each stands, and each
    return to read."""
    reference = await case_asked(turn, "returns", "Returns are read")
    if not reference:
        return
    services = turn.services
    roles = await turn.roles()
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        if case is None:
            message = f"I can't find a case {reference}."
        elif flow.READERS & roles:
            message = ""
            card = await flow.tracking_card_for(session, services.cases, case, turn.now, roles)
        else:
            request = await returns.request_of(session, case, turn.user_aad_id)
            if request is None:
                await refuse(
                    session,
                    case,
                    turn.user_aad_id,
                    "igt_returns",
                    Reason.NOT_A_READER,
                    turn.now,
                    roles=roles,
                )
                message = (
                    flow.NOT_A_READER if STAFF & roles else f"I can't find a case {reference}."
                )
            else:
                message = ""
                card = await flow.tracking_card_for(
                    session, services.cases, case, turn.now, roles, only=request
                )
    if message:
        await turn.say(message)
        return
    await turn.send_card(card, summary=f"Information Gathering Tools: {reference}")


@command("chronology", usage="chronology BR-2026-0007")
async def chronology_command(turn: Turn) -> None:
    """Every agency's returned chronology in one list, by date and time."""
    reference = await case_asked(turn, "chronology", "The chronology is read")
    if not reference:
        return
    await _chronology(turn, reference, 0, command=True)


@verb("chronology.page")
async def chronology_page(turn: Turn) -> ActionResult:
    if not turn.is_personal:
        return ActionResult(message="The chronology is read in a 1:1 chat with me.")
    reference = reference_of(turn.data.get("case"))
    try:
        page = int(str(turn.data.get("page") or 0))
    except ValueError:
        page = 0
    if not reference:
        return ActionResult(message="That card doesn't name a case.")
    return await _chronology(turn, reference, page)


async def _chronology(
    turn: Turn, reference: str, page: int, *, command: bool = False
) -> ActionResult:
    services = turn.services
    roles = await turn.roles()
    async with transaction(services.sessions) as session:
        card, why = await returns.chronology_for(
            session,
            services.cases,
            reference=reference,
            page=page,
            actor=turn.user_aad_id,
            roles=roles,
            now=turn.now,
        )
    if command:
        if card is not None:
            await turn.send_card(card, summary=f"Chronology: {reference}")
        else:
            await turn.say(why)
    return ActionResult(card=card, message=why or None)
