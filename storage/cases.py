"""Cases and what hangs off them: references, referral versions, milestones, decisions,
notifications. Repositories only: they read and write rows in the caller's transaction and
never send anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from storage.audit import append_audit
from storage.crypto import Cipher, new_key
from storage.models import (
    Case,
    CaseCorrection,
    CaseRequest,
    DecisionRow,
    MilestoneAdjustment,
    MilestoneRow,
    NotificationRow,
    ReferenceCounter,
    ReferralVersion,
)
from workflow.adjustments import (
    Adjustment,
    AdjustmentKind,
    DueState,
    InvalidAdjustment,
    check_adjustment,
    effective_due,
)
from workflow.decisions import DecisionDraft, InvalidDecision, check_decision
from workflow.roles import Role
from workflow.stages import Stage
from workflow.timetable import Timetable, due_dates

ANCHOR_COLUMNS = {
    "awareness": "awareness_date",
    "notification": "notification_date",
    "igt_sent": "igt_sent_date",
    "review_decision": "review_decision_date",
    "report_sent": "report_sent_date",
    "planned_publication": "planned_publication_date",
}


# Milestones whose due date is set request by request, when each is sent (the seed: "due
# date set when sent, default Day 12"): once any is sent, the milestone falls due with the last
# of them; until then, the timetable's date.
REQUEST_DUES = {"igt_returns": "igt"}


class CasePurged(Exception):
    """The case's personal data was purged; nothing personal can be read any more."""


# ----- references -------------------------------------------------------------------------


def format_reference(year: int, seq: int) -> str:
    return f"BR-{year}-{seq:04d}"


async def allocate_reference(*, session: AsyncSession, year: int) -> tuple[int, str]:
    """The next number in ``year``'s sequence, in the caller's transaction.

    One atomic upsert on the year's counter row: concurrent callers queue on its row lock, and
    a rolled-back transaction gives its number back, so there are no gaps or duplicates.
    """
    dialect = session.bind.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReferenceCounter)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.year],
            set_={"last_value": ReferenceCounter.last_value + 1},
        )
        .returning(ReferenceCounter.last_value)
    )
    seq = int((await session.execute(statement)).scalar_one())
    return seq, format_reference(year, seq)


# ----- the case's own key -----------------------------------------------------------------


def _key_context(reference: str) -> str:
    return f"case-key:{reference}"


def case_cipher(master: Cipher, case: Case) -> Cipher:
    if case.wrapped_key is None:
        raise CasePurged(case.reference)
    return Cipher.from_text(master.decrypt(case.wrapped_key, context=_key_context(case.reference)))


# ----- cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCase:
    awareness_date: date
    referring_agency: str
    referrer_aad_id: str
    referral: Mapping[str, Any]  # the whole form; encrypted
    criteria: Sequence[str] = ()
    idempotency_key: str | None = None
    entered_by_aad_id: str = ""  # who typed it in, when not the referrer (the Business Unit)
    received_via: str = "teams"


async def create_case(
    *,
    session: AsyncSession,
    master: Cipher,
    timetable: Timetable,
    new: NewCase,
    actor_role: str,
    now: datetime,
) -> Case:
    """Create the case, its first referral version and its milestones; audit it."""
    seq, reference = await allocate_reference(session=session, year=now.year)
    case = Case(
        reference=reference,
        year=now.year,
        seq=seq,
        stage=Stage.SCOPING.value,
        referring_agency=new.referring_agency,
        referrer_aad_id=new.referrer_aad_id,
        entered_by_aad_id=new.entered_by_aad_id or new.referrer_aad_id,
        received_via=new.received_via,
        awareness_date=new.awareness_date,
        criteria=json.dumps(list(new.criteria)),
        idempotency_key=new.idempotency_key,
        wrapped_key=master.encrypt(new_key(), context=_key_context(reference)),
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()
    session.add(
        ReferralVersion(
            case_id=case.id,
            version=1,
            submitted_by=new.entered_by_aad_id or new.referrer_aad_id,
            submitted_at=now,
            payload=case_cipher(master, case).encrypt_json(
                dict(new.referral), context=f"referral:{reference}:1"
            ),
        )
    )
    for milestone in timetable.milestones:
        session.add(MilestoneRow(case_id=case.id, key=milestone.key))
    await session.flush()
    await recompute_milestones(session=session, case=case, timetable=timetable)
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=new.entered_by_aad_id or new.referrer_aad_id,
        actor_role=actor_role,
        action="case.created",
        case_ref=reference,
        details={
            "criteria": list(new.criteria),
            "referral_version": 1,
            "received_via": new.received_via,
            "for_referrer": bool(new.entered_by_aad_id),
        },
    )
    return case


