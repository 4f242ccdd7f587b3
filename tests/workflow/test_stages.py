"""Every transition row, allowed and refused, by role; decisions and deadline changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workflow.adjustments import (
    Adjustment,
    AdjustmentKind,
    DueState,
    InvalidAdjustment,
    check_adjustment,
    effective_due,
)
from workflow.calendar import WorkingCalendar
from workflow.criteria import ALL, CONSIDER, MUST_NOTIFY, any_must_notify, meets_statutory_test
from workflow.decisions import (
    OUTCOMES,
    DecisionDraft,
    DecisionKind,
    InvalidDecision,
    check_decision,
)
from workflow.roles import Role
from workflow.stages import TRANSITIONS, Event, InvalidTransition, Stage, advance, events_for

# Written by hand from the seed, not read from TRANSITIONS (the table under test): each row is
# (stage, event, the stage it leads to, the roles that may do it).
S, E, R = Stage, Event, Role
PARTNERS = {R.PARTNER_POLICE, R.PARTNER_LA, R.PARTNER_ICB}
EXPECTED: list[tuple[Stage, Event, Stage, set[Role]]] = [
    # Scoping: the three safeguarding partners (and an agency the chair invited) give views;
    # the chair alone recommends to the Local Authority (seed, section 3).
    (S.SCOPING, E.SCOPING_VIEW, S.SCOPING, {*PARTNERS, R.INVITED_AGENCY}),
    (S.SCOPING, E.CHAIR_RECOMMENDATION, S.LA_DECISION, {R.CHAIR}),
    # The Local Authority decides within 5 working days; the business unit may record it.
    (S.LA_DECISION, E.LA_NOTIFIES, S.RAPID_REVIEW, {R.STRATEGIC_DIRECTOR, R.BUSINESS_UNIT}),
    (S.LA_DECISION, E.LA_DOES_NOT_NOTIFY, S.NOT_NOTIFIED, {R.STRATEGIC_DIRECTOR, R.BUSINESS_UNIT}),
    # Not notified: the chair may still hold a rapid review or an alternative one, or close.
    (S.NOT_NOTIFIED, E.START_RAPID_REVIEW, S.RAPID_REVIEW, {R.CHAIR}),
    (S.NOT_NOTIFIED, E.START_ALTERNATIVE, S.ALTERNATIVE_REVIEW, {R.CHAIR}),
    (S.NOT_NOTIFIED, E.CLOSE, S.CLOSED, {R.CHAIR}),
    # Rapid review: the business unit sends the IGTs; agencies return them (or the business
    # unit records a return sent by email); the chair records the decision.
    (S.RAPID_REVIEW, E.IGT_SENT, S.RAPID_REVIEW, {R.BUSINESS_UNIT}),
    (S.RAPID_REVIEW, E.IGT_RETURNED, S.RAPID_REVIEW, {R.AGENCY_RESPONDENT, R.BUSINESS_UNIT}),
    (S.RAPID_REVIEW, E.REVIEW_DECISION, S.REPORTING, {R.CHAIR}),
    # The business unit sends the report to the Panel and records what the Panel says.
    (S.REPORTING, E.REPORT_SENT, S.AWAITING_PANEL, {R.BUSINESS_UNIT}),
    (S.AWAITING_PANEL, E.PANEL_ASKS_MORE, S.AWAITING_PANEL, {R.BUSINESS_UNIT}),
    (S.AWAITING_PANEL, E.PANEL_TAKES_NATIONAL_REVIEW, S.NATIONAL_REVIEW, {R.BUSINESS_UNIT}),
    (S.AWAITING_PANEL, E.START_LCSPR, S.LCSPR, {R.BUSINESS_UNIT}),
    (S.AWAITING_PANEL, E.START_ALTERNATIVE, S.ALTERNATIVE_REVIEW, {R.BUSINESS_UNIT}),
    (S.AWAITING_PANEL, E.CLOSE, S.CLOSED, {R.CHAIR}),
    # The local review: commissioned, signed off and published through the business unit.
    (S.LCSPR, E.REVIEWER_COMMISSIONED, S.LCSPR, {R.BUSINESS_UNIT}),
    (S.LCSPR, E.REPORT_SIGNED_OFF, S.PUBLICATION, {R.BUSINESS_UNIT}),
    (S.PUBLICATION, E.PUBLISHED, S.ACTION_PLAN, {R.BUSINESS_UNIT}),
    (S.NATIONAL_REVIEW, E.PUBLISHED, S.ACTION_PLAN, {R.BUSINESS_UNIT}),
    (S.ALTERNATIVE_REVIEW, E.ALTERNATIVE_COMPLETED, S.ACTION_PLAN, {R.BUSINESS_UNIT}),
    (S.ALTERNATIVE_REVIEW, E.CLOSE, S.CLOSED, {R.CHAIR}),
    (S.ACTION_PLAN, E.CLOSE, S.CLOSED, {R.CHAIR}),
    # A deadline is paused, resumed or extended with the chair's approval, at any open stage.
    *((stage, E.DEADLINE_CHANGED, stage, {R.CHAIR}) for stage in Stage if stage is not S.CLOSED),
]


def test_the_table_has_exactly_the_rows_written_here() -> None:
    assert {(s, e) for s, e, _, _ in EXPECTED} == set(TRANSITIONS)
    assert len(EXPECTED) == len(TRANSITIONS)


@pytest.mark.parametrize(
    ("stage", "event", "to", "allowed"), EXPECTED, ids=[f"{s}-{e}" for s, e, _, _ in EXPECTED]
)
def test_every_row_allows_its_roles_and_refuses_the_others(
    stage: Stage, event: Event, to: Stage, allowed: set[Role]
) -> None:
    for role in Role:
        if role in allowed:
            assert advance(stage, event, [role]) is to
        else:
            with pytest.raises(InvalidTransition, match=r"^Only the "):
                advance(stage, event, [role])


MISSING = [(s, e) for s in Stage for e in Event if (s, e) not in TRANSITIONS]


@pytest.mark.parametrize(("stage", "event"), MISSING, ids=[f"{s}-{e}" for s, e in MISSING])
def test_every_other_event_is_refused_at_every_stage(stage: Stage, event: Event) -> None:
    with pytest.raises(InvalidTransition, match=r"You can't .* while the case is at"):
        advance(stage, event, list(Role))


def test_refusals_read_well() -> None:
    with pytest.raises(InvalidTransition) as error:
        advance(Stage.SCOPING, Event.CHAIR_RECOMMENDATION, [Role.PRACTITIONER])
    assert (
        str(error.value)
        == "Only the Case Review Sub-group chair can make the recommendation to the Local "
        "Authority."
    )
    with pytest.raises(InvalidTransition) as error:
        advance(Stage.CLOSED, Event.IGT_SENT, [Role.BUSINESS_UNIT])
    assert str(error.value).startswith(
        'You can\'t send an Information Gathering Tool while the case is at "Closed".'
    )


def test_the_main_paths_through_the_process() -> None:
    notify = [
        (Event.CHAIR_RECOMMENDATION, Role.CHAIR, Stage.LA_DECISION),
        (Event.LA_NOTIFIES, Role.STRATEGIC_DIRECTOR, Stage.RAPID_REVIEW),
        (Event.REVIEW_DECISION, Role.CHAIR, Stage.REPORTING),
        (Event.REPORT_SENT, Role.BUSINESS_UNIT, Stage.AWAITING_PANEL),
        (Event.START_LCSPR, Role.BUSINESS_UNIT, Stage.LCSPR),
        (Event.REPORT_SIGNED_OFF, Role.BUSINESS_UNIT, Stage.PUBLICATION),
        (Event.PUBLISHED, Role.BUSINESS_UNIT, Stage.ACTION_PLAN),
        (Event.CLOSE, Role.CHAIR, Stage.CLOSED),
    ]
    stage = Stage.SCOPING
    for event, role, expected in notify:
        stage = advance(stage, event, [role])
        assert stage is expected
    stage = advance(Stage.LA_DECISION, Event.LA_DOES_NOT_NOTIFY, [Role.BUSINESS_UNIT])
    assert stage is Stage.NOT_NOTIFIED
    assert advance(stage, Event.START_ALTERNATIVE, [Role.CHAIR]) is Stage.ALTERNATIVE_REVIEW
    national = advance(
        Stage.AWAITING_PANEL, Event.PANEL_TAKES_NATIONAL_REVIEW, [Role.BUSINESS_UNIT]
    )
    assert national is Stage.NATIONAL_REVIEW


def test_no_stage_is_a_dead_end_except_closed() -> None:
    for stage in Stage:
        moves = {
            rule.to for (s, _), rule in TRANSITIONS.items() if s is stage and rule.to is not stage
        }
        assert bool(moves) is (stage is not Stage.CLOSED), stage


def test_scrutineer_and_admin_change_nothing() -> None:
    for stage in Stage:
        assert events_for(stage, [Role.SCRUTINEER, Role.ADMIN]) == []


def test_events_for_offers_the_chair_their_buttons() -> None:
    assert events_for(Stage.SCOPING, [Role.CHAIR]) == [
        Event.CHAIR_RECOMMENDATION,
        Event.DEADLINE_CHANGED,
    ]


def test_no_case_closes_at_scoping_before_the_local_authority_decides() -> None:
    """The duty to decide on notification is the Local Authority's (seed, section 3)."""
    with pytest.raises(InvalidTransition, match="close the case"):
        advance(Stage.SCOPING, Event.CLOSE, [Role.CHAIR])
    with pytest.raises(InvalidTransition):
        advance(Stage.LA_DECISION, Event.CLOSE, [Role.CHAIR])


