"""The referral wizard: a practitioner reports a serious incident, one card per section.

Why not a botbuilder WaterfallDialog: every step is an ``Action.Execute`` on a card, and a card
can be pressed again days later, after a restart, or twice. So the wizard's state is the draft
row itself (saved at every step, encrypted), and every card action names its draft; the
server checks the draft's owner and status each time. Stale, foreign or double presses get a
clear answer instead of a confused dialog stack.

Submitting is one transaction: the case with its reference, Day 1 and milestones, the audit
entries, and the outgoing messages (outbox) commit together, or nothing does.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import referral as cards
from storage import cases, drafts, outbox, people
from storage.audit import append_audit
from storage.crypto import Cipher
from storage.db import transaction
from storage.models import Case, MilestoneRow
from workflow import referral as form_rules
from workflow.roles import Role, label
from workflow.stages import STAGE_LABELS, Stage
from workflow.timetable import Timetable, due_dates, project

log = logging.getLogger(__name__)

SUMMARY = "summary"

# What the practitioner is told happens next, by milestone (plain words, not the timetable's).
NEXT_STEP_TEXT = {
    "referral_received": "The BDSCP Business Unit tells the chair, Police and ICB; scoping starts",
    "scoping_views": "Police, Local Authority and ICB give their views on the criteria",
    "la_decision": "The Local Authority decides whether to notify the national Panel",
    "rapid_review_meeting": "If notified: the rapid review meeting decides on a local review",
}
CASE_CARD_DATES = (
    ("referral_received", "Day 1"),
    ("la_decision", "LA decision due (Day 5)"),
    ("rapid_review_meeting", "Rapid review meeting (Day 15)"),
)


REFERRER = "referrer"  # the section whose email is prefilled from Teams


@dataclass(frozen=True)
class WizardDeps:
    sessions: async_sessionmaker[AsyncSession]
    cipher: Cipher
    timetable: Timetable
    clock: Callable[[], datetime]
    timezone: ZoneInfo
    case_review_channel_id: str
    contact_email: str


@dataclass(frozen=True)
class Person:
    aad_object_id: str
    name: str
    email: str = ""
    # Asks Teams for the email, only when a new form is to be prefilled.
    profile_email: Callable[[], Awaitable[str]] | None = None


class ReferralWizard:
    def __init__(self, deps: WizardDeps) -> None:
        self.deps = deps

    def today(self, now: datetime) -> date:
        return now.astimezone(self.deps.timezone).date()

    # ----- starting -----------------------------------------------------------------------

    async def start(self, person: Person) -> dict[str, Any]:
        """``refer``: offer the open draft back, or begin a new one."""
        async with self.deps.sessions() as session:
            existing = await drafts.open_draft_of(
                session=session, cipher=self.deps.cipher, owner_aad_id=person.aad_object_id
            )
        if existing is not None:
            return cards.resume_card(
                draft_id=existing.id,
                started=existing.created_at,
                updated=existing.updated_at,
                section_key=existing.section,
            )
        return await self._new_draft(person)

    async def _new_draft(self, person: Person) -> dict[str, Any]:
        now = self.deps.clock()
        first = form_rules.SECTION_KEYS[0]
        email = person.email
        if not email and person.profile_email is not None:
            email = await person.profile_email()
        form = form_rules.empty_form(referrer_name=person.name, referrer_email=email)
        async with transaction(self.deps.sessions) as session:
            draft = await drafts.create_draft(
                session=session,
                cipher=self.deps.cipher,
                owner_aad_id=person.aad_object_id,
                section=first,
                form=form,
                now=now,
            )
            await append_audit(
                session=session,
                now=now,
                actor_aad_id=person.aad_object_id,
                actor_role=Role.PRACTITIONER,
                action="referral.draft_started",
                details={"draft": draft.id},
            )
        return self._card_for(draft)

    # ----- card actions -------------------------------------------------------------------

    async def handle(self, verb: str, data: Mapping[str, Any], person: Person) -> dict[str, Any]:
        if verb == cards.START_NEW:
            return await self.start(person)
        draft_id = str(data.get("draft_id") or "")
        if verb == cards.SUBMIT:
            return await self._submit(draft_id, person)

        # Leaving the first section for the referrer's: their email, if Teams has answered
        # by now (asked, and not waited for, when the form was started). Outside the lock.
        prefill = ""
        if (
            verb == cards.NEXT
            and data.get("section") == form_rules.previous_section(REFERRER)
            and person.profile_email is not None
        ):
            prefill = await person.profile_email()

        now = self.deps.clock()
        async with transaction(self.deps.sessions) as session:
            draft = await drafts.get_draft(
                session=session, cipher=self.deps.cipher, draft_id=draft_id, for_update=True
            )
            problem = self._unusable(draft, person)
            if problem is not None:
                return problem
            assert draft is not None

            if verb == cards.RESUME:
                return self._card_for(draft)
            if verb == cards.DISCARD:
                await self._discard(session, draft, person, now)
                card = None
            elif verb == cards.CANCEL_CONFIRM:
                await self._discard(session, draft, person, now)
                return cards.discarded_card()
            elif verb == cards.EDIT:
                key = str(data.get("section") or "")
                if key not in form_rules.SECTION_KEYS:
                    return self._card_for(draft)
                draft.section = key
                await drafts.save_draft(
                    session=session, cipher=self.deps.cipher, draft=draft, now=now
                )
                return self._section(draft, key, {}, returning=True)
            else:
                card = await self._step(session, draft, verb, data, now, prefill)
        if card is None:  # discarded to start again: a fresh draft, in its own transaction
            return await self._new_draft(person)
        return card

    def _unusable(self, draft: drafts.Draft | None, person: Person) -> dict[str, Any] | None:
        if draft is None:
            return cards.draft_gone_card("I can't find that referral form any more.")
        if draft.owner_aad_id != person.aad_object_id:
            log.warning("referral draft used by someone else", extra={"draft": draft.id})
            return cards.draft_gone_card("This referral form belongs to someone else.")
        if draft.status == drafts.DISCARDED:
            return cards.draft_gone_card("This referral was cancelled and its answers deleted.")
        if draft.status == drafts.SUBMITTED:
            return cards.draft_gone_card(
                "This referral has already been submitted: nothing more is needed from this form."
            )
        return None

    async def _discard(
        self, session: AsyncSession, draft: drafts.Draft, person: Person, now: datetime
    ) -> None:
        await drafts.close_draft(
            session=session, draft_id=draft.id, status=drafts.DISCARDED, now=now
        )
        await append_audit(
            session=session,
            now=now,
            actor_aad_id=person.aad_object_id,
            actor_role=Role.PRACTITIONER,
            action="referral.draft_discarded",
            details={"draft": draft.id},
        )

    async def _step(
        self,
        session: AsyncSession,
        draft: drafts.Draft,
        verb: str,
        data: Mapping[str, Any],
        now: datetime,
        prefill_email: str = "",
    ) -> dict[str, Any]:
        key = str(data.get("section") or "")
        if key not in form_rules.SECTION_KEYS:
            return self._card_for(draft)
        sec = form_rules.section(key)
        returning = data.get("return") == SUMMARY
        try:
            rows = int(data.get("rows") or 0)
        except (TypeError, ValueError):
            rows = 0
        reading = form_rules.read_section(sec, data, rows)
        values = reading.values
        notice = None
        if verb == cards.ADD_ROW and sec.repeating:
            if len(values) >= form_rules.MAX_ROWS:
                notice = (
                    f"At most {form_rules.MAX_ROWS} can be added here; "
                    "describe any others in 'What happened'."
                )
            else:
                values.append({f.id: "" for f in sec.fields})
        if verb == cards.REMOVE_ROW and sec.repeating:
            try:
                index = int(data.get("row", -1))
            except (TypeError, ValueError):
                index = -1
            if 0 <= index < len(values):
                values.pop(index)
        # Save what was typed first, whatever happens next: nothing typed is lost.
        draft.form[key] = values
        draft.section = key

        if verb in (cards.ADD_ROW, cards.REMOVE_ROW):
            await drafts.save_draft(session=session, cipher=self.deps.cipher, draft=draft, now=now)
            return self._section(draft, key, reading.errors, returning=returning, notice=notice)
        if verb == cards.BACK:
            previous = form_rules.previous_section(key) or key
            draft.section = previous
            await drafts.save_draft(session=session, cipher=self.deps.cipher, draft=draft, now=now)
            return self._section(draft, previous, {})

        # NEXT: check this section (empty rows dropped first, so messages match the rows shown).
        cut_errors = reading.errors
        if sec.repeating:
            values, cut_errors = form_rules.drop_empty_rows(values, reading.errors)
            draft.form[key] = values
        errors = {**form_rules.check_section(sec, values, self.today(now)), **cut_errors}
        if errors:
            await drafts.save_draft(session=session, cipher=self.deps.cipher, draft=draft, now=now)
            return self._section(draft, key, errors, returning=returning)
        following = None if returning else form_rules.next_section(key)
        referrer = draft.form.get(REFERRER)
        if following == REFERRER and prefill_email and isinstance(referrer, dict):
            referrer["email"] = referrer.get("email") or prefill_email
        draft.section = following or SUMMARY
        await drafts.save_draft(session=session, cipher=self.deps.cipher, draft=draft, now=now)
        return self._card_for(draft)

    def _section(
        self,
        draft: drafts.Draft,
        key: str,
        errors: Mapping[str, str],
        *,
        returning: bool = False,
        notice: str | None = None,
    ) -> dict[str, Any]:
        sec = form_rules.section(key)
        values = draft.form.get(key, [] if sec.repeating else {})
        return cards.section_card(
            draft_id=draft.id,
            section_key=key,
            values=values,
            errors=errors,
            returning_to_summary=returning,
            notice=notice,
        )

    def _card_for(self, draft: drafts.Draft) -> dict[str, Any]:
        if draft.section == SUMMARY:
            today = self.today(self.deps.clock())
            return cards.summary_card(
                draft_id=draft.id,
                form=draft.form,
                problems=form_rules.check_form(draft.form, today),
            )
        return self._section(draft, draft.section, {})

    # ----- submitting ---------------------------------------------------------------------

    async def _submit(self, draft_id: str, person: Person) -> dict[str, Any]:
        try:
            return await self._submit_once(draft_id, person)
        except IntegrityError:
            # A second submit raced this one past the draft lock: the case exists; show it.
            log.info("duplicate submit resolved", extra={"draft": draft_id})
            return await self._submit_once(draft_id, person)

    async def _submit_once(self, draft_id: str, person: Person) -> dict[str, Any]:
        now = self.deps.clock()
        today = self.today(now)
        async with transaction(self.deps.sessions) as session:
            draft = await drafts.get_draft(
                session=session, cipher=self.deps.cipher, draft_id=draft_id, for_update=True
            )
            if (
                draft is not None
                and draft.status == drafts.SUBMITTED
                and draft.owner_aad_id == person.aad_object_id
                and draft.case_id is not None
            ):
                # A double click or a retried request: the same case, not a second one.
                case = await session.get(Case, draft.case_id)
                assert case is not None
                return await self._confirmation(session, case)
            problem = self._unusable(draft, person)
            if problem is not None:
                return problem
            assert draft is not None
            problems = form_rules.check_form(draft.form, today)
            if problems:
                draft.section = SUMMARY
                await drafts.save_draft(
                    session=session, cipher=self.deps.cipher, draft=draft, now=now
                )
                return cards.summary_card(draft_id=draft.id, form=draft.form, problems=problems)

            form = draft.form
            case = await cases.create_case(
                session=session,
                master=self.deps.cipher,
                timetable=self.deps.timetable,
                new=cases.NewCase(
                    awareness_date=today,
                    referring_agency=form_rules.referring_agency(form),
                    referrer_aad_id=person.aad_object_id,
                    referral=form,
                    criteria=form_rules.criteria_keys(form),
                    idempotency_key=f"draft:{draft.id}",
                ),
                actor_role=Role.PRACTITIONER,
                now=now,
            )
            await drafts.close_draft(
                session=session,
                draft_id=draft.id,
                status=drafts.SUBMITTED,
                now=now,
                case_id=case.id,
            )
            await self._queue_notices(session, case, form, person, today, now)
            confirmation = await self._confirmation(session, case)
        log.info("referral submitted", extra={"case": case.reference})
        return confirmation

    async def _queue_notices(
        self,
        session: AsyncSession,
        case: Case,
        form: Mapping[str, Any],
        referrer: Person,
        today: date,
        now: datetime,
    ) -> None:
        """The business unit and the chair get the details 1:1; the channel gets the case card."""
        recipients: dict[str, Role] = {}
        for role in (Role.BUSINESS_UNIT, Role.CHAIR):
            for aad in await people.list_holders(session=session, role=role):
                recipients.setdefault(aad, role)
        for aad, role in recipients.items():
            card = cards.referral_details_card(
                reference=case.reference,
                form=form,
                referrer_name=referrer.name,
                received=today,
                audience=label(role),
            )
            await outbox.enqueue(
                session=session,
                cipher=self.deps.cipher,
                now=now,
                card=card,
                summary=f"New referral {case.reference}",
                recipient_aad_id=aad,
                case_ref=case.reference,
            )
            # Sending someone the details is a disclosure: audited like a view.
            await append_audit(
                session=session,
                now=now,
                actor_aad_id="system",
                actor_role="system",
                action="referral.details_sent",
                case_ref=case.reference,
                details={"recipient": aad, "recipient_role": role, "version": 1},
            )
        if self.deps.case_review_channel_id:
            await outbox.enqueue(
                session=session,
                cipher=self.deps.cipher,
                now=now,
                card=await case_card_for(
                    session, case, self.deps.timetable, now.astimezone(self.deps.timezone)
                ),
                summary=f"Case {case.reference}: new referral",
                channel_id=self.deps.case_review_channel_id,
                card_key=case_card_key(case.reference),
                case_ref=case.reference,
            )
        else:
            log.warning(
                "no case review channel configured; case card not posted",
                extra={"case": case.reference},
            )

    async def _confirmation(self, session: AsyncSession, case: Case) -> dict[str, Any]:
        timetable = self.deps.timetable
        anchors = project(timetable, cases.anchors_of(case))
        dues = due_dates(timetable, anchors)
        steps = [(text, dues.get(key)) for key, text in NEXT_STEP_TEXT.items()]
        contacts = []
        for aad in await people.list_holders(session=session, role=Role.BUSINESS_UNIT):
            known = await people.get_person(session=session, aad_object_id=aad)
            if known is not None and known.name:
                contacts.append(known.name)
        return cards.confirmation_card(
            reference=case.reference,
            day_one=timetable.calendar().day_one(case.awareness_date),
            next_steps=steps,
            contacts=contacts,
            contact_email=self.deps.contact_email,
        )


# ----- the channel's case card ----------------------------------------------------------------


def case_card_key(reference: str) -> str:
    return f"case-card:{reference}"


async def case_card_for(
    session: AsyncSession, case: Case, timetable: Timetable, now: datetime
) -> dict[str, Any]:
    """The case card from the stored case: reference, stage, agency, dates; nothing personal.

    ``now`` is shown as the card's update time: pass it in local time."""
    rows = await cases.list_milestones(session=session, case=case)
    return case_card_from_rows(case, rows, timetable, now)


def case_card_from_rows(
    case: Case, rows: Sequence[MilestoneRow], timetable: Timetable, now: datetime
) -> dict[str, Any]:
    by_key = {row.key: row for row in rows}
    projected = due_dates(timetable, project(timetable, cases.anchors_of(case)))
    key_dates = [
        (
            text,
            by_key[key].due_date if key in by_key and by_key[key].due_date else projected.get(key),
        )
        for key, text in CASE_CARD_DATES
    ]
    open_rows = sorted(
        (row for row in rows if row.completed_at is None and row.due_date is not None),
        key=lambda row: (row.due_date or date.max, row.id),
    )
    next_deadline = None
    if open_rows:
        first = open_rows[0]
        assert first.due_date is not None
        next_deadline = (timetable.get(first.key).title, first.due_date)
    return cards.case_card(
        reference=case.reference,
        stage=STAGE_LABELS[Stage(case.stage)],
        referring_agency=case.referring_agency,
        key_dates=key_dates,
        next_deadline=next_deadline,
        updated=now,
    )
