"""The referral form's rules: the minimum required, real and consistent dates, caps."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from cards.common import _escaped, esc
from workflow import forms
from workflow import referral as rules
from workflow.referral import REFERRAL

TODAY = date(2026, 11, 26)


def child(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {f.id: "" for f in REFERRAL.section("child").fields}
    base.update({"name": "A Child", "cp_plan": []})
    base.update(values)
    return base


def incident(**values: str) -> dict[str, str]:
    base = {f.id: "" for f in REFERRAL.section("incident").fields}
    base.update({"incident_date": "2026-11-20", "aware_date": "2026-11-24", "what_happened": "F"})
    base.update(values)
    return base


def errors_for(values: dict[str, Any]) -> dict[str, str]:
    """One child's errors, as if it were the only child named."""
    found = forms.check_section(REFERRAL.section("child"), [values], TODAY)
    return {key.removesuffix("__0"): message for key, message in found.items()}


def incident_errors(values: dict[str, str], *children: dict[str, Any]) -> dict[str, str]:
    form = {"incident": values, "child": list(children or [child()])}
    return forms.check_step(REFERRAL, form, "incident", TODAY)


def test_a_minimal_child_passes() -> None:
    assert errors_for(child()) == {}


def test_the_name_may_be_replaced_by_identifying_details() -> None:
    assert "name" in errors_for(child(name=""))
    assert errors_for(child(name="", identifying_details="Baby born at BRI on 3 November")) == {}


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"date_of_birth": "2027-01-01"}, "date_of_birth", "can't be in the future"),
        (
            {"date_of_birth": "2019-03-14", "date_of_death": "2018-01-01"},
            "date_of_death",
            "before the date of birth",
        ),
        ({"name": "x" * 10_000}, "name", "too long: at most 200 characters"),
        ({"cp_plan": ["now", "no"]}, "cp_plan", "Tick 'Yes, now', 'Yes, before' or both"),
        ({"cp_plan": ["no", "unknown"]}, "cp_plan", "or one of the others"),
    ],
)
def test_bad_child_answers_are_named(values: dict[str, Any], field: str, words: str) -> None:
    errors = errors_for(child(**values))
    assert words in errors[field]


def test_a_child_can_be_on_a_plan_now_and_have_been_before() -> None:
    assert errors_for(child(cp_plan=["now", "before"])) == {}
    reading = forms.read_section(REFERRAL.section("child"), {"cp_plan__0": "now,before"}, rows=1)
    assert reading.values[0]["cp_plan"] == ["now", "before"]


def test_one_to_four_children() -> None:
    sec = REFERRAL.section("child")
    assert (sec.min_rows, sec.max_rows) == (1, 4)
    assert REFERRAL.empty()["child"] == [
        {f.id: [] if f.kind == "multichoice" else "" for f in sec.fields}
    ]
    assert forms.check_section(sec, [], TODAY)["_rows"] == "Add at least 1 child."
    reading = forms.read_section(sec, {f"name__{i}": f"Child {i}" for i in range(9)}, rows=9)
    assert len(reading.values) == 4


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"incident_date": ""}, "is required"),
        ({"incident_date": "2026-02-30"}, "enter a real date"),
        ({"incident_date": "2026-12-01"}, "can't be in the future"),
        ({"aware_date": ""}, "is required"),
        ({"aware_date": "2026-11-19"}, "before the incident"),
    ],
)
def test_bad_incident_dates_are_named(values: dict[str, str], words: str) -> None:
    errors = incident_errors(incident(**values))
    assert words in errors[next(iter(values))]


def test_a_child_born_after_the_incident_is_named_on_both_steps() -> None:
    """A check across steps: said on the child's row and on the incident date."""
    children = [child(), child(name="B", date_of_birth="2026-11-21")]
    form = {"incident": incident(), "child": children}
    problems = forms.check_form(REFERRAL, form, TODAY)
    assert (
        "after the date of the critical incident (20 Nov 2026)"
        in (problems["child"]["date_of_birth__1"])
    )
    assert "before child 2's date of birth (21 Nov 2026)" in problems["incident"]["incident_date"]
    assert "date_of_birth__0" not in problems["child"]


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
    reading = forms.read_section(REFERRAL.section("referrer"), {"name": sent})
    assert reading.values["name"] == kept
    assert ("name" in reading.errors) is refused
    assert "[" not in reading.values["name"] and "{" not in reading.values["name"]


def test_control_and_invisible_characters_are_removed() -> None:
    sent = "A\x00n\x1b[31mn\x08 \u202eeoJ\u200b\u200d\ufeff Smith\r\nline two\tend"
    reading = forms.read_section(REFERRAL.section("child"), {"name__0": sent}, rows=1)
    assert reading.values[0]["name"] == "An[31mn eoJ Smith\nline two\tend"


@pytest.mark.parametrize("text", ["2019-W10-1", "20190301", "2019-3-1", "2019-03-01T10:00"])
def test_only_year_month_day_is_a_date(text: str) -> None:
    assert forms.parse_date(text) is None
    assert "enter a real date" in errors_for(child(date_of_birth=text))["date_of_birth"]


def test_day_one_is_when_the_agency_became_aware() -> None:
    form = rules.empty_form(today=date(2026, 11, 26))
    assert form["incident"]["aware_date"] == "2026-11-26"  # prefilled, to be changed if earlier
    form["incident"]["aware_date"] = "2026-11-23"
    assert rules.awareness_date(form, submitted=date(2026, 11, 26)) == date(2026, 11, 23)
    form["incident"]["aware_date"] = ""
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


def test_text_passed_unescaped_is_only_text_escaping_would_not_change() -> None:
    """``esc`` skips the substitutions when its one search finds nothing to escape: over
    random text rich in what Markdown reads, it always answers as the substitutions do."""
    rng = random.Random(20261208)
    pieces = [*"ab w.:/ \n\t19)#+-=*_[]<>~|`\\", "www.", "WwW.", "http://", "12.", "  3)"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert esc(text) == _escaped(text), repr(text)
    assert esc("Kit Smith, 14 Mar 2019") == "Kit Smith, 14 Mar 2019"


def test_a_referral_saved_with_one_child_reads_as_a_list_of_one() -> None:
    """Drafts and versions saved before several children could be named."""
    old = {
        "criteria": {"immediate_risk": "no"},
        "child": {
            "name": "Kit",
            "incident_date": "2026-11-20",
            "aware_date": "2026-11-23",
            "cp_plan": "previous",
        },
        "incident": {"what_happened": "Fell."},
    }
    form = REFERRAL.current(old)
    assert form["child"] == [{"name": "Kit", "cp_plan": ["before"]}]
    assert form["incident"] == {
        "what_happened": "Fell.",
        "incident_date": "2026-11-20",
        "aware_date": "2026-11-23",
    }
    assert rules.awareness_date(form, submitted=date(2026, 11, 26)) == date(2026, 11, 23)
    assert REFERRAL.current(form) == form  # already current: unchanged
