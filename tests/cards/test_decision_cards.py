"""The decision cards: valid for Teams, the chair's refresh only while undecided, nothing
personal on the channel's cards, and a case past the month flagged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cards.decided import Decided, ViewLine
from cards.recommendation import chair_prompt_card
from cards.review import review_prompt_card
from tests.cardcheck import assert_valid_card, card_text
from workflow.scoping import assess

WHEN = datetime(2026, 11, 27, 10, 4, tzinfo=UTC)
VIEWS = [ViewLine("Police representative", "meets_criteria", WHEN)]
DECIDED = Decided("Notify the national Panel", "Chris Holt (chair)", WHEN, "Test met.")


def prompt(**overrides: object) -> dict[str, object]:
    given: dict[str, object] = {
        "reference": "BR-2026-0001",
        "stage": "Scoping (Days 1 to 5)",
        "views": VIEWS,
        "expected": ["Police representative", "Integrated Care Board (health) representative"],
        "assessment": assess([{"abuse_or_neglect": "yes"}]),
        "due": "Due by 2 Dec 2026 (Day 5).",
        "decided": None,
        "for_chair": False,
        "chair_ids": ["29:chair"],
    }
    given.update(overrides)
    card = chair_prompt_card(**given)  # type: ignore[arg-type]
    assert_valid_card(card)
    return card


def test_the_chair_gets_buttons_everyone_else_the_status_and_teams_refreshes_for_the_chair() -> (
    None
):
    status = prompt()
    assert "actions" not in status and status["refresh"]["userIds"] == ["29:chair"]
    assert "Not given yet" in card_text(status)
    live = prompt(for_chair=True)
    titles = [a["title"] for a in live["actions"]]
    assert titles == [
        "Recommend notification for BR-2026-0001",
        "Recommend no notification for BR-2026-0001",
    ]


def test_once_decided_everyone_sees_the_same_card_and_no_refresh_is_asked() -> None:
    card = prompt(decided=DECIDED, for_chair=True)
    assert "refresh" not in card and "actions" not in card
    assert "Chris Holt (chair)" in card_text(card)
    # A channel card: the rationale is read 1:1 (free text may name a child), never here.
    assert "Test met." not in card_text(card)
    assert "type **decisions BR-2026-0001** in a 1:1 chat" in card_text(card)


def test_a_case_past_the_month_is_flagged() -> None:
    def review(note: str, past: bool) -> str:
        card = review_prompt_card(
            reference="BR-2026-0001",
            stage="Rapid review",
            proposal=DECIDED,
            ticked=[],
            immediate_action="No",
            national="No",
            due="",
            overdue_note=note,
            decided=None,
            rejected=None,
            past_month=past,
            for_chair=False,
            chair_ids=[],
        )
        assert_valid_card(card)
        return json.dumps(card)

    assert '"color": "attention"' in review("Past the month: by 27 Dec 2026.", True)
    assert '"color": "attention"' not in review("Normally decided by 27 Dec 2026.", False)
