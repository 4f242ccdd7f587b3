"""A status card's deadline lines read as a sentence would: the date and its mark, or the
mark alone where there is no date yet (not "No date yet: Not set yet")."""

from __future__ import annotations

from datetime import date

from cards.status import Line, Status, status_card
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
