"""Hostile input, property-based: random and hostile values thrown at every card verb, every
form's steps (with a real draft and its real field ids), and every command, through the HTTP
endpoint. Never a 500, never "something went wrong", the answer always a well-formed activity;
afterwards the audit chain still verifies and every draft still opens (nothing half-written).

Hypothesis drives one app on its own event loop (a sync test: it calls the loop per example).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import SERVICES
from dialogs.forms import FORMS
from storage import drafts
from storage.audit import verify_audit
from storage.models import FormDraft
from tests.fakes import FakeConnector
from tests.http.test_authorisation_matrix import CASE_A, PERSONAS, activity, matrix_app
from workflow import authorisation as authz

NASTY = [
    "",
    " ",
    "0000-00-00",
    "2026-02-30",
    "9999-99-99",
    "-1",
    "1e309",
    "NaN",
    "[click here](https://evil.example/phish)",
    "**bold** _it_ <at>Chris Holt</at> <script>alert(1)</script>",
    "&lt;b&gt; &amp; &#0; ${{7*7}} {{7*7}} %s %n",
    "\x00\x01\x07\x1b[31m\r\n\t",
    "\u202e\u200b\ufeff",
    "Zebedee' OR 1=1; DROP TABLE cases; --",
    "BR-2026-0002",
    CASE_A,
    "../../etc/passwd",
    "A" * 100_000,
]
VALUES = st.recursive(
    st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=300),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=8,
)
KEYS = ["case", "draft_id", "section", "to", "outcome", "rationale", "recipient", "person",
        "agency", "key", "what", "due", "request", "mine", "page", "note", "other_agency",
        "ref_ofsted", "_withheld", "verb"]  # fmt: skip

EXAMPLES = 1000


class Harness:
    """The app, its client and a loop of its own, made once for the module."""

    def __init__(self, tmp_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.connector = FakeConnector()
        self.tmp_path = tmp_path
        self.stops: list[Any] = []
        self.tried = 0

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def start(self) -> None:
        from aiohttp.test_utils import TestClient, TestServer

        server = TestServer(self.connector.app())
        await server.start_server()
        self.connector.url = str(server.make_url("/"))
        self.stops.append(server.close)
        clients: list[Any] = []

        async def serve(app: Any) -> Any:
            client: Any = TestClient(TestServer(app))
            await client.start_server()
            clients.append(client)
            return client

        self.app, self.client = await matrix_app(self.tmp_path, serve, self.connector)
        self.stops[:0] = [c.close for c in clients]
        self.services = self.app[SERVICES]
        self.drafts = await self._drafts()

    async def _drafts(self) -> list[tuple[str, str, list[str]]]:
        """(persona, form kind, field ids) of a real open draft per form a persona can start
        with a command: the hostile presses then reach the wizard's checks."""
        starts = [
            ("practitioner", "refer"),
            ("business_unit", "enter referral"),
            ("partner_police", f"view {CASE_A}"),
            ("practitioner", f"add info {CASE_A}"),
            ("agency_respondent", f"igt {CASE_A}"),
            ("business_unit", f"decide {CASE_A}"),
            ("business_unit", f"action add {CASE_A}"),
        ]
        for persona, words in starts:
            await self.say(persona, words, authz.PERSONAL)
        async with self.services.sessions() as session:
            rows = list(await session.scalars(select(FormDraft)))
        specs = {f.spec.kind: f.spec for f in FORMS}
        by_aad = {u["aadObjectId"]: name for name, u in PERSONAS.items()}
        found = []
        for row in rows:
            spec = specs[row.form_kind]
            ids = [
                f"{field.id}__0" if section.repeating else field.id
                for section in spec.sections
                for field in section.fields
            ]
            found.append((by_aad[row.owner_aad_id], row.id, [row.form_kind, *ids]))
        assert len(found) >= 5, found
        return found

    async def post(self, body: dict[str, Any]) -> tuple[int, str]:
        response = await self.client.post("/api/messages", json=body)
        self.tried += 1
        return response.status, await response.text()

    async def say(self, persona: str, words: str, place: str) -> tuple[int, str]:
        return await self.post(
            activity(
                PERSONAS[persona], place, self.connector.url,
                type="message", text=words, deliveryMode="expectReplies",
            )
        )  # fmt: skip

    async def press(
        self, persona: str, verb: str, data: Any, place: str = authz.PERSONAL
    ) -> tuple[int, str]:
        return await self.post(
            activity(
                PERSONAS[persona],
                place,
                self.connector.url,
                type="invoke",
                name="adaptiveCard/action",
                value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
            )
        )

    async def stop(self) -> None:
        for close in self.stops:
            await close()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    made = Harness(tmp_path_factory.mktemp("hostile"))
    made.run(made.start())
    yield made

    # Nothing half-written: the audit chain verifies, every draft still opens.
    async def check() -> None:
        async with made.services.sessions() as session:
            signer = made.services.sessions.kw["info"]["audit.signer"]
            assert (await verify_audit(session=session, verifier=signer)).ok
            for row in await session.scalars(select(FormDraft)):
                await drafts.get_draft(
                    session=session, cipher=made.services.cipher, draft_id=row.id
                )

    made.run(check())
    print(f"\nhostile inputs tried through /api/messages: {made.tried}")
    made.run(made.stop())
    made.loop.close()


