"""Submitting a referral: the case with its reference, Day 1 and milestones, the audit entries,
and the outgoing messages (the details to the business unit and the chair, the channel's case
card), all in the wizard's one transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import referral as cards
from cards import reminders as reminder_cards
from cards.scoping import scoping_invitation_card
from flows.case_card import refresh_case_card
from flows.common import PARTNER_ROLES
from flows.context import CaseContext
from flows.forms import Refused, Submission
from flows.nudge import Outgoing, Today
from flows.recommendation import queue_chair_prompt
from storage import cases, outbox, people
from storage.audit import append_audit
from storage.crypto import Cipher
from storage.milestones import anchors_of, complete_milestone
from storage.models import Case, FormDraft
from storage.referrals import read_referral
from workflow import referral as rules
from workflow.authorisation import actor_roles
from workflow.roles import REFERRAL_RECIPIENTS, Role, label
from workflow.timetable import due_dates, project

log = logging.getLogger(__name__)

# What the practitioner is told happens next, by milestone (plain words, not the timetable's).
NEXT_STEP_TEXT = {
    "referral_received": (
        "The BDSCP Business Unit tells the chair, Police and Integrated Care Board (health); "
        "scoping starts"
    ),
    "scoping_views": (
        "Police, Local Authority and Integrated Care Board (health) give their views on the "
        "criteria"
    ),
    "la_decision": "The Local Authority decides whether to notify the national Panel",
    "rapid_review_meeting": "If notified: the rapid review meeting decides on a local review",
}


@dataclass(frozen=True)
class ReferralFlow:
    context: CaseContext
    # The Business Unit enters a referral that came by email, phone or letter: the referrer
    # is who the form names, and the case records who entered it.
    for_someone: bool = False

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        form, person, now = submission.form, submission.person, submission.now
        if self.for_someone:
            roles = await people.get_roles(session=session, aad_object_id=person.aad_object_id)
            if Role.BUSINESS_UNIT not in roles:  # checked at the start too: never trust a card
                raise Refused(
                    "Only the BDSCP Business Unit can enter a referral for someone else. To "
                    "make a referral of your own, type **refer**."
                )
        case = await cases.create_case(
            session=session,
            master=self.context.cipher,
            timetable=self.context.timetable,
            new=cases.NewCase(
                awareness_date=rules.awareness_date(form, submission.today),
                referring_agency=rules.referring_agency(form),
                referrer_aad_id="" if self.for_someone else person.aad_object_id,
                entered_by_aad_id=person.aad_object_id,
                received_via=rules.received_via(form),
                referral=form,
                criteria=rules.criteria_keys(form),
                idempotency_key=f"draft:{submission.draft_id}",
            ),
            actor_role=actor_roles(
                await people.get_roles(session=session, aad_object_id=person.aad_object_id)
            ),
            now=now,
        )
        referrer = str(form.get("referrer", {}).get("name", "")) or "the referrer"
        entered_by = person.name if self.for_someone else None
        await self._queue_notices(session, case, form, referrer, entered_by, submission.today, now)
        # The bot tells the chair, the police and health as it queues their cards: Day 1's
        # step is done with the referral itself.
        await complete_milestone(
            session=session, case=case, key="referral_received", by="system", now=now
        )
        log.info("referral submitted", extra={"case": case.reference})
        return int(case.id)

    async def _queue_notices(
        self,
        session: AsyncSession,
        case: Case,
        form: Mapping[str, Any],
        referrer_name: str,
        entered_by: str | None,
        today: date,
        now: datetime,
    ) -> None:
        """The business unit, the chair and the CSC Deputy Director get the details 1:1; the
        channel gets the case card."""
        recipients: dict[str, Role] = {}
        for role in REFERRAL_RECIPIENTS:
            for aad in await people.list_holders(session=session, role=role):
                recipients.setdefault(aad, role)
        for aad, role in recipients.items():
            await send_details(
                session,
                self.context.cipher,
                case,
                form,
                referrer_name,
                entered_by,
                today,
                now,
                aad,
                role,
            )
        # Scoping: each partner representative gets the details (if not sent them already)
        # and the invitation to give their view.
        for role in PARTNER_ROLES:
            for aad in await people.list_holders(session=session, role=role):
                if aad not in recipients:
                    recipients[aad] = role
                    await send_details(
                        session,
                        self.context.cipher,
                        case,
                        form,
                        referrer_name,
                        entered_by,
                        today,
                        now,
                        aad,
                        role,
                    )
                await outbox.enqueue(
                    session=session,
                    cipher=self.context.cipher,
                    now=now,
                    card=scoping_invitation_card(reference=case.reference, audience=label(role)),
                    summary=f"Your scoping view on {case.reference}",
                    recipient_aad_id=aad,
                    case_ref=case.reference,
                    dedupe_key=f"scoping-invitation:{case.reference}:{aad}",
                )
        context = self.context
        if not context.case_review_channel_id:
            log.warning(
                "no case review channel configured; case card not posted",
                extra={"case": case.reference},
            )
        await refresh_case_card(session, context, case, now, "new referral")
        await queue_chair_prompt(session, context, case, now, "new referral")

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        case = await session.get(Case, case_id) if case_id is not None else None
        if case is None:
            raise LookupError(f"no case {case_id}")
        timetable = self.context.timetable
        anchors = project(timetable, anchors_of(case))
        dues = due_dates(timetable, anchors)
        steps = [(text, dues.get(key)) for key, text in NEXT_STEP_TEXT.items()]
        contacts = []
        for aad in await people.list_holders(session=session, role=Role.BUSINESS_UNIT):
            known = await people.get_person(session=session, aad_object_id=aad)
            if known is not None and known.name:
                contacts.append(known.name)
        if self.for_someone:
            return cards.entered_confirmation_card(
                reference=case.reference,
                day_one=timetable.calendar().day_one(case.awareness_date),
                next_steps=steps,
                notify_ofsted=rules.from_childrens_social_care(case.referring_agency),
            )
        return cards.confirmation_card(
            reference=case.reference,
            notify_ofsted=rules.from_childrens_social_care(case.referring_agency),
            day_one=timetable.calendar().day_one(case.awareness_date),
            next_steps=steps,
            contacts=contacts,
            contact_email=self.context.contact_email,
            outcome_due=dues.get("la_decision"),
        )


async def send_details(
    session: AsyncSession,
    cipher: Cipher,
    case: Case,
    form: Mapping[str, Any],
    referrer_name: str,
    entered_by: str | None,
    received: date,
    now: datetime,
    aad: str,
    audience: str,
    version: int = 1,
) -> None:
    """The referral's details to one person, 1:1, in as many cards as it takes. Sending
    someone the details is a disclosure: audited like a view."""
    parts = cards.referral_details_cards(
        reference=case.reference,
        form=form,
        referrer_name=referrer_name,
        entered_by=entered_by,
        received=received,
        audience=label(audience),
    )
    for n, card in enumerate(parts, 1):
        await outbox.enqueue(
            session=session,
            cipher=cipher,
            now=now,
            card=card,
            summary=f"New referral {case.reference}"
            + (f" (part {n} of {len(parts)})" if len(parts) > 1 else ""),
            recipient_aad_id=aad,
            case_ref=case.reference,
        )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id="system",
        actor_role="system",
        action="referral.details_sent",
        case_ref=case.reference,
        details={"recipient": aad, "recipient_role": str(audience), "version": version},
    )


async def send_current_details(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    now: datetime,
    aad: str,
    audience: str,
) -> None:
    """The referral as it stands now (its latest version) to one person, 1:1."""
    current = await read_referral(session=session, master=context.cipher, case=case)
    form = rules.REFERRAL.current(dict(current.form))
    entered_by = None
    if case.entered_by_aad_id and case.entered_by_aad_id != case.referrer_aad_id:
        person = await people.get_person(session=session, aad_object_id=case.entered_by_aad_id)
        entered_by = person.name if person is not None else "the BDSCP Business Unit"
    await send_details(
        session,
        context.cipher,
        case,
        form,
        str(form.get("referrer", {}).get("name", "")) or "the referrer",
        entered_by,
        case.created_at.astimezone(context.timezone).date(),
        now,
        aad,
        audience,
        version=current.version,
    )


# ----- reminders ------------------------------------------------------------------------------


async def unsent_referral_nudges(
    session: AsyncSession, context: CaseContext, today: Today
) -> list[Outgoing]:
    """A referral draft untouched for a working day: its author is told, once."""
    calendar = context.timetable.calendar()
    drafts = await session.execute(
        select(FormDraft.id, FormDraft.owner_aad_id, FormDraft.updated_at).where(
            FormDraft.form_kind.in_(["referral", "referral_for"]), FormDraft.status == "open"
        )
    )
    found = []
    for draft_id, owner, updated in drafts.all():
        left = updated.astimezone(context.timezone).date()
        if calendar.add_working_days(left, today.rules.draft_after) > today.day:
            continue
        found.append(
            Outgoing(
                f"nudge:draft:{draft_id}",
                owner,
                card=reminder_cards.unsent_card(started=left),
                summary="Your referral isn't sent yet",
            )
        )
    return found
