"""Stages of a case and the events that move it, as a table.

``TRANSITIONS[(stage, event)] = Rule(next_stage, roles)``. ``advance()`` returns the next
stage or raises ``InvalidTransition`` with a reason a person can read. Events that record
something without moving the case (a scoping view, an IGT sent) map a stage to itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from workflow.roles import Role, label


class Stage(StrEnum):
    SCOPING = "scoping"
    LA_DECISION = "la_decision"
    NOT_NOTIFIED = "not_notified"
    RAPID_REVIEW = "rapid_review"
    REPORTING = "reporting"
    AWAITING_PANEL = "awaiting_panel"
    NATIONAL_REVIEW = "national_review"
    LCSPR = "lcspr"
    PUBLICATION = "publication"
    ALTERNATIVE_REVIEW = "alternative_review"
    ACTION_PLAN = "action_plan"
    CLOSED = "closed"


# Plain names; the day numbers a stage spans come from the timetable (``stage_label``), never
# from here: a partnership that changes its timetable changes every label with it.
STAGE_LABELS: dict[Stage, str] = {
    Stage.SCOPING: "Scoping",
    Stage.LA_DECISION: "Awaiting the Local Authority's decision on notification",
    Stage.NOT_NOTIFIED: "Not notified to the Panel",
    Stage.RAPID_REVIEW: "Rapid review",
    Stage.REPORTING: "Rapid review report due to the Panel",
    Stage.AWAITING_PANEL: "Awaiting the Panel's response",
    Stage.NATIONAL_REVIEW: "National review (Panel)",
    Stage.LCSPR: "Local child safeguarding practice review",
    Stage.PUBLICATION: "Final report signed off; awaiting publication",
    Stage.ALTERNATIVE_REVIEW: "Alternative review (single agency, audit or learning event)",
    Stage.ACTION_PLAN: "Action plan follow-up",
    Stage.CLOSED: "Closed",
}


class Event(StrEnum):
    SCOPING_VIEW = "scoping_view"
    CHAIR_RECOMMENDATION = "chair_recommendation"
    LA_NOTIFIES = "la_notifies"
    LA_DOES_NOT_NOTIFY = "la_does_not_notify"
    START_RAPID_REVIEW = "start_rapid_review"
    IGT_SENT = "igt_sent"
    IGT_RETURNED = "igt_returned"
    REVIEW_DECISION = "review_decision"
    REPORT_SENT = "report_sent"
    PANEL_ASKS_MORE = "panel_asks_more"
    PANEL_TAKES_NATIONAL_REVIEW = "panel_takes_national_review"
    START_LCSPR = "start_lcspr"
    START_ALTERNATIVE = "start_alternative"
    REVIEWER_COMMISSIONED = "reviewer_commissioned"
    REPORT_SIGNED_OFF = "report_signed_off"
    PUBLISHED = "published"
    ALTERNATIVE_COMPLETED = "alternative_completed"
    DEADLINE_CHANGED = "deadline_changed"  # pause, resume or extension (chair approves)
    CLOSE = "close"


EVENT_LABELS: dict[Event, str] = {
    Event.SCOPING_VIEW: "give a scoping view",
    Event.CHAIR_RECOMMENDATION: "make the recommendation to the Local Authority",
    Event.LA_NOTIFIES: "record the Local Authority's notification to the Panel",
    Event.LA_DOES_NOT_NOTIFY: "record the Local Authority's decision not to notify",
    Event.START_RAPID_REVIEW: "start a rapid review",
    Event.IGT_SENT: "send an Information Gathering Tool",
    Event.IGT_RETURNED: "return an Information Gathering Tool",
    Event.REVIEW_DECISION: "record the rapid review decision",
    Event.REPORT_SENT: "record the rapid review report sent to the Panel",
    Event.PANEL_ASKS_MORE: "record that the Panel asked for more information",
    Event.PANEL_TAKES_NATIONAL_REVIEW: "record that the Panel is taking a national review",
    Event.START_LCSPR: "start the local review",
    Event.START_ALTERNATIVE: "start an alternative review",
    Event.REVIEWER_COMMISSIONED: "record the reviewer commissioned",
    Event.REPORT_SIGNED_OFF: "record the final report signed off",
    Event.PUBLISHED: "record publication",
    Event.ALTERNATIVE_COMPLETED: "record the alternative review completed",
    Event.DEADLINE_CHANGED: "pause, resume or extend a deadline",
    Event.CLOSE: "close the case",
}


@dataclass(frozen=True)
class Rule:
    to: Stage
    roles: frozenset[Role]


def _r(to: Stage, *roles: Role) -> Rule:
    return Rule(to, frozenset(roles))


S, E, R = Stage, Event, Role
BU = R.BUSINESS_UNIT
LA_DECIDERS = (R.STRATEGIC_DIRECTOR, BU)  # the LA decides; the business unit may record it

# No case closes at scoping: the duty to decide on notification rests with the Local Authority
# (seed, section 3), so a case leaves scoping only by the chair's recommendation to it.
TRANSITIONS: dict[tuple[Stage, Event], Rule] = {
    (S.SCOPING, E.SCOPING_VIEW): _r(
        S.SCOPING, R.PARTNER_POLICE, R.PARTNER_LA, R.PARTNER_ICB, R.INVITED_AGENCY
    ),
    (S.SCOPING, E.CHAIR_RECOMMENDATION): _r(S.LA_DECISION, R.CHAIR),
    (S.LA_DECISION, E.LA_NOTIFIES): _r(S.RAPID_REVIEW, *LA_DECIDERS),
    (S.LA_DECISION, E.LA_DOES_NOT_NOTIFY): _r(S.NOT_NOTIFIED, *LA_DECIDERS),
    (S.NOT_NOTIFIED, E.START_RAPID_REVIEW): _r(S.RAPID_REVIEW, R.CHAIR),
    (S.NOT_NOTIFIED, E.START_ALTERNATIVE): _r(S.ALTERNATIVE_REVIEW, R.CHAIR),
    (S.NOT_NOTIFIED, E.CLOSE): _r(S.CLOSED, R.CHAIR),
    (S.RAPID_REVIEW, E.IGT_SENT): _r(S.RAPID_REVIEW, BU),
    (S.RAPID_REVIEW, E.IGT_RETURNED): _r(S.RAPID_REVIEW, R.AGENCY_RESPONDENT, BU),
    (S.RAPID_REVIEW, E.REVIEW_DECISION): _r(S.REPORTING, R.CHAIR),
    (S.REPORTING, E.REPORT_SENT): _r(S.AWAITING_PANEL, BU),
    (S.AWAITING_PANEL, E.PANEL_ASKS_MORE): _r(S.AWAITING_PANEL, BU),
    (S.AWAITING_PANEL, E.PANEL_TAKES_NATIONAL_REVIEW): _r(S.NATIONAL_REVIEW, BU),
    (S.AWAITING_PANEL, E.START_LCSPR): _r(S.LCSPR, BU),
    (S.AWAITING_PANEL, E.START_ALTERNATIVE): _r(S.ALTERNATIVE_REVIEW, BU),
    (S.AWAITING_PANEL, E.CLOSE): _r(S.CLOSED, R.CHAIR),
    (S.LCSPR, E.REVIEWER_COMMISSIONED): _r(S.LCSPR, BU),
    (S.LCSPR, E.REPORT_SIGNED_OFF): _r(S.PUBLICATION, BU),
    (S.PUBLICATION, E.PUBLISHED): _r(S.ACTION_PLAN, BU),
    (S.NATIONAL_REVIEW, E.PUBLISHED): _r(S.ACTION_PLAN, BU),
    (S.ALTERNATIVE_REVIEW, E.ALTERNATIVE_COMPLETED): _r(S.ACTION_PLAN, BU),
    (S.ALTERNATIVE_REVIEW, E.CLOSE): _r(S.CLOSED, R.CHAIR),
    (S.ACTION_PLAN, E.CLOSE): _r(S.CLOSED, R.CHAIR),
}
# A deadline can be paused, resumed or extended at any open stage, with the chair's approval.
for _stage in Stage:
    if _stage is not Stage.CLOSED:
        TRANSITIONS[(_stage, Event.DEADLINE_CHANGED)] = _r(_stage, R.CHAIR)


class InvalidTransition(Exception):
    """An event the stage or the person's role does not allow; ``str()`` says why."""


