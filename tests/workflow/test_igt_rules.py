"""The Information Gathering Tool's rules: the states people see, the counts the channel's
card shows, and the merged chronology's order."""

from __future__ import annotations

from datetime import date

from workflow import igt


def test_a_request_is_overdue_only_past_its_date_and_never_once_answered() -> None:
    today = date(2026, 12, 10)
    due = date(2026, 12, 9)
    assert igt.state_of("sent", drafting=False, due=due, today=today) == "overdue"
    assert igt.state_of("opened", drafting=True, due=today, today=today) == "in_progress"
    assert igt.state_of("returned", drafting=True, due=due, today=today) == "returned"
    assert igt.state_of("no_involvement", drafting=False, due=due, today=today) == "no_involvement"
    counts = igt.count(["returned", "no_involvement", "overdue", "sent", "in_progress"])
    assert counts.text == "2 of 5 returned, 1 overdue"
    assert igt.count(["sent"]).text == "0 of 1 returned"


def test_the_chronology_merges_every_agency_by_date_and_time() -> None:
    police = {
        "chronology": [
            {"date": "2026-11-21", "time": "08:05", "event": "A&E"},
            {"date": "2026-11-20", "time": "21:40", "event": "Call"},
            {"date": "", "time": "", "event": "Undated"},
        ]
    }
    school = {"chronology": [{"date": "2026-11-20", "time": "15:20", "event": "Withdrawn"}]}
    entries = igt.chronology([("Police", police), ("School", school)])
    assert [(e.event, e.agency) for e in entries] == [
        ("Withdrawn", "School"),
        ("Call", "Police"),
        ("A&E", "Police"),
        ("Undated", "Police"),
    ]
    assert igt.named_agencies({"agencies": [{"agency": " Barnardo's "}, {"agency": ""}]}) == [
        "Barnardo's"
    ]
