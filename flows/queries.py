"""Where things stand: the status queries, each read in one session, each answer a card.

Who sees which case: staff (the Business Unit, the chair, the partner representatives, the
Strategic Director, the CSC Deputy Director and the independent scrutineer) see every case; a
practitioner sees only the cases they referred (or someone asked them about), and of those
only the stage and the dates. Any other case is "not found", with no hint that it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import status as cards
from flows.case_card import DECISIONS_SHOWN, request_states, steps_so_far
from flows.context import CaseContext
from flows.lcspr_record import review_lines
from storage import cases, people
from storage.audit import append_audit
from storage.case_keys import case_cipher
from storage.decisions import list_decisions
from storage.milestones import list_milestones
from storage.models import (
    Case,
    CaseRequest,
    DecisionRow,
    MilestoneAdjustment,
    MilestoneRow,
    NotificationRow,
    ReferralVersion,
)
from workflow import igt, status
from workflow.calendar import british
from workflow.roles import Role, label
from workflow.stages import Stage, stage_label

STAFF = frozenset(
    {
        Role.BUSINESS_UNIT,
        Role.CHAIR,
        Role.PARTNER_POLICE,
        Role.PARTNER_LA,
        Role.PARTNER_ICB,
        Role.STRATEGIC_DIRECTOR,
        Role.CSC_DEPUTY_DIRECTOR,
        Role.SCRUTINEER,
    }
)
DECISION_READERS = frozenset({Role.CHAIR, Role.BUSINESS_UNIT, Role.SCRUTINEER})
# Who may see a referral's details from a status card (1:1 only, audited).
DETAIL_READERS = frozenset(
    {
        Role.BUSINESS_UNIT,
        Role.CHAIR,
        Role.CSC_DEPUTY_DIRECTOR,
        Role.STRATEGIC_DIRECTOR,
        Role.PARTNER_POLICE,
        Role.PARTNER_LA,
        Role.PARTNER_ICB,
    }
)
FULL, LIMITED = "full", "limited"


def not_found(reference: str) -> str:
    return f"I can't find a case {reference}."


def _involves(aad: str) -> Any:
    """A practitioner's own cases: referred by them, entered for them, or asked about."""
    asked = select(CaseRequest.case_id).where(CaseRequest.aad_object_id == aad)
    return or_(Case.referrer_aad_id == aad, Case.id.in_(asked))


async def sight(session: AsyncSession, case: Case, aad: str, roles: frozenset[str]) -> str:
    """How much of ``case`` this person sees: all, the stage and dates, or nothing."""
    if STAFF & roles:
        return FULL
    if aad and case.referrer_aad_id == aad:
        return LIMITED
    asked = await session.scalar(
        select(CaseRequest.id).where(
            CaseRequest.case_id == case.id, CaseRequest.aad_object_id == aad
        )
    )
    return LIMITED if asked is not None else ""


async def find(
    session: AsyncSession, reference: str, aad: str, roles: frozenset[str]
) -> tuple[Case | None, str]:
    case = await cases.get_case(session=session, reference=reference)
    if case is None:
        return None, ""
    seen = await sight(session, case, aad, roles)
    return (case, seen) if seen else (None, "")


def _owner(context: CaseContext, key: str) -> str:
    try:
        roles = context.timetable.get(key).closed_by
    except KeyError:
        return ""
    return ", ".join(label(r) for r in roles[:2]) if roles else ""


def _title(context: CaseContext, key: str) -> str:
    try:
        milestone = context.timetable.get(key)
    except KeyError:
        return key
    number = context.timetable.day_number(key)
    return milestone.title + (f" (Day {number})" if number else "")


def _number(context: CaseContext, key: str) -> int:
    try:
        return context.timetable.get(key).number
    except KeyError:
        return 10**6


def _numbered(context: CaseContext, key: str) -> str:
    """The title with the milestone's number, as the chair names it to close it."""
    try:
        return f"{context.timetable.get(key).number}. {_title(context, key)}"
    except KeyError:
        return key


def _today(context: CaseContext, now: datetime) -> date:
    return now.astimezone(context.timezone).date()


# ----- status ------------------------------------------------------------------------------


