"""The referral form's rules: the minimum required, real and consistent dates, caps."""

from __future__ import annotations

from datetime import date

import pytest

from cards.common import esc
from workflow import forms
from workflow import referral as rules
from workflow.referral import REFERRAL

TODAY = date(2026, 11, 26)


def child(**values: str) -> dict[str, str]:
    base = {f.id: "" for f in REFERRAL.section("child").fields}
    base.update({"name": "A Child", "incident_date": "2026-11-20", "aware_date": "2026-11-24"})
    base.update(values)
    return base


def errors_for(values: dict[str, str]) -> dict[str, str]:
    return forms.check_section(REFERRAL.section("child"), values, TODAY)


def test_a_minimal_child_passes() -> None:
    assert errors_for(child()) == {}


def test_the_name_may_be_replaced_by_identifying_details() -> None:
    assert "name" in errors_for(child(name=""))
    assert errors_for(child(name="", identifying_details="Baby born at BRI on 3 November")) == {}


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"incident_date": ""}, "incident_date", "is required"),
        ({"incident_date": "2026-02-30"}, "incident_date", "enter a real date"),
        ({"incident_date": "2026-12-01"}, "incident_date", "can't be in the future"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth", "can't be in the future"),
        ({"date_of_birth": "2026-11-21"}, "date_of_birth", "after the incident date"),
        (
            {"date_of_birth": "2019-03-14", "date_of_death": "2018-01-01"},
            "date_of_death",
            "before the date of birth",
        ),
        ({"name": "x" * 10_000}, "name", "too long: at most 200 characters"),
        ({"cp_plan": "perhaps"}, "cp_plan", "choose one of the options"),
        ({"aware_date": ""}, "aware_date", "is required"),
        ({"aware_date": "2026-11-19"}, "aware_date", "before the incident"),
    ],
)
def test_bad_child_answers_are_named(values: dict[str, str], field: str, words: str) -> None:
    errors = errors_for(child(**values))
    assert words in errors[field]


def test_referrer_needs_name_agency_and_a_way_to_reach_them() -> None:
    sec = REFERRAL.section("referrer")
    errors = forms.check_section(sec, {"name": "", "agency": "", "email": "", "phone": ""}, TODAY)
    assert set(errors) == {"name", "agency", "email"}
    assert "email or a phone" in errors["email"]
    bad = forms.check_section(
        sec, {"name": "P", "agency": "A", "email": "not-an-email", "phone": "call me"}, TODAY
    )
    assert set(bad) == {"email", "phone"}
    assert (
        forms.check_section(sec, {"name": "P", "agency": "A", "phone": "+44 1274 123456"}, TODAY)
        == {}
    )


def test_rows_are_read_by_index_and_empty_rows_dropped() -> None:
    sec = REFERRAL.section("family")
    data = {"name__0": "Ann", "relationship__0": "mother", "name__1": " ", "name__2": "Bob"}
    reading = forms.read_section(sec, data, rows=3)
    assert [r["name"] for r in reading.values] == ["Ann", "", "Bob"]
    kept, errors = forms.drop_empty_rows(reading.values, {"name__2": "too long"})
    assert [r["name"] for r in kept] == ["Ann", "Bob"]
    assert errors == {"name__1": "too long"}  # Bob was row 2, is row 1 now
    errors = forms.check_section(sec, [{"name": "Ann", "date_of_birth": "2030-01-01"}], TODAY)
    assert "date_of_birth__0" in errors


def test_multichoice_keeps_only_known_criteria() -> None:
    reading = forms.read_section(
        REFERRAL.section("criteria"),
        {"must_notify": "serious_sexual_abuse,made_up", "consider": "child_protection_plan"},
    )
    assert reading.values["must_notify"] == ["serious_sexual_abuse"]
    assert reading.values["consider"] == ["child_protection_plan"]


