"""The reminder jobs driven by ``tick`` at chosen moments across a case's first week: which
nudges are queued, where, to whom and when; none twice; nothing outside working hours; no
child's or family's details in the channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES
from bot.cli import main as cli
from bot.config import load_rules
from flows.reminders import tick
from storage.models import OutboxMessage
from tests.activities import BUSINESS_UNIT, DIRECTOR, HEALTH, POLICE
from tests.conftest import FixedClock
from tests.fakes import FakeConnector
from tests.http.test_decisions import app_for, flush, referred
from tests.http.test_referral import CHANNEL

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "config" / "nudges.toml")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # UTC is London time in winter


async def queued_keys(app: Any) -> list[tuple[str, str, str]]:
    async with app[SERVICES].sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key.like("nudge:%")
                | OutboxMessage.dedupe_key.like("digest:%")
                | OutboxMessage.dedupe_key.like("catchup:%")
            )
        )
        return [(r.dedupe_key or "", r.target, r.recipient_aad_id or "") for r in rows]


async def run(app: Any, moment: str) -> int:
    """``tick`` at ``moment``, with the app's clock there too (the outbox sends by it)."""
    services = app[SERVICES]
    services.clock.current = at(moment)
    result = await tick(services.sessions, services.cases, RULES, at(moment))
    return result.queued


async def test_a_week_of_reminders_each_once_in_working_hours(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)  # the referral: Thursday 26 Nov 2026
    await referred(app, connector)
    ref = "BR-2026-0001"
    # Saturday, and Monday before nine: nothing.
    assert await run(app, "2026-11-28T10:00") == 0
    assert await run(app, "2026-11-30T08:30") == 0
    # Monday 30 Nov, 09:00: two working days before Day 5 (Wednesday 2 Dec).
    assert await run(app, "2026-11-30T09:00") > 0
    keys = await queued_keys(app)
    assert (f"nudge:2026-11-30:{ref}:chair_recommendation:before", "channel", "") in keys
    assert (f"nudge:2026-11-30:{ref}:la_decision:before", "channel", "") in keys
    scoping = {
        k[2]
        for k in keys
        if k[0].startswith("nudge:2026-11-30:") and ":scoping_views:before:" in k[0]
    }
    assert scoping == {POLICE["aadObjectId"], DIRECTOR["aadObjectId"], HEALTH["aadObjectId"]}
    assert ("digest:2026-11-30", "channel", "") in keys
    # The same moment again, and later that day: nothing twice.
    assert await run(app, "2026-11-30T09:00") == 0
    assert await run(app, "2026-11-30T16:59") == 0
    # Tuesday, Day 4: the statutory chaser to the Strategic Director and the Business Unit.
    await run(app, "2026-12-01T09:30")
    keys = await queued_keys(app)
    chased = {
        k[2] for k in keys if k[0].startswith("nudge:2026-12-01:") and ":la_decision:chase:" in k[0]
    }
    assert chased == {DIRECTOR["aadObjectId"], BUSINESS_UNIT["aadObjectId"]}
    # Wednesday 2 Dec, Day 5: due today. Thursday: overdue, naming the chair and the BU.
    await run(app, "2026-12-02T09:00")
    await run(app, "2026-12-03T11:00")
    async with app[SERVICES].sessions() as session:
        overdue = await session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"nudge:2026-12-03:{ref}:chair_recommendation:overdue"
            )
        )
    assert overdue is not None and overdue.target == "channel"
    # What the channel was sent names no child.
    await flush(app)
    texts = [json.dumps(sent.activity) for sent in connector.to(CHANNEL)]
    overdue_card = next(t for t in texts if "Deadline overdue" in t)
    assert "Chris Holt" in overdue_card and "Bea Umar" in overdue_card
    digest = next(t for t in texts if "Daily digest: 30 Nov 2026" in t)
    assert "1 open case, 0 overdue deadlines, 4 due this week." in digest
    assert (
        "Scoping views from Police, Local Authority and Integrated Care Board (Day 5): "
        "2 Dec 2026 (Due soon)"
    ) in digest
    assert "Information Gathering Tools sent to every agency involved (Day 6): 3 Dec 2026" in digest
    assert not any("Zebedee" in t or "Quattlebaum" in t for t in texts)


