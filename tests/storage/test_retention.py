"""On SQLite and PostgreSQL: retention (a closed case's key destroyed, its record kept), master
key rotation (every case key re-wrapped, no content touched, resumable), and the scrutineer's
audit export (verifiable with nothing but the file)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_timetable
from storage import cases, outbox, rotation
from storage.audit import verify_audit
from storage.audit_export import check_export, export_case
from storage.case_keys import CasePurged, case_cipher
from storage.crypto import Cipher, DecryptionError, new_key
from storage.db import transaction
from storage.decisions import PURGED, list_decisions, record_decision
from storage.milestones import list_milestones
from storage.models import AuditEvent, Case, ReferralVersion
from storage.retention import purge
from tests.conftest import AUDIT_SIGNER
from workflow.decisions import DecisionDraft, DecisionKind

ROOT = Path(__file__).resolve().parents[2]
TIMETABLE = load_timetable(ROOT / "config" / "timetable.toml")
CHAIR = "00000000-0000-4000-8000-000000000102"
CHILD = "Zebedee Quattlebaum"


async def make_case(
    sessions: async_sessionmaker[AsyncSession], master: Cipher, *, closed: datetime | None
) -> str:
    """A case whose referral names the child, a recommendation with a rationale naming them,
    and (``closed``) the chair's closure decided then."""
    async with transaction(sessions) as session:
        case = await cases.create_case(
            session=session,
            master=master,
            timetable=TIMETABLE,
            new=cases.NewCase(
                awareness_date=date(2025, 11, 3),
                referring_agency="School",
                referrer_aad_id="00000000-0000-4000-8000-000000000101",
                referral={"children": [{"name": CHILD}]},
            ),
            actor_role="practitioner",
            now=datetime(2025, 11, 3, 10, tzinfo=UTC),
        )
        decisions = [(DecisionKind.CHAIR_RECOMMENDATION, "notify", f"{CHILD} was harmed.")]
        if closed is not None:
            decisions.append((DecisionKind.CLOSURE, "close", "All learning taken."))
        for kind, outcome, why in decisions:
            await record_decision(
                session=session,
                master=master,
                case=case,
                draft=DecisionDraft(
                    kind=kind,
                    outcome=outcome,
                    rationale=why,
                    decided_by=CHAIR,
                    decided_role="chair",
                    decided_at=closed or datetime(2025, 11, 5, tzinfo=UTC),
                ),
                decider_roles={"chair"},
            )
        if closed is not None:
            case.stage = "closed"
        await outbox.enqueue(
            session=session,
            cipher=master,
            now=datetime(2025, 11, 5, tzinfo=UTC),
            card={"body": [{"type": "TextBlock", "text": CHILD}]},
            summary=f"Referral: {case.reference}",
            recipient_aad_id=CHAIR,
            case_ref=case.reference,
        )
        return case.reference


async def test_purge_destroys_the_keys_of_cases_closed_before_the_date_and_keeps_the_record(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    master = Cipher.from_text(new_key())
    old = await make_case(sessions, master, closed=datetime(2026, 1, 10, tzinfo=UTC))
    recent = await make_case(sessions, master, closed=datetime(2026, 6, 1, tzinfo=UTC))
    still_open = await make_case(sessions, master, closed=None)
    now = datetime(2026, 12, 6, tzinfo=UTC)

    due, done = await purge(sessions, before=date(2026, 3, 1), by="op", now=now, dry_run=True)
    assert [c.reference for c in due] == [old] and done == 0
    async with sessions() as session:  # a dry run changes nothing
        case = await cases.get_case(session=session, reference=old)
        assert case is not None and case.wrapped_key is not None

    due, done = await purge(sessions, before=date(2026, 3, 1), by="op", now=now, dry_run=False)
    assert done == 1
    async with sessions() as session:
        case = await cases.get_case(session=session, reference=old)
        assert case is not None and case.wrapped_key is None
        with pytest.raises(CasePurged):
            case_cipher(master, case)
        kept = await list_decisions(session=session, master=master, case=case)
        assert [(d.kind, d.outcome) for d in kept] == [
            ("chair_recommendation", "notify"),
            ("closure", "close"),
        ]
        assert {d.rationale for d in kept} == {PURGED}
        assert len(await list_milestones(session=session, case=case)) == len(TIMETABLE.milestones)
        payload = await session.scalar(
            select(ReferralVersion.payload).where(ReferralVersion.case_id == case.id)
        )
        queued = await session.scalar(
            text("SELECT payload FROM outbox WHERE case_ref = :r"), {"r": old}
        )
        audited = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case.purged", AuditEvent.case_ref == old)
        )
        for other in (recent, still_open):
            untouched = await cases.get_case(session=session, reference=other)
            assert untouched is not None and untouched.wrapped_key is not None
            assert (await list_decisions(session=session, master=master, case=untouched))[
                0
            ].rationale == f"{CHILD} was harmed."
        assert (await verify_audit(session=session, verifier=AUDIT_SIGNER)).ok
    assert payload is not None and payload.startswith("v1:")  # there, and unreadable for good
    assert queued == ""
    assert audited is not None and audited.actor_aad_id == "op"
    again = await purge(sessions, before=date(2026, 3, 1), by="op", now=now, dry_run=False)
    assert again == ([], 0)


