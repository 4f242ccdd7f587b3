"""The local review's pure rules: a delay must move the latest date later; dates can't be
before the decision; the communication plan's missing parts; which reasons the Panel and the
Secretary of State are still to be told; the latest date after an approved delay."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import load_timetable
from flows.lcspr_record import state_of
from storage.reviews import RecordView
from workflow import lcspr
from workflow.publication import dates, planned_problem

TIMETABLE = load_timetable(Path(__file__).resolve().parents[2] / "config" / "timetable.toml")
AT = datetime(2027, 1, 4, 10, tzinfo=UTC)


def record(id_: int, kind: str, **facts: object) -> RecordView:
    return RecordView(id_, kind, dict(facts), "bu", AT)


def test_a_delay_must_move_the_latest_date_later_to_a_working_day() -> None:
    latest, today, calendar = date(2027, 5, 25), date(2026, 12, 1), TIMETABLE.calendar()
    assert lcspr.delay_problem(date(2027, 9, 30), latest, today, calendar) is None
    assert "isn't later" in str(lcspr.delay_problem(date(2027, 5, 25), latest, today, calendar))
    assert "nothing to delay" in str(lcspr.delay_problem(date(2027, 9, 30), None, today, calendar))
    # Christmas Day 2027 is a Saturday: its substitute bank holiday is Monday 27 December.
    christmas = lcspr.delay_problem(date(2027, 12, 27), latest, today, calendar)
    assert "27 Dec 2027 isn't a working day" in str(christmas)


def test_dates_before_the_decision_are_named() -> None:
    first = date(2026, 11, 25)
    assert lcspr.dates_not_before({"a": "2026-11-25", "b": ""}, first, "the decision") is None
    problem = lcspr.dates_not_before({"a": "2026-11-24"}, first, "the decision")
    assert problem == "24 Nov 2026 is before the decision (25 Nov 2026): check the dates."


def test_the_communication_plan_says_what_is_left() -> None:
    assert lcspr.comms_missing(["media_leads", "briefings", "key_messages", "qa"]) == []
    assert lcspr.comms_missing(["qa"]) == [
        "Media leads involved and the timeline agreed",
        "Briefings arranged for the agencies that need them",
        "Key messages agreed",
    ]


def test_approved_delays_move_the_latest_date_and_wait_to_be_told() -> None:
    records = [
        record(1, lcspr.DELAY_REQUEST, cause="inquest", new_date="2027-09-30"),
        record(2, lcspr.DELAY_ANSWER, request=1, approved=True),
        record(3, lcspr.DELAY_REQUEST, cause="other", new_date="2027-12-31"),
        record(4, lcspr.DELAY_ANSWER, request=3, approved=False),
        record(5, lcspr.DELAY_REQUEST, cause="prosecution", new_date="2028-01-31"),
    ]
    state = state_of(records)
    assert state.extended_to == date(2027, 9, 30)  # the refused one moves nothing
    assert state.pending_delay is not None and state.pending_delay.id == 5
    assert state.untold == ["the delay to 30 Sep 2027"]
    told = state_of([*records, record(6, lcspr.PANEL_TOLD, on="2027-01-05")])
    assert told.untold == []
    later = state_of([*records, record(6, lcspr.PANEL_TOLD, on="2027-01-05"),
                      record(7, lcspr.NOT_IN_FULL)])  # fmt: skip
    assert later.untold == ["the decision not to publish the full report"]


def test_the_latest_publication_follows_an_approved_delay() -> None:
    found = dates(TIMETABLE, date(2026, 11, 25), None, extended_to=date(2027, 9, 30))
    assert found.latest_publication == date(2027, 9, 30)
    assert planned_problem(date(2027, 9, 1), found, date(2026, 12, 1)) is None
    assert "needs a delay approved by the chair" in str(
        planned_problem(date(2027, 10, 1), found, date(2026, 12, 1))
    )
    plain = dates(TIMETABLE, date(2026, 11, 25), None)
    assert plain.latest_publication == date(2027, 5, 25)
