"""Personal data never leaks: a whole case with distinctive names, dates and addresses, then a
search for every one of those values in every channel post, every log line (DEBUG up), every
error reply, the raw SQLite files (WAL included) and a pg_dump of PostgreSQL; and every
encrypted column read raw holds ciphertext only.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot import logs
from bot.app import SERVICES
from flows.reminders import tick
from storage.models import Base
from tests.activities import BUSINESS_UNIT, CHAIR, HEALTH, LOCAL_AUTHORITY, POLICE
from tests.conftest import FixedClock
from tests.fakes import FakeConnector
from tests.http.test_decisions import (
    app_for,
    flush,
    give_view,
    latest_card,
    press_in_channel,
    referred,
    refresh,
)
from tests.http.test_igt import next_until, open_form, send, sending_card
from tests.http.test_referral import CHANNEL, PERSONAL_VALUES, Bot
from tests.http.test_reminders import RULES, at
from tests.pg import _bin_dir

REF = "BR-2026-0001"
# What the partners and agencies type: personal too (a rationale names the child).
TYPED = {
    "rationale": "Zebedee Quattlebaum was seen at 12 Larkspur Row by a neighbour.",
    "event": "Marigold Quattlebaum phoned 101 from Larkspur Row",
}
SEARCHED = sorted({*PERSONAL_VALUES, *TYPED.values()})


def encrypted_columns() -> list[tuple[str, str]]:
    """Every column the models mark as encrypted (``info={"encrypted": True}``)."""
    return sorted(
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.info.get("encrypted")
    )


async def whole_case(app: Any, connector: FakeConnector) -> list[str]:
    """Referral, scoping views, the chair's recommendation (a rationale naming the child), the
    director's decision, an IGT return with a chronology naming the mother, status queries in
    the channel and 1:1, a day of nudges and the digest, and errors. Returns every error reply
    and channel answer the bot gave."""
    client, _ = await referred(app, connector)
    for who in (POLICE, LOCAL_AUTHORITY, HEALTH):
        await give_view(client, connector, who)
    await flush(app)
    chair_view = await refresh(client, CHAIR)
    answered = await press_in_channel(
        client, CHAIR, chair_view, f"Recommend notification for {REF}", rationale=TYPED["rationale"]
    )
    assert "Recommended" in json.dumps(answered) or "recommend" in json.dumps(answered).lower()
    await flush(app)
    director_card = latest_card(connector, LOCAL_AUTHORITY["id"], "Decision on notification")
    director = Bot(client, connector.url, user=LOCAL_AUTHORITY)
    await director.press(
        director_card, f"Notify the national Panel about {REF}", rationale=TYPED["rationale"]
    )
    await flush(app)
    unit = Bot(client, connector.url, user=BUSINESS_UNIT)
    await send(unit, await sending_card(unit), POLICE, "West Yorkshire Police")
    await flush(app)
    police = Bot(client, connector.url, user=POLICE)
    step = await open_form(police, connector, POLICE)
    step = await next_until(police, step, "Chronology of key events", role="Detective Sergeant")
    step = await police.press(step, "Add an event")
    step = await police.press(
        step, "Next", date__0="2026-11-20", time__0="21:40", event__0=TYPED["event"]
    )
    step = await next_until(police, step, "The review you think")
    summary = await police.press(step, "Next", review_type="local")
    await police.press(summary, "Return the Information Gathering Tool")
    await flush(app)
    said: list[str] = []
    for who, words in (
        (BUSINESS_UNIT, f"status {REF}"),
        (BUSINESS_UNIT, f"timeline {REF}"),
        (BUSINESS_UNIT, "cases"),
        (BUSINESS_UNIT, "overdue"),
        (BUSINESS_UNIT, f"actions {REF}"),
        (CHAIR, f"review {REF}"),
        (CHAIR, "Zebedee Quattlebaum hurt at 12 Larkspur Row"),  # an error, in the channel
    ):
        said += [
            json.dumps(r)
            for r in await Bot(client, connector.url, user=who).say(words, channel=True)
        ]
    for words in (f"status {REF}", f"chronology {REF}", "Zebedee Quattlebaum"):
        said += [json.dumps(r) for r in await unit.say(words)]
    # A day of nudges and the digest, a week on.
    services = app[SERVICES]
    for moment in ("2026-12-03T09:00", "2026-12-04T09:00"):
        services.clock.current = at(moment)
        await tick(services.sessions, services.cases, RULES, at(moment))
    await flush(app)
    return said


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
async def test_no_personal_value_reaches_the_channel_the_logs_or_an_error_reply(
    tmp_path: Path,
    serve: Any,
    connector: FakeConnector,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    level: str,
) -> None:
    saved = {name: logging.getLogger(name).level for name in logs.LIBRARIES}
    caplog.set_level(level)
    logs.library_levels(level)
    try:
        app = await app_for(tmp_path, serve, clock)
        answers = await whole_case(app, connector)
    finally:
        for name, was in saved.items():
            logging.getLogger(name).setLevel(was)
    posted = json.dumps([s.activity for s in connector.to(CHANNEL)])
    assert "Recommendation on notification" in posted  # the channel did hear of the case
    assert len(caplog.records) > 50
    channel_answers = " ".join(a for a in answers[:7])
    for value in SEARCHED:
        assert value not in posted, f"{value!r} posted in the channel"
        assert value not in caplog.text, f"{value!r} in a log line"
        assert value not in channel_answers, f"{value!r} in a channel answer"
    # 1:1 errors: "Zebedee Quattlebaum" typed alone is not echoed back either.
    assert "Zebedee" not in answers[-1]


def raw_sqlite(tmp_path: Path) -> bytes:
    """The database file and its write-ahead log, byte for byte."""
    found = b""
    for path in sorted(tmp_path.glob("bot.db*")):
        found += path.read_bytes()
    assert found
    return found


async def test_the_raw_sqlite_files_and_every_encrypted_column_hold_no_plain_text(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    await whole_case(app, connector)
    raw = raw_sqlite(tmp_path)  # while running: the WAL holds the newest pages
    for value in SEARCHED:
        assert value.encode() not in raw, f"{value!r} in the SQLite files"
    await check_encrypted_columns(app)


@pytest.mark.postgres
async def test_a_pg_dump_holds_no_plain_text(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock, postgres_url: str
) -> None:
    app = await app_for(tmp_path, serve, clock, database_url=postgres_url)
    await whole_case(app, connector)
    await check_encrypted_columns(app)
    url = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    pg_dump = _bin_dir() / "pg_dump"
    assert pg_dump.exists() or shutil.which("pg_dump")
    dump = subprocess.run(  # noqa: ASYNC221 - the test's own one-off dump
        [str(pg_dump) if pg_dump.exists() else "pg_dump", "--data-only", url],
        check=True,
        capture_output=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        timeout=60,
    ).stdout
    assert b"COPY public.cases" in dump and REF.encode() in dump  # a real dump of the data
    for value in SEARCHED:
        assert value.encode() not in dump, f"{value!r} in pg_dump"


async def check_encrypted_columns(app: Any) -> None:
    """Each encrypted column, read raw: every value ciphertext, none the same twice."""
    columns = encrypted_columns()
    assert len(columns) >= 10, columns
    filled: list[str] = []
    async with app[SERVICES].sessions() as session:
        for table, column in columns:
            values = [
                v
                for (v,) in await session.execute(
                    text(f"SELECT {column} FROM {table} WHERE {column} <> ''")
                )
            ]
            for value in values:
                assert value.startswith("v1:"), (table, column, value[:40])
                for plain in SEARCHED:
                    assert plain not in value
            assert len(set(values)) == len(values), f"{table}.{column}: a value repeated"
            if values:
                filled.append(f"{table}.{column}")
    print("encrypted columns filled and checked:", filled)
    # The scenario's stores: the case key, the referral, decisions and views, the return (drafts
    # are cleared once sent, the outbox's cards once delivered: tests/storage/test_outbox.py
    # reads a queued one raw; actions and review records come later in a case).
    assert {
        "cases.wrapped_key",
        "referral_versions.payload",
        "decisions.rationale",
        "decisions.views",
        "igt_returns.payload",
    } <= set(filled), filled
