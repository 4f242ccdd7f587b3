"""Every card, built from fixed inputs: valid Adaptive Card 1.5 for Teams, and unchanged
unless on purpose (snapshots in tests/cards/snapshots; UPDATE_SNAPSHOTS=1 rewrites them)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from cards import drafts, form_summary, forms, notices
from cards import help as help_cards
from cards import referral as cards
from tests.cardcheck import assert_valid_card, card_text
from workflow import referral as rules
from workflow.addinfo import ADD_INFO

SNAPSHOTS = Path(__file__).parent / "snapshots"
DRAFT = "2bbe658f-fe82-4c1d-82fa-9c0087ca0ddc"
FORM = rules.empty_form(referrer_name="Priya Shah", referrer_email="priya.shah@example.org")
FORM["criteria"]["must_notify"] = ["life_threatening_injury"]
FORM["referrer"].update(agency="Bradford Teaching Hospitals", designation="Nurse")
FORM["child"][0].update(name="Sam **Example**", date_of_birth="2019-03-14", cp_plan=["before"])
FORM["child"].append({**FORM["child"][0], "name": "Jo Example", "cp_plan": ["now", "before"]})
FORM["incident"].update(incident_date="2026-11-20", aware_date="2026-11-23")
FORM["family"] = [
    {
        "name": "Alex Example",
        "relationship": "mother",
        "date_of_birth": "",
        "address": "[x](http://evil.example)",
        "legal_status": "",
        "ethnic_origin": "",
    }
]
FORM["incident"]["what_happened"] = "# Injuries\n1. first\n- second"

BUILDERS: dict[str, Callable[[], dict[str, Any]]] = {
    "help": lambda: help_cards.help_card(
        (("help", "Show what I can do."), ("refer", "Report a serious incident."))
    ),
    "help-detailed": lambda: help_cards.help_card((("help", "Show what I can do."),), True),
    **{
        f"section-{key}": (
            lambda key=key: forms.section_card(
                rules.REFERRAL, draft_id=DRAFT, section_key=key, values=FORM[key], errors={}
            )
        )
        for key in rules.SECTION_KEYS
    },
    "section-child-errors": lambda: forms.section_card(
        rules.REFERRAL,
        draft_id=DRAFT,
        section_key="child",
        values=[FORM["child"][0], {**FORM["child"][1], "date_of_death": "2018-01-01"}],
        errors={"date_of_death__1": "The date of death is before the date of birth: check both."},
    ),
    "section-family-returning": lambda: forms.section_card(
        rules.REFERRAL,
        draft_id=DRAFT,
        section_key="family",
        values=FORM["family"],
        errors={},
        returning_to_summary=True,
    ),
    "summary": lambda: form_summary.summary_card(
        rules.REFERRAL, draft_id=DRAFT, form=FORM, problems={}
    ),
    "summary-problems": lambda: form_summary.summary_card(
        rules.REFERRAL,
        draft_id=DRAFT,
        form=FORM,
        problems={"incident": {"what_happened": "required"}},
    ),
    "resume": lambda: drafts.resume_card(
        rules.REFERRAL,
        draft_id=DRAFT,
        started=datetime(2026, 11, 20, 9, tzinfo=UTC),
        updated=datetime(2026, 11, 23, 16, tzinfo=UTC),
        section_key="family",
    ),
    "discarded": lambda: drafts.discarded_card(rules.REFERRAL),
    "gone": lambda: drafts.draft_gone_card(
        rules.REFERRAL, "I can't find that referral form any more."
    ),
    "confirmation": lambda: cards.confirmation_card(
        reference="BR-2026-0001",
        day_one=date(2026, 11, 26),
        next_steps=[("Scoping views", date(2026, 12, 2)), ("Local review decision", None)],
        contacts=["Bea Umar"],
        contact_email="BDSCP@bradford.gov.uk",
        outcome_due=date(2026, 12, 2),
    ),
    "entered-confirmation": lambda: cards.entered_confirmation_card(
        reference="BR-2026-0001",
        day_one=date(2026, 11, 24),
        next_steps=[("Scoping views", date(2026, 12, 2)), ("Local review decision", None)],
        notify_ofsted=True,
    ),
    "section-referrer-entered": lambda: forms.section_card(
        rules.REFERRAL_FOR,
        draft_id=DRAFT,
        section_key="referrer",
        values={**FORM["referrer"], "received_via": "email"},
        errors={},
    ),
    "details": lambda: cards.referral_details_cards(
        reference="BR-2026-0001",
        form=FORM,
        referrer_name="Priya Shah",
        received=date(2026, 11, 26),
        audience="BDSCP Business Unit",
    )[0],
    "case": lambda: cards.case_card(
        reference="BR-2026-0001",
        stage="Scoping (Days 1 to 5)",
        referring_agency="Bradford Teaching Hospitals",
        key_dates=[
            ("Day 1", date(2026, 11, 26)),
            ("Local Authority's decision due (Day 5)", date(2026, 12, 2)),
        ],
        next_deadline=(
            "Tell the chair, Police and Integrated Care Board; start scoping",
            date(2026, 11, 26),
        ),
        updated=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
    ),
    "more-information": lambda: cards.more_information_card(
        reference="BR-2026-0001",
        version=2,
        added={"added_on": "2026-11-27", "by": "Priya Shah", "what": "[x](http://e)", "source": ""},
        audience="BDSCP Business Unit",
    ),
    "information-added": lambda: cards.information_added_card(reference="BR-2026-0001", version=2),
    "addinfo-step": lambda: forms.section_card(
        ADD_INFO, draft_id=DRAFT, section_key="update", values={"what": "", "source": ""}, errors={}
    ),
    "addinfo-gone": lambda: drafts.draft_gone_card(ADD_INFO, "This update was cancelled."),
    "channel-lost": lambda: notices.channel_lost_card(
        what="I was removed from the team", when=datetime(2026, 11, 27, 9, 30), held=3
    ),
    "channel-lost-nothing-held": lambda: notices.channel_lost_card(
        what="The team was archived", when=datetime(2026, 11, 27, 9, 30), held=0
    ),
}


def test_the_channel_lost_notice_says_what_happened_when_and_what_is_kept() -> None:
    text = card_text(BUILDERS["channel-lost"]())
    assert "I was removed from the team on 27 Nov 2026, 09:30." in text
    assert "3 messages for the channel are being kept, not sent." in text
    one = card_text(notices.channel_lost_card(what="x", when=datetime(2026, 11, 27), held=1))
    assert "1 message for the channel is being kept" in one


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_card_is_valid_and_matches_its_snapshot(name: str) -> None:
    card = BUILDERS[name]()
    assert_valid_card(card)
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(card, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"no snapshot for {name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert path.read_text() == text, f"{name} changed: review, then UPDATE_SNAPSHOTS=1"


def test_a_per_case_form_that_is_gone_offers_no_start_without_its_case() -> None:
    card = BUILDERS["addinfo-gone"]()
    assert "actions" not in card
    assert "Type **add info** and the case reference" in card_text(card)


def test_user_text_is_inert_wherever_it_is_shown() -> None:
    for name in ("summary", "details"):
        text = card_text(BUILDERS[name]())
        assert "Sam \\*\\*Example\\*\\*" in text
        assert "\\[x\\](http\\://evil.example)" in text
        assert "\\# Injuries" in text
        assert "](http://" not in text


def test_required_inputs_carry_client_side_validation() -> None:
    inputs = {n["id"]: n for n in _inputs(BUILDERS["section-incident"]())}
    assert inputs["incident_date"]["isRequired"] is True
    assert inputs["incident_date"]["errorMessage"]
    children = {n["id"]: n for n in _inputs(BUILDERS["section-child"]())}
    assert children["name__1"]["maxLength"] == 200
    referrer = {n["id"]: n for n in _inputs(BUILDERS["section-referrer"]())}
    assert referrer["email"]["regex"]


def _inputs(card: Any) -> list[dict[str, Any]]:
    from tests.cardcheck import walk

    return [n for n in walk(card) if str(n.get("type", "")).startswith("Input.")]


def test_every_child_is_shown_with_both_child_protection_answers() -> None:
    for name in ("summary", "details"):
        text = card_text(BUILDERS[name]())
        assert "Sam \\*\\*Example\\*\\*" in text and "Jo Example" in text
        assert "Yes, now; Yes, before" in text
    step = card_text(BUILDERS["section-child"]())
    assert "Child 1" in step and "Child 2" in step
    assert "Remove child 2" in step and "Add another child" in step
