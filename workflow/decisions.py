"""Decisions: kinds, their allowed outcomes, and what makes a decision record valid.

A decision is never edited; a change is a new decision that supersedes the old one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflow.roles import Role
from workflow.stages import TRANSITIONS, Event

RATIONALE_MAX = 8000


class DecisionKind(StrEnum):
    SCOPING_VIEW = "scoping_view"
    CHAIR_RECOMMENDATION = "chair_recommendation"
    LA_DECISION = "la_decision"
    NEXT_STEP = "next_step"  # the chair's, when the Local Authority does not notify
    REVIEW_PROPOSAL = "review_proposal"  # the Business Unit's, for the chair to approve
    REVIEW_REJECTION = "review_rejection"  # the chair sends a proposal back
    REVIEW_DECISION = "review_decision"
    PANEL_RESPONSE = "panel_response"
    PUBLICATION_DELAY = "publication_delay"
    DEADLINE_CHANGE = "deadline_change"
    CLOSURE = "closure"


REVIEW_OUTCOMES = (
    "lcspr",
    "single_agency_review",
    "audit",
    "learning_event",
    "no_further_action",
    "refer_national_review",
)
OUTCOMES: dict[DecisionKind, tuple[str, ...]] = {
    DecisionKind.SCOPING_VIEW: ("meets_criteria", "does_not_meet_criteria", "unsure"),
    DecisionKind.CHAIR_RECOMMENDATION: ("notify", "do_not_notify"),
    DecisionKind.LA_DECISION: ("notify", "do_not_notify"),
    DecisionKind.NEXT_STEP: (
        "single_agency_review",
        "audit",
        "learning_event",
        "no_further_action",
    ),
    DecisionKind.REVIEW_DECISION: REVIEW_OUTCOMES,
    DecisionKind.REVIEW_PROPOSAL: REVIEW_OUTCOMES,
    DecisionKind.PANEL_RESPONSE: ("national_review", "more_information", "agrees"),
    DecisionKind.REVIEW_REJECTION: ("rejected",),
    DecisionKind.PUBLICATION_DELAY: ("delay", "do_not_publish_full_report"),
    DecisionKind.DEADLINE_CHANGE: ("pause", "resume", "extend"),
    DecisionKind.CLOSURE: ("close", "close_item"),  # the case, or one milestone or action
}

# Who makes the decisions that move no stage; for the others, see ``deciders``.
DECIDERS: dict[DecisionKind, frozenset[Role]] = {
    DecisionKind.REVIEW_PROPOSAL: frozenset({Role.BUSINESS_UNIT}),
    DecisionKind.REVIEW_REJECTION: frozenset({Role.CHAIR}),
    DecisionKind.PUBLICATION_DELAY: frozenset({Role.CHAIR}),
    DecisionKind.DEADLINE_CHANGE: frozenset({Role.CHAIR}),
    DecisionKind.CLOSURE: frozenset({Role.CHAIR}),
}


# What each decision does to the case: (kind, outcome) -> the stage event it triggers. The one
# table every flow reads; ``deciders`` derives who may decide from the stage rules, so the
# two cannot disagree.
EVENTS: dict[tuple[DecisionKind, str], Event] = {
    **{
        (DecisionKind.SCOPING_VIEW, o): Event.SCOPING_VIEW
        for o in OUTCOMES[DecisionKind.SCOPING_VIEW]
    },
    (DecisionKind.CHAIR_RECOMMENDATION, "notify"): Event.CHAIR_RECOMMENDATION,
    (DecisionKind.CHAIR_RECOMMENDATION, "do_not_notify"): Event.CHAIR_RECOMMENDATION,
    (DecisionKind.LA_DECISION, "notify"): Event.LA_NOTIFIES,
    (DecisionKind.LA_DECISION, "do_not_notify"): Event.LA_DOES_NOT_NOTIFY,
    (DecisionKind.NEXT_STEP, "single_agency_review"): Event.START_ALTERNATIVE,
    (DecisionKind.NEXT_STEP, "audit"): Event.START_ALTERNATIVE,
    (DecisionKind.NEXT_STEP, "learning_event"): Event.START_ALTERNATIVE,
    (DecisionKind.NEXT_STEP, "no_further_action"): Event.CLOSE,
    **{
        (DecisionKind.REVIEW_DECISION, o): Event.REVIEW_DECISION
        for o in OUTCOMES[DecisionKind.REVIEW_DECISION]
    },
    (DecisionKind.PANEL_RESPONSE, "national_review"): Event.PANEL_TAKES_NATIONAL_REVIEW,
    (DecisionKind.PANEL_RESPONSE, "more_information"): Event.PANEL_ASKS_MORE,
    (DecisionKind.CLOSURE, "close"): Event.CLOSE,
}


def event_for(kind: DecisionKind, outcome: str) -> Event | None:
    return EVENTS.get((kind, outcome))


def deciders(kind: DecisionKind) -> frozenset[Role]:
    """Who may make a decision of ``kind``: whoever the stage rules let trigger its events
    (or, for the kinds that move no stage, ``DECIDERS``)."""
    events = {event for (k, _), event in EVENTS.items() if k is kind}
    if not events:
        return DECIDERS[kind]
    return frozenset(
        role for (_, event), rule in TRANSITIONS.items() if event in events for role in rule.roles
    )


@dataclass(frozen=True)
class DecisionDraft:
    kind: DecisionKind
    outcome: str
    rationale: str
    decided_by: str
    decided_role: str
    decided_at: datetime
    consulted: tuple[str, ...] = ()
    views: dict[str, str] = field(default_factory=dict)
    supersedes: int | None = None


class InvalidDecision(ValueError):
    pass


def check_decision(draft: DecisionDraft, roles: Iterable[str]) -> None:
    """Raise ``InvalidDecision`` with a plain reason if ``draft`` cannot be recorded."""
    if draft.outcome not in OUTCOMES[draft.kind]:
        raise InvalidDecision(
            f"{draft.outcome!r} is not an outcome of a {draft.kind.value.replace('_', ' ')}"
        )
    if not draft.rationale.strip():
        raise InvalidDecision("A decision needs its rationale: say why.")
    if len(draft.rationale) > RATIONALE_MAX:
        raise InvalidDecision(f"The rationale is too long (at most {RATIONALE_MAX} characters).")
    allowed = deciders(draft.kind)
    if draft.decided_role not in allowed or draft.decided_role not in set(roles):
        raise InvalidDecision("You don't hold a role that can make this decision.")
    if draft.decided_at.tzinfo is None:
        raise InvalidDecision("decision time must be timezone-aware")
