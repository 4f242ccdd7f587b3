"""The rapid review pack through the HTTP endpoint: ``pack BR-...`` gives the Business Unit a
one-use link; the document it downloads is built from what the case holds (the chronology in
order with each entry's agency, each agency's analysis, the decision with its rationale, the
notification as an annex), never shows a value withheld for a police investigation, and
says "Not yet recorded" for what the case does not have. The link is refused, and audited,
for someone else, after it expires and on a second use; a template with a broken tag gives a
clear message and no link."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import docx
from docx import Document
from sqlalchemy import func, select

from bot.app import SERVICES
from storage import cases, people, requests
from storage.db import transaction
from storage.models import AuditEvent, DownloadLink
from tests.activities import BUSINESS_UNIT, CHAIR, DIRECTOR, HEALTH, POLICE, PRACTITIONER
from tests.cardcheck import assert_valid_card, card_text
from tests.conftest import FixedClock, card_of, local_settings
from tests.fakes import FakeConnector
from tests.http.test_decisions import (
    CHANNEL,
    CLIENTS,
    flush,
    latest_card,
    press_in_channel,
    refresh,
    review_refresh,
    scoped,
)
from tests.http.test_referral import Bot

REF = "BR-2026-0001"
SECRET = "DS Khan's line of enquiry about the stepfather"
RETURNS = (
    (
        POLICE,
        "West Yorkshire Police",
        {
            "completing": {"name": "Paul Okafor", "organisation": "West Yorkshire Police"},
            "synopsis": {
                "initial_information": "999 call from a neighbour.",
                "involvement_incident": SECRET,
                "_withheld": ["involvement_incident"],
                "practice_analysis": "Officers checked the address twice; A&E was told.",
            },
            "synopsis_more": {"immediate_action": "Sibling placed with grandmother."},
            "chronology": [
                {"date": "2026-11-20", "time": "22:15", "event": "Officers attend; no answer"},
                {"date": "2026-11-20", "time": "21:40", "event": "Neighbour calls police"},
            ],
            "practitioners": [{"name": "DS Amir Khan", "role": "Detective Sergeant"}],
        },
    ),
    (
        HEALTH,
        "Bradford Teaching Hospitals",
        {
            "completing": {"name": "Hannah Ibe"},
            "synopsis": {"practice_analysis": "Triage recognised the injury pattern quickly."},
            "chronology": [
                {"date": "2026-11-21", "time": "08:05", "event": "Child brought to A&E"},
            ],
            "practitioners": [{"name": "Dr Ruth Lee", "role": "Paediatric registrar"}],
        },
    ),
    (
        PRACTITIONER,
        "Bradford Council Education",
        {
            "completing": {"name": "Priya Shah"},
            "synopsis": {"practice_analysis": "Attendance fell in October; not escalated."},
            "chronology": [
                {"date": "2026-11-20", "time": "15:20", "event": "Withdrawn at pick-up"},
                {"date": "2026-10-02", "time": "", "event": "Attendance below 80%"},
            ],
        },
    ),
)
CHRONOLOGY = (  # the merged order, with each entry's agency
    ("Attendance below 80%", "Bradford Council Education"),
    ("Withdrawn at pick-up", "Bradford Council Education"),
    ("Neighbour calls police", "West Yorkshire Police"),
    ("Officers attend; no answer", "West Yorkshire Police"),
    ("Child brought to A&E", "Bradford Teaching Hospitals"),
)


async def decided(tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock) -> Any:
    """A notified case with three agencies' returns and the chair's Day 15 decision."""
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    await press_in_channel(
        client,
        CHAIR,
        await refresh(client, CHAIR),
        f"Recommend notification for {REF}",
        rationale="Test met.",
    )
    await flush(app)
    director = Bot(client, connector.url, user=DIRECTOR)
    card = latest_card(connector, DIRECTOR["id"], "Decision on notification")
    await director.press(card, f"Notify the national Panel about {REF}", rationale="Met.")
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=REF)
        assert case is not None
        for who, agency, form in RETURNS:
            request, _ = await requests.add_request(
                session=session,
                case=case,
                purpose="igt",
                aad_object_id=who["aadObjectId"],
                agency=agency,
                requested_by=BUSINESS_UNIT["aadObjectId"],
                now=clock(),
            )
            await requests.add_return(
                session=session,
                master=services.cipher,
                case=case,
                request=request,
                kind="return",
                form=form,
                by=who["aadObjectId"],
                now=clock(),
            )
            request.state = "returned"
    bu = Bot(client, connector.url, user=BUSINESS_UNIT)
    (reply,) = await bu.say(f"decide {REF}")
    step = await bu.press(
        card_of(reply), "Next", must="working_together", note_working_together="Late sharing."
    )
    summary = await bu.press(
        step,
        "Next",
        immediate_action="yes",
        immediate_note="Sibling's safety plan agreed.",
        national="no",
        outcome="lcspr",
        rationale="Agencies held pieces of the picture & did not share them.",
        consulted="Police, LA and ICB agree.",
    )
    await bu.press(summary, "Send to the chair for approval")
    await flush(app)
    live = await review_refresh(client, CHAIR)
    await press_in_channel(client, CHAIR, live, f"Approve the decision on {REF}")
    await flush(app)
    return app


def _link(card: dict[str, Any]) -> str:
    (action,) = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert action["title"] == f"Download the rapid review pack for {REF}"
    path = re.sub(r"^https?://[^/]+", "", action["url"])
    assert path.startswith("/downloads/")
    return path


async def _ask(bot: Bot) -> dict[str, Any]:
    (reply,) = await bot.say(f"pack {REF}")
    card = card_of(reply)
    assert_valid_card(card)
    return card


async def test_the_pack_holds_the_case_and_its_link_is_one_use_for_its_owner_only(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await decided(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    bu = Bot(client, connector.url, user=BUSINESS_UNIT)
    card = await _ask(bu)
    text = card_text(card)
    assert f"The rapid review pack for {REF}" in text and "works once" in text
    path = _link(card)

    # Opening it asks who you are (the local client has no Microsoft sign-in).
    page = await client.get(path)
    assert page.status == 200 and "Sign in as Bea Umar" in await page.text()
    # Someone else: refused, and the link still works for its owner.
    other = await client.post(path, data={"persona": POLICE["aadObjectId"]})
    assert other.status == 403 and "made for someone else" in await other.text()
    got = await client.post(path, data={"persona": BUSINESS_UNIT["aadObjectId"]})
    assert got.status == 200
    assert got.headers["Cache-Control"] == "no-store"
    assert f'filename="{REF} rapid review pack.docx"' in got.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(await got.read()))
    paragraphs = [p.text for p in document.paragraphs]
    whole = "\n".join(paragraphs)
    (table, practitioners) = document.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Date", "Time", "Agency", "Event"]
    assert [(r[3], r[2]) for r in rows[1:]] == list(CHRONOLOGY)
    assert rows[1][0] == "2 Oct 2026" and rows[3][:2] == ["20 Nov 2026", "21:40"]
    # Each agency's analysis; the withheld answer shown as withheld, its value nowhere.
    for words in (
        "Officers checked the address twice; A&E was told.",
        "Triage recognised the injury pattern quickly.",
        "Attendance fell in October; not escalated.",
    ):
        assert words in whole
    assert "Withheld: ongoing police investigation" in whole
    assert SECRET not in whole and "stepfather" not in json.dumps(rows)
    # The decision with its rationale and who decided; the criteria; the immediate actions.
    assert "Decision: A local child safeguarding practice review" in whole
    assert "Rationale: Agencies held pieces of the picture & did not share them." in whole
    assert "Decided by: Chris Holt" in whole and "Proposed by: Bea Umar" in whole
    assert "Ticked: Highlights or may highlight concerns regarding two or more" in whole
    assert "Note: Late sharing." in whole
    assert "West Yorkshire Police: Sibling placed with grandmother." in whole
    assert "The rapid review: Sibling's safety plan agreed." in whole
    # The children by age, not date of birth; the notification annex; the practitioners.
    assert re.search(r"Child 1: .+, (aged \d+|under 1 year old) at the incident", whole)
    assert "Notifying local authority: City of Bradford" in whole
    assert [c.text for c in practitioners.rows[1].cells] == [
        "DS Amir Khan",
        "Detective Sergeant",
        "West Yorkshire Police",
    ]
    # The Panel has not been sent the report yet: said, not left blank.
    assert "Not yet recorded" in whole or "Not yet held" in whole

    # The same link again: refused.
    again = await client.post(path, data={"persona": BUSINESS_UNIT["aadObjectId"]})
    assert again.status == 410 and "used already" in await again.text()
    # A fresh link, too late: refused.
    late = _link(await _ask(bu))
    clock.current += timedelta(minutes=11)
    expired = await client.post(late, data={"persona": BUSINESS_UNIT["aadObjectId"]})
    assert expired.status == 410 and "expired" in await expired.text()
    # A role taken away between the link and its use: refused.
    chairs = _link(await _ask(Bot(client, connector.url, user=CHAIR)))
    async with transaction(app[SERVICES].sessions) as session:
        await people.revoke_role(session=session, aad_object_id=CHAIR["aadObjectId"], role="chair")
    revoked = await client.post(chairs, data={"persona": CHAIR["aadObjectId"]})
    assert revoked.status == 410 and "no longer hold" in await revoked.text()
    # A link altered by one character: refused.
    forged = await client.post(path[:-1] + "x", data={"persona": BUSINESS_UNIT["aadObjectId"]})
    assert forged.status == 404

    async with app[SERVICES].sessions() as session:
        audit = [
            (row.action, json.loads(row.details).get("reason"), row.actor_aad_id)
            for row in await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like("download.%"))
                .order_by(AuditEvent.seq)
            )
        ]
    assert audit == [
        ("download.refused", "other_person", POLICE["aadObjectId"]),
        ("download.used", None, BUSINESS_UNIT["aadObjectId"]),
        ("download.refused", "used", BUSINESS_UNIT["aadObjectId"]),
        ("download.refused", "expired", BUSINESS_UNIT["aadObjectId"]),
        ("download.refused", "not_allowed", CHAIR["aadObjectId"]),
        ("download.refused", "unknown", BUSINESS_UNIT["aadObjectId"]),
    ]
    # Nothing of the file, nor anything personal, left anywhere in the channel.
    assert SECRET not in json.dumps([s.activity for s in connector.to(CHANNEL)])


async def test_only_the_business_unit_and_the_chair_in_a_1_to_1_chat(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    chair = Bot(client, connector.url, user=CHAIR)
    card = await _ask(chair)  # before the rapid review: the pack says what is missing
    assert "Download the rapid review pack" in json.dumps(card)
    got = await client.post(_link(card), data={"persona": CHAIR["aadObjectId"]})
    whole = "\n".join(p.text for p in Document(io.BytesIO(await got.read())).paragraphs)
    assert "Decision: Not yet recorded" in whole
    assert "Date of the rapid review meeting: Not yet held" in whole
    (police,) = await Bot(client, connector.url, user=POLICE).say(f"pack {REF}")
    assert "pack" not in json.dumps(police.get("attachments") or [])
    assert "BDSCP Business Unit" in police["text"] or "can't" in police["text"]
    (channel,) = await Bot(client, connector.url, user=CHAIR).say(f"pack {REF}", channel=True)
    assert "1:1 chat" in channel["text"]
    async with app[SERVICES].sessions() as session:
        links = await session.scalar(select(func.count()).select_from(DownloadLink))
    assert links == 1


async def test_a_broken_template_is_named_with_its_place_and_gives_no_link(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    broken = Document()
    broken.add_paragraph("Rapid review report for {{ reference }}")
    broken.add_paragraph("Chronology: {{ chronolgy_table }}")
    broken.add_paragraph("{% for a in agencies %}{{ a.agency }")
    path = tmp_path / "broken.docx"
    broken.save(str(path))
    from bot.app import create_app
    from tests.http.test_decisions import referred

    settings = local_settings(tmp_path, case_review_channel_id=CHANNEL, pack_template=str(path))
    app = create_app(settings, clock=clock)
    CLIENTS[id(app)] = client = await serve(app)
    await referred(app, connector)
    (reply,) = await Bot(client, connector.url, user=BUSINESS_UNIT).say(f"pack {REF}")
    said = reply["text"]
    assert "no file was made" in said
    assert 'paragraph 2: {{ chronolgy_table }} - "chronolgy_table" is not something' in said
    assert "paragraph 3" in said and "not closed" in said
    assert not reply.get("attachments")
    async with app[SERVICES].sessions() as session:
        links = await session.scalar(select(func.count()).select_from(DownloadLink))
        refused = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "pack.template_refused")
        )
    assert links == 0 and refused == 1


async def test_teams_file_consent_puts_the_pack_in_onedrive_once_for_its_person(
    tmp_path: Path, serve: Any, connector: FakeConnector, clock: FixedClock
) -> None:
    from aiohttp import web

    from storage.downloads import create_link
    from tests.activities import _base

    uploaded: list[bytes] = []

    async def put(request: web.Request) -> web.Response:
        uploaded.append(await request.read())
        size = len(uploaded[-1])
        assert request.headers["Content-Range"] == f"bytes 0-{size - 1}/{size}"
        return web.Response(status=201)

    onedrive = web.Application()
    onedrive.router.add_put("/upload", put)
    drive = await serve(onedrive)
    app = await scoped(tmp_path, serve, connector, clock)
    client = CLIENTS[id(app)]
    services = app[SERVICES]

    async def offer(who: dict[str, str]) -> str:
        async with transaction(services.sessions) as session:
            return await create_link(
                session=session,
                cipher=services.cipher,
                aad_object_id=who["aadObjectId"],
                kind="pack",
                subject=REF,
                now=clock(),
                minutes=10,
            )

    async def consent(who: dict[str, str], token: str, action: str = "accept") -> str:
        activity = _base(who, service_url=connector.url)
        activity.update(
            {
                "type": "invoke",
                "name": "fileConsent/invoke",
                "value": {
                    "type": "fileUpload",
                    "action": action,
                    "context": {"link": token},
                    "uploadInfo": {
                        "name": f"{REF} rapid review pack.docx",
                        "uploadUrl": str(drive.make_url("/upload")),
                        "contentUrl": "https://contoso-my.sharepoint.com/pack.docx",
                        "uniqueId": "1234",
                        "fileType": "docx",
                    },
                },
            }
        )
        answered = await client.post("/api/messages", json=activity)
        assert answered.status == 200
        await flush(app)
        said = [s.activity for s in connector.sent if s.conversation_id.endswith(who["id"])]
        return json.dumps(said[-1])

    token = await offer(BUSINESS_UNIT)
    told = await consent(BUSINESS_UNIT, token)
    assert "The file is in your OneDrive" in told
    assert "application/vnd.microsoft.teams.card.file.info" in told
    (body,) = uploaded
    assert "1. Case outline" in "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    assert "used already" in await consent(BUSINESS_UNIT, token)
    assert "made for someone else" in await consent(POLICE, await offer(BUSINESS_UNIT))
    assert "wasn't sent" in await consent(BUSINESS_UNIT, await offer(BUSINESS_UNIT), "decline")
    assert len(uploaded) == 1
    async with services.sessions() as session:
        vias = [
            (row.action, json.loads(row.details).get("via"))
            for row in await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like("download.%"))
                .order_by(AuditEvent.seq)
            )
        ]
    assert vias == [
        ("download.used", "teams_file"),
        ("download.refused", "teams_file"),
        ("download.refused", "teams_file"),
    ]
