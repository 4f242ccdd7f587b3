"""Scoping and the decisions on notification, each one flow in the caller's transaction:
the rules checked (``workflow.stages.advance``, ``workflow.decisions``), the decision
recorded (never edited: a revision supersedes), the case moved, messages queued.

- A partner's scoping view (a form: ``ScopingFlow``), revisable.
- The chair's recommendation, from the decision prompt in the case review channel.
- The Local Authority's decision, by the Strategic Director or recorded for them by the
  Business Unit; the referrer is told the outcome, as their confirmation promised.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import decisions as cards
from cards.common import day
from flows.cases import CaseContext, move_case, queue_channel_card, refresh_case_card
from flows.forms import Refused, Submission
from storage import cases, outbox, people, requests
from storage.audit import append_audit
from storage.models import Case
from workflow import notifications
from workflow.decisions import DecisionDraft, DecisionKind, InvalidDecision, event_for
from workflow.roles import Role, label
from workflow.scoping import assess
from workflow.stages import InvalidTransition, Stage, advance, stage_label

log = logging.getLogger(__name__)

PARTNER_ROLES = (Role.PARTNER_POLICE, Role.PARTNER_LA, Role.PARTNER_ICB)
NO_RATIONALE = "Give your rationale: a decision is kept with the reason for it."


def chair_prompt_key(reference: str) -> str:
    return f"chair-prompt:{reference}"


async def who_is(session: AsyncSession, aad: str, role: str) -> str:
    """ "Chris Holt (Case Review Sub-group chair)": a member of staff, as cards name them."""
    person = await people.get_person(session=session, aad_object_id=aad)
    name = person.name if person is not None and person.name else "Someone"
    return f"{name} ({label(role)})"


def due_text(context: CaseContext, rows: Sequence[Any], key: str) -> str:
    for row in rows:
        if row.key == key and row.due_date is not None:
            number = context.timetable.day_number(key)
            return f"Due by {day(row.due_date)}" + (f" (Day {number})." if number else ".")
    return ""


async def decided_view(
    session: AsyncSession,
    context: CaseContext,
    decision: cases.DecisionView,
    titles: dict[str, str],
) -> cards.Decided:
    recorder = ""
    if decision.recorded_by:
        recorder = await who_is(session, decision.recorded_by, Role.BUSINESS_UNIT)
    return cards.Decided(
        outcome=titles.get(decision.outcome, decision.outcome),
        by=await who_is(session, decision.decided_by, decision.decided_role),
        when=decision.decided_at.astimezone(context.timezone),
        rationale=decision.rationale,
        recorded_by=recorder,
    )


async def current(
    session: AsyncSession, context: CaseContext, case: Case, kind: DecisionKind
) -> list[cases.DecisionView]:
    return await cases.current_decisions(
        session=session, master=context.cipher, case=case, kind=kind.value
    )


def _line(context: CaseContext, view: cases.DecisionView) -> cards.ViewLine:
    agency = view.views.get("agency", "") if view.decided_role == Role.INVITED_AGENCY else ""
    return cards.ViewLine(
        who=f"{agency} (invited by the Business Unit)" if agency else label(view.decided_role),
        outcome=view.outcome,
        when=view.decided_at.astimezone(context.timezone),
    )


# ----- the chair's prompt ------------------------------------------------------------------


async def chair_teams_ids(session: AsyncSession) -> list[str]:
    """The chairs' Teams ids: who a card's ``refresh`` asks Teams to refresh it for."""
    found = []
    for aad in await people.list_holders(session=session, role=Role.CHAIR):
        person = await people.get_person(session=session, aad_object_id=aad)
        if person is not None and person.teams_user_id:
            found.append(person.teams_user_id)
    return found


async def chair_prompt_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    for_chair: bool,
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """The decision prompt as the viewer sees it (``for_chair``: live buttons, unless decided)."""
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)
    recommendation = await current(session, context, case, DecisionKind.CHAIR_RECOMMENDATION)
    rows = await cases.list_milestones(session=session, case=case)
    chair_ids = await chair_teams_ids(session)
    return cards.chair_prompt_card(
        reference=case.reference,
        stage=stage_label(Stage(case.stage), context.timetable.day_number),
        views=[_line(context, v) for v in views],
        expected=[label(r) for r in PARTNER_ROLES],
        assessment=assess(v.views for v in views),
        due=due_text(context, rows, "chair_recommendation"),
        decided=await decided_view(session, context, recommendation[-1], cards.RECOMMENDATIONS)
        if recommendation
        else None,
        for_chair=for_chair,
        chair_ids=chair_ids,
        error=error,
        rationale=rationale,
    )


async def queue_chair_prompt(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime, why: str
) -> None:
    """Post the prompt to the case review channel, or update it in place."""
    if not context.case_review_channel_id:
        return
    await queue_channel_card(
        session,
        context,
        case,
        now,
        await chair_prompt_for(session, context, case, for_chair=False),
        summary=f"Recommendation on notification: {case.reference} ({why})",
        key=chair_prompt_key(case.reference),
    )


# ----- scoping views -----------------------------------------------------------------------


ONLY_PARTNERS = (
    "Only the Police, Local Authority and Integrated Care Board representatives, and people "
    "the BDSCP Business Unit invites, give scoping views."
)
SCOPING_INVITATION = "scoping_view"  # the purpose of a request for another agency's view


def partner_role(roles: frozenset[str]) -> str | None:
    """The role a person gives their view as: the first partner role they hold, or, asked by
    the Business Unit for this case (``roles`` read with the case), an invited agency's."""
    found = next((role.value for role in PARTNER_ROLES if role in roles), None)
    if found is None and Role.INVITED_AGENCY in roles:
        return Role.INVITED_AGENCY.value
    return found


