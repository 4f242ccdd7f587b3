"""Action plans: what a review's learning asks of each agency, followed up until done.

Any case can have actions (a local review, a rapid review, an alternative review, a national
review's findings). Each has its text, an owner (a member of staff on Teams), their agency, a
due date, a status and a RAG mark; completing one needs its outcome. Spreading the learning
(a newsletter, a learning event, training) is recorded as an action of that kind.

Two forms on the form engine: adding an action (the Business Unit) and updating one (its
owner or the Business Unit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflow.forms import Field, FormSpec, Section

NOT_STARTED, ON_TRACK, OFF_TRACK, COMPLETE = "not_started", "on_track", "off_track", "complete"
CLOSED = "closed"  # formally closed by the chair, with a reason, without being completed
FINISHED = (COMPLETE, CLOSED)
STATUSES = (
    (NOT_STARTED, "Not started"),
    (ON_TRACK, "On track"),
    (OFF_TRACK, "Off track"),
    (COMPLETE, "Complete"),
)
RAGS = (("red", "Red"), ("amber", "Amber"), ("green", "Green"))
KINDS = (
    ("action", "An action from the review's learning"),
    ("newsletter", "Spreading the learning: a newsletter"),
    ("learning_event", "Spreading the learning: a learning event"),
    ("training", "Spreading the learning: training"),
)

OUTCOME_NEEDED = "Say what the outcome was: an action is completed with its outcome."


@dataclass(frozen=True)
class ActionView:
    id: int
    reference: str
    number: int
    kind: str
    owner_aad_id: str
    agency: str
    due: date
    status: str
    rag: str
    text: str  # "" when read without the case's key (for the channel)
    outcome: str


def status_title(status: str) -> str:
    return {**dict(STATUSES), CLOSED: "Closed by the chair"}.get(status, status)


def rag_title(rag: str) -> str:
    return dict(RAGS).get(rag, rag or "Not marked")


def kind_title(kind: str) -> str:
    return dict(KINDS).get(kind, kind)


def is_overdue(status: str, due: date | None, today: date) -> bool:
    return status not in FINISHED and due is not None and due < today


def _outcome_when_complete(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    if values.get("status") == COMPLETE and not str(values.get("outcome", "")).strip():
        return {"outcome": OUTCOME_NEEDED}
    return {}


_OWNER = Field(
    "owner",
    "Owner (their name as it shows in Teams)",
    max_length=200,
    required=True,
    personal=False,
    placeholder="e.g. Paul Okafor",
    help="The person who sees the action through. They are told, and reminded if it's late.",
    reader_label="Owner",
)
_AGENCY = Field(
    "agency",
    "Their agency",
    max_length=200,
    required=True,
    personal=False,
    placeholder="e.g. West Yorkshire Police",
    reader_label="Agency",
)
_DUE = Field(
    "due", "Due by", "date", required=True, personal=False, future=True, reader_label="Due by"
)
_RAG = Field(
    "rag",
    "RAG mark",
    "choice",
    choices=RAGS,
    required=True,
    personal=False,
    expanded=True,
    reader_label="RAG",
)

ACTION_ADD = FormSpec(
    kind="action_add",
    title="New action",
    noun="action",
    command="action add",
    sections=(
        Section(
            "action",
            "The action",
            "What the learning asks, of whom, by when. The case review channel sees the "
            "action's number, agency, owner, dates and marks; never its text.",
            (
                Field(
                    "text",
                    "What is to be done",
                    "multiline",
                    max_length=2000,
                    required=True,
                    reader_label="Action",
                ),
                Field(
                    "kind",
                    "What kind of action",
                    "choice",
                    choices=KINDS,
                    required=True,
                    personal=False,
                    reader_label="Kind",
                ),
                _OWNER,
                _AGENCY,
                _DUE,
                _RAG,
            ),
            name="the action",
        ),
    ),
    submit_label="Add the action",
    per_case=True,
    submit_note="The owner is told in a 1:1 chat, and reminded each working day it is overdue.",
)

ACTION_UPDATE = FormSpec(
    kind="action_update",
    title="Action update",
    noun="update",
    command="action update",
    sections=(
        Section(
            "update",
            "Where the action stands",
            "Change what has changed. Completing an action needs its outcome.",
            (
                Field(
                    "number",
                    "Action number",
                    max_length=6,
                    required=True,
                    personal=False,
                    help="As `actions` lists them: 1, 2, 3...",
                    reader_label="Action",
                ),
                Field(
                    "status",
                    "Status",
                    "choice",
                    choices=STATUSES,
                    required=True,
                    personal=False,
                    expanded=True,
                    reader_label="Status",
                ),
                _RAG,
                _DUE,
                Field(
                    "outcome",
                    "Outcome (needed to complete it)",
                    "multiline",
                    max_length=2000,
                    reader_label="Outcome",
                ),
            ),
            checks=(_outcome_when_complete,),
            name="the update",
        ),
    ),
    submit_label="Save the update",
    per_case=True,
)