def test_who_may_decide_is_what_the_stage_rules_allow() -> None:
    """One source of truth: a decision's deciders are the roles its events allow, and every
    decision that moves a case names an event the stage rules know."""
    from workflow.decisions import EVENTS, OUTCOMES, DecisionKind, deciders

    known = {event for (_, event) in TRANSITIONS}
    for (kind, outcome), event in EVENTS.items():
        assert outcome in OUTCOMES[kind]
        assert event in known, event
        allowed = {
            role for (_, e), rule in TRANSITIONS.items() if e is event for role in rule.roles
        }
        assert allowed <= deciders(kind)
    assert deciders(DecisionKind.CHAIR_RECOMMENDATION) == {Role.CHAIR}
    assert deciders(DecisionKind.LA_DECISION) == {Role.STRATEGIC_DIRECTOR, Role.BUSINESS_UNIT}
    assert deciders(DecisionKind.SCOPING_VIEW) == {
        Role.PARTNER_POLICE,
        Role.PARTNER_LA,
        Role.PARTNER_ICB,
        Role.INVITED_AGENCY,  # for the one case they were invited to (storage.requests)
    }


# ----- criteria ---------------------------------------------------------------------------


def test_criteria_lists_are_the_procedures() -> None:
    assert len(MUST_NOTIFY) == 5
    # Appendix 2 lists 9 "consider" cases; its first has three parts, each tickable.
    assert len(CONSIDER) == 11
    assert len(ALL) == 16
    risk = [c for c in CONSIDER if c.key.startswith("risk_not_")]
    assert [c.text.rsplit(" that was ", 1)[1] for c in risk] == [
        "not recognised by organisations or individuals in contact with the child or perpetrator",
        "not shared with others",
        "not acted on appropriately",
    ]
    texts = " ".join(c.text for c in ALL.values())
    assert "YOI" not in texts and "Youth Offending Institution" in texts
    assert "not taken sufficiently seriously, or acted on appropriately" in texts
    assert any_must_notify(["serious_sexual_abuse"])
    assert not any_must_notify(["child_protection_plan"])