@dataclass(frozen=True)
class ScopingFlow:
    context: CaseContext
    role: str = "partner"

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case = await session.get(Case, submission.case_id) if submission.case_id else None
        if case is None:
            raise LookupError("the case this view was for is gone")
        person = submission.person
        roles = await people.get_roles(
            session=session, aad_object_id=person.aad_object_id, case_id=case.id
        )
        role = partner_role(roles)
        if role is None:  # checked at the start too: never trust a card
            raise Refused(ONLY_PARTNERS)
        try:
            advance(Stage(case.stage), event_for_view(), roles)
        except InvalidTransition as refused:
            raise Refused(
                f"{case.reference} has moved on from scoping, so views can't be given or "
                "revised now."
            ) from refused
        answers = {k: str(v) for k, v in submission.form["view"].items()}
        if role == Role.INVITED_AGENCY:
            invitation = await requests.get_request(
                session=session,
                case=case,
                purpose=SCOPING_INVITATION,
                aad_object_id=person.aad_object_id,
            )
            answers["agency"] = invitation.agency if invitation is not None else ""
        earlier = [
            v
            for v in await current(session, self.context, case, DecisionKind.SCOPING_VIEW)
            if v.decided_by == person.aad_object_id
        ]
        try:
            await cases.record_decision(
                session=session,
                master=self.context.cipher,
                case=case,
                draft=DecisionDraft(
                    kind=DecisionKind.SCOPING_VIEW,
                    outcome=str(answers["view"]),
                    rationale=str(answers["reason"]),
                    decided_by=person.aad_object_id,
                    decided_role=role,
                    decided_at=submission.now,
                    views=answers,
                    supersedes=earlier[-1].id if earlier else None,
                ),
                decider_roles=roles,
            )
        except InvalidDecision as refused:
            raise Refused(str(refused)) from refused
        views = await current(session, self.context, case, DecisionKind.SCOPING_VIEW)
        if {v.decided_role for v in views} >= {r.value for r in PARTNER_ROLES}:
            await cases.complete_milestone(
                session=session,
                case=case,
                key="scoping_views",
                by=person.aad_object_id,
                now=submission.now,
            )
        await queue_chair_prompt(session, self.context, case, submission.now, "a view given")
        await refresh_case_card(session, self.context, case, submission.now, "a scoping view")
        log.info("scoping view recorded", extra={"case": case.reference})
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        case = await session.get(Case, case_id) if case_id is not None else None
        if case is None:
            raise LookupError(f"no case {case_id}")
        every = await cases.list_decisions(session=session, master=self.context.cipher, case=case)
        revised = any(d.kind == DecisionKind.SCOPING_VIEW and d.supersedes_id for d in every)
        return cards.view_recorded_card(reference=case.reference, revised=revised)


