"""A local child safeguarding practice review, after the decision to carry it out: its
forms (commissioning, a delay, the communication plan) and the rules for what each record
completes. Pure: values in, answers out; ``today`` is a parameter.

The seed (sections 8 and 9): as soon as a local review is decided the Panel, Ofsted and DfE
are told, with the reviewer's name when known; the Case Review Sub-group agrees the
methodology with the reviewer; practitioners and the family are involved; the Partnership
Group signs off the final report; it goes to the Panel and the Secretary of State (and
Ofsted) at least 7 working days before publication; publication follows the communication
strategy (media leads, briefings, key messages, questions and answers); the reasons for a
delay, or for not publishing the full report, go to the Panel and the Secretary of State.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from workflow.calendar import WorkingCalendar, british
from workflow.forms import Field, FormSpec, Section

# The kinds of record a review keeps (storage.reviews).
TOLD, REVIEWER, METHOD = "told", "reviewer", "method"
DELAY_REQUEST, DELAY_ANSWER, PANEL_TOLD = "delay_request", "delay_answer", "panel_told"
SIGNED_OFF, COMMS, PUBLISHED = "signed_off", "comms", "published"
NOT_IN_FULL = "not_in_full"
REPORT_SENT = "report_sent"  # the final report to the Panel, the Secretary of State and Ofsted

# Milestones (timetable keys) the records complete.
TOLD_MILESTONE = "review_told"
REVIEWER_MILESTONE = "reviewer_commissioned"
SIGN_OFF_MILESTONE = "report_signed_off"
PUBLICATION_MILESTONE = "publication"

BODIES = (("panel", "the Panel"), ("ofsted", "Ofsted"), ("dfe", "DfE"))

CAUSES = (
    ("criminal_investigation", "A criminal investigation"),
    ("inquest", "An inquest"),
    ("prosecution", "A prosecution"),
    ("other", "Other proceedings or reasons"),
)
COMMS_ITEMS = (
    ("media_leads", "Media leads involved and the timeline agreed"),
    ("briefings", "Briefings arranged for the agencies that need them"),
    ("key_messages", "Key messages agreed"),
    ("qa", "Questions and answers prepared"),
)


def cause_title(cause: str) -> str:
    return dict(CAUSES).get(cause, cause)


def _told_needs_who(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    told = any(str(values.get(f"{key}_told", "")).strip() for key, _ in BODIES)
    if told and not str(values.get("told_by", "")).strip() and "told_by" not in already:
        return {"told_by": "Say who told them."}
    return {}


def _named_needs_reviewer(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    named = any(str(values.get(f"{key}_named", "")).strip() for key, _ in BODIES)
    if named and not str(values.get("reviewer", "")).strip() and "reviewer" not in already:
        return {"reviewer": "Give the reviewer's name: they were told it."}
    return {}


def _told_field(key: str, body: str, suffix: str, label: str) -> Field:
    return Field(
        f"{key}_{suffix}",
        label.format(body=body[:1].upper() + body[1:]),
        "date",
        personal=False,
        reader_label=label.format(body=body[:1].upper() + body[1:]),
    )


COMMISSIONING = FormSpec(
    kind="commissioning",
    title="Local review: commissioning",
    noun="commissioning record",
    command="commission",
    sections=(
        Section(
            "told",
            "The Panel, Ofsted and DfE told of the review",
            "As soon as the local review is decided: the day each was told, and who told them. "
            "This doesn't wait for a reviewer. Leave a date empty until it happens.",
            (
                *(_told_field(key, body, "told", "{body} told on") for key, body in BODIES),
                Field(
                    "told_by",
                    "Told by",
                    max_length=200,
                    personal=False,
                    help="Their name, as it shows in Teams.",
                    reader_label="Told by",
                ),
            ),
            checks=(_told_needs_who,),
            name="who was told of the review",
        ),
        Section(
            "reviewer",
            "The reviewer",
            "The independent reviewer commissioned, and the day the Panel, Ofsted and DfE were "
            "told their name.",
            (
                Field(
                    "reviewer",
                    "Reviewer's name",
                    max_length=200,
                    personal=False,
                    reader_label="Reviewer",
                ),
                Field(
                    "organisation",
                    "Reviewer's organisation",
                    max_length=200,
                    personal=False,
                    reader_label="Organisation",
                ),
                *(
                    _told_field(key, body, "named", "{body} told the reviewer's name on")
                    for key, body in BODIES
                ),
            ),
            checks=(_named_needs_reviewer,),
            name="the reviewer",
        ),
        Section(
            "method",
            "Methodology and involvement",
            "The method agreed by the Case Review Sub-group with the reviewer, and how "
            "practitioners and the family will be involved.",
            (
                Field("methodology", "Methodology", "multiline", max_length=2000),
                Field(
                    "agreed_on",
                    "Agreed by the Case Review Sub-group on",
                    "date",
                    personal=False,
                    reader_label="Agreed on",
                ),
                Field(
                    "practitioners",
                    "How practitioners will be involved",
                    "multiline",
                    max_length=2000,
                    reader_label="Practitioners' involvement",
                ),
                Field(
                    "family",
                    "How the family, including any surviving children, will be involved",
                    "multiline",
                    max_length=2000,
                    reader_label="The family's involvement",
                ),
            ),
            name="the methodology",
        ),
    ),
    submit_label="Save the commissioning record",
    submit_note="Fill in what has happened so far; type **commission** again later to add the "
    "rest. The channel sees the dates and the reviewer, never the methodology.",
    per_case=True,
)

DELAY = FormSpec(
    kind="delay",
    title="Publication delay",
    noun="delay request",
    command="delay",
    sections=(
        Section(
            "delay",
            "The delay",
            "Where other proceedings hold up publication, the chair approves a later date. "
            "The reason is kept with the case and told to the Panel and the Secretary of State.",
            (
                Field(
                    "cause",
                    "What holds up publication",
                    "choice",
                    choices=CAUSES,
                    required=True,
                    personal=False,
                    expanded=True,
                    reader_label="Cause",
                ),
                Field(
                    "reason",
                    "The reason, for the chair, the Panel and the Secretary of State",
                    "multiline",
                    max_length=2000,
                    required=True,
                    reader_label="Reason",
                ),
                Field(
                    "new_date",
                    "Publish by (the new latest date)",
                    "date",
                    required=True,
                    personal=False,
                    future=True,
                    reader_label="New latest date",
                ),
            ),
            name="the delay",
        ),
    ),
    submit_label="Ask the chair to approve the delay",
    submit_note="The chair approves or refuses it from a card in their chat with me.",
    per_case=True,
)

COMMS_PLAN = FormSpec(
    kind="comms_plan",
    title="Communication plan",
    noun="communication plan",
    command="comms",
    sections=(
        Section(
            "plan",
            "The communication plan for publication",
            "The partnership's communication strategy: tick what is done.",
            (
                Field(
                    "done",
                    "Done so far",
                    "multichoice",
                    choices=COMMS_ITEMS,
                    personal=False,
                    expanded=True,
                    reader_label="Done",
                ),
                Field("notes", "Notes", "multiline", max_length=2000),
            ),
            name="the communication plan",
        ),
    ),
    submit_label="Save the communication plan",
    per_case=True,
)


def delay_problem(
    new_date: date, current_latest: date | None, today: date, calendar: WorkingCalendar
) -> str | None:
    """Why ``new_date`` can't be asked for as the new latest publication date, or None."""
    if not calendar.is_working_day(new_date):
        return (
            f"{british(new_date)} isn't a working day (a weekend, bank holiday or closure "
            "day): choose a working day for the new latest date."
        )
    if current_latest is None:
        return "The publication deadline isn't set yet, so there is nothing to delay."
    if new_date <= current_latest:
        return (
            f"A delay moves the latest publication date later than it is now, "
            f"{british(current_latest)}: {british(new_date)} isn't later."
        )
    if new_date <= today:
        return "The new latest date must be in the future."
    return None


def dates_not_before(values: Mapping[str, Any], first: date, what: str) -> str | None:
    """A date among ``values`` (ISO strings) that is before ``first``: the message, or None."""
    for value in values.values():
        text = str(value or "")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            continue
        if day < first:
            return f"{british(day)} is before {what} ({british(first)}): check the dates."
    return None


def comms_missing(ticked: list[str]) -> list[str]:
    return [title for key, title in COMMS_ITEMS if key not in ticked]
