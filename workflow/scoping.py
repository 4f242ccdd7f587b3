"""Scoping (seed section 4): each partner's view on whether the case meets the definition of
a serious child safeguarding case, as a form; and what the views together say about the
statutory test (Children Act 2004 s16C(1)).

Pure: answers in, assessments out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.forms import Field, FormSpec, Section

STATUTORY_TEST = (
    "**Serious child safeguarding cases** are those in which abuse or neglect of a child is "
    "known or suspected **and** the child has died or been seriously harmed.\n\n"
    "**Children Act 2004 s16C(1):** where a local authority in England knows or suspects "
    "that a child has been abused or neglected, the local authority must notify the Child "
    "Safeguarding Practice Review Panel if (a) the child dies or is seriously harmed in the "
    "local authority's area, or (b) while normally resident in the local authority's area, "
    "the child dies or is seriously harmed outside England."
)
SERIOUS_HARM = (
    "**'Serious harm'** includes serious or long-term impairment of mental health or "
    "intellectual, emotional, social or behavioural development. It should also cover "
    "instances of impairment of physical health. This is not an exhaustive list and when "
    "making decisions, judgment should be exercised in cases where impairment is likely to be "
    "long-term, even if this is not immediately certain."
)

YES_NO_NOT_YET = (("yes", "Yes"), ("no", "No"), ("not_known", "Not yet known"))
VIEWS = (
    ("meets_criteria", "Meets the definition"),
    ("does_not_meet_criteria", "Does not meet the definition"),
    ("unsure", "Not sure yet"),
)
# The three parts of the statutory test, in the order the card asks them.
TEST_QUESTIONS = ("abuse_or_neglect", "died_or_harmed", "where")

SCOPING = FormSpec(
    kind="scoping",
    title="Scoping view",
    noun="scoping view",
    command="view",
    per_case=True,
    sections=(
        Section(
            "view",
            "Does the case meet the definition?",
            f'{STATUTORY_TEST}\n\n{SERIOUS_HARM}\n\nThe threshold is "known or suspected": '
            "answer from what your agency knows now. If a police investigation limits what "
            "can be shared, say so in your reason.",
            (
                Field(
                    "abuse_or_neglect",
                    "Is abuse or neglect of the child known or suspected?",
                    "choice",
                    required=True,
                    choices=YES_NO_NOT_YET,
                    expanded=True,
                    personal=False,
                ),
                Field(
                    "died_or_harmed",
                    "Has the child died or been seriously harmed?",
                    "choice",
                    required=True,
                    choices=YES_NO_NOT_YET,
                    expanded=True,
                    personal=False,
                ),
                Field(
                    "where",
                    "Did it happen in the Bradford district, or outside England while the child "
                    "normally lives here?",
                    "choice",
                    required=True,
                    choices=YES_NO_NOT_YET,
                    expanded=True,
                    personal=False,
                ),
                Field(
                    "view",
                    "Your agency's view: does the case meet the definition?",
                    "choice",
                    required=True,
                    choices=VIEWS,
                    expanded=True,
                    personal=False,
                ),
                Field("reason", "Your reason", "multiline", max_length=3000, required=True),
                Field(
                    "holds",
                    "What your agency holds about the child and family",
                    "multiline",
                    max_length=3000,
                ),
            ),
            name="your view",
        ),
    ),
    submit_label="Give this view",
    submit_note=(
        "Your view goes to the Case Review Sub-group chair, who makes the recommendation to "
        "the Local Authority. The case review channel sees only your agency's answer to "
        "'does it meet the definition', never your reason. You can revise it later: type "
        "**view** and the case reference."
    ),
)


@dataclass(frozen=True)
class Assessment:
    """What the partners' views say about each part of the test, and the test as a whole."""

    parts: dict[str, str]  # question -> "yes", "no", "differ" or "not_known"
    looks_met: str  # "yes", "no" or "not_clear"


def assess(views: Iterable[Mapping[str, Any]]) -> Assessment:
    """The statutory test, as the partners' views answer it. A part is "yes" when someone
    says yes and nobody says no; "no" when someone says no and nobody yes; "differ" when both
    are said. The test looks met when every part is "yes", and not met when any part is
    "no"; otherwise it is not clear yet."""
    given = list(views)
    parts: dict[str, str] = {}
    for question in TEST_QUESTIONS:
        answers = {str(view.get(question, "")) for view in given}
        if "yes" in answers and "no" in answers:
            parts[question] = "differ"
        elif "yes" in answers:
            parts[question] = "yes"
        elif "no" in answers:
            parts[question] = "no"
        else:
            parts[question] = "not_known"
    if given and all(answer == "yes" for answer in parts.values()):
        looks_met = "yes"
    elif "no" in parts.values():
        looks_met = "no"
    else:
        looks_met = "not_clear"
    return Assessment(parts, looks_met)