VIEW_READERS = frozenset({Role.BUSINESS_UNIT, Role.CHAIR, Role.STRATEGIC_DIRECTOR, *PARTNER_ROLES})
NOT_A_READER = (
    "Only the BDSCP Business Unit, the Case Review Sub-group chair, the Strategic Director and "
    "the partner representatives read the scoping views in full."
)


async def read_views(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> tuple[list[dict[str, Any]], str]:
    """Every current scoping view in full, for a 1:1 chat: the cards, or why not. Reading
    them, or being refused, is audited."""
    if not VIEW_READERS & roles:
        await refuse(session, case, actor, "scoping_views", "not a reader", now)
        return [], NOT_A_READER
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=next((r for r in sorted(VIEW_READERS) if r in roles), ""),
        action="scoping.views_viewed",
        case_ref=case.reference,
        details={"views": len(views)},
    )
    return cards.scoping_views_cards(
        reference=case.reference, views=[(_line(context, v), dict(v.views)) for v in views]
    ), ""


def event_for_view() -> Any:
    event = event_for(DecisionKind.SCOPING_VIEW, "unsure")
    assert event is not None
    return event


# ----- the chair's recommendation and the Local Authority's decision ------------------------


@dataclass(frozen=True)
class Answer:
    """What a press gets back: the card that replaces the pressed one, or (for someone who
    may not see the card) a message."""

    card: dict[str, Any] | None
    changed: bool
    message: str = ""


async def refuse(
    session: AsyncSession, case: Case, actor: str, what: str, reason: str, now: datetime
) -> None:
    """A press that changed nothing because of who pressed it: audited."""
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor or "unknown",
        actor_role="none",
        action="decision.refused",
        case_ref=case.reference,
        details={"what": what, "reason": reason[:200]},
    )
    log.warning("decision refused", extra={"case": case.reference, "what": what})


ChairCard = Callable[..., Awaitable[dict[str, Any]]]  # (for_chair=, error=) -> the card


async def chair_decides(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    kind: DecisionKind,
    card: ChairCard,
    *,
    outcome: str,
    rationale: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
    consulted: tuple[str, ...] = (),
    views: dict[str, str] | None = None,
) -> Answer | Stage:
    """A chair's button on a channel card (``case`` locked): the decision recorded and the
    case moved, returning the stage it moved to; or, when nothing changes, the card to show
    instead. Decided already (two presses at once, a stale card): the decided card. Not the
    chair: refused, audited, the status. No rationale: asked for, in the card."""
    is_chair = Role.CHAIR in roles
    if await current(session, context, case, kind):
        return Answer(await card(for_chair=is_chair), False)
    event = event_for(kind, outcome)
    if event is None:
        return Answer(await card(for_chair=is_chair, error="Choose one of the buttons."), False)
    try:
        to = advance(Stage(case.stage), event, roles)
    except InvalidTransition as refused:
        if not is_chair:
            await refuse(session, case, actor, kind.value, str(refused), now)
        return Answer(await card(for_chair=False, error=str(refused)), False)
    if not rationale.strip():
        return Answer(await card(for_chair=True, error=NO_RATIONALE), False)
    await cases.record_decision(
        session=session,
        master=context.cipher,
        case=case,
        draft=DecisionDraft(
            kind=kind,
            outcome=outcome,
            rationale=rationale.strip(),
            decided_by=actor,
            decided_role=Role.CHAIR,
            decided_at=now,
            consulted=consulted,
            views=views or {},
        ),
        decider_roles=roles,
    )
    await move_case(session, case, to, now)
    return to


