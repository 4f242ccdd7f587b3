"""Action plans: adding an action (the Business Unit) and updating one (its owner or the
Business Unit), as form flows; reading a case's plan and the overdue actions.

Who may is checked here, on the server, whatever the card said. Every change is audited (the
action's number, owner, agency and marks; never its text), and the owner of a new action is
told in a 1:1 chat through the outbox, in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import actions as cards
from cards.reminders import Reminder
from flows.context import CaseContext
from flows.forms import Refused, Submission
from flows.nudge import CHANNEL, Outgoing, Today
from storage import actions, outbox, people
from storage.audit import append_audit
from storage.models import Case
from workflow import authorisation, nudges
from workflow.actions import COMPLETE, OUTCOME_NEEDED, ActionView
from workflow.calendar import british
from workflow.forms import parse_date
from workflow.roles import Role

log = logging.getLogger(__name__)

# Who sees an action's words (1:1 only): the people who run the reviews and the partners.
READERS = authorisation.ACTION_READERS


async def names_of(session: AsyncSession, aad_ids: set[str]) -> dict[str, str]:
    known = await people.names(session=session, aad_ids=aad_ids)
    return {aad: known.get(aad) or "someone" for aad in aad_ids}


async def plan_card(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    viewer: str,
    roles: frozenset[str],
    personal: bool,
    now: datetime,
    start: int = 0,
) -> dict[str, Any]:
    """The case's action plan (the page from ``start``) as ``viewer`` may see it: the words
    only in a 1:1 chat, to the readers and to the plan's owners (viewing them is audited);
    elsewhere, the marks only."""
    with_text = personal and (
        bool(READERS & roles) or await actions.owns_any(session=session, case=case, aad=viewer)
    )
    shown = await actions.list_actions(
        session=session, master=context.cipher if with_text else None, case=case
    )
    if with_text and shown:
        await append_audit(
            session=session,
            now=now,
            actor_aad_id=viewer,
            actor_role=_role(roles),
            action="actions.viewed",
            case_ref=case.reference,
            details={"actions": len(shown)},
        )
    names = await names_of(session, {a.owner_aad_id for a in shown})
    return cards.actions_card(
        reference=case.reference,
        actions=shown,
        names=names,
        today=now.astimezone(context.timezone).date(),
        with_text=with_text,
        start=start,
    )


DONE = "actions.done"  # session.info: (the action's number, when) for the confirmation


def _role(roles: frozenset[str]) -> str:
    for role in (Role.BUSINESS_UNIT, Role.CHAIR):
        if role in roles:
            return str(role)
    return "owner"


@dataclass(frozen=True)
class ActionAddFlow:
    """The Business Unit adds an action to a case's plan."""

    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case = await session.get(Case, submission.case_id) if submission.case_id else None
        if case is None:
            raise LookupError("the case this form was for is gone")
        by = submission.person.aad_object_id
        roles = await people.get_roles(session=session, aad_object_id=by)
        if Role.BUSINESS_UNIT not in roles:
            raise Refused("Only the BDSCP Business Unit adds actions to a case's plan.")
        answers = submission.form["action"]
        owner = await people.find_by_name(session=session, name=str(answers["owner"]))
        if owner is None:
            raise Refused(
                f"I can't find one person called {answers['owner']} in the team. Type their "
                "name as it shows in Teams."
            )
        due = parse_date(str(answers["due"]))
        assert due is not None  # the form checked it
        number = await actions.add_action(
            session=session,
            master=self.context.cipher,
            case=case,
            kind=str(answers["kind"]),
            text=str(answers["text"]),
            owner_aad_id=owner.aad_object_id,
            agency=str(answers["agency"]),
            due=due,
            rag=str(answers["rag"]),
            by=by,
            now=submission.now,
        )
        await append_audit(
            session=session,
            now=submission.now,
            actor_aad_id=by,
            actor_role=Role.BUSINESS_UNIT,
            action="action.added",
            case_ref=case.reference,
            details={
                "number": number,
                "owner": owner.aad_object_id,
                "agency": answers["agency"],
                "due": due.isoformat(),
                "kind": answers["kind"],
            },
        )
        view = ActionView(
            id=0,
            reference=case.reference,
            number=number,
            kind=str(answers["kind"]),
            owner_aad_id=owner.aad_object_id,
            agency=str(answers["agency"]),
            due=due,
            status="not_started",
            rag=str(answers["rag"]),
            text=str(answers["text"]),
            outcome="",
        )
        await outbox.enqueue(
            session=session,
            cipher=self.context.cipher,
            now=submission.now,
            card=cards.action_given_card(action=view, by=submission.person.name),
            summary=f"An action for you: {case.reference}",
            recipient_aad_id=owner.aad_object_id,
            case_ref=case.reference,
            dedupe_key=f"action-given:{case.reference}:{number}",
        )
        session.info[DONE] = (number, submission.now)
        log.info("action added", extra={"case": case.reference, "number": number})
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        return await _confirmation(session, self.context, case_id, "added")


