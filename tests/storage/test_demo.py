"""``python -m bot demo-data``: invented cases at every stage, written through the storage
layer (encrypted, audited), over two years; never into a database with real cases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_timetable
from bot.demo import DemoRefused, generate
from storage import cases, requests
from storage.audit import verify_audit
from storage.crypto import Cipher, new_key
from storage.db import transaction
from storage.decisions import list_decisions
from storage.models import (
    AuditEvent,
    Case,
    CaseAction,
    IgtReturn,
    MilestoneRow,
    ReferralVersion,
)
from storage.referrals import read_referral
from tests.conftest import AUDIT_SIGNER
from workflow.roles import Role

ROOT = Path(__file__).resolve().parents[2]
TIMETABLE = load_timetable(ROOT / "config" / "timetable.toml")
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


async def test_invented_cases_at_every_stage_encrypted_and_audited(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    master = Cipher.from_text(new_key())
    made = await generate(sessions, master, TIMETABLE, 120, now=NOW, seed=7)
    assert made.cases == 120 and 0 < made.open < 120 and made.overdue > 0
    async with sessions() as session:
        rows = list(await session.scalars(select(Case)))
        stages = Counter(c.stage for c in rows)
        # Spread over two years: every stage of the procedure, most old cases closed.
        assert {"scoping", "rapid_review", "lcspr", "action_plan", "closed"} <= set(stages)
        assert stages["closed"] > 120 // 3
        days = sorted(c.awareness_date for c in rows)
        assert days[0] < date(2025, 3, 1) and days[-1] > date(2026, 10, 1)
        assert {c.reference[:7] for c in rows} == {"BR-2024", "BR-2025", "BR-2026"}
        # Overdue deadlines among the open cases, for overdue and the digest.
        late = await session.scalar(
            select(func.count())
            .select_from(MilestoneRow)
            .join(Case, Case.id == MilestoneRow.case_id)
            .where(
                Case.stage != "closed",
                MilestoneRow.completed_at.is_(None),
                MilestoneRow.due_date < date(2026, 12, 7),
            )
        )
        assert late
        # Personal data only under the case's key; decisions kept with their rationales.
        case = next(c for c in rows if c.stage == "action_plan")
        referral = await read_referral(session=session, master=master, case=case)
        child = referral.form["child"][0]["name"]
        assert child and child.split()[-1] in referral.form["family"][0]["name"]
        stored = await session.scalar(
            select(ReferralVersion.payload).where(ReferralVersion.case_id == case.id)
        )
        assert stored and child not in stored
        decisions = await list_decisions(session=session, master=master, case=case)
        assert {d.kind for d in decisions} >= {"scoping_view", "chair_recommendation"}
        assert all(d.rationale for d in decisions)
        (request, *_) = await requests.list_requests(session=session, case=case, purpose="igt")
        returned = await requests.latest_returns(
            session=session, master=master, case=case, request_ids=[request.id]
        )
        chronology = returned[request.id].form["chronology"]
        assert len(chronology) >= 4 and chronology == sorted(
            chronology, key=lambda e: (e["date"], e["time"])
        )
        assert await session.scalar(select(func.count()).select_from(IgtReturn)) >= 30
        assert await session.scalar(select(func.count()).select_from(CaseAction)) > 0
        # Every step audited, and the signed chain verifies.
        actions = set(await session.scalars(select(AuditEvent.action).distinct()))
        assert {"case.created", "decision.recorded", "igt.sent", "igt.returned"} <= actions
        assert (await verify_audit(session=session, verifier=AUDIT_SIGNER)).ok


async def test_refused_on_a_database_with_real_cases(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    master = Cipher.from_text(new_key())
    async with transaction(sessions) as session:
        await cases.create_case(
            session=session,
            master=master,
            timetable=TIMETABLE,
            new=cases.NewCase(
                awareness_date=date(2026, 12, 1),
                referring_agency="Health",
                referrer_aad_id="someone",
                referral={"incident": {"what_happened": "A real referral"}},
            ),
            actor_role=Role.PRACTITIONER,
            now=NOW,
        )
    with pytest.raises(DemoRefused, match="holds 1 real case"):
        await generate(sessions, master, TIMETABLE, 5, now=NOW)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