async def recommend(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    outcome: str,
    rationale: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """The chair's recommendation. None when there is no such case."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)

    async def card(*, for_chair: bool, error: str = "") -> dict[str, Any]:
        return await chair_prompt_for(session, context, case, for_chair=for_chair, error=error)

    done = await chair_decides(
        session,
        context,
        case,
        DecisionKind.CHAIR_RECOMMENDATION,
        card,
        outcome=outcome,
        rationale=rationale,
        actor=actor,
        roles=roles,
        now=now,
        consulted=tuple(v.decided_by for v in views),
        views={label(v.decided_role): v.outcome for v in views},
    )
    if isinstance(done, Answer):
        return done
    await cases.complete_milestone(
        session=session, case=case, key="chair_recommendation", by=actor, now=now
    )
    await queue_chair_prompt(session, context, case, now, "recommended")
    await refresh_case_card(session, context, case, now, "the chair's recommendation")
    for director in await people.list_holders(session=session, role=Role.STRATEGIC_DIRECTOR):
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=await la_card_for(session, context, case),
            summary=f"Decision on notification: {case.reference}",
            recipient_aad_id=director,
            case_ref=case.reference,
            card_key=f"la-decision:{case.reference}:{director}",
        )
    log.info("chair recommended", extra={"case": case.reference})
    return Answer(await chair_prompt_for(session, context, case, for_chair=False), True)


async def la_card_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    recording_for: str = "",
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    recommendation = await current(session, context, case, DecisionKind.CHAIR_RECOMMENDATION)
    decided = await current(session, context, case, DecisionKind.LA_DECISION)
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)
    rows = await cases.list_milestones(session=session, case=case)
    if not recommendation:
        raise Refused(f"The chair hasn't made a recommendation on {case.reference} yet.")
    return cards.la_decision_card(
        reference=case.reference,
        recommendation=await decided_view(
            session, context, recommendation[-1], cards.RECOMMENDATIONS
        ),
        views=[(_line(context, v), v.rationale) for v in views],
        due=due_text(context, rows, "la_decision"),
        decided=await decided_view(session, context, decided[-1], cards.LA_OUTCOMES)
        if decided
        else None,
        recording_for=recording_for,
        error=error,
        rationale=rationale,
    )


async def director_of(session: AsyncSession) -> str | None:
    """The Strategic Director the Business Unit records for (the first who holds the role)."""
    holders = await people.list_holders(session=session, role=Role.STRATEGIC_DIRECTOR)
    return holders[0] if holders else None


async def la_decide(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    outcome: str,
    rationale: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """The Local Authority's decision: the Strategic Director's own, or the Business Unit's
    record of it (the director named as decider, the Business Unit as recorder)."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    kind = DecisionKind.LA_DECISION
    director = actor if Role.STRATEGIC_DIRECTOR in roles else await director_of(session)
    recording = director != actor
    recording_for = (
        await who_is(session, director, Role.STRATEGIC_DIRECTOR) if recording and director else ""
    )
    may_see = bool({Role.STRATEGIC_DIRECTOR, Role.BUSINESS_UNIT} & roles)
    if may_see and await current(session, context, case, kind):
        return Answer(await la_card_for(session, context, case), False)
    event = event_for(kind, outcome)
    if event is None:
        return Answer(
            await la_card_for(
                session, context, case, recording_for=recording_for, error="Choose a button."
            ),
            False,
        )
    try:
        to = advance(Stage(case.stage), event, roles)
    except InvalidTransition as refused:
        if not ({Role.STRATEGIC_DIRECTOR, Role.BUSINESS_UNIT} & roles):
            await refuse(session, case, actor, kind.value, str(refused), now)
            return Answer(None, False, str(refused))
        return Answer(await la_card_for(session, context, case, error=str(refused)), False)
    if director is None:
        raise Refused(
            "No one holds the Strategic Director's role, so there is no one to record the "
            "decision for. Ask an administrator to assign it."
        )
    if not rationale.strip():
        return Answer(
            await la_card_for(
                session, context, case, recording_for=recording_for, error=NO_RATIONALE
            ),
            False,
        )
    director_roles = await people.get_roles(session=session, aad_object_id=director)
    await cases.record_decision(
        session=session,
        master=context.cipher,
        case=case,
        draft=DecisionDraft(
            kind=kind,
            outcome=outcome,
            rationale=rationale.strip(),
            decided_by=director,
            decided_role=Role.STRATEGIC_DIRECTOR,
            decided_at=now,
        ),
        decider_roles=director_roles,
        recorded_by=actor if recording else None,
    )
    await move_case(session, case, to, now)
    today = now.astimezone(context.timezone).date()
    if outcome == "notify":
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="notification",
            on=today,
            timetable=context.timetable,
            now=now,
        )
    await cases.complete_milestone(session=session, case=case, key="la_decision", by=actor, now=now)
    await refresh_case_card(session, context, case, now, "the Local Authority's decision")
    await queue_notifications(session, context, case, now)
    if case.referrer_aad_id:
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=cards.outcome_to_referrer_card(
                reference=case.reference,
                notified=outcome == "notify",
                when=now.astimezone(context.timezone),
            ),
            summary=f"Outcome on {case.reference}",
            recipient_aad_id=case.referrer_aad_id,
            case_ref=case.reference,
            dedupe_key=f"referrer-outcome:{case.reference}",
        )
    if outcome == "do_not_notify":
        await queue_next_step(session, context, case, now, "not notified")
    log.info("local authority decided", extra={"case": case.reference})
    return Answer(await la_card_for(session, context, case), True)


