"""A case's timeline (what happened, oldest first, with who and when; never a rationale: it may
be asked for in the channel), its decision records, and who holds each role (``roles``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import status as cards
from flows.case_card import DECISIONS_SHOWN
from flows.context import CaseContext
from flows.queries import FULL, milestone_title, person_name
from storage import people
from storage.audit import append_audit
from storage.decisions import list_decisions
from storage.milestones import list_milestones
from storage.models import (
    Case,
    CaseRequest,
    DecisionRow,
    NotificationRow,
    ReferralVersion,
)
from workflow.roles import Role, label


async def timeline(
    session: AsyncSession, context: CaseContext, case: Case, seen: str
) -> list[cards.Event]:
    """What happened on the case, oldest first, with who and when (never a rationale: the
    timeline may be asked for in the channel)."""
    tz = context.timezone
    events = [
        cards.Event(
            case.created_at.astimezone(tz), f"Referral received from {case.referring_agency}"
        )
    ]
    if seen != FULL:
        for row in await list_milestones(session=session, case=case):
            if row.completed_at is not None:
                events.append(
                    cards.Event(
                        row.completed_at.astimezone(tz),
                        milestone_title(context, row.key) + ": done",
                    )
                )
        return sorted(events, key=lambda e: e.when)
    for version in await session.scalars(
        select(ReferralVersion).where(
            ReferralVersion.case_id == case.id, ReferralVersion.version > 1
        )
    ):
        events.append(
            cards.Event(
                version.submitted_at.astimezone(tz),
                f"More information added (version {version.version})",
                await person_name(session, version.submitted_by),
            )
        )
    titles = {kind: what for kind, (what, _) in DECISIONS_SHOWN.items()}
    outcome_titles = {kind: t for kind, (_, t) in DECISIONS_SHOWN.items()}
    for d in await session.scalars(select(DecisionRow).where(DecisionRow.case_id == case.id)):
        what = titles.get(d.kind, d.kind.replace("_", " ").capitalize())
        outcome = outcome_titles.get(d.kind, {}).get(d.outcome, d.outcome.replace("_", " "))
        suffix = " (revised)" if d.supersedes_id else ""
        events.append(
            cards.Event(
                d.decided_at.astimezone(tz),
                f"{what}: {outcome}{suffix}",
                await person_name(session, d.decided_by),
            )
        )
    for row in await list_milestones(session=session, case=case):
        if row.completed_at is not None:
            events.append(
                cards.Event(
                    row.completed_at.astimezone(tz),
                    f"{milestone_title(context, row.key)}: done",
                    await person_name(session, row.completed_by),
                )
            )
        if row.not_applicable_since is not None:
            events.append(
                cards.Event(
                    row.not_applicable_since.astimezone(tz),
                    f"{milestone_title(context, row.key)}: not applicable",
                )
            )
    for n in await session.scalars(
        select(NotificationRow).where(NotificationRow.case_id == case.id)
    ):
        events.append(
            cards.Event(
                n.sent_at.astimezone(tz),
                f"Told: {n.recipient.replace('_', ' ')}",
                await person_name(session, n.recorded_by),
            )
        )
    for r in await session.scalars(select(CaseRequest).where(CaseRequest.case_id == case.id)):
        what = "Information Gathering Tool sent" if r.purpose == "igt" else "Scoping view asked"
        events.append(
            cards.Event(
                r.requested_at.astimezone(tz),
                f"{what}: {r.agency}",
                await person_name(session, r.requested_by),
            )
        )
    return sorted(events, key=lambda e: e.when)


async def decision_records(
    session: AsyncSession, context: CaseContext, case: Case, *, actor: str, role: str, now: datetime
) -> list[cards.Event]:
    """Every decision record, with its rationale, oldest first; the view audited."""
    tz = context.timezone
    found = []
    every = await list_decisions(session=session, master=context.cipher, case=case)
    replaced = {d.supersedes_id for d in every if d.supersedes_id}
    for d in every:
        what = DECISIONS_SHOWN.get(d.kind, (d.kind.replace("_", " ").capitalize(), {}))
        outcome = what[1].get(d.outcome, d.outcome.replace("_", " "))
        who = await person_name(session, d.decided_by)
        if d.recorded_by:
            who += f", recorded by {await person_name(session, d.recorded_by)}"
        note = f"Rationale: {d.rationale}"
        if d.id in replaced:
            note += " (replaced by a later one)"
        found.append(
            cards.Event(
                d.decided_at.astimezone(tz),
                f"{what[0]}: {outcome}",
                f"{who}, {label(d.decided_role)}",
                note,
            )
        )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=actor,
        actor_role=role,
        action="decisions.viewed",
        case_ref=case.reference,
        details={"decisions": len(every)},
    )
    return found


async def holders(session: AsyncSession) -> list[tuple[str, str]]:
    """Each role and who holds it (for ``roles``)."""
    found = []
    for role in Role:
        if role in (Role.AGENCY_RESPONDENT, Role.INVITED_AGENCY, Role.PRACTITIONER):
            continue
        names = [
            await person_name(session, aad)
            for aad in await people.list_holders(session=session, role=role)
        ]
        found.append((f"{label(role)} ({role.value})", ", ".join(names) or "No one"))
    return found
