"""The check-and-submit summary shows every question and every answer (the GOV.UK "check
answers" pattern), for every form on the engine, in parts when one card cannot carry it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cards import form_summary
from cards.common import CARD_BUDGET, card_size
from tests.cardcheck import assert_valid_card, card_text
from tests.cards.test_budget import SPECS, WORST, every_error, full_form
from tests.e2e.harness import find_action
from workflow.forms import FormSpec
from workflow.referral import REFERRAL

DRAFT = "0" * 36


def all_parts(spec: FormSpec, form: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    """Every part of the summary, followed from the first by its "Go on to part" buttons."""
    parts = [form_summary.summary_card(spec, draft_id=DRAFT, form=form, problems={}, **kwargs)]
    while True:
        found = re.search(r"part (\d+) of (\d+)\)", card_text(parts[-1]))
        if not found or found.group(1) == found.group(2):
            return parts
        following = int(found.group(1)) + 1
        action = find_action(parts[-1], f"Go on to part {following} of the summary")
        assert action["data"] == {"draft_id": DRAFT, "section": "summary", "to": following}
        parts.append(
            form_summary.summary_card(spec, draft_id=DRAFT, form=form, problems={}, part=following)
        )


CHILDREN = [
    {
        "name": "Zebedee Quattlebaum",
        "identifying_details": "",
        "date_of_birth": "2019-03-14",
        "date_of_death": "",
        "home_address": "12 Larkspur Row\nBradford BD1 1AA",
        "ethnic_origin": "White British",
        "faith": "None stated",
        "disability": "Hearing impairment",
        "cp_plan": ["now"],
        "whereabouts": "At his grandmother's flat on Ashgrove Terrace for the weekend",
        "carer": "Grandmother, Iolanthe Brackenbury",
    },
    {
        "name": "Juniper Quattlebaum",
        "identifying_details": "Has a birthmark on her left wrist",
        "date_of_birth": "2021-07-09",
        "date_of_death": "2026-11-21",
        "home_address": "12 Larkspur Row\nBradford BD1 1AA",
        "ethnic_origin": "Mixed White and Black Caribbean",
        "faith": "Christian",
        "disability": "",
        "cp_plan": ["before", "now"],
        "whereabouts": "At home with her mother's partner",
        "carer": "Rufus Pettigrew",
    },
]
FAMILY = [
    {
        "name": "Marigold Quattlebaum",
        "relationship": "Mother",
        "date_of_birth": "1990-05-06",
        "address": "12 Larkspur Row\nBradford BD1 1AA",
        "legal_status": "No current proceedings",
        "ethnic_origin": "White British",
    },
    {
        "name": "Rufus Pettigrew",
        "relationship": "Mother's partner",
        "date_of_birth": "1987-01-02",
        "address": "4 Thornbury Close\nLeeds LS2 2BB",
        "legal_status": "On police bail for an unrelated assault",
        "ethnic_origin": "White Irish",
    },
]
AGENCIES = [
    {
        "name": "Dr Amy Lin",
        "agency": "Moorside GP Surgery",
        "contact": "01274 111111, amy.lin@example.org",
        "still_involved": "yes",
    },
    {
        "name": "Tom Achebe",
        "agency": "Bradford Council Education",
        "contact": "01274 222222",
        "still_involved": "no",
    },
    {
        "name": "Sally Oduya",
        "agency": "West Yorkshire Police",
        "contact": "Safeguarding hub, Trafalgar House",
        "still_involved": "unknown",
    },
]
WHAT_HAPPENED = (
    "Juniper was brought to the emergency department unresponsive late on Friday evening. "
    "Her mother's partner said she had fallen from the sofa.\n\n"
    "The clinicians found injuries of different ages that do not fit that account. "
    "She died the next morning. The last line of this answer must be on the summary too: "
    "the school had raised concerns about bruising in September."
)


def referral() -> dict[str, Any]:
    return REFERRAL.empty(
        {
            "criteria": {
                "immediate_risk": "yes",
                "cp_referral": "yes",
                "must_notify": ["child_death_abuse_neglect"],
                "consider": [],
            },
            "referrer": {
                "name": "Priya Shah",
                "agency": "Bradford Teaching Hospitals",
                "designation": "Safeguarding nurse",
                "email": "priya.shah@example.org",
                "phone": "01274 000000",
                "address": "",
            },
            "child": CHILDREN,
            "family": FAMILY,
            "agencies": AGENCIES,
            "incident": {
                "incident_date": "2026-11-20",
                "aware_date": "2026-11-21",
                "what_happened": WHAT_HAPPENED,
                "why_referred": "",
            },
        }
    )


def test_the_referral_summary_shows_every_typed_value_within_the_budget() -> None:
    parts = all_parts(REFERRAL, referral())
    for part in parts:
        assert_valid_card(part)
        assert card_size(part) <= CARD_BUDGET
    text = " ".join(card_text(p) for p in parts)
    typed = [
        value
        for rows in (CHILDREN, FAMILY, AGENCIES)
        for item in rows
        for key, value in item.items()
        if isinstance(value, str) and value and "date" not in key and key != "still_involved"
    ]
    for value in typed:
        for line in value.split("\n"):
            assert line in text, line
    for paragraph in WHAT_HAPPENED.split("\n\n"):
        assert paragraph in text  # in full, not cut
    for shown in ("14 Mar 2019", "9 Jul 2021", "21 Nov 2026", "6 May 1990", "2 Jan 1987"):
        assert shown in text  # dates of birth and death as the cards write dates
    assert "Yes, before; Yes, now" in text  # the second child's child protection answers
    assert "Child 2" in text and "Family member 2" in text and "Agency 3" in text
    assert "Not known" in text  # the third agency's "still involved?"


def test_every_question_is_on_the_summary_and_a_blank_one_says_not_given() -> None:
    text = " ".join(card_text(p) for p in all_parts(REFERRAL, referral()))
    for sec in REFERRAL.sections:
        assert f"Edit {sec.button_name}" in text
        for fld in sec.fields:
            assert fld.label in text, fld.label
    assert "Not given" in text  # the referrer's work address, why referred, ...


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_every_form_shows_every_answer_at_its_limits_in_parts_within_the_budget(
    spec: FormSpec,
) -> None:
    form = full_form(spec)
    parts = all_parts(spec, form)
    for n, part in enumerate(parts, 1):
        assert_valid_card(part)
        assert card_size(part) <= CARD_BUDGET, f"{spec.kind} part {n}: {card_size(part):,}"
    text = " ".join(card_text(p) for p in parts)
    typed = sum(
        len(form[sec.key]) if sec.repeating else 1
        for sec in spec.sections
        for fld in sec.fields
        if fld.kind in ("text", "multiline", "email", "phone")
    )
    assert text.count("\\*" * 10) >= typed  # every text answer, in full
    for sec in spec.sections:
        assert sum(f"Edit {sec.button_name}" in card_text(p) for p in parts) >= 1
    last = card_text(parts[-1])
    assert spec.submit_label in last
    assert all(spec.submit_label not in card_text(p) for p in parts[:-1]) or len(parts) == 1
    problems = {sec.key: every_error(spec, sec, form[sec.key]) for sec in spec.sections}
    first = form_summary.summary_card(spec, draft_id=DRAFT, form=form, problems=problems)
    assert card_size(first) <= CARD_BUDGET
    assert WORST


def test_after_an_edit_the_summary_opens_at_the_part_that_holds_the_section() -> None:
    form = full_form(REFERRAL)
    parts = all_parts(REFERRAL, form)
    assert len(parts) > 2
    shown = form_summary.summary_card(
        REFERRAL, draft_id=DRAFT, form=form, problems={}, section="incident"
    )
    holding = [p for p in parts if "Edit what happened" in card_text(p)]
    assert shown == holding[0] and shown != parts[0]