async def status_of(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    seen: str,
    now: datetime,
    *,
    personal: bool,
    roles: frozenset[str],
) -> dict[str, Any]:
    today = _today(context, now)
    calendar = context.timetable.calendar()
    rows = sorted(
        await list_milestones(session=session, case=case),
        key=lambda r: (_number(context, r.key), r.id),
    )
    lines = []
    for row in rows:
        mark = status.mark(
            due=row.due_date,
            completed=row.completed_at is not None,
            not_applicable=row.not_applicable_since is not None,
            today=today,
            calendar=calendar,
        )
        note = ""
        if row.completed_at is not None and seen == FULL:
            done = row.completed_at.astimezone(context.timezone).date()
            note = f"{await _name(session, row.completed_by)}, {british(done)}"
        lines.append(cards.Line(_numbered(context, row.key), row.due_date, mark, note))
    open_rows = sorted(
        (
            r
            for r in rows
            if r.completed_at is None and r.not_applicable_since is None and r.due_date
        ),
        key=lambda r: (r.due_date, r.id),
    )
    next_action = (
        (
            _title(context, open_rows[0].key),
            _owner(context, open_rows[0].key) or "the Business Unit",
        )
        if open_rows
        else None
    )
    changes = await _changes(session, context, case, rows, reasons=personal and seen == FULL)
    decided: list[tuple[str, str]] = []
    outstanding: list[tuple[str, str]] = []
    if seen == FULL:
        decided = await steps_so_far(session, case, rows, context.timezone, context.cipher)
        outstanding = [
            (row.agency, igt.STATE_TITLES.get(state, state))
            for row, state in await request_states(session, case, today)
            if state not in igt.ANSWERED
        ]
    start = (
        case.notification_date
        if context.timetable.rapid_review_anchor == "notification" and case.notification_date
        else case.awareness_date
    )
    return cards.status_card(
        cards.Status(
            reference=case.reference,
            stage=stage_label(Stage(case.stage), context.timetable.day_number),
            working_day=status.working_day(Stage(case.stage), start, today, calendar),
            lines=lines,
            changes=changes,
            decided=decided,
            outstanding=outstanding,
            next_action=next_action if seen == FULL else None,
            limited=seen != FULL,
            details_button=personal and bool(DETAIL_READERS & roles),
            review=await review_lines(session, context, case) if seen == FULL else (),
        )
    )


async def _name(session: AsyncSession, aad: str | None) -> str:
    if not aad or aad == "system":
        return "the bot"
    person = await people.get_person(session=session, aad_object_id=aad)
    return person.name if person is not None and person.name else "someone"


async def _changes(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    rows: Sequence[MilestoneRow],
    *,
    reasons: bool,
) -> list[str]:
    """Pauses, resumptions and extensions, in words; their reasons only when ``reasons``
    (1:1, staff): a reason may name proceedings."""
    titles = {r.id: _title(context, r.key) for r in rows}
    keys = {r.id: r.key for r in rows}
    adjustments = list(
        await session.scalars(
            select(MilestoneAdjustment)
            .where(MilestoneAdjustment.milestone_id.in_(list(titles)))
            .order_by(MilestoneAdjustment.decided_at, MilestoneAdjustment.id)
        )
    )
    cipher = case_cipher(context.cipher, case)
    found = []
    for a in adjustments:
        when = british(a.effective_on)
        if a.kind == "extend" and a.new_due_date is not None:
            text = f"{titles[a.milestone_id]}: extended to {british(a.new_due_date)} on {when}"
        elif a.kind == "pause":
            text = f"{titles[a.milestone_id]}: paused from {when}"
        else:
            text = f"{titles[a.milestone_id]}: {a.kind.replace('_', ' ')}d on {when}"
        text += f"; approved by {await _name(session, a.approved_by)}"
        if reasons:
            try:
                why = cipher.decrypt(
                    a.reason, context=f"adjustment:{case.reference}:{keys[a.milestone_id]}"
                )
            except ValueError:  # shredded with the case's key
                why = ""
            if why:
                text += f". Reason: {why}"
        else:
            text += ". The reason is shown in a 1:1 chat."
        found.append(text)
    for r in rows:
        if r.paused_since is not None:
            found.append(f"{titles[r.id]} is paused (since {british(r.paused_since)}).")
        elif r.due_date is not None and any(a.milestone_id == r.id for a in adjustments):
            found.append(f"{titles[r.id]}: now due {british(r.due_date)}.")
    return found


# ----- lists of cases ------------------------------------------------------------------------


