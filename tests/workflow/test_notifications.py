"""Who the Local Authority tells, and the text for the Panel's online form."""

from __future__ import annotations

from datetime import date

from workflow.notifications import age_on, looked_after_child_died, panel_text, required

FORM = {
    "criteria": {"consider": []},
    "child": [
        {"name": "Kit", "date_of_birth": "2019-03-14", "whereabouts": "Home"},
        {"name": "", "identifying_details": "Baby at BRI", "date_of_birth": "2026-11-01"},
    ],
    "incident": {"incident_date": "2026-11-20", "what_happened": "Found injured."},
}


def test_a_notified_case_tells_everyone() -> None:
    assert required(notified=True, form=FORM) == [
        "panel",
        "ofsted",
        "dfe",
        "cdr_partners",
        "safeguarding_partners",
    ]
    assert required(notified=False, form=FORM) == []


def test_a_looked_after_child_who_died_is_told_to_ofsted_and_the_partners_even_unnotified() -> None:
    form = {
        **FORM,
        "criteria": {"consider": ["while_looked_after"]},
        "child": [{"name": "Kit", "date_of_death": "2026-11-20"}],
    }
    assert looked_after_child_died(form)
    assert required(notified=False, form=form) == [
        "ofsted",
        "cdr_partners",
        "safeguarding_partners",
    ]
    alive = {**form, "child": [{"name": "Kit"}]}
    assert required(notified=False, form=alive) == []


def test_ages_are_whole_years_at_the_incident() -> None:
    assert age_on(date(2019, 3, 14), date(2026, 3, 13)) == 6
    assert age_on(date(2019, 3, 14), date(2026, 3, 14)) == 7


def test_the_panel_text_names_the_notifier_children_ages_date_place_and_summary() -> None:
    text = panel_text(FORM, notifier="Bradford Council")
    assert text.splitlines() == [
        "Notifying local authority: Bradford Council",
        "Child 1: Kit, aged 7 at the incident",
        "Child 2: Baby at BRI, aged 0 at the incident",
        "Date of the incident: 20 Nov 2026",
        "Where: Home",
        "Summary: Found injured.",
    ]
