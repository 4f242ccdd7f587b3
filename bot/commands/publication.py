"""The months after the rapid review, in 1:1 chat. The publication timetable (the Business
Unit): ``publication BR-...`` shows it, ``publication BR-... YYYY-MM-DD`` plans the date,
``report sent BR-... YYYY-MM-DD [reason]`` records the final report going to the Panel, the
Secretary of State and Ofsted. Closing a case (the chair): ``close BR-... reason``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import ActionResult
from bot.commands.common import case_asked, press, reference_of, text_of
from bot.routes import command, verb
from bot.turn import Turn
from flows.actions import READERS
from flows.closure import close_case, close_item
from flows.forms import Refused
from flows.lcspr import review_card_for
from flows.lcspr_delay import answer_delay
from flows.lcspr_record import NO_REVIEW, has_local_review
from flows.lcspr_steps import not_in_full, panel_told, published, signed_off
from flows.publication import dates_of, describe, plan_publication, report_sent
from storage import cases
from storage.audit import append_audit
from storage.db import transaction
from storage.models import Case
from workflow.forms import FormSpec, parse_date
from workflow.lcspr import COMMISSIONING, COMMS_PLAN, DELAY


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


DatedStep = Callable[[AsyncSession, Case, date, str], Awaitable[str]]


async def _dated(turn: Turn, how: str, step: DatedStep) -> None:
    """A command of a reference, a date and maybe more words: ``step`` run on the locked case
    with the date and the rest; ``how`` said when the reference or the date is missing."""
    reference, when, rest = _parts(turn)
    on = parse_date(when)
    if not reference or on is None:
        await turn.say(how)
        return
    day: date = on

    async def work(session: AsyncSession, case: Case) -> str:
        return await step(session, case, day, rest)

    await _in_case(turn, reference, work)


def _parts(turn: Turn) -> tuple[str, str, str]:
    words = turn.args.split(maxsplit=2)
    reference = reference_of(words[0]) if words else ""
    when = words[1] if len(words) > 1 else ""
    rest = words[2] if len(words) > 2 else ""
    return reference, when, rest


@command("publication", usage="publication BR-2026-0007 [YYYY-MM-DD]", menu=False)
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
            if not await has_local_review(session, case):
                return NO_REVIEW.format(reference=reference)
            return f"{reference}: " + describe(await dates_of(session, context, case))
        return await plan_publication(
            session, context, case, on=on, actor=turn.user_aad_id, now=turn.now
        )

    await _in_case(turn, reference, work)


@command("report sent", usage="report sent BR-2026-0007 YYYY-MM-DD [reason if late]")
async def report_sent_command(turn: Turn) -> None:
    """Record the final report going to the Panel, the Secretary of State and Ofsted."""
    context = turn.services.cases
    await _dated(
        turn,
        "Type **report sent**, the case reference and the date it went, and why if it went "
        "late: **report sent BR-2026-0007 2027-05-18**.",
        lambda session, case, on, reason: report_sent(
            session, context, case, on=on, reason=reason, actor=turn.user_aad_id, now=turn.now
        ),
    )


@command(
    "close",
    usage="close BR-2026-0007 reason | close BR-2026-0007 milestone 13 reason | "
    "close BR-2026-0007 action 2 reason",
)
async def close_command(turn: Turn) -> None:
    """Close a case once every milestone and action is done, with the reason; or formally
    close one milestone or action that needn't be done (the chair)."""
    reference, _, rest = turn.args.partition(" ")
    reference = reference_of(reference)
    if not reference:
        await turn.say(
            "Type **close**, the case reference and the reason, for example **close "
            "BR-2026-0007 Every action is complete and the learning shared.** To close one "
            "milestone or action that needn't be done: **close BR-2026-0007 milestone 13 "
            "reason** or **close BR-2026-0007 action 2 reason**."
        )
        return
    words = rest.split(maxsplit=2)
    item = words[0].lower() if words else ""
    roles = await turn.roles()
    try:
        async with transaction(turn.services.sessions) as session:
            if item in ("milestone", "action") and len(words) > 1 and words[1].isdigit():
                message = await close_item(
                    session,
                    turn.services.cases,
                    reference=reference,
                    item=item,
                    number=int(words[1]),
                    reason=words[2] if len(words) > 2 else "",
                    actor=turn.user_aad_id,
                    roles=roles,
                    now=turn.now,
                )
            else:
                message = await close_case(
                    session,
                    turn.services.cases,
                    reference=reference,
                    reason=rest,
                    actor=turn.user_aad_id,
                    roles=roles,
                    now=turn.now,
                )
    except Refused as refused:
        message = str(refused)
    await turn.say(message)


# ----- the local review's record: commissioning, delays, sign-off, publication --------------