@pytest.mark.parametrize(
    ("abuse", "harm", "where", "expected"),
    [
        (True, True, True, True),
        (False, True, True, False),
        (True, False, True, False),
        (True, True, False, False),
    ],
)
def test_statutory_test(abuse: bool, harm: bool, where: bool, expected: bool) -> None:
    assert (
        meets_statutory_test(
            abuse_or_neglect_known_or_suspected=abuse,
            died_or_seriously_harmed=harm,
            in_area_or_resident_harmed_outside_england=where,
        )
        is expected
    )


# ----- decisions --------------------------------------------------------------------------

NOW = datetime(2026, 12, 30, 11, 0, tzinfo=UTC)


def _draft(**overrides: object) -> DecisionDraft:
    values: dict[str, object] = {
        "kind": DecisionKind.CHAIR_RECOMMENDATION,
        "outcome": "notify",
        "rationale": "Serious harm; neglect suspected by two agencies.",
        "decided_by": "chair-aad",
        "decided_role": Role.CHAIR,
        "decided_at": NOW,
    }
    values.update(overrides)
    return DecisionDraft(**values)  # type: ignore[arg-type]


def test_a_good_decision_passes() -> None:
    check_decision(_draft(), [Role.CHAIR])


@pytest.mark.parametrize(
    ("overrides", "roles", "message"),
    [
        ({"rationale": "   "}, [Role.CHAIR], "needs its rationale"),
        ({"rationale": "x" * 8001}, [Role.CHAIR], "too long"),
        ({"outcome": "maybe"}, [Role.CHAIR], "not an outcome"),
        ({}, [Role.BUSINESS_UNIT], "don't hold a role"),
        ({"decided_role": Role.BUSINESS_UNIT}, [Role.BUSINESS_UNIT], "don't hold a role"),
        ({"decided_at": datetime(2026, 1, 1)}, [Role.CHAIR], "timezone-aware"),
    ],
)
def test_bad_decisions_are_refused(
    overrides: dict[str, object], roles: list[Role], message: str
) -> None:
    with pytest.raises(InvalidDecision, match=message):
        check_decision(_draft(**overrides), roles)