# ----- what next, when the Local Authority does not notify -------------------------------------


def next_step_key(reference: str) -> str:
    return f"next-step:{reference}"


async def next_step_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    for_chair: bool,
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """The chair's card on what happens to a case the Local Authority did not notify."""
    la = await current(session, context, case, DecisionKind.LA_DECISION)
    if not la or la[-1].outcome != "do_not_notify":
        raise Refused(f"The Local Authority hasn't decided against notifying {case.reference}.")
    decided = await current(session, context, case, DecisionKind.NEXT_STEP)
    return cards.next_step_card(
        reference=case.reference,
        stage=stage_label(Stage(case.stage), context.timetable.day_number),
        la_decision=await decided_view(session, context, la[-1], cards.LA_OUTCOMES),
        decided=await decided_view(session, context, decided[-1], cards.NEXT_STEPS)
        if decided
        else None,
        for_chair=for_chair,
        chair_ids=await chair_teams_ids(session),
        error=error,
        rationale=rationale,
    )


async def queue_next_step(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime, why: str
) -> None:
    await queue_channel_card(
        session,
        context,
        case,
        now,
        await next_step_for(session, context, case, for_chair=False),
        summary=f"What next for {case.reference} ({why})",
        key=next_step_key(case.reference),
    )


async def decide_next_step(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    outcome: str,
    rationale: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """The chair's choice for a case not notified: an alternative review, or close."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None

    async def card(*, for_chair: bool, error: str = "") -> dict[str, Any]:
        return await next_step_for(session, context, case, for_chair=for_chair, error=error)

    done = await chair_decides(
        session,
        context,
        case,
        DecisionKind.NEXT_STEP,
        card,
        outcome=outcome,
        rationale=rationale,
        actor=actor,
        roles=roles,
        now=now,
    )
    if isinstance(done, Answer):
        return done
    await queue_next_step(session, context, case, now, "decided")
    await refresh_case_card(session, context, case, now, "the chair's decision on what next")
    log.info("next step decided", extra={"case": case.reference})
    return Answer(await card(for_chair=False), True)


# ----- notifications ---------------------------------------------------------------------------


async def notifications_card_for(
    session: AsyncSession, context: CaseContext, case: Case
) -> dict[str, Any] | None:
    """The checklist, or None when nobody need be told (not notified, no looked-after death)."""
    decided = await current(session, context, case, DecisionKind.LA_DECISION)
    if not decided:
        return None
    referral = await cases.read_referral(session=session, master=context.cipher, case=case)
    keys = notifications.required(notified=decided[-1].outcome == "notify", form=referral.form)
    if not keys:
        return None
    done = {
        row.recipient: row for row in await cases.list_notifications(session=session, case=case)
    }
    rows = await cases.list_milestones(session=session, case=case)
    notices = []
    for key in keys:
        row = done.get(key)
        by = ""
        if row is not None:
            by = await who_is(session, row.recorded_by, Role.BUSINESS_UNIT)
        notices.append(
            cards.Notice(
                key=key,
                title=notifications.RECIPIENTS[key],
                short=notifications.SHORT_NAMES[key],
                sent=row.sent_at.astimezone(context.timezone) if row is not None else None,
                reference=(row.external_reference or "") if row is not None else "",
                by=by,
            )
        )
    return cards.notifications_card(
        reference=case.reference, due=due_text(context, rows, "la_decision"), notices=notices
    )


async def queue_notifications(
    session: AsyncSession, context: CaseContext, case: Case, now: datetime
) -> None:
    """After the Local Authority's decision: the Business Unit gets the checklist and, if the
    Panel is to be told, the text for its online form."""
    card = await notifications_card_for(session, context, case)
    if card is None:
        return
    referral = await cases.read_referral(session=session, master=context.cipher, case=case)
    decided = await current(session, context, case, DecisionKind.LA_DECISION)
    for aad in await people.list_holders(session=session, role=Role.BUSINESS_UNIT):
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=card,
            summary=f"Notifications: {case.reference}",
            recipient_aad_id=aad,
            case_ref=case.reference,
            card_key=f"notifications:{case.reference}:{aad}",
        )
        if decided and decided[-1].outcome == "notify":
            await outbox.enqueue(
                session=session,
                cipher=context.cipher,
                now=now,
                card=cards.panel_text_card(
                    reference=case.reference,
                    text=notifications.panel_text(referral.form, notifier=notifications.NOTIFIER),
                ),
                summary=f"For the Panel's online form: {case.reference}",
                recipient_aad_id=aad,
                case_ref=case.reference,
            )
            # Sending someone the referral's details is a disclosure: audited like a view.
            await append_audit(
                session=session,
                now=now,
                actor_aad_id="system",
                actor_role="system",
                action="referral.details_sent",
                case_ref=case.reference,
                details={"recipient": aad, "recipient_role": Role.BUSINESS_UNIT, "what": "panel"},
            )


async def mark_notified(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    recipient: str,
    external_reference: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """The Business Unit records that a recipient was told (once: a second mark changes
    nothing)."""
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    if Role.BUSINESS_UNIT not in roles:
        await refuse(session, case, actor, "notification", "not the business unit", now)
        return Answer(None, False, "Only the BDSCP Business Unit records notifications.")
    card = await notifications_card_for(session, context, case)
    if card is None or recipient not in notifications.RECIPIENTS:
        return Answer(card, False, "Nobody needs to be told about this case.")
    done = {row.recipient for row in await cases.list_notifications(session=session, case=case)}
    if recipient not in done:
        await cases.record_notification(
            session=session,
            case=case,
            recipient=recipient,
            sent_at=now,
            recorded_by=actor,
            actor_role=Role.BUSINESS_UNIT,
            external_reference=external_reference.strip()[:200] or None,
        )
        await refresh_case_card(
            session, context, case, now, f"{notifications.SHORT_NAMES[recipient]} told"
        )
    return Answer(await notifications_card_for(session, context, case), recipient not in done)
