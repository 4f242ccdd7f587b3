"""The annual figures' counting rules (workflow/figures.py), case by case: each deadline met,
late, overdue or not yet due in the year its statutory date falls in; the notification only
for cases notified; a decision, referral or publication in the year it happened."""

from __future__ import annotations

from datetime import date

from workflow.figures import CaseFacts, Deadline, as_csv, count

TODAY = date(2026, 12, 7)


def test_each_deadline_counts_in_its_statutory_year_as_met_late_overdue_or_not_yet_due() -> None:
    facts = [
        CaseFacts(  # notified a day late; rapid review on time; report overdue
            received=date(2026, 3, 2),
            notified=date(2026, 3, 10),
            review_decided=date(2026, 3, 20),
            review_outcome="lcspr",
            deadlines=(
                Deadline("la_decision", date(2026, 3, 9), date(2026, 3, 10)),
                Deadline("rapid_review_meeting", date(2026, 3, 20), date(2026, 3, 20)),
                Deadline("report_to_panel", date(2026, 3, 27), None),
                Deadline("publication", date(2026, 9, 20), date(2026, 10, 1)),
            ),
        ),
        CaseFacts(  # not notified (decided not to): no notification fell due
            received=date(2026, 11, 30),
            review_decided=date(2026, 12, 4),
            review_outcome="no_further_action",
            deadlines=(
                Deadline("la_decision", date(2026, 12, 7), date(2026, 12, 4)),
                Deadline("rapid_review_meeting", date(2026, 12, 18), None),
                Deadline("publication", date(2027, 6, 4), None, not_applicable=True),
            ),
        ),
        CaseFacts(  # referred the year before; its report was due, and sent, this year
            received=date(2025, 12, 15),
            notified=date(2025, 12, 18),
            deadlines=(Deadline("report_to_panel", date(2026, 1, 14), date(2026, 1, 13)),),
        ),
    ]
    figures = count(facts, year=2026, today=TODAY)
    assert dict(figures.counts) == {
        "Referrals received": 2,
        "Notifications to the national Panel": 1,
        "Rapid reviews (decisions made)": 2,
        "Local reviews commissioned": 1,
        "Local reviews published": 1,
    }
    by_key = {t.key: (t.met, t.late, t.overdue, t.not_yet_due) for t in figures.timeliness}
    assert by_key == {
        "la_decision": (0, 1, 0, 0),
        "rapid_review_meeting": (1, 0, 0, 1),
        "report_to_panel": (1, 0, 1, 0),
        "publication": (0, 1, 0, 0),
    }
    assert count(facts, year=2025, today=TODAY).referrals == 1
    rows = as_csv(figures).splitlines()
    assert rows[0] == "Year,Measure,Count" and "2026,Referrals received,2" in rows
    assert "2026,Notified to the Panel within 5 working days,1,0,1,0,0" in rows
