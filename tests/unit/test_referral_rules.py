"""The referral form's rules: the minimum required, real and consistent dates, caps."""

from __future__ import annotations

from datetime import date

import pytest

from cards.common import esc
from workflow import referral as rules

TODAY = date(2026, 11, 26)


def child(**values: str) -> dict[str, str]:
    base = {f.id: "" for f in rules.section("child").fields}
    base.update({"name": "A Child", "incident_date": "2026-11-20"})
    base.update(values)
    return base


def errors_for(values: dict[str, str]) -> dict[str, str]:
    return rules.check_section(rules.section("child"), values, TODAY)


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
        ({"name": "x" * 10_000}, "name", "too long: at most 200 characters (this has 10,000)"),
        ({"cp_plan": "perhaps"}, "cp_plan", "choose one of the options"),
    ],
)
def test_bad_child_answers_are_named(values: dict[str, str], field: str, words: str) -> None:
    errors = errors_for(child(**values))
    assert words in errors[field]


def test_referrer_needs_name_agency_and_a_way_to_reach_them() -> None:
    sec = rules.section("referrer")
    errors = rules.check_section(sec, {"name": "", "agency": "", "email": "", "phone": ""}, TODAY)
    assert set(errors) == {"name", "agency", "email"}
    assert "email or a phone" in errors["email"]
    bad = rules.check_section(
        sec, {"name": "P", "agency": "A", "email": "not-an-email", "phone": "call me"}, TODAY
    )
    assert set(bad) == {"email", "phone"}
    assert (
        rules.check_section(sec, {"name": "P", "agency": "A", "phone": "+44 1274 123456"}, TODAY)
        == {}
    )


def test_rows_are_read_by_index_and_empty_rows_dropped() -> None:
    sec = rules.section("family")
    data = {"name__0": "Ann", "relationship__0": "mother", "name__1": " ", "name__2": "Bob"}
    reading = rules.read_section(sec, data, rows=3)
    assert [r["name"] for r in reading.values] == ["Ann", "", "Bob"]
    kept, errors = rules.drop_empty_rows(reading.values, {"name__2": "too long"})
    assert [r["name"] for r in kept] == ["Ann", "Bob"]
    assert errors == {"name__1": "too long"}  # Bob was row 2, is row 1 now
    errors = rules.check_section(sec, [{"name": "Ann", "date_of_birth": "2030-01-01"}], TODAY)
    assert "date_of_birth__0" in errors


def test_multichoice_keeps_only_known_criteria() -> None:
    reading = rules.read_section(
        rules.section("criteria"),
        {"must_notify": "serious_sexual_abuse,made_up", "consider": "child_protection_plan"},
    )
    assert reading.values == {
        "must_notify": ["serious_sexual_abuse"],
        "consider": ["child_protection_plan"],
    }


def test_answers_beyond_the_hard_cap_are_cut_and_said_so() -> None:
    reading = rules.read_section(rules.section("incident"), {"what_happened": "y" * 12_000})
    assert len(reading.values["what_happened"]) == rules.HARD_CAP
    assert "first 10,000 characters are kept" in reading.errors["what_happened"]


def test_check_form_names_the_sections_needing_attention() -> None:
    form = rules.empty_form(referrer_name="Priya", referrer_email="p@example.org")
    assert set(rules.check_form(form, TODAY)) == {"referrer", "child", "incident"}


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