def advance(stage: Stage, event: Event, roles: Iterable[str]) -> Stage:
    rule = TRANSITIONS.get((stage, event))
    if rule is None:
        allowed = sorted(EVENT_LABELS[e] for (s, e) in TRANSITIONS if s is stage)
        hint = f" At this stage you can: {'; '.join(allowed)}." if allowed else ""
        raise InvalidTransition(
            f'You can\'t {EVENT_LABELS[event]} while the case is at "{STAGE_LABELS[stage]}".{hint}'
        )
    held = set(roles)
    if not held & set(rule.roles):
        who = " or ".join(sorted(label(r) for r in rule.roles))
        raise InvalidTransition(f"Only the {who} can {EVENT_LABELS[event]}.")
    return rule.to


def events_for(stage: Stage, roles: Iterable[str]) -> list[Event]:
    """What ``roles`` may do at ``stage``: the buttons to offer."""
    held = set(roles)
    return [e for (s, e), rule in TRANSITIONS.items() if s is stage and held & set(rule.roles)]


# Stages that span a stretch of the timetable: (first milestone, last milestone).
STAGE_SPANS: dict[Stage, tuple[str, str]] = {
    Stage.SCOPING: ("referral_received", "la_decision"),
    Stage.RAPID_REVIEW: ("igts_sent", "rapid_review_meeting"),
}


def stage_label(stage: Stage, day_of: Callable[[str], int | None]) -> str:
    """The stage's name with the days it spans ("Scoping (Days 1 to 5)"), from the timetable:
    ``day_of(key)`` is a milestone's Day number, or None."""
    span = STAGE_SPANS.get(stage)
    if span is not None:
        first, last = day_of(span[0]), day_of(span[1])
        if first is not None and last is not None:
            return f"{STAGE_LABELS[stage]} (Days {first} to {last})"
    return STAGE_LABELS[stage]


# Milestones (timetable keys) that a branch makes irrelevant: marked not applicable when the
# case takes it, so they are never chased. Without a local review, nothing of one is due.
LOCAL_REVIEW_MILESTONES = (
    "review_told",
    "reviewer_commissioned",
    "report_signed_off",
    "final_report_sent",
    "publication",
)
RAPID_REVIEW_MILESTONES = (
    "igts_sent",
    "igt_returns",
    "rapid_review_meeting",
    "report_to_panel",
    "panel_response",
)
NOT_APPLICABLE_ON_ENTRY: dict[Stage, tuple[str, ...]] = {
    Stage.NOT_NOTIFIED: (*RAPID_REVIEW_MILESTONES, *LOCAL_REVIEW_MILESTONES),
    Stage.ALTERNATIVE_REVIEW: LOCAL_REVIEW_MILESTONES,
    Stage.NATIONAL_REVIEW: LOCAL_REVIEW_MILESTONES,
}
