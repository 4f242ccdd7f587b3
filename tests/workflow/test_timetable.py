"""The timetable file: known dates for every milestone, configuration, and bad entries."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import load_timetable
from workflow.timetable import (
    TimetableError,
    due_dates,
    parse_timetable,
    plan,
    project,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "config" / "timetable.toml"
KEYS = [
    "referral_received",
    "scoping_views",
    "chair_recommendation",
    "la_decision",
    "igts_sent",
    "igt_returns",
    "rapid_review_meeting",
    "report_to_panel",
    "panel_response",
    "review_told",
    "reviewer_commissioned",
    "report_signed_off",
    "final_report_sent",
    "publication",
]

# Worked by hand, with the calendar open: (awareness, due dates in KEYS order).
KNOWN = {
    "Christmas 2026 (the procedure's example)": (
        date(2026, 12, 24),
        [
            "2026-12-24",
            "2027-01-04",
            "2027-01-04",
            "2027-01-04",
            "2027-01-05",
            "2027-01-13",
            "2027-01-18",
            "2027-01-25",
            "2027-02-08",
            "2027-01-19",
            "2027-01-25",
            "2027-07-06",
            "2027-07-07",
            "2027-07-16",
        ],
    ),
    "Easter 2026": (
        date(2026, 4, 2),
        [
            "2026-04-02",
            "2026-04-10",
            "2026-04-10",
            "2026-04-10",
            "2026-04-13",
            "2026-04-21",
            "2026-04-24",
            "2026-05-01",
            "2026-05-18",
            "2026-04-27",
            "2026-05-01",
            "2026-10-13",
            "2026-10-14",
            "2026-10-23",
        ],
    ),
    "Easter 2027": (
        date(2027, 3, 24),
        [
            "2027-03-24",
            "2027-04-01",
            "2027-04-01",
            "2027-04-01",
            "2027-04-02",
            "2027-04-12",
            "2027-04-15",
            "2027-04-22",
            "2027-05-07",
            "2027-04-16",
            "2027-04-22",
            "2027-10-05",
            "2027-10-06",
            "2027-10-15",
        ],
    ),
    "New Year 2028 (substitute days)": (
        date(2027, 12, 31),
        [
            "2027-12-31",
            "2028-01-07",
            "2028-01-07",
            "2028-01-07",
            "2028-01-10",
            "2028-01-18",
            "2028-01-21",
            "2028-01-28",
            "2028-02-11",
            "2028-01-24",
            "2028-01-28",
            "2028-07-11",
            "2028-07-12",
            "2028-07-21",
        ],
    ),
    "Easter 2028": (
        date(2028, 4, 12),
        [
            "2028-04-12",
            "2028-04-20",
            "2028-04-20",
            "2028-04-20",
            "2028-04-21",
            "2028-05-02",
            "2028-05-05",
            "2028-05-12",
            "2028-05-26",
            "2028-05-08",
            "2028-05-12",
            "2028-10-24",
            "2028-10-25",
            "2028-11-03",
        ],
    ),
    "Christmas 2028": (
        date(2028, 12, 22),
        [
            "2028-12-22",
            "2029-01-02",
            "2029-01-02",
            "2029-01-02",
            "2029-01-03",
            "2029-01-11",
            "2029-01-16",
            "2029-01-23",
            "2029-02-06",
            "2029-01-17",
            "2029-01-23",
            "2029-07-04",
            "2029-07-05",
            "2029-07-16",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(KNOWN))
def test_known_dates_for_every_milestone(case: str) -> None:
    awareness, expected = KNOWN[case]
    rows = {row.milestone.key: row.due for row in plan(load_timetable(DEFAULT), awareness)}
    assert [rows[k].isoformat() if rows[k] else None for k in KEYS] == expected


def test_day_numbers_match_appendix_one() -> None:
    rows = {
        r.milestone.key: r.day_number for r in plan(load_timetable(DEFAULT), date(2026, 12, 24))
    }
    assert rows["referral_received"] == 1
    assert rows["la_decision"] == 5
    assert rows["igts_sent"] == 6
    assert rows["igt_returns"] == 12
    assert rows["rapid_review_meeting"] == 15
    assert rows["report_to_panel"] == 20


def test_unreached_anchors_give_no_due_date() -> None:
    timetable = load_timetable(DEFAULT)
    dues = due_dates(timetable, {"awareness": date(2026, 12, 24)})
    assert dues["la_decision"] == date(2027, 1, 4)
    assert dues["igt_returns"] is None  # IGTs not sent yet
    assert dues["publication"] is None


def _edited(**replacements: str) -> str:
    text = DEFAULT.read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_changing_the_file_changes_the_dates() -> None:
    aware = date(2026, 12, 24)
    base = {r.milestone.key: r.due for r in plan(load_timetable(DEFAULT), aware)}
    longer = parse_timetable(_edited(**{"day = 15": "day = 16"}))
    changed = {r.milestone.key: r.due for r in plan(longer, aware)}
    assert changed["rapid_review_meeting"] == date(2027, 1, 19)
    assert changed["publication"] > base["publication"]

    closures = parse_timetable(_edited(**{"closure_days = []": 'closure_days = ["2026-12-29"]'}))
    assert {r.milestone.key: r.due for r in plan(closures, aware)}["la_decision"] == date(
        2027, 1, 5
    )


def test_the_rapid_review_clock_can_run_from_notification() -> None:
    timetable = parse_timetable(
        _edited(**{'rapid_review = "awareness"': 'rapid_review = "notification"'})
    )
    anchors = {"awareness": date(2026, 12, 24), "notification": date(2027, 1, 4)}
    dues = due_dates(timetable, project(timetable, anchors))
    assert dues["igts_sent"] == date(2027, 1, 11)  # Day 6 counting 4 January as Day 1
    assert dues["rapid_review_meeting"] == date(2027, 1, 22)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'anchor = "review_decision"\nmonths = 6',
            'anchor = "decision"\nmonths = 6',
            r"milestones\[13\] \(publication\): anchor 'decision'",
        ),
        ("day = 15", "day = 0", r"rapid_review_meeting\): day must be 1"),
        ("day = 15", "day = 15\nmonths = 1", r"rapid_review_meeting\): needs exactly one offset"),
        ("day = 15", 'day = "fifteen"', r"rapid_review_meeting\): day must be a whole number"),
        ('key = "publication"', 'key = "publication"\nowner = "x"', r"unknown field 'owner'"),
        ("closure_days = []", 'closure_days = ["2026-13-01"]', r"closure_days\[0\]"),
        ('rapid_review = "awareness"', 'rapid_review = "referral"', "anchors.rapid_review"),
        ("number = 14", "number = 13", "number 13 used twice"),
        ('sets_anchor = "review_decision"', "", "anchor 'review_decision' is set by no milestone"),
        ("[calendar]", "[calendar", "not valid TOML"),
    ],
)
def test_a_bad_file_names_the_bad_entry(old: str, new: str, message: str) -> None:
    with pytest.raises(TimetableError, match=message):
        parse_timetable(_edited(**{old: new}), source="t.toml")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TimetableError, match="cannot read timetable file"):
        load_timetable(tmp_path / "nope.toml")


aware_dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31))
ANCHOR_NAMES = ["notification", "igt_sent", "review_decision", "report_sent", "planned_publication"]


@settings(max_examples=150, deadline=None)
@given(aware_dates, st.sampled_from(ANCHOR_NAMES), st.integers(min_value=1, max_value=30))
def test_due_dates_never_move_earlier_when_an_anchor_moves_later(
    aware: date, anchor: str, later: int
) -> None:
    timetable = load_timetable(DEFAULT)
    anchors = project(timetable, {"awareness": aware})
    moved = dict(anchors)
    moved[anchor] = anchors[anchor] + timedelta(days=later)
    before = due_dates(timetable, anchors)
    after = due_dates(timetable, moved)
    for key in KEYS:
        assert after[key] is not None and before[key] is not None
        assert after[key] >= before[key], key


def test_stage_labels_take_their_day_numbers_from_the_timetable() -> None:
    from workflow.stages import Stage, stage_label

    default = load_timetable(DEFAULT)
    assert stage_label(Stage.SCOPING, default.day_number) == "Scoping (Days 1 to 5)"
    assert stage_label(Stage.RAPID_REVIEW, default.day_number) == "Rapid review (Days 6 to 15)"
    longer = parse_timetable(_edited(**{"day = 15": "day = 16"}))
    assert stage_label(Stage.RAPID_REVIEW, longer.day_number) == "Rapid review (Days 6 to 16)"
    assert stage_label(Stage.CLOSED, longer.day_number) == "Closed"
    assert default.day_number("igt_returns") is None  # working days after an event: no Day
