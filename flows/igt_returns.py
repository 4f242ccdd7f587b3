"""Information gathering, the returns: respondents return the Information Gathering Tool (the
form: ``IgtFlow``) or say they had no involvement, and the returns are read, one by one or
as one merged chronology.

Who sees what: a respondent, their own return only; the Business Unit, the chair and the
partner representatives, every return. Every view of a return is audited, and so is every
refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import igt as cards
from flows.case_card import refresh_case_card
from flows.common import Answer, Reason, refuse
from flows.context import CaseContext
from flows.forms import Refused, Submission
from flows.igt import (
    NOT_A_READER,
    NOT_ASKED,
    PURPOSE,
    READERS,
    allowed,
    asked_on,
    default_due,
    local_day,
    moved_on,
)
from storage import cases, outbox, people, requests
from storage.audit import append_audit
from storage.milestones import complete_milestone
from storage.models import Case, CaseRequest
from storage.referrals import read_referral
from workflow import igt as rules
from workflow.referral import REFERRAL
from workflow.roles import Role
from workflow.stages import Event

log = logging.getLogger(__name__)


# ----- the respondent --------------------------------------------------------------------------


async def request_of(session: AsyncSession, case: Case, aad: str) -> CaseRequest | None:
    return await requests.get_request(
        session=session, case=case, purpose=PURPOSE, aad_object_id=aad
    )


async def opened(session: AsyncSession, case: Case, request: CaseRequest, now: datetime) -> None:
    """The respondent opened the form: recorded once, and audited."""
    if request.state == rules.SENT:
        request.state = rules.OPENED
        request.updated_at = now
        await append_audit(
            session=session,
            now=now,
            actor_aad_id=request.aad_object_id,
            actor_role=Role.AGENCY_RESPONDENT,
            action="igt.opened",
            case_ref=case.reference,
            details={"request": request.id},
        )


async def prefill_for(
    session: AsyncSession, context: CaseContext, case: Case, aad: str, name: str, now: datetime
) -> dict[str, Any]:
    """A new form's known answers: a correction starts from the respondent's latest return;
    a first one from the referral (the children, the family, the incident) and who they are.
    Prefilling is a disclosure of the referral to the respondent: audited."""
    request = await request_of(session, case, aad)
    if request is None:
        return {}
    latest = (
        await requests.latest_returns(
            session=session, master=context.cipher, case=case, request_ids=[request.id]
        )
    ).get(request.id)
    if latest is not None and latest.kind == "return":
        return dict(latest.form)
    referral = await read_referral(session=session, master=context.cipher, case=case)
    form = REFERRAL.current(dict(referral.form))
    children = form.get("child") or []
    await append_audit(
        session=session,
        now=now,
        actor_aad_id="system",
        actor_role="system",
        action="referral.prefilled_igt",
        case_ref=case.reference,
        details={"recipient": aad, "version": referral.version},
    )
    return {
        "completing": {"name": name, "organisation": request.agency},
        "child": [dict(c) for c in children if isinstance(c, Mapping)],
        "family": [dict(f) for f in form.get("family") or [] if isinstance(f, Mapping)],
        "incident": {
            "incident_date": form.get("incident", {}).get("incident_date", ""),
            "carer": next((str(c.get("carer") or "") for c in children if c.get("carer")), ""),
        },
    }


async def _answered(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    request: CaseRequest,
    now: datetime,
    agency_named: Sequence[str],
) -> None:
    """After a return or a 'no involvement': the milestone when every request is answered,
    the case card's counts, and the Business Unit told (with any agencies named)."""
    today = local_day(context, now)
    asked = await asked_on(session, context, case, today)
    counts = rules.count(a.state for a in asked)
    if counts.returned == counts.asked:
        await complete_milestone(
            session=session, case=case, key="igt_returns", by="system", now=now
        )
    await refresh_case_card(session, context, case, now, "an Information Gathering Tool answered")
    asked_agencies = {a.agency.strip().lower() for a in asked}
    named = [n for n in dict.fromkeys(agency_named) if n.strip().lower() not in asked_agencies]
    card = cards.returned_notice_card(
        reference=case.reference,
        agency=request.agency,
        counts=counts.text,
        named=named,
        people=[(p.aad_object_id, p.name) for p in await people.list_people(session=session)],
        default_due=await default_due(session, context, case, today),
    )
    for unit in await people.list_holders(session=session, role=Role.BUSINESS_UNIT):
        await outbox.enqueue(
            session=session,
            cipher=context.cipher,
            now=now,
            card=card,
            summary=f"Information Gathering Tool returned: {case.reference}",
            recipient_aad_id=unit,
            case_ref=case.reference,
        )


async def _answerable(
    session: AsyncSession, case: Case, aad: str
) -> tuple[CaseRequest | None, str]:
    """The request ``aad`` may answer now, or why not."""
    request = await request_of(session, case, aad)
    if request is None:
        return None, NOT_ASKED
    roles = await people.get_roles(session=session, aad_object_id=aad, case_id=case.id)
    if not allowed(case, Event.IGT_RETURNED, roles):
        return None, moved_on(case)
    return request, ""


