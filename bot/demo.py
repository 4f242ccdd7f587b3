"""``python -m bot demo-data --cases N``: a database of invented cases, to try the bot on and to
measure it at scale (``make bench``).

The cases are spread over the two years before now and each has gone as far through the
procedure as its age allows: scoping views, the chair's recommendation, the Local
Authority's decision, Information Gathering Tools sent and returned (with chronologies and the
practitioners involved), the rapid review's decision, the report to the Panel and its
response, local reviews planned for publication, action plans, and closure; about one open
case in six has stalled at a step, its deadline overdue. Everything is written through the
storage layer the flows use, so it is encrypted with the case keys and audited in the signed
chain, as real use would. Every name is invented (a fixed list, no real person).

Generated cases are marked (received via "demo"); it refuses a database holding any other.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo_forms import (
    AGENCIES,
    FAMILY_LAST,
    RATIONALES,
    REVIEWS,
    igt_form,
    referral_form,
)
from storage import actions, cases, people, requests
from storage.audit import append_audit
from storage.crypto import Cipher
from storage.db import transaction
from storage.decisions import record_decision
from storage.milestones import complete_milestones, mark_not_applicable
from storage.models import Case
from storage.notifications import record_notification
from workflow.decisions import DecisionDraft, DecisionKind
from workflow.roles import Role
from workflow.stages import Stage
from workflow.timetable import Timetable

DEMO = "demo"  # every generated case's "received via"
BATCH = 25  # cases per transaction

# Invented staff, one per role (the Entra ids are not anyone's).
STAFF = {
    Role.CHAIR: ("demo-chair", "Morwenna Tallis"),
    Role.BUSINESS_UNIT: ("demo-unit", "Idris Penhale"),
    Role.PARTNER_POLICE: ("demo-police", "DS Carys Wendon"),
    Role.PARTNER_LA: ("demo-la", "Oona Trevithick"),
    Role.PARTNER_ICB: ("demo-icb", "Dr Selwyn Arkle"),
    Role.STRATEGIC_DIRECTOR: ("demo-director", "Hesper Quayle"),
    Role.SCRUTINEER: ("demo-scrutineer", "Lowri Fenwick"),
}
LONDON = ZoneInfo("Europe/London")


class DemoRefused(RuntimeError):
    pass


@dataclass
class Made:
    cases: int = 0
    open: int = 0
    overdue: int = 0  # open cases stalled at a step


async def generate(
    sessions: async_sessionmaker[AsyncSession],
    master: Cipher,
    timetable: Timetable,
    count: int,
    *,
    now: datetime,
    seed: int = 2026,
) -> Made:
    """``count`` invented cases, their Day 1 spread over the two years before ``now``."""
    async with sessions() as session:
        real = await session.scalar(
            select(func.count()).select_from(Case).where(Case.received_via != DEMO)
        )
    if real:
        raise DemoRefused(
            f"This database holds {real} real case{'s' if real != 1 else ''}: demo data goes "
            "only into a database of its own (set DATABASE_URL to a new one)."
        )
    async with transaction(sessions) as session:
        for role, (aad, name) in STAFF.items():
            await people.save_person(
                session=session, aad_object_id=aad, teams_user_id="", name=name, now=now
            )
            await people.grant_role(
                session=session, aad_object_id=aad, role=role, granted_by=DEMO, now=now
            )
    made = Made()
    today = now.astimezone(LONDON).date()
    plans = sorted(
        (_Plan(random.Random(seed * 1_000_003 + n), today) for n in range(count)),
        key=lambda p: p.awareness,
    )
    for start in range(0, count, BATCH):
        async with transaction(sessions) as session:
            for plan in plans[start : start + BATCH]:
                stage = await _one_case(session, master, timetable, plan, today)
                made.cases += 1
                made.open += stage != Stage.CLOSED
                made.overdue += plan.stall is not None and stage != Stage.CLOSED
    return made


class _Plan:
    """One case's invented facts and how far it got (``stall``: the step it stopped at)."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.awareness = today - timedelta(days=rng.randrange(0, 730))
        self.stall = rng.randrange(0, 12) if rng.random() < 0.16 else None
        self.notify = rng.random() < 0.75
        self.review = rng.choice(REVIEWS)
        self.surname = rng.choice(FAMILY_LAST)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


