"""Where things stand: who may see which case, and a case's status, read in one session, the
answer a card. The lists of cases are in ``flows.case_lists``, the timeline and decision
records in ``flows.timeline``.

Who sees which case: staff (the Business Unit, the chair, the partner representatives, the
Strategic Director, the CSC Deputy Director and the independent scrutineer) see every case; a
practitioner sees only the cases they referred (or someone asked them about), and of those
only the stage and the dates. Any other case is "not found", with no hint that it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from cards import status as cards
from flows.case_card import request_states, steps_so_far
from flows.context import CaseContext
from flows.lcspr_record import review_lines
from storage import cases, people
from storage.case_keys import case_cipher
from storage.decisions import list_decisions
from storage.milestones import list_milestones
from storage.models import (
    Case,
    CaseRequest,
    MilestoneAdjustment,
    MilestoneRow,
)
from workflow import authorisation, igt, status
from workflow.calendar import british
from workflow.roles import label
from workflow.stages import Stage, stage_label

STAFF = authorisation.STAFF
DECISION_READERS = authorisation.DECISION_READERS
# Who may see a referral's details from a status card (1:1 only, audited).
DETAIL_READERS = authorisation.DETAIL_READERS
FULL, LIMITED = "full", "limited"


def not_found(reference: str) -> str:
    return f"I can't find a case {reference}."


def involves(aad: str | BindParameter[str]) -> Any:
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


def owners_of(context: CaseContext, key: str) -> str:
    try:
        roles = context.timetable.get(key).closed_by
    except KeyError:
        return ""
    return ", ".join(label(r) for r in roles[:2]) if roles else ""


def milestone_title(context: CaseContext, key: str) -> str:
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
        return f"{context.timetable.get(key).number}. {milestone_title(context, key)}"
    except KeyError:
        return key


def local_today(context: CaseContext, now: datetime) -> date:
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
    today = local_today(context, now)
    calendar = context.timetable.calendar()
    rows = sorted(
        await list_milestones(session=session, case=case),
        key=lambda r: (_number(context, r.key), r.id),
    )
    if seen == FULL:  # who completed and decided what: named in one query, not one a line
        decisions = await list_decisions(session=session, master=context.cipher, case=case)
        await people.names(
            session=session,
            aad_ids=[row.completed_by or "" for row in rows] + [d.decided_by for d in decisions],
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
            note = f"{await person_name(session, row.completed_by)}, {british(done)}"
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
            milestone_title(context, open_rows[0].key),
            owners_of(context, open_rows[0].key) or "the Business Unit",
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


async def person_name(session: AsyncSession, aad: str | None) -> str:
    """Who ``aad`` is, in words (each person read once a transaction: ``people.names``)."""
    if not aad or aad == "system":
        return "the bot"
    return (await people.names(session=session, aad_ids=[aad]))[aad] or "someone"


_ADJUSTMENTS = (
    select(MilestoneAdjustment)
    .where(MilestoneAdjustment.milestone_id.in_(bindparam("ids", expanding=True)))
    .order_by(MilestoneAdjustment.decided_at, MilestoneAdjustment.id)
)


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
    titles = {r.id: milestone_title(context, r.key) for r in rows}
    keys = {r.id: r.key for r in rows}
    adjustments = list(await session.scalars(_ADJUSTMENTS, {"ids": list(titles)}))
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
        text += f"; approved by {await person_name(session, a.approved_by)}"
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
