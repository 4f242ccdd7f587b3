"""The rapid review decision (Day 15; seed sections 5 and 6), as a form the Business Unit fills
in for the chair to approve: the local review criteria, each ticked with a note; whether any
immediate action is needed for children's safety; whether a national review may be needed;
the outcome, its rationale, and the partners consulted with their views.

Pure: a spec and the words of the seed.
"""

from __future__ import annotations

from workflow.forms import Field, FormSpec, Section

# Section 5: what the partners "must take into account" and "should also have regard to".
MUST_TAKE_INTO_ACCOUNT = (
    ("improvements", "Highlights or may highlight improvements needed to safeguard and promote "
     "the welfare of children, including where those improvements have been previously "
     "identified"),
    ("themes", "Highlights or may highlight recurrent themes in the safeguarding and promotion "
     "of the welfare of children"),
    ("working_together", "Highlights or may highlight concerns regarding two or more "
     "organisations or agencies working together effectively to safeguard and promote the "
     "welfare of children"),
    ("panel_suggests_local", "Is one which the Child Safeguarding Practice Review Panel have "
     "considered and concluded a local review may be more appropriate"),
)  # fmt: skip
HAVE_REGARD_TO = (
    ("single_agency", "The safeguarding partners have cause for concern about the actions of a "
     "single agency"),
    ("no_involvement", "There has been no agency involvement and this gives the safeguarding "
     "partners cause for concern"),
    ("several_areas", "More than one local authority, police area or clinical commissioning "
     "group is involved, including in cases where families have moved around"),
    ("institutional", "The case may raise issues relating to safeguarding or promoting the "
     "welfare of children in institutional settings"),
)  # fmt: skip

OUTCOMES = (
    ("lcspr", "A local child safeguarding practice review"),
    ("single_agency_review", "No local review: a single agency review instead"),
    ("audit", "No local review: a single or multi-agency audit instead"),
    ("learning_event", "No local review: a learning event instead"),
    ("no_further_action", "No local review, and no further action"),
    ("refer_national_review", "Refer to the Panel for a national review"),
)
OUTCOME_TITLES = dict(OUTCOMES)
CRITERIA_TITLES = dict((*MUST_TAKE_INTO_ACCOUNT, *HAVE_REGARD_TO))
ONE_MONTH_NOTE = (
    "The decision on a local review should normally be made within one month of notification "
    "of the incident (seed, section 6)."
)


def _notes(items: tuple[tuple[str, str], ...]) -> tuple[Field, ...]:
    return tuple(
        Field(f"note_{key}", f"Note: {title[:60].rstrip()}…", "multiline", max_length=600)
        for key, title in items
    )


REVIEW = FormSpec(
    kind="review_decision",
    title="Rapid review decision",
    noun="rapid review decision",
    command="decide",
    per_case=True,
    sections=(
        Section(
            "criteria",
            "The local review criteria",
            "Tick each that applies and add a note: the four the partners must take into "
            "account, then the four they should have regard to (seed, section 5).",
            (
                Field(
                    "must",
                    "Must take into account",
                    "multichoice",
                    choices=MUST_TAKE_INTO_ACCOUNT,
                    personal=False,
                ),
                *_notes(MUST_TAKE_INTO_ACCOUNT),
                Field(
                    "regard",
                    "Should have regard to",
                    "multichoice",
                    choices=HAVE_REGARD_TO,
                    personal=False,
                ),
                *_notes(HAVE_REGARD_TO),
            ),
            name="the criteria",
        ),
        Section(
            "decision",
            "The decision",
            ONE_MONTH_NOTE,
            (
                Field(
                    "immediate_action",
                    "Is any immediate action needed to ensure children's safety?",
                    "choice",
                    required=True,
                    choices=(("yes", "Yes"), ("no", "No")),
                    expanded=True,
                    personal=False,
                ),
                Field("immediate_note", "What action, and by whom", "multiline", max_length=1000),
                Field(
                    "national",
                    "May the case need a national review (complex or of national importance)?",
                    "choice",
                    required=True,
                    choices=(("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")),
                    expanded=True,
                    personal=False,
                ),
                Field(
                    "outcome",
                    "The decision",
                    "choice",
                    required=True,
                    choices=OUTCOMES,
                    expanded=True,
                    personal=False,
                ),
                Field("rationale", "Rationale", "multiline", max_length=4000, required=True),
                Field(
                    "consulted",
                    "Partners consulted, and their views",
                    "multiline",
                    max_length=2000,
                    required=True,
                ),
            ),
            name="the decision",
        ),
    ),
    submit_label="Send to the chair for approval",
    submit_note=(
        "The Case Review Sub-group chair approves or rejects it with the buttons on the case "
        "review channel's card. Only the decision and the criteria ticked are shown there; "
        "the notes and the rationale go to the chair privately."
    ),
)