async def _one_case(
    session: AsyncSession, master: Cipher, timetable: Timetable, plan: _Plan, today: date
) -> Stage:
    """Make the case and take it as far as its age (or its stall) allows; its stage."""
    calendar = timetable.calendar()
    rng = plan.rng

    def day(n: int) -> date:
        return calendar.day_n(plan.awareness, n)

    case = await cases.create_case(
        session=session,
        master=master,
        timetable=timetable,
        new=cases.NewCase(
            awareness_date=plan.awareness,
            referring_agency=rng.choice(AGENCIES),
            referrer_aad_id="demo-referrer",
            referral=referral_form(plan.awareness, plan.surname, rng),
            criteria=("child_death_abuse_neglect",)
            if rng.random() < 0.4
            else ("serious_harm_abuse_neglect",),
            received_via=DEMO,
        ),
        actor_role=Role.PRACTITIONER,
        now=_at(plan.awareness, 9),
    )
    steps: list[tuple[date, Callable[[], Awaitable[Stage | None]]]] = []
    d = _Decider(session, master, case)

    async def scoping() -> Stage | None:
        for role, outcome in zip(
            (Role.PARTNER_POLICE, Role.PARTNER_LA, Role.PARTNER_ICB),
            rng.sample(["meets_criteria"] * 3 + ["unsure"], 3),
            strict=True,
        ):
            await d.decide(DecisionKind.SCOPING_VIEW, outcome, role, day(2))
        await _done(session, case, ("referral_received", "scoping_views"), day(2))
        return None

    async def recommend() -> Stage | None:
        outcome = "notify" if plan.notify else "do_not_notify"
        await d.decide(DecisionKind.CHAIR_RECOMMENDATION, outcome, Role.CHAIR, day(3))
        await _done(session, case, ("chair_recommendation",), day(3))
        return Stage.LA_DECISION

    async def la_decides() -> Stage | None:
        outcome = "notify" if plan.notify else "do_not_notify"
        await d.decide(DecisionKind.LA_DECISION, outcome, Role.STRATEGIC_DIRECTOR, day(5))
        await _done(session, case, ("la_decision",), day(5))
        if not plan.notify:
            return Stage.NOT_NOTIFIED
        await record_notification(
            session=session,
            case=case,
            recipient="national_panel",
            sent_at=_at(day(5), 14),
            recorded_by=STAFF[Role.BUSINESS_UNIT][0],
            actor_role=Role.BUSINESS_UNIT,
            external_reference=f"CSPRP-DEMO-{case.id}",
        )
        await _anchor(session, case, timetable, "notification", day(5))
        return Stage.RAPID_REVIEW

    async def send_igts() -> Stage | None:
        chosen = rng.sample(AGENCIES, rng.randrange(3, 6))
        for n, agency in enumerate(chosen):
            await _igt(session, master, case, plan, agency, n, day(6), day(12), rng)
        await _anchor(session, case, timetable, "igt_sent", day(6))
        await _done(session, case, ("igts_sent", "igt_returns"), day(12))
        return None

    async def review_decision() -> Stage | None:
        await d.decide(DecisionKind.REVIEW_DECISION, plan.review, Role.CHAIR, day(15))
        await _anchor(session, case, timetable, "review_decision", day(15))
        await _done(session, case, ("rapid_review_meeting",), day(15))
        return Stage.REPORTING

    async def report_sent() -> Stage | None:
        await _anchor(session, case, timetable, "report_sent", day(20))
        await _done(session, case, ("report_to_panel",), day(20))
        return Stage.AWAITING_PANEL

    async def panel_agrees() -> Stage | None:
        await d.decide(DecisionKind.PANEL_RESPONSE, "agrees", Role.BUSINESS_UNIT, day(32))
        await _done(session, case, ("panel_response",), day(32))
        if plan.review == "lcspr":
            return Stage.LCSPR
        if plan.review == "no_further_action":
            await d.decide(DecisionKind.CLOSURE, "close", Role.CHAIR, day(33))
            return Stage.CLOSED
        return Stage.ALTERNATIVE_REVIEW

    async def commissioned() -> Stage | None:
        await _done(session, case, ("review_told", "reviewer_commissioned"), day(40))
        publish = calendar.previous_working_day(day(15) + timedelta(days=175))
        await _anchor(session, case, timetable, "planned_publication", publish)
        return None

    async def signed_off() -> Stage | None:
        await _done(session, case, ("report_signed_off", "final_report_sent"), day(110))
        return Stage.PUBLICATION

    async def published() -> Stage | None:
        await _done(session, case, ("publication",), day(120))
        await _actions(session, master, case, day(120), today, rng)
        return Stage.ACTION_PLAN

    async def alternative_done() -> Stage | None:
        await _actions(session, master, case, day(60), today, rng)
        return Stage.ACTION_PLAN

    async def closed() -> Stage | None:
        for action in await actions.list_actions(session=session, master=None, case=case):
            row = await actions.get_action(session=session, case=case, number=action.number)
            assert row is not None
            await actions.update_action(
                session=session,
                master=master,
                case=case,
                action=row,
                status="complete",
                rag="green",
                due=row.due_date,
                outcome="Done: the learning was shared (invented for the demonstration).",
                by=STAFF[Role.BUSINESS_UNIT][0],
                now=_at(day(230)),
            )
        await d.decide(DecisionKind.CLOSURE, "close", Role.CHAIR, day(240))
        return Stage.CLOSED

    steps = [(day(2), scoping), (day(3), recommend), (day(5), la_decides)]
    if plan.notify:
        steps += [(day(12), send_igts), (day(15), review_decision), (day(20), report_sent)]
        steps += [(day(32), panel_agrees)]
        if plan.review == "lcspr":
            steps += [(day(40), commissioned), (day(110), signed_off), (day(120), published)]
        elif plan.review != "no_further_action":
            steps += [(day(60), alternative_done)]
        if plan.review != "no_further_action":
            steps += [(day(240), closed)]
    else:
        steps += [(day(8), closed)]
    stage = Stage.SCOPING
    for n, (when, step) in enumerate(steps):
        if when > today or n == plan.stall:
            break
        moved = await step()
        stage = moved or stage
    case.stage = stage.value
    if stage == Stage.CLOSED:  # as closing a case requires: nothing left open
        await mark_not_applicable(
            session=session,
            case=case,
            keys=[m.key for m in timetable.milestones],
            why="not needed: the case was closed",
            now=_at(today),
        )
    return stage