async def get_case(*, session: AsyncSession, reference: str) -> Case | None:
    case: Case | None = await session.scalar(
        select(Case).where(Case.reference == reference.strip().upper())
    )
    return case


async def get_case_by_idempotency_key(*, session: AsyncSession, key: str) -> Case | None:
    case: Case | None = await session.scalar(select(Case).where(Case.idempotency_key == key))
    return case


async def list_cases(
    *, session: AsyncSession, referrer_aad_id: str | None = None, open_only: bool = False
) -> list[Case]:
    query = select(Case).order_by(Case.year.desc(), Case.seq.desc())
    if referrer_aad_id is not None:
        query = query.where(Case.referrer_aad_id == referrer_aad_id)
    if open_only:
        query = query.where(Case.stage != Stage.CLOSED.value)
    return list(await session.scalars(query))


def anchors_of(case: Case) -> dict[str, date]:
    found: dict[str, date] = {}
    for anchor, column in ANCHOR_COLUMNS.items():
        value = getattr(case, column)
        if value is not None:
            found[anchor] = value
    return found


# ----- referral versions -----------------------------------------------------------------


@dataclass(frozen=True)
class ReferralView:
    version: int
    submitted_by: str
    submitted_at: datetime
    form: dict[str, Any]


async def add_referral_version(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    form: Mapping[str, Any],
    by: str,
    actor_role: str,
    now: datetime,
) -> int:
    """A correction: a new version; earlier ones stay as they were."""
    latest = await session.scalar(
        select(func.max(ReferralVersion.version)).where(ReferralVersion.case_id == case.id)
    )
    version = int(latest or 0) + 1
    session.add(
        ReferralVersion(
            case_id=case.id,
            version=version,
            submitted_by=by,
            submitted_at=now,
            payload=case_cipher(master, case).encrypt_json(
                dict(form), context=f"referral:{case.reference}:{version}"
            ),
        )
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=by,
        actor_role=actor_role,
        action="referral.corrected",
        case_ref=case.reference,
        details={"version": version},
    )
    await session.flush()
    return version


async def read_referral(
    *, session: AsyncSession, master: Cipher, case: Case, version: int | None = None
) -> ReferralView:
    """Decrypt a referral version (the latest by default). The caller audits the view."""
    query = select(ReferralVersion).where(ReferralVersion.case_id == case.id)
    if version is None:
        query = query.order_by(ReferralVersion.version.desc()).limit(1)
    else:
        query = query.where(ReferralVersion.version == version)
    row = (await session.scalars(query)).one()
    form = case_cipher(master, case).decrypt_json(
        row.payload, context=f"referral:{case.reference}:{row.version}"
    )
    return ReferralView(row.version, row.submitted_by, row.submitted_at, form)


# ----- milestones -------------------------------------------------------------------------


async def list_milestones(*, session: AsyncSession, case: Case) -> list[MilestoneRow]:
    return list(
        await session.scalars(
            select(MilestoneRow).where(MilestoneRow.case_id == case.id).order_by(MilestoneRow.id)
        )
    )


async def _adjustments(session: AsyncSession, milestone_id: int) -> list[MilestoneAdjustment]:
    return list(
        await session.scalars(
            select(MilestoneAdjustment)
            .where(MilestoneAdjustment.milestone_id == milestone_id)
            .order_by(MilestoneAdjustment.id)
        )
    )


