"""The Information Gathering Tool (the seed's Appendix 2), as a form spec the one wizard runs:
what each agency asked returns for the rapid review. Sections the referral also has are the
referral's own, adjusted (``dataclasses.replace``), never copied.

Pure: the spec, the states a request can be in, and the merged chronology's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from workflow.forms import Field, FormSpec, Section, parse_date
from workflow.referral import REFERRAL, YES_NO_UNKNOWN

# Rows each repeating step takes, with every answer at its limit, within Teams' card budget
# (tests/cards/test_budget.py).
MAX_FAMILY = 6
MAX_AGENCIES = 6
MAX_CHRONOLOGY = 40
CHRONOLOGY_PAGE = 10  # events a step shows at a time
MAX_PRACTITIONERS = 12
SYNOPSIS_MAX = 2000
EVENT_MAX = 150

REVIEW_TYPES = (
    ("national", "National Child Safeguarding Practice Review (issues for a national level)"),
    ("local", "Local Child Safeguarding Practice Review (issues for a local level)"),
    ("single_agency", "Single Agency Review (issues only for one agency)"),
    ("audit", "Single or multi-agency audit (one issue, for one or several agencies)"),
)

# The eight synopsis questions, in the seed's words.
SYNOPSIS = (
    (
        "initial_information",
        "1. Initial information provided that has triggered review (including which agency "
        "provided this initial information)",
    ),
    (
        "involvement_incident",
        "2. A summary of your agency's involvement with the incident that has triggered this "
        "review",
    ),
    (
        "previous_involvement",
        "3. A brief summary of your agency's previous involvement with the subject child AND the "
        "individuals listed in the family composition (key events only, not a cut and paste of "
        "the record)",
    ),
    (
        "practice_analysis",
        "4. A brief analysis of individual or agency practice: any outstanding practice or "
        "potential learning to safeguard and promote the welfare of children, and any remedial "
        "action already taken",
    ),
    (
        "immediate_action",
        "5. Is any immediate action needed to ensure children's safety? (Outline actions already "
        "taken to address these concerns)",
    ),
    (
        "working_together",
        "6. Any areas for concern as to the way in which partners have worked together to "
        "safeguard the subject child",
    ),
    (
        "further_information",
        "7. Any further relevant information you wish to bring to the attention of the Rapid "
        "Review meeting",
    ),
    (
        "voice_of_child",
        '8. Any information that indicates how the "Voice and/or Lived Experience of the Child" '
        "is evidenced in your records",
    ),
)


def _synopsis_fields(keys: Iterable[tuple[str, str]]) -> tuple[Field, ...]:
    return tuple(
        Field(key, text, "multiline", max_length=SYNOPSIS_MAX, may_withhold=True)
        for key, text in keys
    )


def _chronology_row_dated(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    if values.get("event") and not values.get("date") and "date" not in already:
        return {"date": "Give the date of this event."}
    return {}


_REFERRAL_CHILD = REFERRAL.section("child")
_CHILD_FIELDS = tuple(
    f for f in _REFERRAL_CHILD.fields if f.id not in ("whereabouts", "carer", "date_of_death")
)

SECTIONS = (
    Section(
        "completing",
        "About you",
        "The person completing this form for your agency. We've filled in what we know.",
        (
            Field("name", "Your name", required=True, personal=False, reader_label="Name"),
            Field("organisation", "Organisation", required=True, personal=False),
            Field("role", "Your role", personal=False, reader_label="Role"),
            Field(
                "contact", "Phone or email", max_length=254, personal=False, reader_label="Contact"
            ),
        ),
        name="your details",
        reader_title="Completed by",
    ),
    replace(
        _REFERRAL_CHILD,
        intro="From the referral: confirm or correct each child's details from your agency's "
        "records, and add the child protection plan history if there is one.",
        fields=(
            *_CHILD_FIELDS,
            Field(
                "cp_history",
                "If subject to a plan now or before: when, for what and for how long?",
                "multiline",
                max_length=400,
                reader_label="Child protection plan: when, for what and for how long",
            ),
        ),
    ),
    replace(
        REFERRAL.section("family"),
        intro="Name and address, relationship to the child, date of birth, legal status and "
        "ethnic origin, as your agency knows them. Leave this empty if you hold nothing.",
        max_rows=MAX_FAMILY,
    ),
    Section(
        "incident",
        "The incident",
        "As your agency knows it.",
        (
            Field("incident_date", "Date of the incident", "date", personal=False),
            Field(
                "incident_address",
                "Address of the location of the incident",
                "multiline",
                max_length=300,
            ),
            Field("carer", "Carer at the time of the incident, if known", max_length=200),
        ),
        name="the incident",
    ),
    Section(
        "involvement",
        "Investigations and involvement",
        "Say 'No' or 'Not known' where that is the answer.",
        (
            Field(
                "criminal_investigation",
                "Is this case known to be the subject of a criminal investigation? If so, who is "
                "the lead investigator?",
                "multiline",
                max_length=500,
                may_withhold=True,
            ),
            Field(
                "coroner",
                "Is this case known to be the subject of a Coroner's Inquiry? If so, who is the "
                "key contact?",
                "multiline",
                max_length=500,
                may_withhold=True,
            ),
            Field(
                "open_now",
                "Is the child, young person, parent or family open to your agency as a current "
                "case? In what capacity, and who is the lead practitioner?",
                "multiline",
                max_length=800,
            ),
            Field(
                "open_before",
                "Were they open to your agency as a previous case? In what capacity, and who was "
                "the lead practitioner?",
                "multiline",
                max_length=800,
            ),
            Field(
                "adult_safeguarding",
                "Are there any adult safeguarding concerns, and have they been shared through a "
                "Safeguarding Adult Referral? If so, who is the key contact?",
                "multiline",
                max_length=800,
                may_withhold=True,
            ),
        ),
        name="investigations and involvement",
    ),
    Section(
        "agencies",
        "Other agencies involved",
        "Other agencies you know to be involved with the child or family, third sector included. "
        "The BDSCP Business Unit can ask each of them for this form too.",
        (
            Field("agency", "Agency", required=True, personal=False),
            Field(
                "contact",
                "Contact details: address, telephone and email",
                "multiline",
                max_length=300,
                personal=False,
            ),
            Field("reason", "Reason for involvement", "multiline", max_length=300),
            Field("current", "Still involved?", "choice", choices=YES_NO_UNKNOWN, personal=False),
        ),
        repeating=True,
        row_noun="agency",
        max_rows=MAX_AGENCIES,
        name="the other agencies",
    ),
    Section(
        "synopsis",
        "Brief synopsis of the case (1 to 4)",
        "Key information only: this is not a detailed analysis at this stage.",
        _synopsis_fields(SYNOPSIS[:4]),
        name="the synopsis, questions 1 to 4",
    ),
    Section(
        "synopsis_more",
        "Brief synopsis of the case (5 to 8)",
        "Key information only.",
        _synopsis_fields(SYNOPSIS[4:]),
        name="the synopsis, questions 5 to 8",
    ),
    Section(
        "chronology",
        "Chronology of key events",
        "Key events around the time of the incident only: this doesn't need to be a detailed "
        "chronology at this stage. Add a row for each event.",
        (
            Field("date", "Date", "date", personal=False),
            Field("time", "Time (if known)", "time", max_length=5, personal=False),
            Field("event", "Event", "multiline", max_length=EVENT_MAX, required=True),
        ),
        repeating=True,
        row_noun="event",
        max_rows=MAX_CHRONOLOGY,
        page_rows=CHRONOLOGY_PAGE,
        checks=(_chronology_row_dated,),
        name="the chronology",
    ),
    Section(
        "practitioners",
        "Practitioners involved",
        "The practitioners involved in this case, so that a practice learning event can be "
        "planned quickly if one is needed.",
        (
            Field("name", "Name", required=True, personal=False),
            Field("role", "Role", max_length=150, personal=False),
        ),
        repeating=True,
        row_noun="practitioner",
        max_rows=MAX_PRACTITIONERS,
        name="the practitioners",
    ),
    Section(
        "recommendation",
        "The review you think this case needs",
        "At this stage, what type of review do you think this case should be?",
        (
            Field(
                "review_type",
                "Type of review",
                "choice",
                choices=REVIEW_TYPES,
                expanded=True,
                personal=False,
            ),
            Field("why", "Why (optional)", "multiline", max_length=1000, personal=False),
        ),
        name="your recommendation",
    ),
)

IGT = FormSpec(
    kind="igt",
    title="Information Gathering Tool",
    noun="Information Gathering Tool",
    command="igt",
    sections=SECTIONS,
    submit_label="Return the Information Gathering Tool",
    per_case=True,
    hint=(
        "For the rapid review: concise information about your agency's involvement, a brief "
        "chronology, and your initial view on the type of review. Where a police investigation "
        "is ongoing, answers can be marked as withheld for now."
    ),
    submit_note=(
        "When you return it, the BDSCP Business Unit, the Case Review Sub-group chair and the "
        "partner representatives can read it; the case review channel sees only that your "
        "agency has returned it. To correct it later, type **igt** and the case reference: "
        "the correction is a new version, and the first is kept."
    ),
)


# ----- requests and their states ----------------------------------------------------------------

SENT, OPENED, IN_PROGRESS, RETURNED, NO_INVOLVEMENT, OVERDUE = (
    "sent",
    "opened",
    "in_progress",
    "returned",
    "no_involvement",
    "overdue",
)
STATE_TITLES = {
    SENT: "Sent",
    OPENED: "Opened",
    IN_PROGRESS: "In progress",
    RETURNED: "Returned",
    NO_INVOLVEMENT: "No involvement",
    OVERDUE: "Overdue",
}
ANSWERED = (RETURNED, NO_INVOLVEMENT)


def state_of(stored: str, *, drafting: bool, due: date | None, today: date) -> str:
    """A request's state as people see it: answered, else overdue past its due date, else
    in progress (a draft saved), opened or sent."""
    if stored in ANSWERED:
        return stored
    if due is not None and today > due:
        return OVERDUE
    if drafting:
        return IN_PROGRESS
    return stored if stored in (SENT, OPENED) else SENT


@dataclass(frozen=True)
class Counts:
    asked: int
    returned: int  # returned or no involvement
    overdue: int

    @property
    def text(self) -> str:
        words = f"{self.returned} of {self.asked} returned"
        return words + (f", {self.overdue} overdue" if self.overdue else "")


def count(states: Iterable[str]) -> Counts:
    found = list(states)
    return Counts(
        asked=len(found),
        returned=sum(1 for s in found if s in ANSWERED),
        overdue=sum(1 for s in found if s == OVERDUE),
    )


# ----- the merged chronology ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    on: date | None
    time: str  # "HH:MM" or ""
    event: str
    agency: str


def chronology(returns: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Entry]:
    """Every agency's chronology rows in one list, by date and time (an undated row last, a
    row with no time first on its day), each with its agency: ``returns`` is (agency, form)."""
    entries = [
        Entry(
            parse_date(str(row.get("date", ""))),
            str(row.get("time") or ""),
            str(row.get("event") or ""),
            agency,
        )
        for agency, form in returns
        for row in form.get("chronology") or []
        if isinstance(row, Mapping) and (row.get("event") or row.get("date"))
    ]
    return sorted(entries, key=lambda e: (e.on is None, e.on or date.max, e.time, e.agency.lower()))


def named_agencies(form: Mapping[str, Any]) -> list[str]:
    """The other agencies a return names as involved."""
    return [
        str(row.get("agency")).strip()
        for row in form.get("agencies") or []
        if isinstance(row, Mapping) and str(row.get("agency") or "").strip()
    ]