class _Decider:
    def __init__(self, session: AsyncSession, master: Cipher, case: Case) -> None:
        self.session, self.master, self.case = session, master, case

    async def decide(self, kind: DecisionKind, outcome: str, role: Role, on: date) -> None:
        aad, name = STAFF[role]
        await record_decision(
            session=self.session,
            master=self.master,
            case=self.case,
            draft=DecisionDraft(
                kind=kind,
                outcome=outcome,
                rationale=f"{name}: {RATIONALES[kind]}",
                decided_by=aad,
                decided_role=role.value,
                decided_at=_at(on, 11),
            ),
            decider_roles=[role],
        )


async def _done(session: AsyncSession, case: Case, keys: tuple[str, ...], on: date) -> None:
    await complete_milestones(session=session, case=case, keys=keys, by=DEMO, now=_at(on, 12))


async def _anchor(
    session: AsyncSession, case: Case, timetable: Timetable, anchor: str, on: date
) -> None:
    await cases.set_anchor(
        session=session, case=case, anchor=anchor, on=on, timetable=timetable, now=_at(on, 12)
    )


async def _igt(
    session: AsyncSession,
    master: Cipher,
    case: Case,
    plan: _Plan,
    agency: str,
    n: int,
    sent: date,
    due: date,
    rng: random.Random,
) -> None:
    respondent = f"demo-respondent-{n}"
    request, _ = await requests.add_request(
        session=session,
        case=case,
        purpose="igt",
        aad_object_id=respondent,
        agency=agency,
        requested_by=STAFF[Role.BUSINESS_UNIT][0],
        now=_at(sent),
        due_date=due,
    )
    await _audit(session, case, "igt.sent", STAFF[Role.BUSINESS_UNIT][0], _at(sent))
    returned = due - timedelta(days=rng.randrange(0, 4))
    events = [
        {
            "date": (plan.awareness - timedelta(days=rng.randrange(1, 200))).isoformat(),
            "time": f"{rng.randrange(8, 18):02d}:{rng.choice(['00', '15', '30', '45'])}",
            "event": f"{agency}: a contact with the family (invented for the demonstration).",
        }
        for _ in range(rng.randrange(4, 13))
    ]
    form = igt_form(agency, events, plan.review, rng)
    await requests.add_return(
        session=session,
        master=master,
        case=case,
        request=request,
        kind="return",
        form=form,
        by=respondent,
        now=_at(returned, 15),
    )
    request.state = "returned"
    await _audit(session, case, "igt.returned", respondent, _at(returned, 15))


async def _actions(
    session: AsyncSession, master: Cipher, case: Case, on: date, today: date, rng: random.Random
) -> None:
    for n in range(rng.randrange(2, 6)):
        owner = rng.choice(list(STAFF.values()))[0]
        await actions.add_action(
            session=session,
            master=master,
            case=case,
            kind="action",
            text=f"Share the learning on information sharing with {rng.choice(AGENCIES)} "
            f"(action {n + 1}).",
            owner_aad_id=owner,
            agency=rng.choice(AGENCIES),
            due=on + timedelta(days=rng.randrange(30, 150)),
            rag=rng.choice(["green", "amber", "red"]),
            by=STAFF[Role.BUSINESS_UNIT][0],
            now=_at(on),
        )
        await _audit(session, case, "action.added", STAFF[Role.BUSINESS_UNIT][0], _at(on))


async def _audit(session: AsyncSession, case: Case, action: str, by: str, now: datetime) -> None:
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=by,
        actor_role=DEMO,
        action=action,
        case_ref=case.reference,
        details={"demo": True},
    )