@dataclass(frozen=True)
class IgtFlow:
    """Returning the form: a new version every time (a correction never overwrites)."""

    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case = await session.get(Case, submission.case_id) if submission.case_id else None
        if case is None:
            raise LookupError("the case this form was for is gone")
        aad = submission.person.aad_object_id
        request, why = await _answerable(session, case, aad)
        if request is None:
            raise Refused(why)
        version = await requests.add_return(
            session=session,
            master=self.context.cipher,
            case=case,
            request=request,
            kind="return",
            form=submission.form,
            by=aad,
            now=submission.now,
        )
        request.state = rules.RETURNED
        request.updated_at = submission.now
        await append_audit(
            session=session,
            now=submission.now,
            actor_aad_id=aad,
            actor_role=Role.AGENCY_RESPONDENT,
            action="igt.returned",
            case_ref=case.reference,
            details={"request": request.id, "version": version},
        )
        await _answered(
            session,
            self.context,
            case,
            request,
            submission.now,
            rules.named_agencies(submission.form),
        )
        log.info("igt returned", extra={"case": case.reference})
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        case = await session.get(Case, case_id) if case_id is not None else None
        if case is None:
            raise LookupError(f"no case {case_id}")
        return cards.answered_card(reference=case.reference, no_involvement=False, version=1)


async def no_involvement(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    reason: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    case = await cases.lock_case(session=session, reference=reference)
    if case is None:
        return None
    request, why = await _answerable(session, case, actor)
    if request is None:
        await refuse(session, case, actor, "igt_no_involvement", Reason.NOT_ASKED, now, roles=roles)
        return Answer(None, False, why)
    reason = reason.strip()
    if not reason:
        card = cards.request_card(
            reference=case.reference,
            agency=request.agency,
            due=request.due_date,
            error="Give the reason your agency has had no involvement.",
        )
        return Answer(card, False)
    version = await requests.add_return(
        session=session,
        master=context.cipher,
        case=case,
        request=request,
        kind="no_involvement",
        form={"reason": reason[:1000]},
        by=actor,
        now=now,
    )
    request.state = rules.NO_INVOLVEMENT
    request.updated_at = now
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=Role.AGENCY_RESPONDENT,
        action="igt.no_involvement",
        case_ref=case.reference,
        details={"request": request.id, "version": version},
    )
    await _answered(session, context, case, request, now, [])
    return Answer(
        cards.answered_card(reference=case.reference, no_involvement=True, version=version), True
    )


# ----- reading the returns ---------------------------------------------------------------------


async def read_return(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    request_id: int,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> tuple[list[dict[str, Any]], str]:
    """One agency's latest return, for a 1:1 chat: the cards, or why not. A respondent reads
    only their own; the readers, any. Every view and refusal is audited."""
    case = await cases.get_case(session=session, reference=reference)
    if case is None:
        return [], f"I can't find a case {reference}."
    request = await session.get(CaseRequest, request_id)
    if request is None or request.case_id != case.id or request.purpose != PURPOSE:
        await refuse(session, case, actor, "igt_read", Reason.NO_SUCH_REQUEST, now, roles=roles)
        return [], "That return isn't one of this case's."
    own = request.aad_object_id == actor
    if not own and not READERS & roles:
        await refuse(session, case, actor, "igt_read", Reason.NOT_A_READER, now, roles=roles)
        return [], NOT_A_READER
    latest = (
        await requests.latest_returns(
            session=session, master=context.cipher, case=case, request_ids=[request.id]
        )
    ).get(request.id)
    if latest is None:
        return [], f"{request.agency} hasn't returned it yet."
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=Role.AGENCY_RESPONDENT
        if own
        else next(r for r in sorted(READERS) if r in roles),
        action="igt.viewed",
        case_ref=case.reference,
        details={"request": request.id, "version": latest.version},
    )
    by = await people.get_person(session=session, aad_object_id=latest.submitted_by)
    return cards.return_cards(
        reference=case.reference,
        agency=request.agency,
        version=latest.version,
        submitted=latest.submitted_at.astimezone(context.timezone),
        by=by.name if by is not None and by.name else "Someone",
        form=latest.form,
        no_involvement=latest.kind == "no_involvement",
    ), ""


async def chronology_for(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    page: int,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> tuple[dict[str, Any] | None, str]:
    """One page of the merged chronology (the readers only), or why not. Audited."""
    case = await cases.get_case(session=session, reference=reference)
    if case is None:
        return None, f"I can't find a case {reference}."
    if not READERS & roles:
        await refuse(session, case, actor, "igt_chronology", Reason.NOT_A_READER, now, roles=roles)
        return None, (
            "Only the BDSCP Business Unit, the Case Review Sub-group chair and the partner "
            "representatives read the merged chronology."
        )
    asked = {
        r.id: r.agency
        for r in await requests.list_requests(session=session, case=case, purpose=PURPOSE)
    }
    returns = [
        (asked.get(ret.request_id, "An agency"), ret.form)
        for ret in (
            await requests.latest_returns(session=session, master=context.cipher, case=case)
        ).values()
        if ret.kind == "return"
    ]
    entries = rules.chronology(returns)
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=next(r for r in sorted(READERS) if r in roles),
        action="igt.chronology_viewed",
        case_ref=case.reference,
        details={"page": page, "entries": len(entries)},
    )
    return cards.chronology_card(
        reference=case.reference, entries=entries, page=page, agencies=len(returns)
    ), ""
