"""The form engine through the HTTP endpoint: a second form that is only a spec and a flow,
and the defects the engine fixes for every form (wrong types, control characters, strict
dates, one open draft per person and form, even under concurrency)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import SERVICES, create_app
from cards.common import heading, para, render
from dialogs.forms import FORMS, Form
from flows.forms import Submission
from storage.audit import append_audit
from storage.models import AuditEvent, FormDraft
from tests.activities import execute
from tests.conftest import card_of, card_text, local_settings
from tests.fakes import FakeConnector
from tests.http.test_referral import Bot, start_referral
from workflow.forms import Field, FormSpec, Section

# ----- a second form: a spec and a flow, and nothing else -------------------------------------

NOTE = FormSpec(
    kind="note",
    title="New note",
    noun="note",
    command="note",
    sections=(
        Section(
            "about",
            "About the note",
            "What the note is about.",
            (
                Field("subject", "Subject", required=True, max_length=80),
                Field("seen_on", "Seen on", "date"),
                Field("urgency", "Urgency", "choice", choices=(("low", "Low"), ("high", "High"))),
                Field(
                    "topics",
                    "Topics",
                    "multichoice",
                    choices=(("health", "Health"), ("school", "School")),
                ),
            ),
            name="the subject",
        ),
        Section(
            "people",
            "People",
            "Who was there.",
            (Field("who", "Who", required=True, max_length=60),),
            repeating=True,
            row_noun="person",
            min_rows=1,
            max_rows=3,
        ),
    ),
    submit_label="Save the note",
)


class NoteFlow:
    role = "practitioner"

    def __init__(self) -> None:
        self.submitted: list[dict[str, Any]] = []

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None:
        self.submitted.append(submission.form)
        await append_audit(
            session=session,
            now=submission.now,
            actor_aad_id=submission.person.aad_object_id,
            actor_role=self.role,
            action="note.saved",
            details={"people": len(submission.form["people"])},
        )
        return None

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]:
        return render([*heading("Note saved"), para("Thank you.")], fallback_text="Note saved")


@pytest.fixture
async def note_app(tmp_path: Path, serve: Any) -> Any:
    flow = NoteFlow()
    app = create_app(local_settings(tmp_path), forms=(*FORMS, Form(NOTE, lambda _: flow)))
    client = await serve(app)
    return app, client, flow


async def test_a_second_form_runs_through_the_same_wizard(note_app: Any) -> None:
    app, client, flow = note_app
    bot = Bot(client, "http://127.0.0.1:9/")
    body = await (await client.post("/api/messages", json=execute("note.start_new"))).json()
    card = body["value"]
    assert "New note: About the note" in card_text(card)
    assert "Step 1 of 2" in card_text(card)

    card = await bot.press(card, "Next", subject="", seen_on="2019-W10-1")
    text = card_text(card)
    assert "Subject is required." in text and "enter a real date" in text

    card = await bot.press(
        card, "Next", subject="Home visit", seen_on="2026-11-20", urgency="high", topics="school"
    )
    assert "New note: People" in card_text(card)
    assert "Remove person 1" not in card_text(card)  # at least one person: not removable
    card = await bot.press(card, "Add another person", who__0="Dr Lin")
    card = await bot.press(card, "Add another person", who__1="Ms Okoro")
    assert "Add another person" not in card_text(card)  # at most three
    card = await bot.press(card, "Remove person 2", who__2="")
    summary = await bot.press(card, "Next")
    text = card_text(summary)
    assert "New note: check and submit" in text
    assert "High" in text and "School" in text  # chosen labels, not values
    assert "20 Nov 2026" in text
    assert "Edit the subject" in text and "Edit people" in text

    done = await bot.press(summary, "Save the note")
    assert "Note saved" in card_text(done)
    again = await bot.press(summary, "Save the note")  # a double submit: same answer
    assert "Note saved" in card_text(again)
    assert len(flow.submitted) == 1
    assert flow.submitted[0]["people"] == [{"who": "Dr Lin"}]
    assert flow.submitted[0]["about"]["topics"] == ["school"]
    async with app[SERVICES].sessions() as session:
        kinds = list(await session.scalars(select(FormDraft.form_kind)))
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert kinds == ["note"]
    assert {"note.draft_started", "note.saved"} <= set(actions)


async def test_a_referral_button_never_acts_on_another_forms_draft(note_app: Any) -> None:
    _app, client, _flow = note_app
    body = await (await client.post("/api/messages", json=execute("note.start_new"))).json()
    draft_id = body["value"]["actions"][0]["data"]["draft_id"]
    answer = await (
        await client.post("/api/messages", json=execute("referral.next", {"draft_id": draft_id}))
    ).json()
    assert "no longer open" in card_text(answer["value"])


# ----- the engine's defences, for every form (shown on the referral) -------------------------


async def to_child_step(bot: Bot) -> dict[str, Any]:
    card = await start_referral(bot)
    card = await bot.press(card, "Next")
    return await bot.press(card, "Next", agency="Police", email="p@example.org")


@pytest.mark.parametrize("sent", [["Ann", "Bob"], {"first": "Ann"}, True])
async def test_answers_of_the_wrong_type_are_refused_next_to_the_field(
    tmp_path: Path, serve: Any, connector: FakeConnector, sent: Any
) -> None:
    bot = Bot(await serve(create_app(local_settings(tmp_path))), connector.url)
    card = await to_child_step(bot)
    again = await bot.press(card, "Next", name__0=sent)
    text = card_text(again)
    assert "didn't come through as text" in text
    assert "['Ann'" not in json.dumps(again) and "{'first'" not in json.dumps(again)


async def test_numbers_are_read_as_their_digits(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(create_app(local_settings(tmp_path))), connector.url)
    card = await to_child_step(bot)
    card = await bot.press(card, "Next", name__0=1234)
    assert "Family and significant others" in card_text(card)


async def test_control_characters_never_reach_the_summary(
    tmp_path: Path, serve: Any, connector: FakeConnector
) -> None:
    bot = Bot(await serve(create_app(local_settings(tmp_path))), connector.url)
    card = await to_child_step(bot)
    tricky = "Kit\x00\x1b[2J\x08 \u202eelbaT\u200b\ufeff Jones"
    card = await bot.press(card, "Next", name__0=tricky)
    card = await bot.press(card, "Next")
    card = await bot.press(card, "Next")
    summary = await bot.press(card, "Next", incident_date="2026-11-20", what_happened="Fell.\x07")
    shown = json.dumps(summary, ensure_ascii=False)
    for bad in ("\x00", "\x1b", "\x08", "\u202e", "\u200b", "\ufeff", "\x07"):
        assert bad not in shown, repr(bad)
    assert "Kit\\\\[2J elbaT Jones" in shown or "Kit\\[2J elbaT Jones" in card_text(summary)


@pytest.mark.parametrize("text", ["2019-W10-1", "20190301", "2019-03-01T00:00"])
async def test_only_year_month_day_dates_are_taken(
    tmp_path: Path, serve: Any, connector: FakeConnector, text: str
) -> None:
    bot = Bot(await serve(create_app(local_settings(tmp_path))), connector.url)
    card = await to_child_step(bot)
    again = await bot.press(card, "Next", name__0="Kit", date_of_birth__0=text)
    assert "enter a real date" in card_text(again)


async def test_five_refers_at_once_make_one_open_draft(
    tmp_path: Path, serve: Any, connector: FakeConnector, database_url: str
) -> None:
    """On SQLite and on PostgreSQL (the ``database_url`` fixture runs both)."""
    app = create_app(local_settings(tmp_path, database_url=database_url))
    bot = Bot(await serve(app), connector.url)
    answers = await asyncio.gather(*(bot.say("refer") for _ in range(5)))
    async with app[SERVICES].sessions() as session:
        open_drafts = await session.scalar(
            select(func.count()).select_from(FormDraft).where(FormDraft.status == "open")
        )
    assert open_drafts == 1
    titles = [card_text(card_of(reply)) for (reply,) in answers]
    assert all("New referral" in t or "referral in progress" in t for t in titles)
