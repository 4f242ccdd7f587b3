"""Adding information to a submitted referral: a new referral version (the earlier ones are
kept), sent as what changed to the business unit, the chair and the CSC Deputy Director."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import referral as cards
from flows.context import CaseContext
from flows.forms import Refused, Submission
from storage import outbox, people
from storage.audit import append_audit
from storage.models import Case, ReferralVersion
from storage.referrals import add_referral_version, read_referral
from workflow.referral import REFERRAL
from workflow.roles import REFERRAL_RECIPIENTS, Role, label

log = logging.getLogger(__name__)


def may_add_information(case: Case, aad_object_id: str, roles: frozenset[str]) -> bool:
    """The case's referrer, or the BDSCP Business Unit."""
    # A referral entered for someone who isn't on Teams has no referrer id: "" matches no one.
    referrer = bool(aad_object_id) and case.referrer_aad_id == aad_object_id
    return referrer or Role.BUSINESS_UNIT in roles


@dataclass(frozen=True)
class AddInfoFlow:
    context: CaseContext

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        case = await session.get(Case, submission.case_id) if submission.case_id else None
        if case is None:
            raise LookupError("the case this form was for is gone")
        person = submission.person
        roles = await people.get_roles(session=session, aad_object_id=person.aad_object_id)
        if not may_add_information(case, person.aad_object_id, roles):
            # Checked at the start too; checked again here: never trust a card.
            raise Refused(
                f"Only the person who referred {case.reference}, or the BDSCP Business Unit, "
                "can add information to it."
            )
        latest = await read_referral(session=session, master=self.context.cipher, case=case)
        added = {
            "added_on": submission.today.isoformat(),
            "by": person.name,
            **submission.form["update"],
        }
        form = REFERRAL.current(dict(latest.form))
        form["additions"] = [*form.get("additions", []), added]
        role = Role.BUSINESS_UNIT if Role.BUSINESS_UNIT in roles else Role.PRACTITIONER
        version = await add_referral_version(
            session=session,
            master=self.context.cipher,
            case=case,
            form=form,
            by=person.aad_object_id,
            actor_role=role,
            now=submission.now,
        )
        recipients: dict[str, Role] = {}
        for recipient_role in REFERRAL_RECIPIENTS:
            for aad in await people.list_holders(session=session, role=recipient_role):
                recipients.setdefault(aad, recipient_role)
        for aad, recipient_role in recipients.items():
            await outbox.enqueue(
                session=session,
                cipher=self.context.cipher,
                now=submission.now,
                card=cards.more_information_card(
                    reference=case.reference,
                    version=version,
                    added=added,
                    audience=label(recipient_role),
                ),
                summary=f"More information on {case.reference}",
                recipient_aad_id=aad,
                case_ref=case.reference,
            )
            await append_audit(
                session=session,
                now=submission.now,
                actor_aad_id="system",
                actor_role="system",
                action="referral.details_sent",
                case_ref=case.reference,
                details={"recipient": aad, "recipient_role": recipient_role, "version": version},
            )
        log.info("information added", extra={"case": case.reference, "version": version})
        return int(case.id)

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        case = await session.get(Case, case_id) if case_id is not None else None
        if case is None:
            raise LookupError(f"no case {case_id}")
        version = await session.scalar(
            select(func.max(ReferralVersion.version)).where(ReferralVersion.case_id == case.id)
        )
        return cards.information_added_card(reference=case.reference, version=int(version or 1))