async def recompute_milestones(*, session: AsyncSession, case: Case, timetable: Timetable) -> None:
    """Due dates from the case's anchors, then each milestone's pauses and extensions."""
    dues = due_dates(timetable, anchors_of(case))
    for key, purpose in REQUEST_DUES.items():
        last = await session.scalar(
            select(func.max(CaseRequest.due_date)).where(
                CaseRequest.case_id == case.id, CaseRequest.purpose == purpose
            )
        )
        if last is not None and key in dues:
            dues[key] = last
    calendar = timetable.calendar()
    rows = await list_milestones(session=session, case=case)
    have = {row.key for row in rows}
    missing = [m.key for m in timetable.milestones if m.key not in have]
    if missing:  # a milestone the timetable gained after the case began
        for key in missing:
            session.add(MilestoneRow(case_id=case.id, key=key))
        await session.flush()
        rows = await list_milestones(session=session, case=case)
    for row in rows:
        base = dues.get(row.key)
        row.base_due_date = base
        if base is None:
            row.due_date = None
            row.paused_since = None
            continue
        history = [
            Adjustment(AdjustmentKind(a.kind), a.effective_on, "", a.approved_by, a.new_due_date)
            for a in await _adjustments(session, row.id)
        ]
        state = effective_due(base, history, calendar)
        row.due_date = state.due
        row.paused_since = state.paused_since
    await session.flush()
    await _refresh_next_due(session, case)


async def fill_new_milestones(
    sessions: async_sessionmaker[AsyncSession], timetable: Timetable
) -> int:
    """Due dates for the open cases' milestones that have none though their anchor is
    recorded (a milestone the timetable gained after the case began), one case per
    transaction; how many cases changed."""
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Case.id)
                .join(MilestoneRow, MilestoneRow.case_id == Case.id)
                .where(
                    Case.stage != Stage.CLOSED.value,
                    MilestoneRow.base_due_date.is_(None),
                    MilestoneRow.completed_at.is_(None),
                    MilestoneRow.not_applicable_since.is_(None),
                )
                .distinct()
            )
        )
    changed = 0
    for case_id in ids:
        async with sessions() as session, session.begin():
            case = await session.get(Case, case_id, with_for_update=True)
            if case is None:
                continue
            before = [r.due_date for r in await list_milestones(session=session, case=case)]
            await recompute_milestones(session=session, case=case, timetable=timetable)
            after = [r.due_date for r in await list_milestones(session=session, case=case)]
            changed += before != after
    return changed


async def _refresh_next_due(session: AsyncSession, case: Case) -> None:
    """Keep the case's next deadline: its earliest open milestone's due date."""
    case.next_due_date = await session.scalar(
        select(func.min(MilestoneRow.due_date)).where(
            MilestoneRow.case_id == case.id,
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.not_applicable_since.is_(None),
            MilestoneRow.due_date.is_not(None),
        )
    )
    await session.flush()


async def complete_milestone(
    *, session: AsyncSession, case: Case, key: str, by: str, now: datetime
) -> MilestoneRow:
    row = (
        await session.scalars(
            select(MilestoneRow).where(MilestoneRow.case_id == case.id, MilestoneRow.key == key)
        )
    ).one()
    if row.completed_at is None:
        row.completed_at = now
        row.completed_by = by
        await session.flush()
        await _refresh_next_due(session, case)
    return row


async def mark_not_applicable(
    *, session: AsyncSession, case: Case, keys: Iterable[str], why: str, now: datetime
) -> list[str]:
    """Mark open milestones not applicable (the branch taken makes them irrelevant); return
    the keys marked."""
    wanted = set(keys)
    marked = []
    for row in await list_milestones(session=session, case=case):
        if row.key in wanted and row.completed_at is None and row.not_applicable_since is None:
            row.not_applicable_since = now
            row.not_applicable_why = why[:64]
            marked.append(row.key)
    await session.flush()
    if marked:
        await _refresh_next_due(session, case)
    return marked


async def adjust_milestone(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    timetable: Timetable,
    key: str,
    adjustment: Adjustment,
    approver_roles: Iterable[str],
    now: datetime,
) -> MilestoneRow:
    """Record a pause, resume or extension and recompute due dates.

    Checked here too (``workflow.adjustments.check_adjustment``): only with a reason and the
    chair's approval, whoever calls. Raises ``InvalidAdjustment`` with a plain reason.
    """
    row = (
        await session.scalars(
            select(MilestoneRow).where(MilestoneRow.case_id == case.id, MilestoneRow.key == key)
        )
    ).one()
    if row.base_due_date is None:
        raise InvalidAdjustment("This deadline isn't set yet, so it can't be changed.")
    current = DueState(row.due_date, row.paused_since, row.base_due_date)
    roles = set(approver_roles)
    check_adjustment(current, adjustment, roles, timetable.calendar())
    session.add(
        MilestoneAdjustment(
            milestone_id=row.id,
            kind=adjustment.kind.value,
            effective_on=adjustment.on,
            new_due_date=adjustment.new_due,
            reason=case_cipher(master, case).encrypt(
                adjustment.reason, context=f"adjustment:{case.reference}:{key}"
            ),
            approved_by=adjustment.approved_by,
            decided_at=now,
        )
    )
    await session.flush()
    await recompute_milestones(session=session, case=case, timetable=timetable)
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=adjustment.approved_by,
        actor_role=Role.CHAIR,
        action=f"milestone.{adjustment.kind.value}",
        case_ref=case.reference,
        details={
            "milestone": key,
            "effective_on": adjustment.on.isoformat(),
            "new_due": adjustment.new_due.isoformat() if adjustment.new_due else None,
        },
    )
    return row


