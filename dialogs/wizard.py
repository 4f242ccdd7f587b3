"""One wizard for every form spec: a card per section, a summary, one submit.

Why not a botbuilder WaterfallDialog: every step is an ``Action.Execute`` on a card, and a card
can be pressed again days later, after a restart, or twice. So the wizard's state is the draft
row itself (saved at every button, encrypted), and every card action names its draft; the
server checks the draft's form, owner and status each time. Stale, foreign or double presses
get a clear answer instead of a confused dialog stack.

A form is a ``FormSpec`` (workflow/) and a ``FormFlow``: what submitting does, in the same
transaction as closing the draft (flows/). Nothing here knows what a referral is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import drafts as draft_cards
from cards import forms as cards
from cards.form_summary import summary_card
from dialogs import draft_audit
from flows.forms import FormFlow, Refused, Submission
from storage import drafts
from storage.crypto import Cipher
from storage.db import engine_of, transaction
from workflow import forms

log = logging.getLogger(__name__)

SUMMARY = cards.SUMMARY


@dataclass(frozen=True)
class WizardDeps:
    sessions: async_sessionmaker[AsyncSession]
    cipher: Cipher
    clock: Callable[[], datetime]
    timezone: ZoneInfo


@dataclass(frozen=True)
class Person:
    aad_object_id: str
    name: str
    email: str = ""
    # Asks Teams for the email, only when a new form is to be prefilled.
    profile_email: Callable[[], Awaitable[str]] | None = None


# Known answers for a new form: who is filling it in, and today's date (Europe/London).
Prefill = Callable[[Person, date], Awaitable[Mapping[str, Mapping[str, Any]]]]


async def no_prefill(person: Person, today: date) -> Mapping[str, Mapping[str, Any]]:
    return {}


# Known answers from the case a per-case form is about (the referral's children, say), read in
# the transaction that makes the draft: section -> values, or a repeating section's rows.
CasePrefill = Callable[[AsyncSession, Person, int, datetime], Awaitable[Mapping[str, Any]]]


class FormWizard:
    def __init__(
        self,
        spec: forms.FormSpec,
        deps: WizardDeps,
        flow: FormFlow,
        *,
        prefill: Prefill = no_prefill,
        late_prefill: tuple[str, ...] = (),
        case_prefill: CasePrefill | None = None,
    ) -> None:
        """``prefill`` gives known answers for a new form; sections in ``late_prefill`` get
        their still-blank answers from it again when first reached (a slow lookup's answer
        that arrived after the form was shown)."""
        self.spec = spec
        self.deps = deps
        self.flow = flow
        self.prefill = prefill
        self.late_prefill = late_prefill
        self.case_prefill = case_prefill
        self.verbs = cards.verbs(spec)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.deps.timezone).date()

    # ----- starting -----------------------------------------------------------------------

    async def start(
        self,
        person: Person,
        *,
        case_id: int | None = None,
        known: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Offer the person's open draft of this form back, or begin a new one (with
        ``known`` answers: what the command named, say, over any other prefill)."""
        existing = await self._open_draft(person, case_id)
        if existing is not None:
            return self._resume(existing)
        try:
            return await self._new_draft(person, case_id, known or {})
        except IntegrityError:
            # Another start raced this one: one open draft per person, form and case.
            existing = await self._open_draft(person, case_id)
            assert existing is not None
            return self._resume(existing)

    async def _open_draft(self, person: Person, case_id: int | None) -> drafts.DraftHeader | None:
        return await drafts.open_draft_header(
            engine=engine_of(self.deps.sessions),
            form_kind=self.spec.kind,
            owner_aad_id=person.aad_object_id,
            case_id=case_id,
        )

    def _resume(self, draft: drafts.DraftHeader) -> dict[str, Any]:
        return draft_cards.resume_card(
            self.spec,
            draft_id=draft.id,
            started=draft.created_at,
            updated=draft.updated_at,
            section_key=draft.section,
        )

    async def _new_draft(
        self, person: Person, case_id: int | None, given: Mapping[str, Any]
    ) -> dict[str, Any]:
        now = self.deps.clock()
        known = await self.prefill(person, self.today(now))  # before the transaction: Teams
        async with transaction(self.deps.sessions) as session:
            if case_id is not None and self.case_prefill is not None:
                known = {**known, **await self.case_prefill(session, person, case_id, now)}
            known = {**known, **given}
            draft = await drafts.create_draft(
                session=session,
                cipher=self.deps.cipher,
                form_kind=self.spec.kind,
                owner_aad_id=person.aad_object_id,
                case_id=case_id,
                section=self.spec.keys[0],
                form=self.spec.empty(known),
                now=now,
            )
            await self._audit(session, "started", draft, person, now)
        return self._card_for(draft)

    # ----- card actions -------------------------------------------------------------------

    async def handle(self, verb: str, data: Mapping[str, Any], person: Person) -> dict[str, Any]:
        v = self.verbs
        if verb == v.start_new:
            if self.spec.per_case:  # started only with its case, by its command
                return draft_cards.draft_gone_card(self.spec, "Start it again with its case.")
            return await self.start(person)
        draft_id = str(data.get("draft_id") or "")
        if verb == v.submit:
            return await self._submit(draft_id, person)

        late: Mapping[str, Mapping[str, Any]] = {}
        if verb == v.next and self.late_prefill:
            key = str(data.get("section") or "")
            following = self.spec.next_section(key) if key in self.spec.keys else None
            if following in self.late_prefill:
                late = await self.prefill(person, self.today(self.deps.clock()))  # no lock

        now = self.deps.clock()
        async with transaction(self.deps.sessions) as session:
            draft = await self._load(session, draft_id)
            problem = self._unusable(draft, person)
            if problem is not None:
                await self._audit_misuse(session, draft_id, verb, person, now)
                return problem
            assert draft is not None

            if verb == v.resume:
                return self._card_for(draft)
            if verb == v.page and data.get("section") == SUMMARY:
                return self._card_for(draft, part=_number(data.get("to"), 1))
            if verb == v.discard:
                await self._discard(session, draft, person, now)
                case_id = draft.case_id
            elif verb == v.cancel_confirm:
                await self._discard(session, draft, person, now)
                return draft_cards.discarded_card(self.spec)
            elif verb == v.edit:
                key = str(data.get("section") or "")
                if key not in self.spec.keys:
                    return self._card_for(draft)
                draft.section = key
                await self._save(session, draft, now)
                return self._section(draft, key, {}, returning=True)
            else:
                return await self._step(session, draft, verb, data, now, late)
        # Discarded to start again: a fresh draft, in its own transaction.
        return await self._new_draft(person, case_id, {})

    async def _load(self, session: AsyncSession, draft_id: str) -> drafts.Draft | None:
        """The draft, locked for this turn, its answers in the spec's current shape."""
        draft = await drafts.get_draft(
            session=session, cipher=self.deps.cipher, draft_id=draft_id, for_update=True
        )
        if draft is not None and draft.form_kind == self.spec.kind:
            draft.form = self.spec.current(draft.form)
        return draft

    def _unusable(self, draft: drafts.Draft | None, person: Person) -> dict[str, Any] | None:
        noun = self.spec.noun
        if draft is None or draft.form_kind != self.spec.kind:
            return draft_cards.draft_gone_card(
                self.spec, f"I can't find that {noun} form any more."
            )
        if draft.owner_aad_id != person.aad_object_id:
            log.warning("draft used by someone else", extra={"draft": draft.id})
            return draft_cards.draft_gone_card(
                self.spec, f"This {noun} form belongs to someone else."
            )
        if draft.status == drafts.DISCARDED:
            return draft_cards.draft_gone_card(
                self.spec, f"This {noun} was cancelled and its answers deleted."
            )
        if draft.status == drafts.SUBMITTED:
            return draft_cards.draft_gone_card(
                self.spec,
                f"This {noun} has already been submitted: nothing more is needed from this form.",
            )
        return None

    async def _save(self, session: AsyncSession, draft: drafts.Draft, now: datetime) -> None:
        await drafts.save_draft(session=session, cipher=self.deps.cipher, draft=draft, now=now)

    async def _discard(
        self, session: AsyncSession, draft: drafts.Draft, person: Person, now: datetime
    ) -> None:
        await drafts.close_draft(
            session=session, draft_id=draft.id, status=drafts.DISCARDED, now=now
        )
        await self._audit(session, "discarded", draft, person, now)

    async def _audit(
        self, session: AsyncSession, what: str, draft: drafts.Draft, person: Person, now: datetime
    ) -> None:
        await draft_audit.audited(session, self.spec.kind, what, draft, person, now)

    async def _audit_misuse(
        self, session: AsyncSession, draft_id: str, verb: str, person: Person, now: datetime
    ) -> None:
        await draft_audit.misuse(session, self.spec.kind, draft_id, verb, person, now)

    async def _step(
        self,
        session: AsyncSession,
        draft: drafts.Draft,
        verb: str,
        data: Mapping[str, Any],
        now: datetime,
        late: Mapping[str, Mapping[str, Any]],
    ) -> dict[str, Any]:
        v, spec = self.verbs, self.spec
        key = str(data.get("section") or "")
        if key not in spec.keys:
            return self._card_for(draft)
        sec = spec.section(key)
        returning = data.get("return") == SUMMARY
        rows, first = _number(data.get("rows")), _number(data.get("first"))
        if sec.repeating and sec.page_rows:  # never trusted: a page of the rows there are
            first = sec.page_of(min(first, len(draft.form.get(key) or [])))
        else:
            first = 0
        reading = forms.read_section(sec, data, rows, first)
        values = reading.values
        if sec.repeating and sec.page_rows:  # the page shown, in its place in the whole list
            whole = list(draft.form.get(key) or [])
            values = whole[:first] + values + whole[first + rows :]
        notice = None
        show = first
        if verb == v.add_row and sec.repeating:
            if len(values) >= sec.max_rows:
                notice = f"At most {sec.max_rows} can be added here."
            else:
                values.append({f.id: ([] if f.kind == "multichoice" else "") for f in sec.fields})
            show = len(values) - 1
        if verb == v.remove_row and sec.repeating:
            index = _number(data.get("row"), -1)
            if 0 <= index < len(values) and len(values) > sec.min_rows:
                values.pop(index)
            show = min(max(index, 0), max(len(values) - 1, 0))
        if verb == v.page and sec.repeating:
            show = _number(data.get("to"))
        # Save what was typed first, whatever happens next: nothing typed is lost.
        draft.form[key] = values
        draft.section = key

        if verb in (v.add_row, v.remove_row, v.page):
            await self._save(session, draft, now)
            return self._section(
                draft,
                key,
                reading.errors,
                returning=returning,
                notice=notice,
                cut=reading.cut,
                first=show,
            )
        if verb == v.back:
            previous = spec.previous_section(key) or key
            draft.section = previous
            await self._save(session, draft, now)
            return self._section(draft, previous, {})

        # NEXT: check this section (empty rows dropped first, so messages match the rows shown).
        cut_errors = reading.errors
        if sec.repeating:
            values, cut_errors = forms.drop_empty_rows(values, reading.errors, sec.min_rows)
            draft.form[key] = values
        errors = {**forms.check_step(spec, draft.form, key, self.today(now)), **cut_errors}
        if errors:
            await self._save(session, draft, now)
            return self._section(
                draft, key, errors, returning=returning, cut=reading.cut, first=_first_row(errors)
            )
        following = None if returning else spec.next_section(key)
        if following is not None and following in late:
            current = draft.form.get(following)
            if isinstance(current, dict):
                for field_id, value in late[following].items():
                    if field_id in current and not current[field_id]:
                        current[field_id] = value
        draft.section = following or SUMMARY
        await self._save(session, draft, now)
        return self._card_for(draft, near=key if returning else "")

    def _section(
        self,
        draft: drafts.Draft,
        key: str,
        errors: Mapping[str, str],
        *,
        returning: bool = False,
        notice: str | None = None,
        cut: bool = False,
        first: int = 0,
    ) -> dict[str, Any]:
        sec = self.spec.section(key)
        values = draft.form.get(key, [] if sec.repeating else {})
        return cards.section_card(
            self.spec,
            draft_id=draft.id,
            section_key=key,
            values=values,
            errors=errors,
            returning_to_summary=returning,
            notice=notice,
            cut=cut,
            first=first,
        )

    def _card_for(self, draft: drafts.Draft, *, part: int = 1, near: str = "") -> dict[str, Any]:
        """The card for where the draft is; on the summary, ``part`` of it, or the part that
        holds the section ``near`` (the one just changed)."""
        if draft.section == SUMMARY:
            today = self.today(self.deps.clock())
            return summary_card(
                self.spec,
                draft_id=draft.id,
                form=draft.form,
                problems=forms.check_form(self.spec, draft.form, today),
                part=part,
                section=near,
            )
        return self._section(draft, draft.section, {})

    # ----- submitting ---------------------------------------------------------------------

    async def _submit(self, draft_id: str, person: Person) -> dict[str, Any]:
        try:
            return await self._submit_once(draft_id, person)
        except Refused as refused:
            log.info("submit refused", extra={"draft": draft_id})
            return draft_cards.refused_card(self.spec, str(refused), draft_id)
        except IntegrityError:
            # A second submit raced this one past the draft lock: what it made exists; show it.
            log.info("duplicate submit resolved", extra={"draft": draft_id})
            return await self._submit_once(draft_id, person)

    async def _submit_once(self, draft_id: str, person: Person) -> dict[str, Any]:
        now = self.deps.clock()
        today = self.today(now)
        async with transaction(self.deps.sessions) as session:
            draft = await self._load(session, draft_id)
            if (
                draft is not None
                and draft.form_kind == self.spec.kind
                and draft.status == drafts.SUBMITTED
                and draft.owner_aad_id == person.aad_object_id
            ):
                # A double click or a retried request: the same result, not a second one.
                return await self.flow.confirmation(session, draft.case_id)
            problem = self._unusable(draft, person)
            if problem is not None:
                await self._audit_misuse(session, draft_id, self.verbs.submit, person, now)
                return problem
            assert draft is not None
            problems = forms.check_form(self.spec, draft.form, today)
            if problems:
                draft.section = SUMMARY
                await self._save(session, draft, now)
                return summary_card(
                    self.spec, draft_id=draft.id, form=draft.form, problems=problems
                )
            case_id = await self.flow.submit(
                session,
                Submission(
                    draft_id=draft.id,
                    form=draft.form,
                    person=person,
                    case_id=draft.case_id,
                    now=now,
                    today=today,
                ),
            )
            await drafts.close_draft(
                session=session,
                draft_id=draft.id,
                status=drafts.SUBMITTED,
                now=now,
                case_id=case_id,
            )
            return await self.flow.confirmation(session, case_id)


def _number(raw: Any, otherwise: int = 0) -> int:
    """A whole number a card sent back (a row, a count), or ``otherwise``."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        return otherwise


def _first_row(errors: Mapping[str, str]) -> int:
    """The first row with a problem (input ids ``field__row``), to show its page."""
    found = [
        int(index)
        for ident in errors
        for _, _, index in [ident.rpartition("__")]
        if index.isdigit()
    ]
    return min(found, default=0)
