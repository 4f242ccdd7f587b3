"""The Business Unit inviting another agency's person to give a scoping view (seed, section 4:
the partners scope the case "with any other agencies involved"). The invitation is a request
on the case: it lets that person see this case's referral and give a view on it, and nothing
else. One flow, in the caller's transaction."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.scoping import Invited, invite_card, scoping_invitation_card
from flows.common import PARTNER_ROLES, Answer, current, lock_as
from flows.context import CaseContext
from flows.forms import Refused
from flows.referrals import send_current_details
from flows.scoping import SCOPING_INVITATION
from storage import outbox, people, requests
from storage.audit import append_audit
from storage.models import Case, Person
from workflow.decisions import DecisionKind
from workflow.roles import Role, label
from workflow.stages import Stage

log = logging.getLogger(__name__)

ONLY_BUSINESS_UNIT = "Only the BDSCP Business Unit invites other agencies to give a view."
AGENCY_MAX = 200


def moved_on(case: Case) -> str:
    return (
        f"{case.reference} has moved on from scoping, so no one else can be asked for a "
        "scoping view now."
    )


async def who_and_agency(
    session: AsyncSession, person: str, agency: str, verb: str
) -> tuple[Person | None, str]:
    """The person a card names (an Entra id, checked against the directory) and what is
    wrong with them or their agency's name, in words for the card ("" when nothing)."""
    who = await people.get_person(session=session, aad_object_id=person) if person else None
    if who is None:
        return None, f"Choose who to {verb} from the list."
    if not agency:
        return who, f"Say which agency {who.name} is from."
    if len(agency) > AGENCY_MAX:
        return who, f"Keep the agency's name to {AGENCY_MAX} characters."
    return who, ""


async def invite_card_for(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    *,
    error: str = "",
    person: str = "",
    agency: str = "",
    done: str = "",
) -> dict[str, Any]:
    if Stage(case.stage) is not Stage.SCOPING:
        raise Refused(moved_on(case))
    answered = {
        v.decided_by for v in await current(session, context, case, DecisionKind.SCOPING_VIEW)
    }
    invited = []
    for row in await requests.list_requests(session=session, case=case, purpose=SCOPING_INVITATION):
        who = await people.get_person(session=session, aad_object_id=row.aad_object_id)
        invited.append(
            Invited(
                name=who.name if who is not None and who.name else "Someone",
                agency=row.agency,
                when=row.requested_at.astimezone(context.timezone),
                answered=row.aad_object_id in answered,
            )
        )
    return invite_card(
        reference=case.reference,
        people=[(p.aad_object_id, p.name) for p in await people.list_people(session=session)],
        invited=invited,
        error=error,
        person=person,
        agency=agency,
        done=done,
    )


async def invite(
    session: AsyncSession,
    context: CaseContext,
    *,
    reference: str,
    person: str,
    agency: str,
    actor: str,
    roles: frozenset[str],
    now: datetime,
) -> Answer | None:
    """Invite ``person`` (an Entra id from the card, checked here) from ``agency``."""
    locked = await lock_as(
        session,
        reference,
        Role.BUSINESS_UNIT,
        what="scoping_invitation",
        actor=actor,
        roles=roles,
        now=now,
        refusal=ONLY_BUSINESS_UNIT,
    )
    if not isinstance(locked, Case):
        return locked  # no such case, or the refusal (audited, not rolled back)
    case = locked
    agency = " ".join(agency.split())

    async def again(error: str) -> Answer:
        card = await invite_card_for(
            session, context, case, error=error, person=person, agency=agency
        )
        return Answer(card, False)

    if Stage(case.stage) is not Stage.SCOPING:
        raise Refused(moved_on(case))
    invitee, problem = await who_and_agency(session, person, agency, "invite")
    if invitee is None or problem:
        return await again(problem)
    held = await people.get_roles(session=session, aad_object_id=person)
    partner = next((r for r in PARTNER_ROLES if r in held), None)
    if partner is not None:
        return await again(
            f"{invitee.name} is the {label(partner)}: they were asked for a view already."
        )
    request, new = await requests.add_request(
        session=session,
        case=case,
        purpose=SCOPING_INVITATION,
        aad_object_id=person,
        agency=agency,
        requested_by=actor,
        now=now,
    )
    if not new:
        return await again(
            f"{invitee.name} was invited already, for {request.agency}: the card is in their chat."
        )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=Role.BUSINESS_UNIT,
        action="scoping.invited",
        case_ref=case.reference,
        details={"invitee": person, "agency": agency},
    )
    await send_current_details(session, context, case, now, person, Role.INVITED_AGENCY)
    await outbox.enqueue(
        session=session,
        cipher=context.cipher,
        now=now,
        card=scoping_invitation_card(
            reference=case.reference,
            audience=f"the representative of {agency}, invited by the BDSCP Business Unit",
        ),
        summary=f"Your scoping view on {case.reference}",
        recipient_aad_id=person,
        case_ref=case.reference,
        dedupe_key=f"scoping-invitation:{case.reference}:{person}",
    )
    log.info("scoping view invited", extra={"case": case.reference})
    card = await invite_card_for(
        session,
        context,
        case,
        done=f"Invited {invitee.name} ({agency}). They have the referral and the scoping card.",
    )
    return Answer(card, True)
