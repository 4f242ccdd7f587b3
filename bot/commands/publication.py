"""The months after the rapid review, in 1:1 chat. The publication timetable (the Business
Unit): ``publication BR-...`` shows it, ``publication BR-... YYYY-MM-DD`` plans the date,
``report sent BR-... YYYY-MM-DD [reason]`` records the final report going to the Panel, the
Secretary of State and Ofsted. Closing a case (the chair): ``close BR-... reason``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import COMMANDS
from bot.commands.common import BU, reference_of
from bot.turn import Turn
from flows.closure import close_case
from flows.forms import Refused
from flows.publication import dates_of, describe, plan_publication, report_sent
from storage import cases
from storage.db import transaction
from storage.models import Case
from workflow.forms import parse_date
from workflow.roles import Role


async def _in_case(
    turn: Turn, reference: str, work: Callable[[AsyncSession, Case], Awaitable[str]]
) -> None:
    """``work`` on the case, locked, in one transaction; its answer, or why not, said."""
    try:
        async with transaction(turn.services.sessions) as session:
            case = await cases.lock_case(session=session, reference=reference)
            message = (
                f"I can't find a case {reference}." if case is None else await work(session, case)
            )
    except Refused as refused:
        message = str(refused)
    await turn.say(message)


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
    context = turn.services.cases

    async def work(session: AsyncSession, case: Case) -> str:
        if on is None:
            return f"{reference}: " + describe(dates_of(context, case))
        return await plan_publication(
            session, context, case, on=on, actor=turn.user_aad_id, now=turn.now
        )

    await _in_case(turn, reference, work)


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
    context = turn.services.cases

    async def work(session: AsyncSession, case: Case) -> str:
        assert on is not None
        return await report_sent(
            session, context, case, on=on, reason=reason, actor=turn.user_aad_id, now=turn.now
        )

    await _in_case(turn, reference, work)


@COMMANDS.command("close", usage="close BR-2026-0007 reason", who=frozenset({Role.CHAIR}))
async def close_command(turn: Turn) -> None:
    """Close a case once every milestone and action is done, with the reason (the chair)."""
    reference, _, reason = turn.args.partition(" ")
    reference = reference_of(reference)
    if not reference:
        await turn.say(
            "Type **close**, the case reference and the reason, for example **close "
            "BR-2026-0007 Every action is complete and the learning shared.**"
        )
        return
    roles = await turn.roles()
    try:
        async with transaction(turn.services.sessions) as session:
            message = await close_case(
                session,
                turn.services.cases,
                reference=reference,
                reason=reason,
                actor=turn.user_aad_id,
                roles=roles,
                now=turn.now,
            )
    except Refused as refused:
        message = str(refused)
    await turn.say(message)