@command("review", usage="review BR-2026-0007")
async def review_command(turn: Turn) -> None:
    """A local review's record: who was told, the reviewer, delays, sign-off, publication."""
    reference = reference_of(turn.args)
    if not reference:
        await turn.say("Type **review** and the case reference: **review BR-2026-0007**.")
        return
    roles = await turn.roles()
    words = turn.is_personal and bool(READERS & roles)
    async with transaction(turn.services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        if case is None:
            await turn.say(f"I can't find a case {reference}.")
            return
        card = await review_card_for(session, turn.services.cases, case, words=words)
        if words:
            await append_audit(
                session=session,
                now=turn.now,
                actor_aad_id=turn.user_aad_id,
                actor_role=next(iter(sorted(READERS & roles))),
                action="review.viewed",
                case_ref=reference,
                details={},
            )
    await turn.send_card(card, summary=f"Local review: {reference}")


async def _form(turn: Turn, spec: FormSpec, where: str) -> None:
    reference = await case_asked(turn, spec.command, where)
    if not reference:
        return
    async with turn.services.sessions() as session:
        case = await cases.get_case(session=session, reference=reference)
        under_way = case is not None and await has_local_review(session, case)
    if case is None:
        await turn.say(f"I can't find a case {reference}.")
        return
    if not under_way:
        await turn.say(NO_REVIEW.format(reference=reference))
        return
    card = await turn.services.wizards[spec.kind].start(turn.person(), case_id=case.id)
    await turn.send_card(card, summary=f"{spec.title}: {reference}")


@command("commission", usage="commission BR-2026-0007")
async def commission_command(turn: Turn) -> None:
    """Record a local review's commissioning: who was told, the reviewer, the methodology."""
    await _form(turn, COMMISSIONING, "Commissioning is recorded")


@command("delay", usage="delay BR-2026-0007")
async def delay_command(turn: Turn) -> None:
    """Ask the chair to approve a later publication date, with the reason."""
    await _form(turn, DELAY, "Delays are asked for")


@command("comms", usage="comms BR-2026-0007")
async def comms_command(turn: Turn) -> None:
    """Tick off the communication plan for publication."""
    await _form(turn, COMMS_PLAN, "The communication plan is recorded")


@command("signed off", usage="signed off BR-2026-0007 YYYY-MM-DD")
async def signed_off_command(turn: Turn) -> None:
    """Record the Partnership Group's sign-off of the final report."""
    context = turn.services.cases
    await _dated(
        turn,
        "Type **signed off**, the case reference and the day the Partnership Group signed the "
        "final report off: **signed off BR-2026-0007 2027-05-10**.",
        lambda session, case, on, _: signed_off(
            session, context, case, on=on, actor=turn.user_aad_id, now=turn.now
        ),
    )


@command("published", usage="published BR-2026-0007 YYYY-MM-DD https://...")
async def published_command(turn: Turn) -> None:
    """Record the report's publication, with its date and link."""
    context = turn.services.cases
    await _dated(
        turn,
        "Type **published**, the case reference, the day and the link: **published "
        "BR-2026-0007 2027-05-21 https://bdscp.org.uk/reviews/...**.",
        lambda session, case, on, link: published(
            session, context, case, on=on, link=link.strip(), actor=turn.user_aad_id, now=turn.now
        ),
    )


@command("panel told", usage="panel told BR-2026-0007 YYYY-MM-DD")
async def panel_told_command(turn: Turn) -> None:
    """Record the day the Panel and the Secretary of State were told why (a delay, or not
    publishing in full)."""
    context = turn.services.cases
    await _dated(
        turn,
        "Type **panel told**, the case reference and the day the Panel and the Secretary of "
        "State were told the reasons: **panel told BR-2026-0007 2027-03-02**.",
        lambda session, case, on, _: panel_told(
            session, context, case, on=on, actor=turn.user_aad_id, now=turn.now
        ),
    )


@command("not in full", usage="not in full BR-2026-0007 justification")
async def not_in_full_command(turn: Turn) -> None:
    """Record the decision not to publish the full report, with its justification."""
    reference, _, justification = turn.args.partition(" ")
    reference = reference_of(reference)
    if not reference:
        await turn.say(
            "Type **not in full**, the case reference and the justification: **not in full "
            "BR-2026-0007 Publishing in full would identify the surviving children.**"
        )
        return
    context = turn.services.cases
    roles = await turn.roles()

    async def work(session: AsyncSession, case: Case) -> str:
        return await not_in_full(
            session,
            context,
            case,
            justification=justification,
            actor=turn.user_aad_id,
            roles=roles,
            now=turn.now,
        )

    await _in_case(turn, reference, work)


async def _answer_delay(turn: Turn, approve: bool) -> ActionResult:
    request = str(turn.data.get("request", ""))
    if not request.isdigit():
        return ActionResult(message="That card doesn't name a delay.")
    return await press(
        turn,
        answer_delay,
        only_in_1_to_1="A delay is approved in a 1:1 chat with me.",
        request=int(request),
        approve=approve,
        note=text_of(turn, "rationale"),
    )


@verb("delay.approve")
async def delay_approve(turn: Turn) -> ActionResult:
    return await _answer_delay(turn, True)


@verb("delay.refuse")
async def delay_refuse(turn: Turn) -> ActionResult:
    return await _answer_delay(turn, False)
