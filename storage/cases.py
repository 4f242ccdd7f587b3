"""Cases: references, the case row, its anchors and dates, and the row lock that serialises
changes to one case. Repositories only: they read and write rows in the caller's
transaction and never send anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import append_audit
from storage.case_keys import case_cipher, key_context
from storage.crypto import Cipher, new_key
from storage.milestones import ANCHOR_COLUMNS, recompute_milestones
from storage.models import (
    Case,
    CaseCorrection,
    MilestoneRow,
    ReferenceCounter,
    ReferralVersion,
)
from workflow.roles import Role
from workflow.stages import Stage
from workflow.timetable import Timetable

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
        wrapped_key=master.encrypt(new_key(), context=key_context(reference)),
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


# A case by its reference, on nearly every turn: the statements built once.
_BY_REFERENCE = select(Case).where(Case.reference == bindparam("ref"))
_LOCKED = _BY_REFERENCE.with_for_update().execution_options(populate_existing=True)


async def get_case(*, session: AsyncSession, reference: str) -> Case | None:
    case: Case | None = await session.scalar(_BY_REFERENCE, {"ref": reference.strip().upper()})
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


async def lock_case(*, session: AsyncSession, reference: str) -> Case | None:
    """The case, locked for the rest of the caller's transaction: two decisions on one case
    queue here, and the second sees what the first did."""
    case: Case | None = await session.scalar(_LOCKED, {"ref": reference.strip().upper()})
    return case


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
