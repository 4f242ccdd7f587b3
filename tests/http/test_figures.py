"""``figures YEAR`` on a database of generated cases: the counts agree with counts made here
independently from the stored rows, the card, its chart's picture and the CSV name no case and
no person, the CSV comes by a one-use link, and only the roles allowed see any of it."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import SERVICES
from bot.demo import generate
from storage.models import Case, DecisionRow, MilestoneRow, Person
from tests.activities import BUSINESS_UNIT, CHAIR, POLICE
from tests.cardcheck import assert_valid_card, card_text
from tests.conftest import FixedClock, card_of
from tests.fakes import FakeConnector
from tests.http.test_decisions import CLIENTS, SERVICE, app_for
from tests.http.test_referral import Bot

LONDON = ZoneInfo("Europe/London")
YEAR = 2026
CHART = "Chart.VerticalBar.Grouped"


async def expected(app: Any, today: date) -> dict[str, Any]:
    """The year's figures counted straight from every stored row, one by one."""
    async with app[SERVICES].sessions() as session:
        every = list(await session.scalars(select(Case)))
        decisions = list(
            await session.scalars(select(DecisionRow).where(DecisionRow.kind == "review_decision"))
        )
        milestones = list(await session.scalars(select(MilestoneRow)))
    replaced = {d.supersedes_id for d in decisions}
    standing = [
        d
        for d in decisions
        if d.id not in replaced and d.decided_at.astimezone(LONDON).year == YEAR
    ]
    notified = {c.id: c.notification_date for c in every}
    found: dict[str, Any] = {
        "Referrals received": sum(c.created_at.astimezone(LONDON).year == YEAR for c in every),
        "Notifications to the national Panel": sum(
            c.notification_date is not None and c.notification_date.year == YEAR for c in every
        ),
        "Rapid reviews (decisions made)": len(standing),
        "Local reviews commissioned": sum(d.outcome == "lcspr" for d in standing),
        "Local reviews published": sum(
            m.key == "publication"
            and m.completed_at is not None
            and m.completed_at.astimezone(LONDON).year == YEAR
            for m in milestones
        ),
    }
    for key in ("la_decision", "rapid_review_meeting", "report_to_panel", "publication"):
        met = late = overdue = pending = 0
        for m in milestones:
            due = m.base_due_date or m.due_date
            if m.key != key or m.not_applicable_since is not None or due is None:
                continue
            if due.year != YEAR:
                continue
            done = m.completed_at.astimezone(LONDON).date() if m.completed_at else None
            if key == "la_decision":
                if notified[m.case_id] is None and done is not None:
                    continue  # not notified: no notification fell due
                done = notified[m.case_id]
            if done is None:
                overdue += today > due
                pending += today <= due
            else:
                met += done <= due
                late += done > due
        found[key] = (met, late, overdue, pending)
    return found


async def test_the_years_figures_agree_with_the_rows_and_name_no_one(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await app_for(tmp_path, serve, clock)
    SERVICE["url"] = connector.url
    services = app[SERVICES]
    await generate(services.sessions, services.cipher, services.timetable, 160, now=clock(), seed=5)
    client = CLIENTS[id(app)]
    today = clock().astimezone(LONDON).date()
    want = await expected(app, today)
    assert want["Referrals received"] > 10 and want["Rapid reviews (decisions made)"] > 0
    assert sum(sum(want[k]) for k in ("la_decision", "rapid_review_meeting")) > 0

    bu = Bot(client, connector.url, user=BUSINESS_UNIT)
    (reply,) = await bu.say(f"figures {YEAR}")
    card = card_of(reply)
    # The Adaptive Cards 1.5 schema predates Teams' chart elements: the rest is checked
    # against it, the chart below.
    assert_valid_card({**card, "body": [i for i in card["body"] if i["type"] != CHART]})
    facts = {
        f["title"]: f["value"]
        for item in card["body"]
        if item.get("type") == "FactSet"
        for f in item["facts"]
    }
    for title in (
        "Referrals received",
        "Notifications to the national Panel",
        "Rapid reviews (decisions made)",
        "Local reviews commissioned",
        "Local reviews published",
    ):
        assert facts[title] == str(want[title]), title
    (chart,) = [i for i in card["body"] if i["type"] == CHART]
    assert chart["fallback"]["type"] == "Image" and "Deadlines met" in chart["fallback"]["altText"]
    series = {s["legend"]: [v["y"] for v in s["values"]] for s in chart["data"]}
    keys = ("la_decision", "rapid_review_meeting", "report_to_panel", "publication")
    assert series["Met"] == [want[k][0] for k in keys]
    assert series["Late"] == [want[k][1] for k in keys]
    assert series["Overdue"] == [want[k][2] for k in keys]

    # No case and no person anywhere in it: no reference, no stored name.
    async with services.sessions() as session:
        names = [p.name for p in await session.scalars(select(Person)) if p.name]
    shown = json.dumps(card)
    assert not re.search(r"BR-\d{4}-\d{4}", shown)
    assert not [n for n in names if n in shown]

    # The chart's picture, from its signed address; another address draws nothing.
    picture = re.sub(r"^https?://[^/]+", "", chart["fallback"]["url"])
    drawn = await client.get(picture)
    assert drawn.status == 200 and drawn.headers["Content-Type"] == "image/png"
    assert (await drawn.read())[:8] == b"\x89PNG\r\n\x1a\n"
    assert (await client.get(picture.replace("d=2026", "d=2027"))).status == 404

    # The CSV, by a one-use link in the 1:1 chat, agrees too.
    (reply,) = await bu.say(f"figures {YEAR} csv")
    link_card = card_of(reply)
    (action,) = link_card["actions"]
    assert action["title"] == f"Download the figures for {YEAR} as a CSV file"
    path = re.sub(r"^https?://[^/]+", "", action["url"])
    got = await client.post(path, data={"persona": BUSINESS_UNIT["aadObjectId"]})
    assert got.status == 200
    text = (await got.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    counted = {r[1]: r[2] for r in rows if len(r) == 3 and r[0] == str(YEAR)}
    for title in facts:
        if title in want:
            assert counted[title] == str(want[title])
    deadline_rows = [r for r in rows if len(r) == 7 and r[0] == str(YEAR)]
    assert [tuple(int(x) for x in r[3:]) for r in deadline_rows] == [want[k] for k in keys]
    assert not re.search(r"BR-\d{4}-\d{4}", text) and not [n for n in names if n in text]
    assert (await client.post(path, data={"persona": BUSINESS_UNIT["aadObjectId"]})).status == 410

    # Where and who: the chair in the channel (counts only); the CSV never there; a partner
    # not at all.
    (channel,) = await Bot(client, connector.url, user=CHAIR).say(f"figures {YEAR}", channel=True)
    assert f"Figures for {YEAR}" in card_text(card_of(channel))
    (no_csv,) = await Bot(client, connector.url, user=CHAIR).say(
        f"figures {YEAR} csv", channel=True
    )
    assert "1:1 chat" in no_csv["text"]
    (partner,) = await Bot(client, connector.url, user=POLICE).say(f"figures {YEAR}")
    assert not partner.get("attachments")
    (bad,) = await bu.say("figures next year")
    assert "for example **figures 2026**" in bad["text"]