async def raw_columns(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[Any]]:
    async with sessions() as session:
        return {
            "keys": list(await session.scalars(select(Case.wrapped_key).order_by(Case.id))),
            "referrals": list(
                await session.scalars(select(ReferralVersion.payload).order_by(ReferralVersion.id))
            ),
            "rationales": [
                r for (r,) in await session.execute(text("SELECT rationale FROM decisions"))
            ],
        }


async def test_key_rotation_rewraps_every_case_key_without_touching_content_and_resumes(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key, new = new_key(), new_key()
    old = Cipher.from_text(old_key)
    made = [await make_case(sessions, old, closed=None) for _ in range(5)]
    before = await raw_columns(sessions)
    ring = Cipher.from_text(f"{new},{old_key}")

    # Interrupted after two case keys: what was done stays done.
    monkeypatch.setattr(rotation, "BATCH", 1)
    calls = {"n": 0}
    real = ring.encrypt

    def failing(plaintext: str, *, context: str) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real(plaintext, context=context)

    monkeypatch.setattr(ring, "encrypt", failing)
    with pytest.raises(RuntimeError, match="killed"):
        await rotation.rotate(sessions, ring, by="op", now=datetime(2026, 12, 6, tzinfo=UTC))
    monkeypatch.setattr(ring, "encrypt", real)
    done = await rotation.rotate(sessions, ring, by="op", now=datetime(2026, 12, 6, tzinfo=UTC))
    assert done.case_keys == 3 and done.already == 2  # resumed where it stopped
    assert done.queued == 5  # the cards waiting in the outbox, re-sealed

    after = await raw_columns(sessions)
    assert after["referrals"] == before["referrals"]  # content never decrypted nor rewritten
    assert sorted(after["rationales"]) == sorted(before["rationales"])
    assert all(a != b for a, b in zip(after["keys"], before["keys"], strict=True))
    only_new = Cipher.from_text(new)  # the old key dropped: everything still reads
    async with sessions() as session:
        for reference in made:
            case = await cases.get_case(session=session, reference=reference)
            assert case is not None
            views = await list_decisions(session=session, master=only_new, case=case)
            assert views[0].rationale == f"{CHILD} was harmed."
        for row in await session.scalars(select(outbox.OutboxMessage)):
            assert outbox.read_card(only_new, row)["body"][0]["text"] == CHILD
        with pytest.raises(DecryptionError):
            case = await cases.get_case(session=session, reference=made[0])
            assert case is not None
            Cipher.from_text(old_key).decrypt(case.wrapped_key or "", context=f"case-key:{made[0]}")
    again = await rotation.rotate(sessions, ring, by="op", now=datetime(2026, 12, 6, tzinfo=UTC))
    assert again.changed == 0


async def test_the_audit_export_verifies_with_only_the_file_and_names_an_edit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    master = Cipher.from_text(new_key())
    reference = await make_case(sessions, master, closed=datetime(2026, 1, 10, tzinfo=UTC))
    async with transaction(sessions) as session:
        made = await export_case(
            session=session,
            master=master,
            verifier=AUDIT_SIGNER,
            reference=reference,
            by="op",
            now=datetime(2026, 12, 6, tzinfo=UTC),
        )
    record = json.loads(made.json_text)
    assert record["case"] == reference and made.entries >= 3
    assert [d["kind"] for d in record["decisions"]] == ["chair_recommendation", "closure"]
    assert record["decisions"][0]["rationale"] == f"{CHILD} was harmed."
    assert "All learning taken." in made.markdown and "case.created" in made.markdown
    assert check_export(made.json_text, AUDIT_SIGNER.fingerprint).ok
    edited = json.loads(made.json_text)
    edited["entries"][1]["actor_role"] = "business_unit"
    result = check_export(json.dumps(edited))
    assert not result.ok and f"entry {edited['entries'][1]['seq']}" in result.problem
    rehashed = json.loads(made.json_text)
    from storage.audit_export import _hash_of

    rehashed["entries"][0]["action"] = "case.viewed"
    rehashed["entries"][0]["hash"] = _hash_of(rehashed["entries"][0])
    assert "signature fails" in check_export(json.dumps(rehashed)).problem
    assert not check_export(made.json_text, "0000 1111").ok  # not the published key