async def list_due_milestones(
    *, session: AsyncSession, before: date
) -> list[tuple[Case, MilestoneRow]]:
    """Open milestones of open cases due on or before ``before``, soonest first."""
    rows = await session.execute(
        select(Case, MilestoneRow)
        .join(MilestoneRow, MilestoneRow.case_id == Case.id)
        .where(
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.not_applicable_since.is_(None),
            MilestoneRow.due_date.is_not(None),
            MilestoneRow.due_date <= before,
            Case.stage != Stage.CLOSED.value,
        )
        .order_by(MilestoneRow.due_date, Case.id)
    )
    return [(case, milestone) for case, milestone in rows.tuples()]


# ----- decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionView:
    id: int
    kind: str
    outcome: str
    rationale: str
    decided_by: str
    decided_role: str
    decided_at: datetime
    consulted: list[str]
    views: dict[str, str]
    supersedes_id: int | None
    recorded_by: str | None = None


async def record_decision(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    draft: DecisionDraft,
    decider_roles: Iterable[str],
    recorded_by: str | None = None,
) -> DecisionRow:
    """Store a decision with its rationale, checked here too (``check_decision``: a known
    outcome, a rationale, a decider holding a role that may decide). Raises
    ``InvalidDecision``. A superseded decision must belong to the same case."""
    check_decision(draft, decider_roles)
    if draft.supersedes is not None:
        earlier = await session.get(DecisionRow, draft.supersedes)
        if earlier is None or earlier.case_id != case.id or earlier.kind != draft.kind.value:
            raise InvalidDecision("That earlier decision isn't one of this case's to replace.")
    cipher = case_cipher(master, case)
    row = DecisionRow(
        case_id=case.id,
        kind=draft.kind.value,
        outcome=draft.outcome,
        rationale=cipher.encrypt(draft.rationale, context=f"decision:{case.reference}"),
        decided_by=draft.decided_by,
        decided_role=draft.decided_role,
        decided_at=draft.decided_at,
        consulted=json.dumps(list(draft.consulted)),
        views=cipher.encrypt_json(draft.views, context=f"decision-views:{case.reference}")
        if draft.views
        else None,
        supersedes_id=draft.supersedes,
        recorded_by=recorded_by,
    )
    session.add(row)
    await session.flush()
    session.info.get(_DECISIONS_READ, {}).pop(case.id, None)  # read afresh from now on
    await append_audit(
        session=session,
        now=draft.decided_at,
        actor_aad_id=recorded_by or draft.decided_by,
        actor_role=draft.decided_role,
        action="decision.recorded",
        case_ref=case.reference,
        details={
            "decision_id": row.id,
            "kind": draft.kind.value,
            "outcome": draft.outcome,
            "supersedes": draft.supersedes,
            "decided_by": draft.decided_by,
            "recorded_by": recorded_by,
        },
    )
    return row


async def list_decisions(
    *, session: AsyncSession, master: Cipher, case: Case
) -> list[DecisionView]:
    """Every decision on the case, oldest first, decrypted. Read once per transaction: the
    session keeps what it read until a decision is recorded on the case."""
    memo: dict[int, list[DecisionView]] = session.info.setdefault(_DECISIONS_READ, {})
    if case.id not in memo:
        memo[case.id] = await _read_decisions(session, master, case)
    return list(memo[case.id])


_DECISIONS_READ = "decisions read"  # session.info: case id -> its decisions


@event.listens_for(Session, "after_transaction_end")
def _forget_decisions(session: Session, transaction: Any) -> None:
    """What a transaction read is not trusted by the next one."""
    session.info.pop(_DECISIONS_READ, None)


