"""Commands about an existing case (the business unit's corrections)."""

from __future__ import annotations

import logging
import re

from bot.routes import command
from bot.turn import Turn
from cards.common import day
from flows.addinfo import may_add_information
from flows.cases import correct_awareness_date
from flows.queries import STAFF
from storage import cases
from storage.db import transaction
from workflow.addinfo import ADD_INFO
from workflow.corrections import InvalidCorrection
from workflow.forms import parse_date

log = logging.getLogger(__name__)

REFERENCE = re.compile(r"^BR-\d{4}-\d{4,6}$", re.IGNORECASE)  # a busy year passes 9999
USAGE = (
    "Type **correct awareness**, the case reference, the date the agency became aware "
    "(YYYY-MM-DD) and why, for example: **correct awareness BR-2026-0007 2026-11-24 the "
    "police learned of it on Tuesday**."
)
# What the business unit is told moved, in the timetable's order.
SHOWN_DUE = (
    ("la_decision", "the Local Authority's decision"),
    ("rapid_review_meeting", "the rapid review meeting"),
)


@command(
    "correct awareness",
    usage="correct awareness BR-2026-0007 2026-11-24 reason",
)
async def correct_awareness(turn: Turn) -> None:
    """Business Unit: correct when the agency became aware of an incident (Day 1)."""
    if not turn.is_personal:
        await turn.say("Corrections are made in a 1:1 chat with me, not here.")
        return
    parts = turn.args.split(maxsplit=2)
    if len(parts) < 3 or not REFERENCE.match(parts[0]):
        await turn.say(USAGE)
        return
    reference, when, reason = parts[0].upper(), parse_date(parts[1]), parts[2]
    if when is None:
        await turn.say(f"{parts[1][:20]!r} isn't a date I can read. {USAGE}")
        return
    services = turn.services
    roles = await turn.roles()
    try:
        async with transaction(services.sessions) as session:
            done = await correct_awareness_date(
                session,
                services.cases,
                reference=reference,
                on=when,
                reason=reason,
                actor_aad_id=turn.user_aad_id,
                roles=roles,
                now=turn.now,
            )
    except InvalidCorrection as refused:
        await turn.say(str(refused))
        return
    log.info("awareness corrected", extra={"case": done.reference})
    moved = "; ".join(
        f"{what} is due {day(done.due[key])}" for key, what in SHOWN_DUE if key in done.due
    )
    await turn.say(
        f"{done.reference}: the agency became aware on **{day(done.now)}** (it was recorded "
        f"as {day(done.was)}), so Day 1 is **{day(done.day_one)}**. Every deadline has been "
        f"worked out again: {moved}. The case review channel's card is being updated."
    )


@command("add info", usage="add info BR-2026-0007", menu=True)
async def add_info(turn: Turn) -> None:
    """Add information to a referral you made (the Business Unit: to any referral)."""
    if not turn.is_personal:
        await turn.say("Information is added in a 1:1 chat with me, never here.")
        return
    reference = turn.args.strip().upper()
    if not REFERENCE.match(reference):
        await turn.say("Type **add info** and the case reference, for example **add info "
                       "BR-2026-0007**.")  # fmt: skip
        return
    services = turn.services
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
    if case is None:
        await turn.say(f"I can't find a case {reference}.")
        return
    roles = await turn.roles()
    if not may_add_information(case, turn.user_aad_id, roles):
        if not STAFF & roles:  # no hint that someone else's case exists
            await turn.say(f"I can't find a case {reference}.")
            return
        await turn.say(
            f"Only the person who referred {reference}, or the BDSCP Business Unit, can add "
            "information to it. Tell the Business Unit what you know."
        )
        return
    wizard = services.wizards[ADD_INFO.kind]
    card = await wizard.start(turn.person(), case_id=case.id)
    await turn.send_card(card, summary=f"More information for {reference}")
