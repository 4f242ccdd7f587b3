"""Information gathering, the Business Unit's side: where each request stands, and sending the
Information Gathering Tool to agencies (each person asked holds the respondent's role for
that case only). The respondent's side and the reading of returns are in
``flows.igt_returns``. Each step one flow, in the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import igt as cards
from cards.reminders import Reminder
from flows.case_card import refresh_case_card, request_states
from flows.common import Answer, lock_as
from flows.context import CaseContext
from flows.invitations import who_and_agency
from flows.nudge import Outgoing, Today, each, named
from storage import cases, outbox, people, requests
from storage.audit import append_audit
from storage.conditions import UNANSWERED_IGT, qualified
from storage.milestones import anchors_of, complete_milestone, recompute_milestones
from storage.models import Case, CaseRequest
from storage.referrals import read_referral
from workflow import authorisation, nudges
from workflow import igt as rules
from workflow.forms import parse_date
from workflow.referral import REFERRAL
from workflow.roles import Role
from workflow.stages import Event, InvalidTransition, Stage, advance
from workflow.timetable import due_dates, project

log = logging.getLogger(__name__)

PURPOSE = "igt"
READERS = authorisation.IGT_READERS
ONLY_BUSINESS_UNIT = "Only the BDSCP Business Unit sends the Information Gathering Tool."
NOT_A_READER = (
    "Only the BDSCP Business Unit, the Case Review Sub-group chair and the partner "
    "representatives read the Information Gathering Tool returns; a respondent reads their own."
)
NOT_ASKED = "You haven't been asked for an Information Gathering Tool on that case."


def moved_on(case: Case) -> str:
    return (
        f"{case.reference} is not at the rapid review now, so Information Gathering Tools "
        "can't be sent or returned."
    )


def allowed(case: Case, event: Event, roles: frozenset[str]) -> bool:
    try:
        advance(Stage(case.stage), event, roles)
    except InvalidTransition:
        return False
    return True


# ----- where things stand -------------------------------------------------------------------


async def asked_on(
    session: AsyncSession, context: CaseContext, case: Case, today: date
) -> list[cards.Asked]:
    """Every request on the case, with its state as people see it."""
    found = []
    for row, state in await request_states(session, case, today):
        person = await people.get_person(session=session, aad_object_id=row.aad_object_id)
        found.append(
            cards.Asked(
                id=row.id,
                name=person.name if person is not None and person.name else "Someone",
                agency=row.agency,
                due=row.due_date,
                state=state,
                answered=state in rules.ANSWERED,
            )
        )
    return found


def local_day(context: CaseContext, now: datetime) -> date:
    return now.astimezone(context.timezone).date()


async def default_due(session: AsyncSession, context: CaseContext, case: Case, today: date) -> date:
    """The timetable's date for the returns (Day 12: six working days after the tools go out,
    Day 6, unless they went out on another day), or, once that has passed, two working days
    from today."""
    timetable = context.timetable
    due = due_dates(timetable, project(timetable, anchors_of(case))).get("igt_returns")
    if due is not None and due >= today:
        return due
    return timetable.calendar().add_working_days(today, 2)


async def _offered(session: AsyncSession, context: CaseContext, case: Case) -> list[str]:
    """Agencies to offer: named in the referral (the referrer's and the other agencies) and
    in the returns, not yet asked."""
    referral = await read_referral(session=session, master=context.cipher, case=case)
    form = REFERRAL.current(dict(referral.form))
    named = [case.referring_agency]
    named += [str(r.get("agency") or "") for r in form.get("agencies") or []]
    for ret in (
        await requests.latest_returns(session=session, master=context.cipher, case=case)
    ).values():
        if ret.kind == "return":
            named += rules.named_agencies(ret.form)
    asked = {
        r.agency.strip().lower()
        for r in await requests.list_requests(session=session, case=case, purpose=PURPOSE)
    }
    seen: dict[str, str] = {}
    for name in named:
        key = " ".join(name.split()).lower()
        if key and key not in asked:
            seen.setdefault(key, " ".join(name.split()))
    return list(seen.values())


async def sending_card_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    now: datetime,
    *,
    error: str = "",
    done: str = "",
    chosen: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    today = local_day(context, now)
    asked = await asked_on(session, context, case, today)
    return cards.sending_card(
        reference=case.reference,
        counts=rules.count(a.state for a in asked).text,
        asked=asked,
        offered=await _offered(session, context, case),
        people=[(p.aad_object_id, p.name) for p in await people.list_people(session=session)],
        default_due=await default_due(session, context, case, today),
        error=error,
        done=done,
        chosen=chosen,
    )


async def tracking_card_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    now: datetime,
    roles: frozenset[str],
    only: CaseRequest | None = None,
) -> dict[str, Any]:
    """Where the requests stand: the Business Unit's sending card; for the chair and the
    partners, the list with each return to read; for a respondent (``only``), their own."""
    if only is None and Role.BUSINESS_UNIT in roles:
        return await sending_card_for(session, context, case, now)
    asked = await asked_on(session, context, case, local_day(context, now))
    if only is not None:
        asked = [a for a in asked if a.id == only.id]
    return cards.tracking_card(
        reference=case.reference, counts=rules.count(a.state for a in asked).text, asked=asked
    )


# ----- sending --------------------------------------------------------------------------------


async def send(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    person: str,
    agency: str,
    due: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """Ask ``person`` (an Entra id from the card, checked here) from ``agency`` for the form,
    due by ``due``: the request stored, the form sent to them 1:1."""
    locked = await lock_as(
        session,
        reference,
        Role.BUSINESS_UNIT,
        what="igt_sent",
        actor=actor,
        roles=roles,
        now=now,
        refusal=ONLY_BUSINESS_UNIT,
    )
    if not isinstance(locked, Case):
        return locked  # no such case, or the refusal (audited, not rolled back)
    case = locked
    if not allowed(case, Event.IGT_SENT, roles):
        return Answer(None, False, moved_on(case))
    agency = " ".join(agency.split())
    chosen = {"person": person, "agency": agency, "due": due}

    async def again(error: str) -> Answer:
        card = await sending_card_for(session, context, case, now, error=error, chosen=chosen)
        return Answer(card, False)

    today = local_day(context, now)
    invitee, problem = await who_and_agency(session, person, agency, "ask")
    if invitee is None or problem:
        return await again(problem)
    due_on = parse_date(due)
    if due_on is None:
        return await again("Give the date to return it by, like 2026-12-10.")
    if due_on < today:
        return await again("The date to return it by can't be in the past.")
    request, new = await requests.add_request(
        session=session,
        case=case,
        purpose=PURPOSE,
        aad_object_id=person,
        agency=agency,
        requested_by=actor,
        now=now,
        due_date=due_on,
    )
    if not new:
        return await again(f"{invitee.name} was asked already, for {request.agency}.")
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=Role.BUSINESS_UNIT,
        action="igt.sent",
        case_ref=case.reference,
        details={"request": request.id, "respondent": person, "agency": agency},
    )
    await outbox.enqueue(
        session=session,
        cipher=context.cipher,
        now=now,
        card=cards.request_card(reference=case.reference, agency=agency, due=due_on),
        summary=f"Information Gathering Tool: {case.reference}",
        recipient_aad_id=person,
        case_ref=case.reference,
        dedupe_key=f"igt-request:{case.reference}:{person}",
    )
    if case.igt_sent_date is None:  # the first sent: the returns' clock starts (Day 6)
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="igt_sent",
            on=today,
            timetable=context.timetable,
            now=now,
        )
    else:  # the returns are due when the last asked for is
        await recompute_milestones(session=session, case=case, timetable=context.timetable)
    await complete_milestone(session=session, case=case, key="igts_sent", by=actor, now=now)
    await refresh_case_card(session, context, case, now, "an Information Gathering Tool sent")
    log.info("igt sent", extra={"case": case.reference})
    card = await sending_card_for(
        session,
        context,
        case,
        now,
        done=f"Sent to {invitee.name} ({agency}), to return by {due_on.isoformat()}.",
    )
    return Answer(card, True)


# ----- reminders ------------------------------------------------------------------------------


async def igt_chasers(session: AsyncSession, context: CaseContext, today: Today) -> list[Outgoing]:
    """Information Gathering Tool returns: the respondent before and on the due day; the
    Business Unit once when a return is overdue."""
    rows = (
        await session.execute(
            select(Case.reference, CaseRequest)
            .join(CaseRequest, CaseRequest.case_id == Case.id)
            .where(
                Case.stage != Stage.CLOSED.value,
                qualified("case_requests", UNANSWERED_IGT),  # on its partial index
                CaseRequest.due_date.is_not(None),
                CaseRequest.due_date <= today.horizon,
            )
        )
    ).all()
    return await each(
        "igt",
        rows,
        lambda row: _chaser(session, context, today, row[0], row[1]),
        lambda row: str(row[0]),
    )


async def _chaser(
    session: AsyncSession, context: CaseContext, today: Today, reference: str, request: CaseRequest
) -> list[Outgoing]:
    due = request.due_date
    assert due is not None  # the query's
    kind = nudges.kind_today(
        due,
        today.day,
        before=today.rules.igt_before,
        on_due_day=True,
        overdue_for=0,
        calendar=context.timetable.calendar(),
    )
    if today.day > due:
        kind = nudges.OVERDUE
    if kind is None:
        return []
    what = f"Information Gathering Tool return ({request.agency})"
    if kind == nudges.OVERDUE:
        owners, ids = await named(session, (Role.BUSINESS_UNIT,))
        key = f"nudge:{reference}:igt:{request.id}:overdue"  # once, not every day
    else:
        person = await people.get_person(session=session, aad_object_id=request.aad_object_id)
        owners = f"{request.agency} ({person.name if person and person.name else 'you'})"
        ids = [request.aad_object_id]
        key = f"nudge:{today.day.isoformat()}:{reference}:igt:{request.id}:{kind}"
    reminder = Reminder(reference, what, due, kind, owners)
    return [Outgoing(f"{key}:{aad}", aad, reminder) for aad in ids]