def test_the_safety_question_must_be_answered() -> None:
    criteria_step = REFERRAL.section("criteria")
    errors = forms.check_section(criteria_step, {"must_notify": [], "consider": []}, TODAY)
    assert "immediate_risk" in errors
    answered = {"immediate_risk": "yes", "cp_referral": "", "must_notify": [], "consider": []}
    assert forms.check_section(criteria_step, answered, TODAY) == {}
    assert rules.immediate_risk({"criteria": answered})


@pytest.mark.parametrize(
    ("agency", "csc"),
    [
        ("Children's Social Care", True),
        ("Bradford Children’s Social Care, Front Door", True),
        ("CSC", True),
        ("Bradford Teaching Hospitals", False),
        ("West Yorkshire Police (CSE team)", False),
    ],
)
def test_a_referrer_from_childrens_social_care_is_recognised(agency: str, csc: bool) -> None:
    assert rules.from_childrens_social_care(agency) is csc


def test_answers_beyond_their_limit_are_cut_to_it_and_said_so() -> None:
    """What is kept is what the message says is kept (the old banner said "everything you
    typed is kept" beside "only the first 10,000 characters were kept")."""
    reading = forms.read_section(REFERRAL.section("incident"), {"what_happened": "y" * 12_000})
    assert len(reading.values["what_happened"]) == 8000
    assert reading.cut
    assert "only the first 8,000 are kept" in reading.errors["what_happened"]


@pytest.mark.parametrize(
    ("sent", "kept", "refused"),
    [
        (["Ann", "Bob"], "", True),
        ({"first": "Ann"}, "", True),
        (True, "", True),
        (None, "", False),
        (42, "42", False),
        (3.5, "3.5", False),
        ("Ann", "Ann", False),
    ],
)
def test_answers_of_the_wrong_type_are_refused_or_read_plainly(
    sent: object, kept: str, refused: bool
) -> None:
    reading = forms.read_section(REFERRAL.section("child"), {"name": sent})
    assert reading.values["name"] == kept
    assert ("name" in reading.errors) is refused
    assert "[" not in reading.values["name"] and "{" not in reading.values["name"]


def test_control_and_invisible_characters_are_removed() -> None:
    sent = "A\x00n\x1b[31mn\x08 \u202eeoJ\u200b\u200d\ufeff Smith\r\nline two\tend"
    reading = forms.read_section(REFERRAL.section("child"), {"name": sent})
    assert reading.values["name"] == "An[31mn eoJ Smith\nline two\tend"


@pytest.mark.parametrize("text", ["2019-W10-1", "20190301", "2019-3-1", "2019-03-01T10:00"])
def test_only_year_month_day_is_a_date(text: str) -> None:
    assert forms.parse_date(text) is None
    assert "enter a real date" in errors_for(child(date_of_birth=text))["date_of_birth"]


def test_day_one_is_when_the_agency_became_aware() -> None:
    form = rules.empty_form(today=date(2026, 11, 26))
    assert form["child"]["aware_date"] == "2026-11-26"  # prefilled, to be changed if earlier
    form["child"]["aware_date"] = "2026-11-23"
    assert rules.awareness_date(form, submitted=date(2026, 11, 26)) == date(2026, 11, 23)
    form["child"]["aware_date"] = ""
    assert rules.awareness_date(form, submitted=date(2026, 11, 26)) == date(2026, 11, 26)


def test_check_form_names_the_sections_needing_attention() -> None:
    form = rules.empty_form(referrer_name="Priya", referrer_email="p@example.org")
    assert set(forms.check_form(REFERRAL, form, TODAY)) == {
        "criteria",
        "referrer",
        "child",
        "incident",
    }


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[click](http://evil.example)", "\\[click\\](http\\://evil.example)"),
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("# heading", "\\# heading"),
        ("1. item", "1\\. item"),
        ("see www.evil.example", "see www\\.evil.example"),
        ("<img src=x>", "\\<img src=x\\>"),
        ("Plain (text), 5 o'clock: fine.", "Plain (text), 5 o'clock: fine."),
    ],
)
def test_user_text_cannot_format_or_link(text: str, shown: str) -> None:
    assert esc(text) == shown
