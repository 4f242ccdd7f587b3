"""Every card a form can produce stays within Teams' size limit (about 28 KB), with every
answer at its field's limit, every repeating step at its row limit, and the worst text for
size: characters that the Markdown escaping doubles. The referral details, which must carry
everything, are split into parts, each within the budget, losing nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from cards import form_summary, forms
from cards import referral as cards
from cards.common import CARD_BUDGET, card_size
from cards.decided import Decided, ViewLine
from cards.la_decision import la_decision_card
from cards.scoping import scoping_views_cards
from dialogs.forms import FORMS
from tests.cardcheck import assert_valid_card, card_text
from workflow.addinfo import ADD_INFO
from workflow.forms import FormSpec, Section
from workflow.lcspr import COMMISSIONING
from workflow.referral import REFERRAL
from workflow.scoping import SCOPING

TEAMS_LIMIT = 28 * 1024
WORST = "*"  # escaped as "\\*": two characters shown for each typed


def _full(sec: Section) -> Any:
    row: dict[str, Any] = {}
    for fld in sec.fields:
        if fld.kind == "multichoice":
            row[fld.id] = [value for value, _ in fld.choices]
        elif fld.kind == "choice":
            row[fld.id] = max(fld.choices, key=lambda c: len(c[1]))[0]
        elif fld.kind == "date":
            row[fld.id] = "2019-03-14"
        elif fld.kind == "time":
            row[fld.id] = "23:59"
        else:
            row[fld.id] = WORST * fld.max_length
    return [dict(row) for _ in range(sec.max_rows)] if sec.repeating else row


def full_form(spec: FormSpec) -> dict[str, Any]:
    return {sec.key: _full(sec) for sec in spec.sections}


def every_error(spec: FormSpec, sec: Section, values: Any) -> dict[str, str]:
    message = "x" * 140  # longer than any message the checks write (at most about 130)
    if sec.repeating:
        return {f"{f.id}__{row}": message for row in range(len(values)) for f in sec.fields}
    return {f.id: message for f in sec.fields}


def within_budget(card: dict[str, Any], what: str) -> None:
    size = card_size(card)
    assert size <= CARD_BUDGET < TEAMS_LIMIT, f"{what}: {size:,} bytes"
    assert_valid_card(card)


# Every form the bot has (the app's own table: a new form is checked here with no list to edit).
SPECS = [form.spec for form in FORMS]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_every_step_and_the_summary_fit_when_everything_is_at_its_limit(spec: FormSpec) -> None:
    form = full_form(spec)
    draft = "0" * 36
    for sec in spec.sections:
        values = form[sec.key]
        for returning in (False, True):
            for first in range(0, len(values), sec.page_rows) if sec.page_rows else (0,):
                within_budget(
                    forms.section_card(
                        spec,
                        draft_id=draft,
                        section_key=sec.key,
                        values=values,
                        errors=every_error(spec, sec, values),
                        returning_to_summary=returning,
                        notice="x" * 200,
                        cut=True,
                        first=first,
                    ),
                    f"{spec.kind} step {sec.key} from row {first}",
                )
    problems = {sec.key: every_error(spec, sec, form[sec.key]) for sec in spec.sections}
    first = form_summary.summary_card(spec, draft_id=draft, form=form, problems=problems)
    within_budget(first, f"{spec.kind} summary")
    total = re.search(r"part 1 of (\d+)\)", card_text(first))
    for part in range(2, int(total.group(1)) + 1 if total else 1):
        within_budget(
            form_summary.summary_card(
                spec, draft_id=draft, form=form, problems=problems, part=part
            ),
            f"{spec.kind} summary part {part}",
        )


def test_the_details_are_split_within_the_budget_and_nothing_is_lost() -> None:
    form = full_form(REFERRAL)
    form["criteria"]["immediate_risk"] = "yes"
    parts = cards.referral_details_cards(
        reference="BR-2026-0001",
        form=form,
        referrer_name=WORST * 200,
        received=date(2026, 11, 27),
        audience="Children's Social Care Deputy Director",
    )
    assert len(parts) > 1
    for n, part in enumerate(parts, 1):
        within_budget(part, f"details part {n}")
        text = card_text(part)
        assert f"(part {n} of {len(parts)})" in text
        assert "immediate risk of harm now" in text  # the flag on every part
    everything = " ".join(card_text(p) for p in parts)
    for sec in REFERRAL.sections:
        assert sec.title_for_reader in everything
    escaped = "\\*" * 300
    assert everything.count(escaped) >= REFERRAL.section("family").max_rows  # every address


def test_a_small_referral_is_one_card() -> None:
    form = REFERRAL.empty({"referrer": {"name": "Priya Shah", "agency": "Police"}})
    (card,) = cards.referral_details_cards(
        reference="BR-2026-0001",
        form=form,
        referrer_name="Priya Shah",
        received=date(2026, 11, 27),
        audience="BDSCP Business Unit",
    )
    assert "part 1" not in card_text(card)


def test_more_information_fits_at_its_limits() -> None:
    added = {"added_on": "2026-11-27", "by": WORST * 200, **_full(ADD_INFO.sections[0])}
    within_budget(
        cards.more_information_card(
            reference="BR-2026-0001", version=9, added=added, audience="BDSCP Business Unit"
        ),
        "more information",
    )


def _views(n: int, reason: str) -> list[Any]:
    when = datetime(2026, 11, 27, 10, 4, tzinfo=UTC)
    return [(ViewLine(f"Agency {i}", "meets_criteria", when), reason) for i in range(n)]


def test_the_local_authoritys_card_fits_with_every_view_at_its_limit() -> None:
    """Three partners and three invited agencies, each reason and the chair's rationale at
    their limits: the reasons are shortened only as far as they must be, and the card says
    where to read them in full."""
    reason = WORST * 3000
    chair = Decided(
        "Notify the national Panel", "Chris Holt (chair)", datetime.now(UTC), WORST * 4000
    )
    card = la_decision_card(
        reference="BR-2026-0001",
        recommendation=chair,
        views=_views(6, reason),
        due="Due by 4 Dec 2026 (Day 5).",
        decided=None,
        error="x" * 140,
        rationale="r" * 4000,
        recording_for="Laura Ahmed (Strategic Director)",
    )
    within_budget(card, "the Local Authority's decision")
    assert "type **scoping BR-2026-0001**" in card_text(card)
    short = la_decision_card(
        reference="BR-2026-0001",
        recommendation=chair,
        views=_views(3, "Neglect suspected."),
        due="",
        decided=None,
    )
    assert "shortened" not in card_text(short) and "Neglect suspected." in card_text(short)


def test_the_scoping_views_in_full_are_split_and_nothing_is_lost() -> None:
    when = datetime(2026, 11, 27, 10, 4, tzinfo=UTC)
    views = [
        (
            ViewLine(f"Agency {i}", "unsure", when),
            {**_full(SCOPING.sections[0]), "reason": f"R{i}" + WORST * 2990},
        )
        for i in range(6)
    ]
    parts = scoping_views_cards(reference="BR-2026-0001", views=views)
    assert len(parts) > 1
    for card in parts:
        within_budget(card, "scoping views")
    text = "".join(card_text(c) for c in parts)
    assert all(f"R{i}" in text for i in range(6))
    assert "(part 1 of" in card_text(parts[0])


def test_the_merged_chronology_is_paged_within_the_budget() -> None:
    from cards.igt import chronology_card
    from workflow.igt import EVENT_MAX, Entry

    entries = [
        Entry(date(2026, 11, 1 + n % 28), "23:59", f"E{n} " + WORST * (EVENT_MAX - 5), "A" * 200)
        for n in range(60)
    ]
    pages = [
        chronology_card(reference="BR-2026-0001", entries=entries, page=p, agencies=10)
        for p in range(3)
    ]
    for card in pages:
        within_budget(card, "chronology page")
    assert "Events 1 to 25 of 60" in card_text(pages[0]) and "Page 1 of 3" in card_text(pages[0])
    assert [a["title"] for a in pages[1]["actions"]] == [
        "Previous page of the chronology of BR-2026-0001",
        "Next page of the chronology of BR-2026-0001",
    ]
    assert "Events 51 to 60 of 60" in card_text(pages[2])
    assert "E59 " in card_text(pages[2]) and "E0 " not in card_text(pages[2])


def test_the_daily_digest_is_one_card_at_200_open_cases() -> None:
    from cards import reminders

    title = "Reviewer commissioned; Panel, Ofsted and DfE told with the reviewer's name (Day 20)"
    lines = [
        reminders.DigestLine(f"BR-2026-{n:04}", title, date(2026, 12, 1), "Overdue")
        for n in range(1, 201)
    ]
    card = reminders.digest_card(
        today=date(2026, 12, 2), open_cases=200, cases=lines, overdue=lines, this_week=lines
    )
    assert_valid_card(card)
    assert card_size(card) <= CARD_BUDGET
    text = card_text(card)
    assert "200 open cases, 200 overdue deadlines, 200 due this week." in text
    assert text.count("And 190 more.") == 3
    assert "BR-2026-0010" in text and "BR-2026-0011" not in text
    assert "Type **cases**, **overdue** or **deadlines** for the full lists." in text


def test_an_action_plan_of_many_long_actions_fits() -> None:
    from cards.actions import actions_card, overdue_actions_card
    from workflow.actions import ActionView

    plan = [
        ActionView(
            n,
            "BR-2026-0001",
            n,
            "learning_event",
            "owner",
            WORST * 200,
            date(2026, 12, 1),
            "off_track",
            "red",
            WORST * 2000,
            WORST * 2000,
        )
        for n in range(1, 60)
    ]
    names = {"owner": WORST * 200}
    card = actions_card(
        reference="BR-2026-0001", actions=plan, names=names, today=date(2026, 12, 2),
        with_text=True,
    )  # fmt: skip
    within_budget(card, "action plan")
    assert "Actions 1 to 8 of 59." in card_text(card)
    assert "Show actions 9 to 16 of BR-2026-0001" in card_text(card)
    last = actions_card(
        reference="BR-2026-0001", actions=plan, names=names, today=date(2026, 12, 2),
        with_text=True, start=56,
    )  # fmt: skip
    within_budget(last, "the action plan's last page")
    assert "Actions 57 to 59 of 59." in card_text(last)
    assert "Show actions 49 to 56 of BR-2026-0001" in card_text(last)
    assert card_text(last).count("Show actions") == 1  # back only: nothing after it
    within_budget(
        overdue_actions_card(title="Overdue", actions=plan, names=names, today=date(2026, 12, 2)),
        "overdue actions",
    )


def test_the_local_reviews_cards_fit_at_their_limits() -> None:
    from datetime import datetime

    from cards.lcspr import DelayAnswer, delay_card, review_card

    when = datetime(2027, 3, 1, 10)
    long = WORST * 2000
    card = delay_card(
        reference="BR-2026-0001", request=1, cause="Other proceedings or reasons", reason=long,
        new_date=date(2027, 9, 30), was=date(2027, 5, 25), asked_by=WORST * 200, asked_at=when,
        answered=DelayAnswer(True, WORST * 200, when, WORST * 4000), for_chair=False,
    )  # fmt: skip
    within_budget(card, "a publication delay, answered")
    lines = [(f"Line {n}", WORST * 60) for n in range(13)]  # dates, marks, counts
    lines += [  # the reviewer and organisation, who told them, the publication's link
        ("Reviewer", WORST * 401),
        ("Panel, Ofsted and DfE told", WORST * 280),
        ("Published", WORST * 512),
    ]
    said = [
        (f.label_for_reader, long)
        for f in COMMISSIONING.section("method").fields
        if f.kind == "multiline"
    ]
    within_budget(
        review_card(reference="BR-2026-0001", lines=lines, said=said, note=WORST * 500),
        "the local review's record",
    )