async def case_lines(
    session: AsyncSession,
    context: CaseContext,
    now: datetime,
    *,
    aad: str,
    roles: frozenset[str],
    mine: bool,
    page: int,
) -> tuple[list[cards.CaseLine], int]:
    """Open cases, most urgent first: each with its next open milestone."""
    today = _today(context, now)
    calendar = context.timetable.calendar()
    soon = calendar.add_working_days(today, status.SOON_WORKING_DAYS)
    query = select(Case.id, Case.reference, Case.stage, Case.next_due_date.label("due")).where(
        Case.stage != Stage.CLOSED.value
    )
    if mine or not STAFF & roles:
        decided = select(DecisionRow.case_id).where(DecisionRow.decided_by == aad)
        query = query.where(or_(_involves(aad), Case.id.in_(decided)))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (
        await session.execute(
            query.order_by(Case.next_due_date.is_(None), Case.next_due_date, Case.id)
            .limit(cards.PAGE)
            .offset(max(0, page) * cards.PAGE)
        )
    ).all()
    keys = {}
    if rows:
        found = await session.execute(
            select(MilestoneRow.case_id, MilestoneRow.key, MilestoneRow.due_date).where(
                MilestoneRow.case_id.in_([r.id for r in rows]),
                MilestoneRow.completed_at.is_(None),
                MilestoneRow.not_applicable_since.is_(None),
                MilestoneRow.due_date.is_not(None),
            )
        )
        for case_id, key, due in found.all():
            if (case_id, due) not in keys:
                keys[(case_id, due)] = key
    lines = []
    for row in rows:
        due = row.due
        mark = (
            status.NOT_SET
            if due is None
            else status.OVERDUE
            if due < today
            else status.DUE_SOON
            if due <= soon
            else status.DUE
        )
        key = keys.get((row.id, due), "")
        lines.append(
            cards.CaseLine(
                reference=row.reference,
                stage=stage_label(Stage(row.stage), context.timetable.day_number),
                next_title=_title(context, key) if key else "",
                due=due,
                mark=mark,
            )
        )
    return lines, int(total)


async def due_rows(
    session: AsyncSession,
    context: CaseContext,
    now: datetime,
    *,
    aad: str,
    roles: frozenset[str],
    overdue: bool,
    working_days: int = 5,
) -> list[cards.Due]:
    """Overdue milestones and Information Gathering Tool returns (``overdue``), or what falls
    due in the next ``working_days`` working days; each with its owner."""
    today = _today(context, now)
    calendar = context.timetable.calendar()
    until = calendar.add_working_days(today, working_days)
    query = (
        select(Case.reference, MilestoneRow.key, MilestoneRow.due_date)
        .join(MilestoneRow, MilestoneRow.case_id == Case.id)
        .where(
            Case.stage != Stage.CLOSED.value,
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.not_applicable_since.is_(None),
            MilestoneRow.due_date.is_not(None),
        )
    )
    query = query.where(
        MilestoneRow.due_date < today
        if overdue
        else and_(MilestoneRow.due_date >= today, MilestoneRow.due_date <= until)
    )
    if not STAFF & roles:
        query = query.where(_involves(aad))
    rows = [
        cards.Due(
            reference,
            _title(context, key),
            due,
            _owner(context, key) or "BDSCP Business Unit",
            status.OVERDUE
            if due < today
            else status.mark(
                due=due, completed=False, not_applicable=False, today=today, calendar=calendar
            ),
        )
        for reference, key, due in (await session.execute(query)).all()
    ]
    requests = (
        select(Case.reference, CaseRequest.agency, CaseRequest.due_date)
        .join(CaseRequest, CaseRequest.case_id == Case.id)
        .where(
            Case.stage != Stage.CLOSED.value,
            CaseRequest.purpose == "igt",
            CaseRequest.state.not_in(list(igt.ANSWERED)),
            CaseRequest.due_date.is_not(None),
        )
    )
    requests = requests.where(
        CaseRequest.due_date < today
        if overdue
        else and_(CaseRequest.due_date >= today, CaseRequest.due_date <= until)
    )
    if not STAFF & roles:
        requests = requests.where(_involves(aad))
    rows += [
        cards.Due(
            reference,
            "Information Gathering Tool return",
            due,
            agency,
            status.OVERDUE if due < today else status.DUE,
        )
        for reference, agency, due in (await session.execute(requests)).all()
    ]
    return sorted(rows, key=lambda r: (r.due or date.max, r.reference))


# ----- the timeline and the decisions -----------------------------------------------------------