def test_tick_from_the_command_line(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    """``python -m bot tick --now``: outside working hours nothing; at nine on a working day
    the digest (no cases yet), once."""
    monkeypatch.setenv("BOT_MODE", "local")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CASE_REVIEW_CHANNEL_ID", CHANNEL)
    monkeypatch.setenv("TIMETABLE_FILE", str(ROOT / "config" / "timetable.toml"))
    monkeypatch.setenv("NUDGES_FILE", str(ROOT / "config" / "nudges.toml"))
    assert cli(["tick", "--now", "2026-11-28T10:00+00:00"]) == 0
    assert "outside working hours" in capsys.readouterr().out
    assert cli(["tick", "--now", "2026-11-30T09:00+00:00"]) == 0
    assert "1 newly queued" in capsys.readouterr().out
    assert cli(["tick", "--now", "2026-11-30T09:00+00:00"]) == 0
    assert "0 newly queued" in capsys.readouterr().out


async def test_an_unsent_referral_is_chased_once(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    from tests.activities import PRACTITIONER
    from tests.http.test_decisions import CLIENTS
    from tests.http.test_referral import Bot

    app = await app_for(tmp_path, serve, clock)
    bot = Bot(CLIENTS[id(app)], connector.url, user=PRACTITIONER)
    await bot.say("refer")  # Thursday 26 Nov: started, not sent
    await run(app, "2026-11-26T16:00")  # the same day: not yet
    assert not [k for k in await queued_keys(app) if k[0].startswith("nudge:draft:")]
    await run(app, "2026-11-27T09:00")
    await run(app, "2026-11-30T09:00")
    keys = [k for k in await queued_keys(app) if k[0].startswith("nudge:draft:")]
    assert keys == [(keys[0][0], "person", PRACTITIONER["aadObjectId"])]  # once
    await flush(app)
    sent = [s for s in connector.sent if "isn't sent yet" in json.dumps(s.activity)]
    assert len(sent) == 1


async def test_a_1_to_1_reminder_is_snoozed_to_the_next_working_morning_by_its_owner_only(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    from sqlalchemy import select as query

    from storage.models import AuditEvent
    from tests.http.test_decisions import CLIENTS
    from tests.http.test_referral import Bot

    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    await run(app, "2026-12-01T09:30")  # Tuesday, Day 4: the chaser to the Business Unit
    await flush(app)
    chaser = next(
        s.activity["attachments"][0]["content"]
        for s in connector.sent
        if s.conversation_id.endswith(BUSINESS_UNIT["id"])
        and ":la_decision:chase:" in json.dumps(s.activity)
    )
    title = "Snooze the BR-2026-0001 reminder"
    police = Bot(CLIENTS[id(app)], connector.url, user=POLICE)
    refused = await police.press(chaser, title)
    assert "isn't one of yours" in refused["message"]
    unit = Bot(CLIENTS[id(app)], connector.url, user=BUSINESS_UNIT)
    said = await unit.press(chaser, title)
    assert said["message"] == "Snoozed: I'll remind you again on 2 Dec 2026 in the morning."
    again = await unit.press(chaser, title)
    assert "snoozed already" in again["message"]
    async with app[SERVICES].sessions() as session:
        held = await session.scalar(
            query(OutboxMessage).where(OutboxMessage.dedupe_key.like("%:snoozed"))
        )
        audited = await session.scalar(
            query(AuditEvent).where(AuditEvent.action == "reminder.snoozed")
        )
    assert held is not None and held.recipient_aad_id == BUSINESS_UNIT["aadObjectId"]
    assert held.next_attempt_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert audited is not None


async def test_after_downtime_each_channel_and_person_gets_one_catch_up_then_the_rhythm(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)  # Thursday 26 Nov
    ref = "BR-2026-0001"
    await run(app, "2026-11-27T09:00")  # Friday: running as usual
    await flush(app)
    since = len(connector.sent)
    # Down from Monday to Wednesday; back on Thursday 3 Dec (Day 6) at ten.
    assert await run(app, "2026-12-03T10:00") > 0
    await flush(app)
    today = connector.sent[since:]

    def titled(sent: list[Any], words: str) -> list[Any]:
        return [s for s in sent if words in (s.activity.get("summary") or "")]

    channel = [s for s in today if s.conversation_id.startswith(CHANNEL)]
    assert len(titled(channel, "Deadlines while I was offline")) == 1
    assert titled(channel, "Deadline ") == []  # no nudge on its own
    assert len(titled(channel, "Daily digest")) == 1
    catch_up = json.dumps(titled(channel, "while I was offline")[0].activity)
    assert "I couldn't send reminders from 30 Nov 2026" in catch_up
    assert (
        "Chair's recommendation to the Local Authority on notification (Day 5): "
        "overdue (was due 2 Dec 2026); Case Review Sub-group chair (Chris Holt)"
    ) in catch_up
    assert "Zebedee" not in catch_up  # no child's details in the channel
    for person in (POLICE, HEALTH, DIRECTOR, BUSINESS_UNIT):
        theirs = [s for s in today if s.conversation_id.endswith(person["id"])]
        assert len(titled(theirs, "Your deadlines while I was offline")) == 1, person["name"]
        assert titled(theirs, "Your deadline ") == [], person["name"]
    police = json.dumps(
        titled([s for s in today if s.conversation_id.endswith(POLICE["id"])], "offline")[
            0
        ].activity
    )
    assert "Scoping views" in police and "overdue (was due" in police, police
    # Later that day: nothing again.
    assert await run(app, "2026-12-03T14:00") == 0
    # Friday: the normal rhythm, each nudge on its own.
    await run(app, "2026-12-04T09:00")
    await flush(app)
    keys = await queued_keys(app)
    assert (f"nudge:2026-12-04:{ref}:chair_recommendation:overdue", "channel", "") in keys
    catch_ups = {k[0] for k in keys if k[0].startswith("catchup:")}
    assert "catchup:2026-12-03:channel" in catch_ups
    assert {f"catchup:2026-12-03:{p['aadObjectId']}" for p in (POLICE, HEALTH)} <= catch_ups
    assert all(k.startswith("catchup:2026-12-03:") for k in catch_ups)  # once, that day
    assert len(titled(connector.sent[since:], "Deadline overdue")) >= 1


async def test_the_day_15_decision_prompt_goes_to_the_channel_when_it_falls_due_once(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)  # Thursday 26 Nov; Day 15 is Wednesday 16 Dec

    async def prompts() -> list[Any]:
        await flush(app)
        return [
            s
            for s in connector.to(CHANNEL)
            if (s.activity.get("summary") or "").startswith("Rapid review decision:")
        ]

    await run(app, "2026-12-11T09:00")  # Friday: not yet
    assert await prompts() == []
    await run(app, "2026-12-14T09:00")  # Monday, two working days before: it's posted
    posted = await prompts()
    assert len(posted) == 1
    text = json.dumps(posted[0].activity)
    assert "Rapid review decision: BR-2026-0001" in text
    assert "decide BR-2026-0001" in text and "Due by 16 Dec 2026 (Day 15)" in text
    await run(app, "2026-12-15T09:00")
    await run(app, "2026-12-16T09:00")
    assert len(await prompts()) == 1  # there already: not again


async def test_over_christmas_bank_holidays_are_not_downtime_and_get_no_nudges(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    clock.current = at("2026-12-21T10:00")  # Monday 21 Dec: Day 1; Day 5 is Tuesday 29 Dec
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    ref = "BR-2026-0001"
    await run(app, "2026-12-23T09:00")  # Wednesday: two working days before Day 5
    await run(app, "2026-12-24T09:00")  # Thursday, Day 4: the statutory chaser
    keys = {k[0] for k in await queued_keys(app)}
    assert f"nudge:2026-12-23:{ref}:chair_recommendation:before" in keys
    assert [k for k in keys if k.startswith(f"nudge:2026-12-24:{ref}:la_decision:chase:")]
    assert await run(app, "2026-12-25T10:00") == 0  # Christmas Day
    assert await run(app, "2026-12-28T10:00") == 0  # the Boxing Day holiday (a Monday)
    await run(app, "2026-12-29T09:00")  # back at work: Day 5, each nudge on its own
    keys = {k[0] for k in await queued_keys(app)}
    assert f"nudge:2026-12-29:{ref}:chair_recommendation:due" in keys
    assert not [k for k in keys if k.startswith("catchup:")]
    assert not [k for k in keys if k.startswith(("nudge:2026-12-25", "nudge:2026-12-28"))]
    await flush(app)  # sent while the connector is there


async def test_a_case_referred_after_the_mornings_tick_gets_its_nudges_that_day(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)  # BR-2026-0001, aware Thursday 26 Nov
    await run(app, "2026-11-30T09:00")
    keys = {k[0] for k in await queued_keys(app)}
    assert "nudge:2026-11-30:BR-2026-0001:chair_recommendation:before" in keys
    assert await run(app, "2026-11-30T09:01") == 0  # nothing changed: nothing new
    clock.current = at("2026-11-26T15:00")  # entered now, aware the same Thursday
    await referred(app, connector)  # BR-2026-0002
    assert await run(app, "2026-11-30T09:02") > 0
    keys = {k[0] for k in await queued_keys(app)}
    assert "nudge:2026-11-30:BR-2026-0002:chair_recommendation:before" in keys
    await flush(app)


async def test_one_case_that_cannot_be_built_does_not_stop_everyone_elses_reminders(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock, caplog: Any
) -> None:
    """A milestone the timetable no longer has (the timetable file changed under a live
    case): that nudge is skipped and logged by its case reference; every other case's
    nudges, and the same case's other nudges, still go."""
    from sqlalchemy import update

    from storage.models import Case, MilestoneRow

    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)  # BR-2026-0001
    await referred(app, connector)  # BR-2026-0002
    async with app[SERVICES].sessions() as session, session.begin():
        first = await session.scalar(select(Case.id).where(Case.reference == "BR-2026-0001"))
        await session.execute(
            update(MilestoneRow)
            .where(MilestoneRow.case_id == first, MilestoneRow.key == "chair_recommendation")
            .values(key="withdrawn_step")
        )
    caplog.set_level("INFO")
    assert await run(app, "2026-11-30T09:00") > 0
    keys = {k[0] for k in await queued_keys(app)}
    assert "nudge:2026-11-30:BR-2026-0002:chair_recommendation:before" in keys
    assert "nudge:2026-11-30:BR-2026-0001:la_decision:before" in keys
    assert "nudge:2026-11-30:BR-2026-0002:la_decision:before" in keys
    assert not any("withdrawn_step" in k for k in keys)
    skipped = [r for r in caplog.records if r.getMessage().startswith("reminder skipped")]
    assert [(r.source, r.case) for r in skipped] == [("milestones", "BR-2026-0001")]  # type: ignore[attr-defined]


async def test_a_failing_source_is_logged_and_the_others_still_run(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock, caplog: Any
) -> None:
    from flows import reminders

    async def broken(*_: Any) -> list[Any]:
        raise RuntimeError("the database went away for this query")

    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)
    for name in ("milestones", "igt", "actions", "panel_told", "drafts", "weekly_actions"):
        caplog.clear()
        original = reminders.SOURCES[name]
        reminders.SOURCES[name] = broken
        try:
            await run(app, "2026-11-30T09:00")
        finally:
            reminders.SOURCES[name] = original
        failed = [r for r in caplog.records if r.getMessage() == "reminder source failed"]
        assert [r.source for r in failed] == [name]  # type: ignore[attr-defined]
    keys = {k[0] for k in await queued_keys(app)}
    # The milestone nudges went on the runs where another source was the broken one.
    assert "nudge:2026-11-30:BR-2026-0001:chair_recommendation:before" in keys
    assert "digest:2026-11-30" in keys


def test_tick_only_runs_the_one_source_named(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setenv("BOT_MODE", "local")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CASE_REVIEW_CHANNEL_ID", CHANNEL)
    monkeypatch.setenv("TIMETABLE_FILE", str(ROOT / "config" / "timetable.toml"))
    monkeypatch.setenv("NUDGES_FILE", str(ROOT / "config" / "nudges.toml"))
    nine = "2026-11-30T09:00+00:00"
    assert cli(["tick", "--now", nine, "--only", "milestones"]) == 0
    assert "0 newly queued" in capsys.readouterr().out  # no digest: not asked for
    assert cli(["tick", "--now", nine, "--only", "digest"]) == 0
    assert "1 newly queued" in capsys.readouterr().out
    assert cli(["tick", "--now", nine]) == 0
    assert "0 newly queued" in capsys.readouterr().out  # the digest went already
    try:
        cli(["tick", "--now", nine, "--only", "digests"])
    except SystemExit as stopped:
        assert stopped.code == 2
    assert "invalid choice: 'digests'" in capsys.readouterr().err


async def test_a_flood_of_deadlines_on_one_day_goes_as_one_message_to_each_place(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    """Thirty cases referred the same day: on their Day 5 the channel gets one "Deadlines
    today" message listing them, not one per milestone per case, and each partner one of
    their own; a later tick sends none of the thirty again; and a case long overdue brings
    no nudge at all (the digest carries it)."""
    from datetime import date

    from flows.reminder_queue import GATHERED
    from flows.reminders import PROMPTS_PER_TICK
    from storage import cases
    from storage.db import transaction
    from storage.settings import stored_setting
    from workflow.roles import Role

    app = await app_for(tmp_path, serve, clock)
    await referred(app, connector)  # Thursday 26 Nov: BR-2026-0001 and its people
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        for n in range(30):
            await cases.create_case(
                session=session,
                master=services.cases.cipher,
                timetable=services.cases.timetable,
                new=cases.NewCase(
                    awareness_date=date(2026, 11, 26) if n else date(2026, 10, 1),
                    referring_agency="Health",
                    referrer_aad_id=HEALTH["aadObjectId"],
                    referral={"incident": {"what_happened": f"Flood {n}"}},
                ),
                actor_role=Role.PRACTITIONER,
                now=at("2026-11-26T12:00"),
            )
    await flush(app)
    since = len(connector.sent)
    assert await run(app, "2026-12-02T09:00") > 0  # Wednesday 2 Dec: Day 5 of 30 cases
    await flush(app)
    today = connector.sent[since:]
    channel = [s for s in today if s.conversation_id.startswith(CHANNEL)]
    summaries = [s.activity.get("summary") or "" for s in channel]
    gathered = [
        s for s in channel if (s.activity.get("summary") or "").startswith("Deadlines today")
    ]
    assert len(gathered) == 1, summaries
    assert not [t for t in summaries if t.startswith("Deadline ")]  # none on its own
    text = json.dumps(gathered[0].activity)
    assert "deadline reminders today, together in one message" in text
    assert "Chair's recommendation to the Local Authority on notification (Day 5)" in text
    assert "due today (2 Dec 2026)" in text and "And " in text and " more." in text
    assert "Flood" not in text and "Zebedee" not in text
    police = [s for s in today if s.conversation_id.endswith(POLICE["id"])]
    assert [s.activity.get("summary") for s in police].count("Your deadlines today: 30") == 1
    # The case due in October is weeks overdue: no nudge for it today.
    keys = await queued_keys(app)
    assert not [k for k in keys if k[0].startswith("nudge:2026-12-02:BR-2026-0002:")]
    async with services.sessions() as session:
        gathered = (await stored_setting(session=session, key=GATHERED) or "").split("\n")
    assert gathered[0] == "2026-12-02"
    assert len([k for k in gathered if ":la_decision:due" in k]) == 30  # each kept as sent
    # Later the same day: no reminder sent twice; nor after a change (another referral, so
    # the day is planned again). The chair's decision prompts (one card a case, twenty a
    # minute at most) go on: the rest of the thirty-one.
    await flush(app)
    since = len(connector.sent)
    assert await run(app, "2026-12-02T14:00") > 0
    async with transaction(services.sessions) as session:
        await cases.create_case(
            session=session,
            master=services.cases.cipher,
            timetable=services.cases.timetable,
            new=cases.NewCase(
                awareness_date=date(2026, 12, 2),
                referring_agency="Health",
                referrer_aad_id=HEALTH["aadObjectId"],
                referral={"incident": {"what_happened": "Later that day"}},
            ),
            actor_role=Role.PRACTITIONER,
            now=at("2026-12-02T14:30"),
        )
    await run(app, "2026-12-02T15:00")
    await flush(app)
    later = [s.activity.get("summary") or "" for s in connector.sent[since:]]
    assert not [t for t in later if "today" in t or t.startswith("Deadline")], later
    prompts = [t for t in summaries if t.startswith("Recommendation on notification")]
    assert len(prompts) == PROMPTS_PER_TICK  # at nine: twenty prompts; the rest after
    assert [t for t in later if t.startswith("Recommendation on notification")]