@dataclass(frozen=True)
class ActionUpdateFlow:
    """An action's owner, or the Business Unit, records where it stands."""

    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case = await session.get(Case, submission.case_id) if submission.case_id else None
        if case is None:
            raise LookupError("the case this form was for is gone")
        by = submission.person.aad_object_id
        answers = submission.form["update"]
        text = str(answers["number"]).strip()
        action = (
            await actions.get_action(session=session, case=case, number=int(text))
            if text.isdigit()
            else None
        )
        if action is None:
            raise Refused(
                f"{case.reference} has no action {text}. Type **actions {case.reference}** to "
                "see their numbers."
            )
        roles = await people.get_roles(session=session, aad_object_id=by)
        if action.owner_aad_id != by and Role.BUSINESS_UNIT not in roles:
            raise Refused(
                f"Only the owner of action {action.number}, or the BDSCP Business Unit, can "
                "update it."
            )
        status = str(answers["status"])
        outcome = str(answers.get("outcome") or "")
        if status == COMPLETE and not outcome.strip():
            raise Refused(OUTCOME_NEEDED)
        due = parse_date(str(answers["due"]))
        assert due is not None
        changed = await actions.update_action(
            session=session,
            master=self.context.cipher,
            case=case,
            action=action,
            status=status,
            rag=str(answers["rag"]),
            due=due,
            outcome=outcome,
            by=by,
            now=submission.now,
        )
        await append_audit(
            session=session,
            now=submission.now,
            actor_aad_id=by,
            actor_role=_role(roles),
            action="action.updated",
            case_ref=case.reference,
            details={"number": action.number, "changed": changed},
        )
        session.info[DONE] = (action.number, submission.now)
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        return await _confirmation(session, self.context, case_id, "updated")


async def _confirmation(
    session: AsyncSession, context: CaseContext, case_id: int | None, what: str
) -> dict[str, Any]:
    """The plan, with what was just done (shown to the Business Unit or the owner, 1:1)."""
    case = await session.get(Case, case_id) if case_id is not None else None
    if case is None:
        raise LookupError(f"no case {case_id}")
    number, when = session.info.get(DONE, (None, None))
    listed = await actions.list_actions(session=session, master=context.cipher, case=case)
    names = await names_of(session, {a.owner_aad_id for a in listed})
    return cards.actions_card(
        reference=case.reference,
        actions=listed,
        names=names,
        today=when.astimezone(context.timezone).date() if when else date.min,
        with_text=True,
        note=f"Action {number} {what}." if number else "",
    )


# ----- reminders ------------------------------------------------------------------------------


async def overdue_action_nudges(
    session: AsyncSession, context: CaseContext, today: Today
) -> list[Outgoing]:
    """Each overdue action: its owner, in their 1:1 chat, on each of the first working days
    it is overdue (``overdue_for``, as for deadlines; the week's summary in the channel
    carries those overdue longer). Read once a day: when the day's tick queued them and no
    action changed since, not again."""
    if today.steady:
        return []
    span = today.rules.default.overdue_for
    since = (
        None
        if span is None
        else nudges.overdue_since(today.day, span, context.timetable.calendar())
    )
    late = await actions.overdue_actions(session=session, today=today.day, since=since)
    names = await names_of(session, {a.owner_aad_id for a in late})
    day = today.day.isoformat()
    return [
        Outgoing(
            f"nudge:{day}:{a.reference}:action:{a.number}:overdue:{a.owner_aad_id}",
            a.owner_aad_id,
            Reminder(
                a.reference,
                f"Action {a.number} of the action plan ({a.agency})",
                a.due,
                nudges.OVERDUE,
                names.get(a.owner_aad_id, "you"),
            ),
        )
        for a in late
    ]


async def weekly_overdue_actions(
    session: AsyncSession, context: CaseContext, today: Today
) -> list[Outgoing]:
    """The week's first working day, after the digest's time: the overdue actions across
    cases, in the channel (no action's words), when there are any."""
    day = today.day
    monday = day - timedelta(days=day.weekday())
    if (
        today.local.time() < today.rules.digest
        or not context.case_review_channel_id
        or context.timetable.calendar().next_working_day(monday) != day
    ):
        return []
    year, week, _ = day.isocalendar()
    key = f"actions-week:{year}-W{week:02}"
    if await outbox.queued_under(session=session, dedupe_key=key):
        return []
    late = await actions.overdue_actions(session=session, today=day)
    if not late:
        return []
    card = cards.overdue_actions_card(
        title=f"Overdue actions: week of {british(day)}",
        actions=late,
        names=await names_of(session, {a.owner_aad_id for a in late}),
        today=day,
    )
    return [Outgoing(key, CHANNEL, card=card, summary="Overdue actions this week")]