def shown_text(node: Any) -> Iterator[str]:
    """What a card renders as Markdown: its TextBlocks' and facts' text (inputs hold the
    typed value as a value, never rendered)."""
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            yield node["text"]
        if node.get("type") == "FactSet":
            for fact in node.get("facts") or []:
                yield str(fact.get("title", "")) + " " + str(fact.get("value", ""))
        for value in node.values():
            yield from shown_text(value)
    elif isinstance(node, list):
        for value in node:
            yield from shown_text(value)


def answered_well(status: int, body: str) -> None:
    assert status == 200, (status, body[:300])
    assert "something went wrong" not in body, body[:300]
    parsed = json.loads(body) if body else {}
    assert isinstance(parsed, dict)
    for text in shown_text(parsed):  # typed text is escaped: no link, no formatting
        assert "](https://evil" not in text and "https://evil" not in text, text[:200]


PERSONA = st.sampled_from(sorted(PERSONAS))
PLACE = st.sampled_from([authz.PERSONAL, authz.REVIEW_CHANNEL])
COMMON = dict(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@settings(**COMMON)  # type: ignore[arg-type]
@given(
    verb=st.integers(min_value=0, max_value=10_000),
    persona=PERSONA,
    place=PLACE,
    data=st.one_of(
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=20), VALUES, max_size=6),
        VALUES,
    ),
)
def test_any_card_verb_with_hostile_data_is_answered_calmly(
    harness: Harness, verb: int, persona: str, place: str, data: Any
) -> None:
    verbs = harness.services.actions.verbs
    status, body = harness.run(harness.press(persona, verbs[verb % len(verbs)], data, place))
    answered_well(status, body)


STEPS = ["next", "back", "edit", "add_row", "remove_row", "page", "submit", "resume", "discard"]


@settings(**COMMON)  # type: ignore[arg-type]
@given(
    which=st.integers(min_value=0, max_value=10_000),
    step=st.sampled_from(STEPS),
    values=st.lists(st.tuples(st.integers(0, 200), VALUES), max_size=8),
    section=st.one_of(st.sampled_from(NASTY), st.text(max_size=20)),
)
def test_a_form_step_with_hostile_answers_is_answered_and_keeps_its_draft(
    harness: Harness, which: int, step: str, values: list[Any], section: str
) -> None:
    persona, draft_id, (kind, *ids) = harness.drafts[which % len(harness.drafts)]
    data: dict[str, Any] = {"draft_id": draft_id, "section": section}
    for index, value in values:
        data[ids[index % len(ids)]] = value
    status, body = harness.run(harness.press(persona, f"{kind}.{step}", data))
    answered_well(status, body)


@settings(**COMMON)  # type: ignore[arg-type]
@given(
    command=st.integers(min_value=0, max_value=10_000),
    persona=PERSONA,
    place=PLACE,
    args=st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=60)), max_size=4),
)
def test_any_command_with_hostile_words_is_answered_calmly(
    harness: Harness, command: int, persona: str, place: str, args: list[str]
) -> None:
    names = sorted(authz.COMMANDS)
    words = " ".join([names[command % len(names)], *args])
    status, body = harness.run(harness.say(persona, words, place))
    answered_well(status, body)
