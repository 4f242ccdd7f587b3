"""The rapid review pack and the annual figures through the local Teams client. Three agencies
return the Information Gathering Tool (the police withholding one answer for their
investigation), the chair approves the Day 15 decision, and ``pack`` gives the Business Unit a
link: the .docx it downloads opens, and holds every chronology entry in date order with its
agency, each agency's analysis and the decision with its rationale, and not the withheld
value. The link is refused to the chair and on a second use. ``figures`` in the channel shows
counts only, with its chart."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import aiohttp
import docx
import pytest

from tests.e2e.harness import LocalTeams, card_text
from tests.e2e.test_decisions_e2e import card_in
from tests.e2e.test_igt_e2e import BU, at_rapid_review, typed, until
from tests.e2e.test_referral_e2e import press

pytestmark = pytest.mark.e2e

SECRET = "Enquiries about the lodger continue"
AGENCIES = (
    (
        "police",
        "West Yorkshire Police",
        [("2026-11-20", "21:40", "Neighbour calls police"), ("2026-11-21", "11:00", "Strategy")],
        "Officers attended within the hour.",
    ),
    (
        "health",
        "Bradford Teaching Hospitals",
        [("2026-11-21", "08:05", "Child brought to A&E")],
        "Triage spotted the injury pattern.",
    ),
    (
        "practitioner",
        "Bradford Council Education",
        [("2026-11-20", "15:20", "Withdrawn at pick-up")],
        "Attendance fell; not escalated.",
    ),
)
ORDER = [
    ("Withdrawn at pick-up", "Bradford Council Education"),
    ("Neighbour calls police", "West Yorkshire Police"),
    ("Child brought to A&E", "Bradford Teaching Hospitals"),
    ("Strategy", "West Yorkshire Police"),
]


async def returned(teams: LocalTeams, persona: str, reference: str, agency: Any) -> None:
    _, _name, events, analysis = agency
    request = await card_in(teams, persona, f"Information Gathering Tool: {reference}")
    step = await press(
        teams, request, f"Complete the Information Gathering Tool for {reference}", persona=persona
    )
    step = await until(teams, step, persona, "Brief synopsis of the case (1 to 4)")
    withheld: dict[str, str] = (
        {"_withheld": "involvement_incident", "involvement_incident": SECRET}
        if persona == "police"
        else {}
    )
    step = await press(teams, step, "Next", persona=persona, practice_analysis=analysis, **withheld)
    step = await until(teams, step, persona, "Chronology of key events")
    step = await press(teams, step, "Add an event", persona=persona)
    for n, (on, at, what) in enumerate(events):
        values = {f"date__{n}": on, f"time__{n}": at, f"event__{n}": what}
        last = n == len(events) - 1
        step = await press(
            teams, step, "Next" if last else "Add another event", persona=persona, **values
        )
    summary = await until(teams, step, persona, "check and submit")
    done = await press(teams, summary, "Return the Information Gathering Tool", persona=persona)
    assert f"Information Gathering Tool returned: {reference}" in card_text(done.card)


async def day_15_decision(teams: LocalTeams, reference: str) -> None:
    step = await typed(teams, BU, f"decide {reference}", "The local review criteria")
    step = await press(teams, step, "Next", persona=BU, must="working_together")
    summary = await press(
        teams,
        step,
        "Next",
        persona=BU,
        immediate_action="no",
        national="no",
        outcome="lcspr",
        rationale="Agencies held parts of the picture & did not share them.",
        consulted="All three partners agree.",
    )
    await press(teams, summary, "Send to the chair for approval", persona=BU)
    review = await teams.wait_for_message(
        lambda m: m.card is not None and f"Rapid review decision: {reference}" in card_text(m.card),
        conversation_id=teams.channel_id,
    )
    live = await teams.refresh(review, persona="chair")
    approved = await press(teams, live, f"Approve the decision on {reference}", persona="chair")
    assert "Approved by the chair" in card_text(approved.card)


async def test_the_pack_after_three_returns_and_the_day_15_decision(teams: LocalTeams) -> None:
    reference = await at_rapid_review(teams)
    sending = await typed(
        teams, BU, f"igt {reference}", f"Information Gathering Tools: {reference}"
    )
    for agency in AGENCIES:
        sending = await press(
            teams,
            sending,
            f"Send the Information Gathering Tool for {reference}",
            persona=BU,
            person=teams.user(agency[0])["aadObjectId"],
            other_agency=agency[1],
        )
    for agency in AGENCIES:
        await returned(teams, agency[0], reference, agency)
    await day_15_decision(teams, reference)

    shown = await typed(teams, BU, f"pack {reference}", f"The rapid review pack for {reference}")
    assert shown.card is not None
    (action,) = shown.card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert action["title"] == f"Download the rapid review pack for {reference}"
    url = re.sub(r"^http://localhost:", "http://127.0.0.1:", action["url"])
    bea = teams.user(BU)["aadObjectId"]
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as page:
            assert page.status == 200 and "Sign in as" in await page.text()
        async with http.post(url, data={"persona": teams.user("chair")["aadObjectId"]}) as other:
            assert other.status == 403
        async with http.post(url, data={"persona": bea}) as got:
            assert got.status == 200
            body = await got.read()
        async with http.post(url, data={"persona": bea}) as again:
            assert again.status == 410
    document = docx.Document(io.BytesIO(body))
    whole = "\n".join(p.text for p in document.paragraphs)
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows][1:]
    assert [(r[3], r[2]) for r in rows] == ORDER
    for _persona, _agency, _events, analysis in AGENCIES:
        assert analysis in whole
    assert "Rationale: Agencies held parts of the picture & did not share them." in whole
    assert "Decided by: Chris Holt" in whole
    assert "Withheld: ongoing police investigation" in whole
    assert SECRET not in whole and SECRET not in json.dumps(
        [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    )

    # The figures, in the channel: counts only, with the chart.
    chat = teams.channel_id
    before = teams.count(chat)
    await teams.send("figures 2026", persona="chair", where="channel")
    figures = await teams.wait_for_message(
        lambda m: m.card is not None and "Figures for 2026" in card_text(m.card),
        conversation_id=chat,
        after=before,
    )
    assert figures.card is not None
    text = json.dumps(figures.card)
    assert "Referrals received" in text and "Chart.VerticalBar.Grouped" in text
    assert reference not in text and "Chris Holt" not in text