async def _read_decisions(session: AsyncSession, master: Cipher, case: Case) -> list[DecisionView]:
    cipher = case_cipher(master, case)
    rows = await session.scalars(
        select(DecisionRow).where(DecisionRow.case_id == case.id).order_by(DecisionRow.id)
    )
    return [
        DecisionView(
            id=row.id,
            kind=row.kind,
            outcome=row.outcome,
            rationale=cipher.decrypt(row.rationale, context=f"decision:{case.reference}"),
            decided_by=row.decided_by,
            decided_role=row.decided_role,
            decided_at=row.decided_at,
            consulted=json.loads(row.consulted),
            views=cipher.decrypt_json(row.views, context=f"decision-views:{case.reference}")
            if row.views
            else {},
            supersedes_id=row.supersedes_id,
            recorded_by=row.recorded_by,
        )
        for row in rows
    ]


async def current_decisions(
    *, session: AsyncSession, master: Cipher, case: Case, kind: str | None = None
) -> list[DecisionView]:
    """The case's decisions that nothing has superseded (of ``kind``, if given), oldest
    first."""
    every = await list_decisions(session=session, master=master, case=case)
    replaced = {d.supersedes_id for d in every if d.supersedes_id is not None}
    return [d for d in every if d.id not in replaced and (kind is None or d.kind == kind)]


async def lock_case(*, session: AsyncSession, reference: str) -> Case | None:
    """The case, locked for the rest of the caller's transaction: two decisions on one case
    queue here, and the second sees what the first did."""
    case: Case | None = await session.scalar(
        select(Case)
        .where(Case.reference == reference.strip().upper())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return case


# ----- notifications ----------------------------------------------------------------------


async def record_notification(
    *,
    session: AsyncSession,
    case: Case,
    recipient: str,
    sent_at: datetime,
    recorded_by: str,
    actor_role: str,
    external_reference: str | None = None,
) -> NotificationRow:
    row = NotificationRow(
        case_id=case.id,
        recipient=recipient,
        sent_at=sent_at,
        recorded_by=recorded_by,
        external_reference=external_reference,
    )
    session.add(row)
    await session.flush()
    await append_audit(
        session=session,
        now=sent_at,
        actor_aad_id=recorded_by,
        actor_role=actor_role,
        action="notification.recorded",
        case_ref=case.reference,
        details={"recipient": recipient, "external_reference": external_reference},
    )
    return row


async def list_notifications(*, session: AsyncSession, case: Case) -> list[NotificationRow]:
    return list(
        await session.scalars(
            select(NotificationRow)
            .where(NotificationRow.case_id == case.id)
            .order_by(NotificationRow.sent_at)
        )
    )


async def set_anchor(
    *,
    session: AsyncSession,
    case: Case,
    anchor: str,
    on: date,
    timetable: Timetable,
    now: datetime,
) -> None:
    """Record an anchor date (notification, IGTs sent, ...) and recompute due dates."""
    column = ANCHOR_COLUMNS[anchor]
    await session.execute(
        update(Case).where(Case.id == case.id).values({column: on, "updated_at": now})
    )
    setattr(case, column, on)
    case.updated_at = now
    await recompute_milestones(session=session, case=case, timetable=timetable)


async def correct_awareness_date(
    *,
    session: AsyncSession,
    master: Cipher,
    case: Case,
    on: date,
    reason: str,
    by: str,
    timetable: Timetable,
    now: datetime,
) -> date:
    """Record a corrected awareness date (Day 1) with its reason, recompute every due date,
    and audit it; return the date it replaces. The caller checks who may and what is sane."""
    previous = case.awareness_date
    session.add(
        CaseCorrection(
            case_id=case.id,
            field="awareness_date",
            old_value=previous.isoformat(),
            new_value=on.isoformat(),
            reason=case_cipher(master, case).encrypt(
                reason, context=f"correction:{case.reference}:awareness_date"
            ),
            corrected_by=by,
            corrected_at=now,
        )
    )
    await set_anchor(
        session=session, case=case, anchor="awareness", on=on, timetable=timetable, now=now
    )
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=by,
        actor_role=Role.BUSINESS_UNIT,
        action="case.awareness_corrected",
        case_ref=case.reference,
        details={"from": previous.isoformat(), "to": on.isoformat()},
    )
    return previous
