"""Who must be told after the Local Authority's decision (the national Panel, Ofsted, the
DfE, and for a looked-after child's death the child death review and safeguarding
partners): a checklist card, and the Business Unit marking each one told.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.notifications import Notice, notifications_card, panel_text_card
from flows.case_card import refresh_case_card
from flows.common import (
    Answer,
    current,
    lock_as,
)
from flows.context import CaseContext
from flows.decided import due_text, who_is
from storage import outbox, people
from storage.audit import append_audit
from storage.milestones import list_milestones
from storage.models import Case
from storage.notifications import list_notifications, record_notification
from storage.referrals import read_referral
from workflow import notifications
from workflow.decisions import DecisionKind
from workflow.roles import Role

log = logging.getLogger(__name__)


async def notifications_card_for(
    session: AsyncSession, context: CaseContext, case: Case
) -> dict[str, Any] | None:
    """The checklist, or None when nobody need be told (not notified, no looked-after death)."""
    decided = await current(session, context, case, DecisionKind.LA_DECISION)
    if not decided:
        return None
    referral = await read_referral(session=session, master=context.cipher, case=case)
    keys = notifications.required(notified=decided[-1].outcome == "notify", form=referral.form)
    if not keys:
        return None
    done = {row.recipient: row for row in await list_notifications(session=session, case=case)}
    rows = await list_milestones(session=session, case=case)
    notices = []
    for key in keys:
        row = done.get(key)
        by = ""
        if row is not None:
            by = await who_is(session, row.recorded_by, Role.BUSINESS_UNIT)
        notices.append(
            Notice(
                key=key,
                title=notifications.RECIPIENTS[key],
                short=notifications.SHORT_NAMES[key],
                sent=row.sent_at.astimezone(context.timezone) if row is not None else None,
                reference=(row.external_reference or "") if row is not None else "",
                by=by,
            )
        )
    return notifications_card(
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
    referral = await read_referral(session=session, master=context.cipher, case=case)
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
                card=panel_text_card(
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
    locked = await lock_as(
        session,
        reference,
        Role.BUSINESS_UNIT,
        what="notification",
        actor=actor,
        roles=roles,
        now=now,
        refusal="Only the BDSCP Business Unit records notifications.",
    )
    if not isinstance(locked, Case):
        return locked
    case = locked
    card = await notifications_card_for(session, context, case)
    if card is None or recipient not in notifications.RECIPIENTS:
        return Answer(card, False, "Nobody needs to be told about this case.")
    done = {row.recipient for row in await list_notifications(session=session, case=case)}
    if recipient not in done:
        await record_notification(
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
