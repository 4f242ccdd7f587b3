"""The authorisation matrix, proven through the HTTP endpoint: every role (and no role) x every
command x every kind of conversation, and every role x every card verb x every conversation,
each answer checked against workflow/authorisation.py, each refusal against the audit log
(with the person's real roles); a per-case role against its own case and another; forged card
data refused and audited.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import SERVICES, create_app
from bot.gate import GROUP_CHAT, NO_REVIEW_CHANNEL, OTHER_CHANNEL
from bot.handler import IN_1_TO_1, IN_THE_CHANNEL, not_allowed_text, not_here_text, not_yours_text
from storage import cases, people, requests
from storage.db import transaction
from storage.models import AuditEvent
from tests.activities import BOT
from tests.conftest import TENANT, local_settings
from tests.fakes import FakeConnector
from workflow import authorisation as authz
from workflow.roles import CASE_ONLY, Role

REVIEW = "19:case-review@thread.tacv2"
OTHER = "19:general@thread.tacv2"
CASE_A, CASE_B = "BR-2026-0001", "BR-2026-0002"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

# One person per role, holding that role only; and one with no role at all.
PERSONAS: dict[str, dict[str, str]] = {
    name: {
        "id": f"29:matrix-{name}",
        "name": f"Matrix {name.replace('_', ' ').title()}",
        "aadObjectId": f"00000000-0000-4000-8000-{index:012d}",
    }
    for index, name in enumerate(["none", *(r.value for r in Role)], start=900)
}
REFUSALS = (GROUP_CHAT, OTHER_CHANNEL, NO_REVIEW_CHANNEL, IN_1_TO_1, IN_THE_CHANNEL)


def held(name: str) -> frozenset[str]:
    """The roles the persona holds for every case: a per-case role (a respondent, an invited
    agency) is held only through a request on case A, never for every case."""
    return frozenset() if name == "none" or name in CASE_ONLY else frozenset({name})


def activity(user: dict[str, str], place: str, service_url: str, **fields: Any) -> dict[str, Any]:
    kind = {
        authz.PERSONAL: "personal",
        authz.REVIEW_CHANNEL: "channel",
        authz.OTHER_CHANNEL: "channel",
        authz.GROUP_CHAT: "groupChat",
    }[place]
    conversation_id = {
        authz.PERSONAL: f"a:personal-{user['id']}",
        authz.REVIEW_CHANNEL: REVIEW,
        authz.OTHER_CHANNEL: OTHER,
        authz.GROUP_CHAT: "19:group-chat@thread.v2",
    }[place]
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if kind == "channel":
        channel_data["team"] = {"id": "19:team@thread.tacv2"}
        channel_data["channel"] = {"id": conversation_id}
    return {
        "id": f"act-{user['id']}-{place}",
        "timestamp": "2026-11-26T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": dict(user),
        "recipient": dict(BOT),
        "conversation": {
            "conversationType": kind,
            "tenantId": TENANT,
            "id": conversation_id,
            "isGroup": kind != "personal",
        },
        "channelData": channel_data,
        "locale": "en-GB",
        **fields,
    }


async def matrix_app(tmp_path: Path, serve: Any, connector: FakeConnector) -> tuple[Any, Any]:
    settings = local_settings(
        tmp_path, case_review_channel_id=REVIEW, local_roles_file="", bootstrap_admins=()
    )
    app = create_app(settings, clock=lambda: NOW)
    client = await serve(app)
    services = app[SERVICES]
    async with transaction(services.sessions) as session:
        for name, user in PERSONAS.items():
            await people.save_person(
                session=session,
                aad_object_id=user["aadObjectId"],
                teams_user_id=user["id"],
                name=user["name"],
                now=NOW,
            )
            if held(name):
                await people.grant_role(
                    session=session,
                    aad_object_id=user["aadObjectId"],
                    role=name,
                    granted_by="test",
                    now=NOW,
                )
        made = []
        for referrer in ("practitioner", "none"):
            made.append(
                await cases.create_case(
                    session=session,
                    master=services.cipher,
                    timetable=services.timetable,
                    new=cases.NewCase(
                        awareness_date=date(2026, 11, 24),
                        referring_agency="School",
                        referrer_aad_id=PERSONAS[referrer]["aadObjectId"],
                        referral={"incident": {"what_happened": "Matrix test"}},
                    ),
                    actor_role="test",
                    now=NOW,
                )
            )
        assert [c.reference for c in made] == [CASE_A, CASE_B]
        for purpose, name in (("igt", "agency_respondent"), ("scoping_view", "invited_agency")):
            await requests.add_request(
                session=session,
                case=made[0],
                purpose=purpose,
                aad_object_id=PERSONAS[name]["aadObjectId"],
                agency="Education",
                requested_by="test",
                now=NOW,
            )
    return app, client


async def gate_refusals(app: Any, action: str) -> Counter[tuple[str, str, str, str, str]]:
    """(actor, roles, what, reason, where) of each refusal the gate audited."""
    async with app[SERVICES].sessions() as session:
        rows = await session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        found: Counter[tuple[str, str, str, str, str]] = Counter()
        for row in rows:
            details = json.loads(row.details)
            if "where" not in details:  # a draft's misuse, audited by the wizard
                details = {**details, "where": authz.PERSONAL}
            found[
                (
                    row.actor_aad_id,
                    row.actor_role,
                    details["what"],
                    details["reason"],
                    details["where"],
                )
            ] += 1
    return found


def text_of(body: dict[str, Any]) -> str:
    return " ".join(str(a.get("text") or "") for a in body.get("activities") or [])


async def test_every_role_in_every_conversation_gets_what_the_table_says_of_every_command(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app, client = await matrix_app(tmp_path, serve, connector)
    registry = app[SERVICES].commands
    names = sorted(c.name for c in registry._commands.values())
    assert set(names) == set(authz.COMMANDS), "every command has one row, every row a command"
    expected: Counter[tuple[str, str, str, str, str]] = Counter()
    checked = 0
    for name in names:
        command = registry._commands[name]
        rule = authz.COMMANDS[name]
        for persona, user in PERSONAS.items():
            roles = held(persona)
            for place in authz.CONVERSATIONS:
                sent = activity(
                    user,
                    place,
                    connector.url,
                    type="message",
                    text=f"<at>Case Review Bot</at> {name} {CASE_A}",
                    deliveryMode="expectReplies",
                )
                response = await client.post("/api/messages", json=sent)
                assert response.status == 200, (name, persona, place)
                said = text_of(await response.json())
                where = f"{name!r} by {persona} in {place}"
                assert "something went wrong" not in said, where
                if not rule.allows_place(place):
                    wanted = (
                        not_here_text(command)
                        if place in (authz.PERSONAL, authz.REVIEW_CHANNEL)
                        else GROUP_CHAT
                        if place == authz.GROUP_CHAT
                        else OTHER_CHANNEL
                    )
                    assert said == wanted, where
                    reason = "wrong place"
                elif not rule.allows(roles):
                    assert said == not_yours_text(command), where
                    reason = "role"
                else:
                    # Past the table: the handler ran (its flow may still refuse the case).
                    assert said != not_yours_text(command), where
                    assert said not in (GROUP_CHAT, OTHER_CHANNEL, NO_REVIEW_CHANNEL), where
                    assert not said.endswith("never here."), where
                    reason = ""
                if reason:
                    expected[
                        (user["aadObjectId"], authz.actor_roles(roles), name, reason, place)
                    ] += 1
                elif name == "setup":  # it worked: make the case review channel ours again
                    again = activity(
                        PERSONAS["admin"],
                        authz.REVIEW_CHANNEL,
                        connector.url,
                        type="message",
                        text="setup",
                        deliveryMode="expectReplies",
                    )
                    assert (await client.post("/api/messages", json=again)).status == 200
                checked += 1
    assert await gate_refusals(app, "command.refused") == expected
    assert checked == len(authz.COMMANDS) * len(PERSONAS) * len(authz.CONVERSATIONS)
    print(f"\ncommands x roles x conversations checked: {checked}")


async def test_every_role_in_every_conversation_gets_what_the_table_says_of_every_card_verb(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app, client = await matrix_app(tmp_path, serve, connector)
    services = app[SERVICES]
    verbs = services.actions.verbs
    kinds = list(services.wizards)
    assert set(authz.FORM_STARTS) == set(kinds), "every form has a row"
    for verb in verbs:
        assert authz.verb_rule(verb, kinds) is not None, f"{verb} has no row"
    assert set(authz.VERBS) <= set(verbs), "no row for a verb that is gone"
    assert set(authz.REFRESHES) == set(services.actions._refreshers)
    expected: Counter[tuple[str, str, str, str, str]] = Counter()
    checked = 0
    for verb in verbs:
        rule = authz.verb_rule(verb, kinds)
        assert rule is not None
        for persona, user in PERSONAS.items():
            roles = held(persona)
            for place in authz.CONVERSATIONS:
                sent = activity(
                    user,
                    place,
                    connector.url,
                    type="invoke",
                    name="adaptiveCard/action",
                    replyToId="card-1",
                    value={
                        "action": {
                            "type": "Action.Execute",
                            "verb": verb,
                            "data": {"case": CASE_A, "draft_id": "no-such-draft"},
                        },
                        "trigger": "manual",
                    },
                )
                response = await client.post("/api/messages", json=sent)
                where = f"{verb!r} by {persona} in {place}"
                assert response.status == 200, where
                body = await response.json()
                value = body["value"]
                said = value if isinstance(value, str) else ""
                assert "something went wrong" not in json.dumps(body), where
                if not rule.allows_place(place):
                    wanted = {
                        authz.PERSONAL: IN_THE_CHANNEL,
                        authz.REVIEW_CHANNEL: IN_1_TO_1,
                        authz.OTHER_CHANNEL: OTHER_CHANNEL,
                        authz.GROUP_CHAT: GROUP_CHAT,
                    }[place]
                    assert said == wanted, where
                    reason = "wrong place"
                elif not rule.allows(roles):
                    assert said == not_allowed_text(rule), where
                    reason = "role"
                else:
                    assert said not in REFUSALS, where
                    assert said != not_allowed_text(rule) or rule.who is None, where
                    reason = ""
                if reason:
                    expected[
                        (user["aadObjectId"], authz.actor_roles(roles), verb, reason, place)
                    ] += 1
                checked += 1
    assert await gate_refusals(app, "action.refused") == expected
    print(f"\ncard verbs x roles x conversations checked: {checked} ({len(verbs)} verbs)")


@pytest.mark.parametrize("verb", sorted(authz.REFRESHES))
async def test_a_refresh_shows_a_case_only_to_staff_in_the_case_review_channel(
    tmp_path: Path, serve: Any, connector: FakeConnector, verb: str
) -> None:
    app, client = await matrix_app(tmp_path, serve, connector)
    unchanged = {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "",
    }
    for persona, user in PERSONAS.items():
        for place in authz.CONVERSATIONS:
            sent = activity(
                user,
                place,
                connector.url,
                type="invoke",
                name="adaptiveCard/action",
                value={
                    "action": {"type": "Action.Execute", "verb": verb, "data": {"case": CASE_A}},
                    "trigger": "automatic",
                },
            )
            body = await (await client.post("/api/messages", json=sent)).json()
            shown = json.dumps(body)
            staff = bool(authz.STAFF & held(persona))
            if place == authz.REVIEW_CHANNEL and staff:
                continue  # the live card (or none for a stage it isn't at): the flows' tests
            assert body == unchanged, (persona, place, shown[:200])
    refused = await gate_refusals(app, "refresh.refused")
    assert sum(refused.values()) == len(PERSONAS) * len(authz.CONVERSATIONS) - len(
        [p for p in PERSONAS if authz.STAFF & held(p)]
    )


async def test_a_respondent_is_one_for_their_own_case_and_no_other(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app, client = await matrix_app(tmp_path, serve, connector)
    user = PERSONAS["agency_respondent"]

    async def say(text: str) -> str:
        sent = activity(
            user,
            authz.PERSONAL,
            connector.url,
            type="message",
            text=text,
            deliveryMode="expectReplies",
        )
        body = await (await client.post("/api/messages", json=sent)).json()
        return json.dumps(body)

    own = await say(f"igt {CASE_A}")
    assert "Information Gathering Tool" in own and CASE_A in own
    other = await say(f"igt {CASE_B}")
    assert other.count("I can't find a case BR-2026-0002") == 1
    # Pressing a button that names the other case (a forged card): refused the same way.
    sent = activity(
        user,
        authz.PERSONAL,
        connector.url,
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": "igt.begin", "data": {"case": CASE_B}}},
    )
    pressed = json.dumps(await (await client.post("/api/messages", json=sent)).json())
    assert "BR-2026-0002" in pressed and "Information Gathering Tool" not in pressed
    async with app[SERVICES].sessions() as session:
        rows = list(
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "decision.refused",
                    AuditEvent.case_ref == CASE_B,
                    AuditEvent.actor_aad_id == user["aadObjectId"],
                )
            )
        )
    assert len(rows) == 2 and {r.actor_role for r in rows} == {"none"}  # none on case B


def draft_id_in(card: Any) -> str:
    """The draft id a form's card carries in its buttons' data."""
    found = re.search(r'"draft_id": "([^"]+)"', json.dumps(card))
    assert found, "no draft id in the card"
    return found.group(1)


async def test_forged_card_data_is_refused_and_audited(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    app, client = await matrix_app(tmp_path, serve, connector)

    async def press(who: str, verb: str, data: dict[str, Any]) -> str:
        sent = activity(
            PERSONAS[who],
            authz.PERSONAL,
            connector.url,
            type="invoke",
            name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
        )
        response = await client.post("/api/messages", json=sent)
        assert response.status == 200
        return json.dumps(await response.json())

    sent = activity(
        PERSONAS["practitioner"],
        authz.PERSONAL,
        connector.url,
        type="message",
        text="refer",
        deliveryMode="expectReplies",
    )
    started = await (await client.post("/api/messages", json=sent)).json()
    draft = draft_id_in(started)
    # Another person's draft: the chair pressing the practitioner's referral form.
    other = await press("chair", "referral.next", {"draft_id": draft, "section": "referrer"})
    assert "belongs to someone else" in other and "Matrix" not in other
    # Another form's draft: the referral's id on the add-information form's button.
    wrong_form = await press("practitioner", "addinfo.next", {"draft_id": draft})
    assert "can't find that" in wrong_form
    # A verb no card ever had.
    made_up = await press("chair", "chair.overrule", {"case": CASE_A})
    assert "no longer available" in made_up
    # The Business Unit's "enter referral" form, started by someone else.
    not_theirs = await press("none", "referral_for.start_new", {})
    assert "Only the BDSCP Business Unit can do that." in not_theirs
    refused = await gate_refusals(app, "action.refused")
    reasons = {(actor, what, reason) for (actor, _, what, reason, _) in refused}
    assert (PERSONAS["chair"]["aadObjectId"], "referral.next", "another person's draft") in reasons
    assert (
        PERSONAS["practitioner"]["aadObjectId"],
        "addinfo.next",
        "another form's draft",
    ) in reasons
    assert (PERSONAS["chair"]["aadObjectId"], "chair.overrule", "no such button") in reasons
    assert (PERSONAS["none"]["aadObjectId"], "referral_for.start_new", "role") in reasons
    async with app[SERVICES].sessions() as session:
        drafts_made = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "referral_for.draft_started")
            )
        )
    assert drafts_made == []  # no draft of personal data was made for them