async def timeline(
    session: AsyncSession, context: CaseContext, case: Case, seen: str
) -> list[cards.Event]:
    """What happened on the case, oldest first, with who and when (never a rationale: the
    timeline may be asked for in the channel)."""
    tz = context.timezone
    events = [
        cards.Event(
            case.created_at.astimezone(tz), f"Referral received from {case.referring_agency}"
        )
    ]
    if seen != FULL:
        for row in await list_milestones(session=session, case=case):
            if row.completed_at is not None:
                events.append(
                    cards.Event(
                        row.completed_at.astimezone(tz), _title(context, row.key) + ": done"
                    )
                )
        return sorted(events, key=lambda e: e.when)
    for version in await session.scalars(
        select(ReferralVersion).where(
            ReferralVersion.case_id == case.id, ReferralVersion.version > 1
        )
    ):
        events.append(
            cards.Event(
                version.submitted_at.astimezone(tz),
                f"More information added (version {version.version})",
                await _name(session, version.submitted_by),
            )
        )
    titles = {kind: what for kind, (what, _) in DECISIONS_SHOWN.items()}
    outcome_titles = {kind: t for kind, (_, t) in DECISIONS_SHOWN.items()}
    for d in await session.scalars(select(DecisionRow).where(DecisionRow.case_id == case.id)):
        what = titles.get(d.kind, d.kind.replace("_", " ").capitalize())
        outcome = outcome_titles.get(d.kind, {}).get(d.outcome, d.outcome.replace("_", " "))
        suffix = " (revised)" if d.supersedes_id else ""
        events.append(
            cards.Event(
                d.decided_at.astimezone(tz),
                f"{what}: {outcome}{suffix}",
                await _name(session, d.decided_by),
            )
        )
    for row in await list_milestones(session=session, case=case):
        if row.completed_at is not None:
            events.append(
                cards.Event(
                    row.completed_at.astimezone(tz),
                    f"{_title(context, row.key)}: done",
                    await _name(session, row.completed_by),
                )
            )
        if row.not_applicable_since is not None:
            events.append(
                cards.Event(
                    row.not_applicable_since.astimezone(tz),
                    f"{_title(context, row.key)}: not applicable",
                )
            )
    for n in await session.scalars(
        select(NotificationRow).where(NotificationRow.case_id == case.id)
    ):
        events.append(
            cards.Event(
                n.sent_at.astimezone(tz),
                f"Told: {n.recipient.replace('_', ' ')}",
                await _name(session, n.recorded_by),
            )
        )
    for r in await session.scalars(select(CaseRequest).where(CaseRequest.case_id == case.id)):
        what = "Information Gathering Tool sent" if r.purpose == "igt" else "Scoping view asked"
        events.append(
            cards.Event(
                r.requested_at.astimezone(tz),
                f"{what}: {r.agency}",
                await _name(session, r.requested_by),
            )
        )
    return sorted(events, key=lambda e: e.when)


async def decision_records(
    session: AsyncSession, context: CaseContext, case: Case, *, actor: str, role: str, now: datetime
) -> list[cards.Event]:
    """Every decision record, with its rationale, oldest first; the view audited."""
    tz = context.timezone
    found = []
    every = await list_decisions(session=session, master=context.cipher, case=case)
    replaced = {d.supersedes_id for d in every if d.supersedes_id}
    for d in every:
        what = DECISIONS_SHOWN.get(d.kind, (d.kind.replace("_", " ").capitalize(), {}))
        outcome = what[1].get(d.outcome, d.outcome.replace("_", " "))
        who = await _name(session, d.decided_by)
        if d.recorded_by:
            who += f", recorded by {await _name(session, d.recorded_by)}"
        note = f"Rationale: {d.rationale}"
        if d.id in replaced:
            note += " (replaced by a later one)"
        found.append(
            cards.Event(
                d.decided_at.astimezone(tz),
                f"{what[0]}: {outcome}",
                f"{who}, {label(d.decided_role)}",
                note,
            )
        )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=role,
        action="decisions.viewed",
        case_ref=case.reference,
        details={"decisions": len(every)},
    )
    return found


async def holders(session: AsyncSession) -> list[tuple[str, str]]:
    """Each role and who holds it (for ``roles``)."""
    found = []
    for role in Role:
        if role in (Role.AGENCY_RESPONDENT, Role.INVITED_AGENCY, Role.PRACTITIONER):
            continue
        names = [
            await _name(session, aad)
            for aad in await people.list_holders(session=session, role=role)
        ]
        found.append((f"{label(role)} ({role.value})", ", ".join(names) or "No one"))
    return found
