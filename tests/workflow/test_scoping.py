"""What the partners' scoping views say about the statutory test (s16C(1))."""

from __future__ import annotations

import pytest

from workflow.scoping import SCOPING, assess

YES = {"abuse_or_neglect": "yes", "died_or_harmed": "yes", "where": "yes"}


def test_no_views_is_not_clear() -> None:
    result = assess([])
    assert result.looks_met == "not_clear"
    assert set(result.parts.values()) == {"not_known"}


def test_every_part_yes_looks_met() -> None:
    assert assess([YES, YES, YES]).looks_met == "yes"


def test_not_yet_known_beside_yes_leaves_the_part_yes() -> None:
    result = assess([YES, {**YES, "where": "not_known"}])
    assert result.parts["where"] == "yes" and result.looks_met == "yes"


@pytest.mark.parametrize("part", ["abuse_or_neglect", "died_or_harmed", "where"])
def test_a_part_answered_no_by_all_who_answered_it_is_not_met(part: str) -> None:
    result = assess([{**YES, part: "no"}, {**YES, part: "not_known"}])
    assert result.parts[part] == "no" and result.looks_met == "no"


def test_views_that_differ_are_not_clear() -> None:
    result = assess([YES, {**YES, "died_or_harmed": "no"}])
    assert result.parts["died_or_harmed"] == "differ"
    assert result.looks_met == "not_clear"


def test_the_card_shows_the_statutory_test_and_the_serious_harm_guidance_in_full() -> None:
    intro = SCOPING.sections[0].intro
    assert "Children Act 2004 s16C(1)" in intro
    assert "while normally resident in the local authority's area" in intro
    assert "even if this is not immediately certain" in intro
    labels = [f.id for f in SCOPING.sections[0].fields]
    assert labels[:4] == ["abuse_or_neglect", "died_or_harmed", "where", "view"]


def test_the_day_15_form_offers_the_decisions_the_records_take() -> None:
    from workflow.decisions import OUTCOMES, DecisionKind
    from workflow.review import REVIEW

    outcome = REVIEW.section("decision").field("outcome")
    assert tuple(v for v, _ in outcome.choices) == OUTCOMES[DecisionKind.REVIEW_DECISION]
    criteria = REVIEW.section("criteria")
    assert len(criteria.field("must").choices) == 4 and len(criteria.field("regard").choices) == 4
