"""Case records on SQLite and PostgreSQL: references, versions, milestones, decisions,
encryption at rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import load_timetable
from storage import cases
from storage.case_keys import CasePurged, case_cipher, key_context
from storage.crypto import Cipher, DecryptionError, new_key
from storage.db import transaction
from storage.decisions import list_decisions, record_decision
from storage.milestones import (
    adjust_milestone,
    complete_milestone,
    fill_new_milestones,
    list_due_milestones,
    list_milestones,
)
from storage.models import Case, MilestoneRow, ReferralVersion
from storage.notifications import list_notifications, record_notification
from storage.referrals import add_referral_version, read_referral
from workflow.adjustments import Adjustment, AdjustmentKind
from workflow.decisions import DecisionDraft, DecisionKind
from workflow.roles import Role

ROOT = Path(__file__).resolve().parents[2]
TIMETABLE = load_timetable(ROOT / "config" / "timetable.toml")
NOW = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
CHILD = "Zebedee Quattlebaum"
REFERRAL = {
    "child": {"name": CHILD, "date_of_birth": "2019-03-14", "home_address": "12 Larkspur Row"},
    "family": [{"name": "Marigold Quattlebaum", "relationship": "mother"}],
    "what_happened": "Admitted with injuries inconsistent with the account given.",
}


@pytest.fixture
def master() -> Cipher:
    return Cipher.from_text(new_key())


def new_case(key: str | None = None) -> cases.NewCase:
    return cases.NewCase(
        awareness_date=date(2026, 12, 24),
        referring_agency="Bradford Teaching Hospitals",
        referrer_aad_id="referrer-1",
        referral=REFERRAL,
        criteria=("life_threatening_injury",),
        idempotency_key=key,
    )


@asynccontextmanager
async def case_in(
    sessions: async_sessionmaker[AsyncSession], reference: str, *, write: bool = True
) -> AsyncIterator[tuple[AsyncSession, Case]]:
    """The case and a session: a write transaction, or a read-only session."""
    scope = transaction(sessions) if write else sessions()
    async with scope as session:
        case = await cases.get_case(session=session, reference=reference)
        assert case is not None
        yield session, case


async def create(
    sessions: async_sessionmaker[AsyncSession], master: Cipher, key: str | None = None
) -> str:
    async with transaction(sessions) as session:
        case = await cases.create_case(
            session=session,
            master=master,
            timetable=TIMETABLE,
            new=new_case(key),
            actor_role=Role.PRACTITIONER,
            now=NOW,
        )
        return case.reference


async def test_references_are_yearly_sequential_and_unique_under_concurrency(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    references = await asyncio.gather(*(create(sessions, master) for _ in range(12)))
    assert sorted(references) == [f"BR-2026-{n:04d}" for n in range(1, 13)]


async def test_a_rolled_back_case_gives_its_number_back(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await cases.allocate_reference(session=session, year=2026)
            raise RuntimeError("something failed later in the same change")
    assert await create(sessions, master) == "BR-2026-0001"
    async with transaction(sessions) as session:
        assert (await cases.allocate_reference(session=session, year=2027))[1] == "BR-2027-0001"


async def test_a_case_starts_in_scoping_with_its_milestones_due(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master)
    async with sessions() as session:
        case = await cases.get_case(session=session, reference=reference.lower())
        assert case is not None and case.stage == "scoping"
        rows = {m.key: m.due_date for m in await list_milestones(session=session, case=case)}
    assert rows["la_decision"] == date(2027, 1, 4)
    assert rows["igts_sent"] == date(2027, 1, 5)  # rapid review clock runs from awareness
    assert rows["igt_returns"] is None  # not until the IGTs are sent
    assert rows["publication"] is None


async def test_anchors_and_pauses_recompute_due_dates(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master)
    async with case_in(sessions, reference) as (session, case):
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="igt_sent",
            on=date(2027, 1, 6),
            timetable=TIMETABLE,
            now=NOW,
        )
        await adjust_milestone(
            session=session,
            master=master,
            case=case,
            timetable=TIMETABLE,
            key="igt_returns",
            adjustment=Adjustment(
                AdjustmentKind.PAUSE, date(2027, 1, 8), "Police request", "chair"
            ),
            approver_roles=[Role.CHAIR],
            now=NOW,
        )
    async with sessions() as session:
        row = await session.scalar(select(MilestoneRow).where(MilestoneRow.key == "igt_returns"))
        assert row is not None
        assert (row.base_due_date, row.due_date, row.paused_since) == (
            date(2027, 1, 14),
            None,
            date(2027, 1, 8),
        )
    async with case_in(sessions, reference) as (session, case):
        await adjust_milestone(
            session=session,
            master=master,
            case=case,
            timetable=TIMETABLE,
            key="igt_returns",
            adjustment=Adjustment(AdjustmentKind.RESUME, date(2027, 1, 12), "Cleared", "chair"),
            approver_roles=[Role.CHAIR],
            now=NOW,
        )
    async with sessions() as session:
        row = await session.scalar(select(MilestoneRow).where(MilestoneRow.key == "igt_returns"))
        assert row is not None and row.due_date == date(2027, 1, 18)  # 2 working days lost


async def test_corrections_are_new_versions_and_old_ones_stay(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master)
    corrected = {**REFERRAL, "what_happened": "Corrected account."}
    async with case_in(sessions, reference) as (session, case):
        version = await add_referral_version(
            session=session,
            master=master,
            case=case,
            form=corrected,
            by="bu-1",
            actor_role=Role.BUSINESS_UNIT,
            now=NOW,
        )
    assert version == 2
    async with case_in(sessions, reference, write=False) as (session, case):
        latest = await read_referral(session=session, master=master, case=case)
        first = await read_referral(session=session, master=master, case=case, version=1)
    assert latest.form["what_happened"] == "Corrected account."
    assert first.form == REFERRAL
    with pytest.raises(Exception, match="never edited"):
        async with transaction(sessions) as session:
            await session.execute(text("UPDATE referral_versions SET payload = 'x'"))


async def test_decisions_keep_their_rationale_and_are_never_edited(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master)
    async with case_in(sessions, reference) as (session, case):
        first = await record_decision(
            session=session,
            master=master,
            case=case,
            draft=DecisionDraft(
                kind=DecisionKind.CHAIR_RECOMMENDATION,
                outcome="notify",
                rationale="Neglect suspected by two agencies.",
                decided_by="chair-1",
                decided_role=Role.CHAIR,
                decided_at=NOW,
                consulted=("police-1", "la-1", "icb-1"),
                views={"police-1": "meets criteria"},
            ),
            decider_roles=[Role.CHAIR],
        )
        await record_decision(
            session=session,
            master=master,
            case=case,
            draft=DecisionDraft(
                kind=DecisionKind.CHAIR_RECOMMENDATION,
                outcome="do_not_notify",
                rationale="New information: accidental injury confirmed.",
                decided_by="chair-1",
                decided_role=Role.CHAIR,
                decided_at=NOW,
                supersedes=first.id,
            ),
            decider_roles=[Role.CHAIR],
        )
    async with case_in(sessions, reference, write=False) as (session, case):
        views = await list_decisions(session=session, master=master, case=case)
    assert [(v.outcome, v.supersedes_id) for v in views] == [
        ("notify", None),
        ("do_not_notify", first.id),
    ]
    assert views[0].rationale == "Neglect suspected by two agencies."
    assert views[0].consulted == ["police-1", "la-1", "icb-1"]
    assert views[0].views == {"police-1": "meets criteria"}
    with pytest.raises(Exception, match="never edited"):
        async with transaction(sessions) as session:
            await session.execute(text("UPDATE decisions SET outcome = 'notify'"))


async def test_a_transaction_reads_a_cases_decisions_once_and_a_recorded_one_joins_them(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    """A press builds several cards from the same decisions: read once for the transaction
    (the flushes within it keep the reading); a decision recorded in it joins them, exactly
    as the next transaction, which reads them afresh, finds it."""
    reference = await create(sessions, master)
    reads: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM decisions" in statement:
            reads.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with case_in(sessions, reference) as (session, case):
            assert await list_decisions(session=session, master=master, case=case) == []
            case.updated_at = NOW
            await session.flush()  # an inner transaction ends here
            assert await list_decisions(session=session, master=master, case=case) == []
            assert len(reads) == 1
            draft = DecisionDraft(
                kind=DecisionKind.CHAIR_RECOMMENDATION,
                outcome="notify",
                rationale="Neglect suspected by two agencies.",
                decided_by="chair-1",
                decided_role=Role.CHAIR,
                decided_at=NOW.astimezone(timezone(timedelta(hours=1))),  # given in BST
                consulted=("partner-1",),
                views={"Police": "notify"},
            )
            await record_decision(
                session=session, master=master, case=case, draft=draft, decider_roles=[Role.CHAIR]
            )
            after = await list_decisions(session=session, master=master, case=case)
            assert [d.outcome for d in after] == ["notify"]
            assert len(reads) == 1  # not read again
        async with case_in(sessions, reference, write=False) as (session, case):
            fresh = await list_decisions(session=session, master=master, case=case)
            assert len(reads) == 2
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert after == fresh
    assert fresh[0].decided_at == NOW and fresh[0].decided_at.tzinfo == UTC
    assert (fresh[0].consulted, fresh[0].views) == (["partner-1"], {"Police": "notify"})


async def test_idempotency_key_finds_the_case(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master, key="submit-abc")
    async with sessions() as session:
        found = await cases.get_case_by_idempotency_key(session=session, key="submit-abc")
    assert found is not None and found.reference == reference
    with pytest.raises(Exception):  # noqa: B017 - the unique constraint, in either dialect
        await create(sessions, master, key="submit-abc")


async def test_personal_data_is_encrypted_and_bound_to_its_case(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master)
    async with sessions() as session:
        payload = await session.scalar(select(ReferralVersion.payload))
        case = await cases.get_case(session=session, reference=reference)
    assert payload is not None and CHILD not in payload and payload.startswith("v1:")
    assert case is not None
    other = Cipher.from_text(new_key())
    with pytest.raises(DecryptionError):
        case_cipher(other, case)


async def test_the_raw_sqlite_file_holds_no_child_name(tmp_path: Path, master: Cipher) -> None:
    from storage import db

    url = f"sqlite+aiosqlite:///{tmp_path / 'raw.db'}"
    engine = db.create_engine(url)
    await db.upgrade(engine)
    sessions = db.create_sessionmaker(engine)
    await create(sessions, master)
    await engine.dispose()  # checkpoints the WAL into the file
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("raw.db"))
    for secret in (CHILD, "Quattlebaum", "Larkspur", "2019-03-14", "Marigold"):
        assert secret.encode() not in raw, secret
    assert b"BR-2026-0001" in raw  # the file is the one written


async def test_due_milestones_are_listed_soonest_first(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    await create(sessions, master)
    async with sessions() as session:
        due = await list_due_milestones(session=session, before=date(2027, 1, 4))
    assert [m.key for _, m in due] == [
        "referral_received",
        "scoping_views",
        "chair_recommendation",
        "la_decision",
    ]


async def test_notifications_and_completed_milestones_are_recorded(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    reference = await create(sessions, master)
    async with case_in(sessions, reference) as (session, case):
        await record_notification(
            session=session,
            case=case,
            recipient="national_panel",
            sent_at=NOW,
            recorded_by="bu-1",
            actor_role=Role.BUSINESS_UNIT,
            external_reference="CSPRP-123",
        )
        await complete_milestone(session=session, case=case, key="la_decision", by="bu-1", now=NOW)
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="notification",
            on=date(2027, 1, 4),
            timetable=TIMETABLE,
            now=NOW,
        )
    async with case_in(sessions, reference, write=False) as (session, case):
        (sent,) = await list_notifications(session=session, case=case)
        due = await list_due_milestones(session=session, before=date(2027, 1, 4))
        mine = await cases.list_cases(session=session, referrer_aad_id="referrer-1")
        others = await cases.list_cases(session=session, referrer_aad_id="someone-else")
    assert (sent.recipient, sent.recorded_by, sent.external_reference) == (
        "national_panel",
        "bu-1",
        "CSPRP-123",
    )
    assert "la_decision" not in [m.key for _, m in due]
    assert [c.reference for c in mine] == [reference] and others == []
    assert case.notification_date == date(2027, 1, 4)


async def test_deadlines_change_only_with_a_reason_and_the_chairs_approval(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    from workflow.adjustments import InvalidAdjustment

    reference = await create(sessions, master)
    attempts = [
        (
            Adjustment(AdjustmentKind.EXTEND, NOW.date(), "Inquest", "bu", date(2027, 1, 8)),
            [Role.BUSINESS_UNIT],
            "Only the",
        ),
        (
            Adjustment(AdjustmentKind.EXTEND, NOW.date(), " ", "chair", date(2027, 1, 8)),
            [Role.CHAIR],
            "reason",
        ),
        (
            Adjustment(AdjustmentKind.EXTEND, NOW.date(), "Inquest", "chair", date(2026, 12, 1)),
            [Role.CHAIR],
            "later than",
        ),
    ]
    for adjustment, roles, words in attempts:
        with pytest.raises(InvalidAdjustment, match=words):
            async with case_in(sessions, reference) as (session, case):
                await adjust_milestone(
                    session=session,
                    master=master,
                    case=case,
                    timetable=TIMETABLE,
                    key="la_decision",
                    adjustment=adjustment,
                    approver_roles=roles,
                    now=NOW,
                )
    with pytest.raises(InvalidAdjustment, match="isn't set yet"):
        async with case_in(sessions, reference) as (session, case):
            await adjust_milestone(
                session=session,
                master=master,
                case=case,
                timetable=TIMETABLE,
                key="publication",
                approver_roles=[Role.CHAIR],
                now=NOW,
                adjustment=Adjustment(AdjustmentKind.PAUSE, NOW.date(), "Trial", "chair"),
            )
    async with case_in(sessions, reference) as (session, case):
        await adjust_milestone(
            session=session,
            master=master,
            case=case,
            timetable=TIMETABLE,
            key="la_decision",
            approver_roles=[Role.CHAIR],
            now=NOW,
            adjustment=Adjustment(
                AdjustmentKind.EXTEND, NOW.date(), "Inquest", "chair", date(2027, 1, 8)
            ),
        )
    async with sessions() as session:
        row = await session.scalar(select(MilestoneRow).where(MilestoneRow.key == "la_decision"))
    assert row is not None and (row.base_due_date, row.due_date) == (
        date(2027, 1, 4),
        date(2027, 1, 8),
    )


async def test_decisions_are_checked_where_they_are_stored(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    from workflow.decisions import InvalidDecision

    reference = await create(sessions, master)

    def draft(**overrides: object) -> DecisionDraft:
        values: dict[str, object] = dict(
            kind=DecisionKind.CHAIR_RECOMMENDATION,
            outcome="notify",
            rationale="Why.",
            decided_by="chair-1",
            decided_role=Role.CHAIR,
            decided_at=NOW,
        )
        values.update(overrides)
        return DecisionDraft(**values)  # type: ignore[arg-type]

    for bad, roles, words in [
        (draft(rationale=""), [Role.CHAIR], "rationale"),
        (draft(), [Role.PRACTITIONER], "don't hold a role"),
        (draft(supersedes=999), [Role.CHAIR], "isn't one of this case's"),
    ]:
        with pytest.raises(InvalidDecision, match=words):
            async with case_in(sessions, reference) as (session, case):
                await record_decision(
                    session=session, master=master, case=case, draft=bad, decider_roles=roles
                )


async def test_a_milestone_the_timetable_gained_gets_its_due_date_on_upgrade(
    sessions: async_sessionmaker[AsyncSession], master: Cipher
) -> None:
    """A case begun before the timetable had "the Panel, Ofsted and DfE told": migration 0019
    adds the row without a date; ``db upgrade`` then dates it from the recorded anchor."""
    reference = await create(sessions, master)
    async with case_in(sessions, reference) as (session, case):
        await cases.set_anchor(
            session=session,
            case=case,
            anchor="review_decision",
            on=date(2027, 1, 18),
            timetable=TIMETABLE,
            now=NOW,
        )
        row = await session.scalar(select(MilestoneRow).where(MilestoneRow.key == "review_told"))
        assert row is not None
        row.base_due_date = row.due_date = None  # as the migration leaves it
    assert await fill_new_milestones(sessions, TIMETABLE) == 1
    async with case_in(sessions, reference, write=False) as (session, _):
        due = await session.scalar(
            select(MilestoneRow.due_date).where(MilestoneRow.key == "review_told")
        )
    assert due == date(2027, 1, 19)  # the next working day after the decision
    assert await fill_new_milestones(sessions, TIMETABLE) == 0  # nothing left to date


def test_a_cases_key_is_unwrapped_once_and_again_when_it_changes() -> None:
    """A card reads decisions, returns and the referral under the case's own key: unwrapped
    once for the Case, again when the wrapped key or the master key changes (rotation), and
    never once the key is purged."""
    master = Cipher.from_text(new_key())
    case = Case(reference="BR-2026-0099")
    case.wrapped_key = master.encrypt(new_key(), context=key_context(case.reference))
    first = case_cipher(master, case)
    assert case_cipher(master, case) is first
    sealed = first.encrypt("Kit", context="x")
    case.wrapped_key = master.encrypt(new_key(), context=key_context(case.reference))
    second = case_cipher(master, case)
    assert second is not first
    with pytest.raises(DecryptionError):
        second.decrypt(sealed, context="x")
    rotated = Cipher.from_text(new_key())
    case.wrapped_key = rotated.encrypt(new_key(), context=key_context(case.reference))
    assert case_cipher(rotated, case) is not second
    with pytest.raises(DecryptionError):
        case_cipher(master, case)  # the old master no longer opens it
    case.wrapped_key = None
    with pytest.raises(CasePurged):
        case_cipher(rotated, case)
