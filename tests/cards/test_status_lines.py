"""A status card's deadline lines read as a sentence would: the date and its mark, or the
mark alone where there is no date yet (not "No date yet: Not set yet")."""

from __future__ import annotations

from datetime import date

from cards.status import Line, Status, cases_card, status_card
from tests.cardcheck import assert_valid_card, card_text
from workflow.status import DONE, DUE, NOT_SET


def test_a_deadline_without_a_date_says_so_once() -> None:
    card = status_card(
        Status(
            reference="BR-2026-0007",
            stage="Rapid review",
            working_day=4,
            lines=[
                Line("1. Notify the Panel", date(2026, 12, 3), DONE, "Bea Umar, 2 Dec 2026"),
                Line("4. Rapid review meeting", date(2026, 12, 15), DUE),
                Line("9. Send the report to the Panel", None, NOT_SET),
            ],
            changes=[],
            decided=[],
            outstanding=[],
            next_action=None,
        )
    )
    assert_valid_card(card)
    text = card_text(card)
    assert "Not set yet" in text
    assert "No date yet" not in text
    assert "Done (Bea Umar, 2 Dec 2026)" in text


def test_a_rapid_review_past_its_fifteen_days_says_so() -> None:
    """A rapid review that has run over reads "past the rapid review's 15 working days", not
    "Working day 23 of 15"; within them, "Working day 4 of 15"."""

    def subtitle(working_day: int) -> str:
        card = status_card(
            Status(
                reference="BR-2026-0007",
                stage="Rapid review (Days 6 to 15)",
                working_day=working_day,
                lines=[Line("7. Rapid review meeting", date(2026, 12, 15), DUE)],
                changes=[],
                decided=[],
                outstanding=[],
                next_action=None,
            )
        )
        assert_valid_card(card)
        return card_text(card)

    assert "Working day 4 of 15 of the rapid review." in subtitle(4)
    assert "Working day 15 of 15 of the rapid review." in subtitle(15)
    late = subtitle(23)
    assert "Working day 23: past the rapid review's 15 working days." in late
    assert "of 15 of the rapid review" not in late


def test_an_empty_list_of_cases_says_there_are_none_open() -> None:
    card = cases_card(title="Open cases", lines=[], total=0, page=0, verb="cases.page", data={})
    assert_valid_card(card)
    assert "No open cases." in card_text(card)
