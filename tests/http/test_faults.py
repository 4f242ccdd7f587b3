"""Faults, each bounded in time: the database away for twenty seconds (PostgreSQL stopped,
then started), and a burst of 500 turns at once from 50 people (commands and card presses),
on SQLite and on PostgreSQL. The bot killed mid-change is tests/http/test_crashes.py."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select

from bot.app import SERVICES
from storage import cases, people
from storage.audit import verify_audit
from storage.db import transaction
from storage.models import Case, DecisionRow, ReferralVersion
from tests.activities import HEALTH, execute, message
from tests.cardcheck import card_text
from tests.conftest import FixedClock, replies
from tests.fakes import FakeConnector
from tests.http.test_decisions import app_for, referred
from tests.http.test_referral import Bot, fill_to_summary, start_referral
from tests.pg import start_postgres
from workflow.roles import Role

AWAY = 20.0  # seconds the database is stopped for


def said(answer: Any) -> str:
    return json.dumps(answer)


async def healthz(client: Any) -> tuple[int, dict[str, Any]]:
    response = await client.get("/healthz")
    return response.status, dict(await response.json())


@pytest.mark.postgres
async def test_the_database_away_for_twenty_seconds(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    """Stopped mid-morning: every command and card press answered "try again shortly",
    the referral being submitted neither half-written nor lost, ``/healthz`` showing the
    outage; started again: the bot carries on without a restart, and the same press sends
    the referral, once."""
    server = start_postgres()
    try:
        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")
        await conn.execute('CREATE DATABASE "away"')
        await conn.close()
        app = await app_for(tmp_path, serve, clock, database_url=server.url("away"))
        client, practitioner = await referred(app, connector)  # BR-2026-0001
        health = Bot(client, connector.url, user=HEALTH)
        summary = await fill_to_summary(health, await start_referral(health))
        assert (await healthz(client))[0] == 200

        server.pause()
        stopped = time.monotonic()
        status, body = await healthz(client)
        assert status == 503 and body["database"] == "unreachable" and "down_since" in body
        (reply,) = await practitioner.say("status BR-2026-0001")
        assert (
            "try again shortly" in reply["text"] and "Nothing was saved half-way" in reply["text"]
        )
        refused = await health.press(summary, "Submit referral")
        assert "try again shortly" in refused["message"]
        asked = 0
        while time.monotonic() - stopped < AWAY:  # people keep trying meanwhile
            for text in ("cases", "overdue", "help"):
                (reply,) = await practitioner.say(text)
                assert reply.get("text") is None or "went wrong" not in reply["text"]
                asked += 1
            await asyncio.sleep(2)
        assert asked >= 15
        server.resume()

        deadline = time.monotonic() + 30
        while (found := await healthz(client))[0] != 200:
            assert time.monotonic() < deadline, found
            await asyncio.sleep(0.5)
        body = found[1]
        assert body["database"] == "ok" and "down_since" not in body
        assert body["last_outage"]["from"] < body["last_outage"]["to"]
        assert body["failed_turns"] >= 2
        # The same card, pressed again: the referral is sent, as typed, once.
        done = await health.press(summary, "Submit referral")
        assert "Referral received: BR-2026-0002" in card_text(done)
        (reply,) = await practitioner.say("status BR-2026-0001")
        assert "BR-2026-0001" in said(reply) and "try again" not in said(reply)
        async with app[SERVICES].sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Case)) == 2
            assert await session.scalar(select(func.count()).select_from(ReferralVersion)) == 2
            assert (await verify_audit(session=session)).ok
    finally:
        server.stop()


PEOPLE = [
    {
        "id": f"29:burst-{n}",
        "name": f"Burst Person {n}",
        "aadObjectId": f"00000000-0000-4000-9000-{n:012d}",
    }
    for n in range(50)
]
CHAIRS = PEOPLE[:10]


def burst_turn(n: int, scoping: list[str], service_url: str) -> dict[str, Any]:
    """Turn ``n`` of the burst: one of ten kinds, from one of fifty people."""
    kind = n % 10
    if kind == 7:  # the chair's button, on a case at scoping: some pressed twice at once
        chair = CHAIRS[(n // 10) % len(CHAIRS)]
        reference = scoping[(n // 10) % len(scoping)]
        data = {"case": reference, "outcome": "notify", "rationale": f"Burst rationale {n}."}
        return execute("chair.recommend", data, user=chair, service_url=service_url)
    user = PEOPLE[n % len(PEOPLE)]
    if kind == 5:  # a card's button: the overdue list's next page
        return execute("overdue.page", {"page": 1}, user=user, service_url=service_url)
    words = {
        0: "help",
        1: "status BR-2026-0001",
        2: "cases",
        3: "overdue",
        4: "deadlines",
        6: "refer",
        8: f"status {scoping[n % len(scoping)]}",
        9: "my cases",
    }[kind]
    return message(words, user=user, service_url=service_url)


async def test_a_burst_of_500_turns_from_50_people(
    database_url: str, tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    """On SQLite and on PostgreSQL (``database_url``): every turn answered, none with an
    error, each case at scoping given one recommendation however often it was pressed."""
    backend = database_url.split(":", 1)[0]
    app = await app_for(tmp_path, serve, clock, database_url=database_url)
    client, _ = await referred(app, connector)
    services = app[SERVICES]
    scoping = []
    async with transaction(services.sessions) as session:
        for chair in CHAIRS:
            await people.grant_role(
                session=session,
                aad_object_id=chair["aadObjectId"],
                role=Role.CHAIR,
                granted_by="test",
                now=clock(),
            )
        for n in range(40):
            case = await cases.create_case(
                session=session,
                master=services.cipher,
                timetable=services.timetable,
                new=cases.NewCase(
                    awareness_date=date(2026, 11, 20),
                    referring_agency="Health",
                    referrer_aad_id=HEALTH["aadObjectId"],
                    referral={"incident": {"what_happened": f"Burst case {n}"}},
                    idempotency_key=str(uuid.uuid4()),
                ),
                actor_role=Role.PRACTITIONER,
                now=clock(),
            )
            scoping.append(case.reference)

    async def one(n: int) -> tuple[int, dict[str, Any]]:
        response = await client.post("/api/messages", json=burst_turn(n, scoping, connector.url))
        return response.status, dict(await response.json())

    started = time.monotonic()
    answers = await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(500))), 180)
    seconds = time.monotonic() - started
    assert len(answers) == 500
    for n, (status, body) in enumerate(answers):
        assert status == 200, (n, body)
        if n % 10 in (5, 7):  # a card press: its card, or a sentence in place of one
            assert body.get("statusCode") == 200 and body.get("value"), (n, body)
        else:
            assert replies(body), (n, body)
        assert "went wrong" not in said(body) and "try again" not in said(body), (n, body)
    async with services.sessions() as session:
        recorded = list(
            await session.execute(
                select(DecisionRow.case_id, func.count())
                .where(DecisionRow.kind == "chair_recommendation")
                .group_by(DecisionRow.case_id)
            )
        )
        assert len(recorded) == 40 and all(count == 1 for _, count in recorded)
        assert (await verify_audit(session=session)).ok
    print(f"500 turns from 50 people on {backend}: {seconds:.1f} s")