def test_every_decision_kind_has_outcomes() -> None:
    assert all(OUTCOMES[kind] for kind in DecisionKind)


# ----- pauses and extensions --------------------------------------------------------------

CAL = WorkingCalendar()
BASE = date(2027, 7, 16)


def test_pause_and_resume_move_the_due_date_by_the_working_days_lost() -> None:
    history = [
        Adjustment(AdjustmentKind.PAUSE, date(2027, 5, 3), "Criminal trial", "chair"),
    ]
    paused = effective_due(BASE, history, CAL)
    assert paused.due is None and paused.paused_since == date(2027, 5, 3)
    history.append(Adjustment(AdjustmentKind.RESUME, date(2027, 5, 17), "Trial ended", "chair"))
    resumed = effective_due(BASE, history, CAL)
    # 4 to 17 May 2027 holds 10 working days (3 May is a bank holiday, 31 May is not yet).
    assert resumed.due == CAL.add_working_days(BASE, 10)
    assert resumed.base_due == BASE


def test_extension_sets_a_later_date_and_history_is_replayed() -> None:
    history = [
        Adjustment(AdjustmentKind.EXTEND, date(2027, 6, 1), "Inquest", "chair", date(2027, 9, 1))
    ]
    assert effective_due(BASE, history, CAL).due == date(2027, 9, 1)


@pytest.mark.parametrize(
    ("current", "adjustment", "roles", "message"),
    [
        (
            DueState(BASE, None, BASE),
            Adjustment(AdjustmentKind.PAUSE, BASE, "r", "x"),
            [Role.BUSINESS_UNIT],
            "Only the",
        ),
        (
            DueState(BASE, None, BASE),
            Adjustment(AdjustmentKind.PAUSE, BASE, " ", "x"),
            [Role.CHAIR],
            "reason",
        ),
        (
            DueState(None, BASE, BASE),
            Adjustment(AdjustmentKind.PAUSE, BASE, "r", "x"),
            [Role.CHAIR],
            "already paused",
        ),
        (
            DueState(BASE, None, BASE),
            Adjustment(AdjustmentKind.RESUME, BASE, "r", "x"),
            [Role.CHAIR],
            "not paused",
        ),
        (
            DueState(BASE, None, BASE),
            Adjustment(AdjustmentKind.EXTEND, BASE, "r", "x", date(2027, 7, 1)),
            [Role.CHAIR],
            "later than",
        ),
        (
            DueState(BASE, None, BASE),
            Adjustment(AdjustmentKind.EXTEND, BASE, "r", "x", date(2027, 8, 28)),
            [Role.CHAIR],
            "working day",
        ),
    ],
)
def test_bad_adjustments_are_refused(
    current: DueState, adjustment: Adjustment, roles: list[Role], message: str
) -> None:
    with pytest.raises(InvalidAdjustment, match=message):
        check_adjustment(current, adjustment, roles, CAL)
