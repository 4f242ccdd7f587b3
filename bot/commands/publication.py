"""The publication timetable in 1:1 chat (the Business Unit): ``publication BR-...`` shows it,
``publication BR-... YYYY-MM-DD`` plans the date, ``report sent BR-... YYYY-MM-DD [reason]``
records the final report going to the Panel, the Secretary of State and Ofsted."""

from __future__ import annotations

from bot.commands import COMMANDS
from bot.commands.common import BU, reference_of
from bot.turn import Turn
from flows.forms import Refused
from flows.publication import dates_of, describe, plan_publication, report_sent
from storage import cases
from storage.db import transaction
from workflow.forms import parse_date


def _parts(turn: Turn) -> tuple[str, str, str]:
    words = turn.args.split(maxsplit=2)
    reference = reference_of(words[0]) if words else ""
    when = words[1] if len(words) > 1 else ""
    rest = words[2] if len(words) > 2 else ""
    return reference, when, rest


@COMMANDS.command("publication", usage="publication BR-2026-0007 [YYYY-MM-DD]", who=BU, menu=False)
async def publication_command(turn: Turn) -> None:
    """A local review's publication dates; with a date, plan the publication for it."""
    reference, when, _ = _parts(turn)
    if not reference:
        await turn.say(
            "Type **publication** and the case reference, and the planned date to plan it: "
            "**publication BR-2026-0007 2027-05-28**."
        )
        return
    on = parse_date(when) if when else None
    if when and on is None:
        await turn.say(f"{when} isn't a date: write it as YYYY-MM-DD, for example 2027-05-28.")
        return
    services = turn.services
    try:
        async with transaction(services.sessions) as session:
            case = await cases.lock_case(session=session, reference=reference)
            if case is None:
                await turn.say(f"I can't find a case {reference}.")
                return
            if on is None:
                message = f"{reference}: " + describe(dates_of(services.cases, case))
            else:
                message = await plan_publication(
                    session, services.cases, case, on=on, actor=turn.user_aad_id, now=turn.now
                )
    except Refused as refused:
        message = str(refused)
    await turn.say(message)


@COMMANDS.command(
    "report sent", usage="report sent BR-2026-0007 YYYY-MM-DD [reason if late]", who=BU
)
async def report_sent_command(turn: Turn) -> None:
    """Record the final report going to the Panel, the Secretary of State and Ofsted."""
    reference, when, reason = _parts(turn)
    on = parse_date(when)
    if not reference or on is None:
        await turn.say(
            "Type **report sent**, the case reference and the date it went, and why if it went "
            "late: **report sent BR-2026-0007 2027-05-18**."
        )
        return
    services = turn.services
    try:
        async with transaction(services.sessions) as session:
            case = await cases.lock_case(session=session, reference=reference)
            if case is None:
                await turn.say(f"I can't find a case {reference}.")
                return
            message = await report_sent(
                session,
                services.cases,
                case,
                on=on,
                reason=reason,
                actor=turn.user_aad_id,
                now=turn.now,
            )
    except Refused as refused:
        message = str(refused)
    await turn.say(message)
