"""Adding information to a submitted referral: a per-case form on the same wizard; version 2
is made and version 1 kept; the business unit, the chair and the CSC Deputy Director are
sent what changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES, create_app
from storage import cases
from storage.models import ReferralVersion
from storage.referrals import read_referral
from tests.activities import BUSINESS_UNIT, CHAIR, CSC_DEPUTY_DIRECTOR, message
from tests.cardcheck import card_text
from tests.conftest import card_of, local_settings, replies
from tests.fakes import FakeConnector
from tests.http.test_referral import CHANNEL, Bot, fill_to_summary, start_referral

POLICE = {
    "id": "29:police",
    "name": "Paul Okafor",
    "aadObjectId": "00000000-0000-4000-8000-000000000104",
}
NEWS = "The mother's partner was at home that evening, not at work as first said."


async def referred(tmp_path: Path, serve: Any, connector: FakeConnector) -> Any:
    app = create_app(local_settings(tmp_path, case_review_channel_id=CHANNEL))
    bot = Bot(await serve(app), connector.url)
    await bot.say("help", channel=True)
    await bot.press(await fill_to_summary(bot, await start_referral(bot)), "Submit referral")
    await app[SERVICES].dispatcher.wait_idle()
    await app[SERVICES].dispatcher.flush()
    connector.sent.clear()
    return app, bot


async def test_the_referrer_adds_information_as_a_new_version(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app, bot = await referred(tmp_path, serve, connector)
    (reply,) = await bot.say("add info BR-2026-0001")
    card = card_of(reply)
    assert "More information: What you've learned" in card_text(card)
    summary = await bot.press(card, "Next", what=NEWS, source="Strategy meeting")
    assert NEWS in card_text(summary)
    done = await bot.press(summary, "Add to the referral")
    assert "Added to BR-2026-0001" in card_text(done) and "Version 2" in card_text(done)
    again = await bot.press(summary, "Add to the referral")  # a double press: no version 3
    assert "Version 2" in card_text(again)

    services = app[SERVICES]
    async with services.sessions() as session:
        case = await cases.get_case(session=session, reference="BR-2026-0001")
        assert case is not None
        first = await read_referral(session=session, master=services.cipher, case=case, version=1)
        second = await read_referral(session=session, master=services.cipher, case=case)
        versions = list(await session.scalars(select(ReferralVersion.version)))
    assert sorted(versions) == [1, 2]
    assert "additions" not in first.form  # version 1 as it was
    assert second.version == 2
    (added,) = second.form["additions"]
    assert added["what"] == NEWS and added["by"] == "Priya Shah"
    assert second.form["child"] == first.form["child"]

    await services.dispatcher.wait_idle()
    await services.dispatcher.flush()
    for who in (BUSINESS_UNIT, CHAIR, CSC_DEPUTY_DIRECTOR):
        (sent,) = connector.to(f"a:1on1-{who['id']}")
        text = card_text(sent.activity["attachments"][0]["content"])
        assert "More information on BR-2026-0001" in text and "version 2" in text
        assert NEWS in text and "Strategy meeting" in text
    assert connector.to(CHANNEL) == []  # nothing of it in the channel


async def test_only_the_referrer_or_the_business_unit_may_add(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    _app, bot = await referred(tmp_path, serve, connector)
    police = Bot(bot.client, connector.url, user=POLICE)
    (refused,) = await police.say("add info BR-2026-0001")
    assert "Only the person who referred BR-2026-0001" in refused["text"]
    business = Bot(bot.client, connector.url, user=BUSINESS_UNIT)
    (card,) = await business.say("add info BR-2026-0001")
    assert "What you've learned" in card_text(card_of(card))
    (unknown,) = await bot.say("add info BR-2026-0999")
    assert "can't find a case BR-2026-0999" in unknown["text"]
    response = await bot.client.post(
        "/api/messages",
        json=message("add info BR-2026-0001", channel=True, service_url=connector.url),
    )
    (in_channel,) = replies(await response.json())
    assert "never here" in in_channel["text"]
    assert json.dumps(in_channel).count("BR-2026-0001") == 0
