"""The referral form (Appendix 2), section by section, and its validation.

Pure: values in, cleaned values and error messages out; ``today`` is a parameter. The form
says "if information is unavailable do not delay", so only the minimum is required: the
referrer, a way to identify the child, the incident date and what happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from workflow import criteria
from workflow.calendar import british
from workflow.forms import Field, FormSpec, Section, input_id, parse_date

# Rows a repeating step takes: with every answer at its limit, its card stays within Teams'
# size budget (tests/cards/test_budget.py). More people or agencies go in 'What happened'.
MAX_ROWS = 6

YES_NO_UNKNOWN = (("yes", "Yes"), ("no", "No"), ("unknown", "Not known"))
# The Panel's notification takes up to four children; one referral, one incident, likewise.
MAX_CHILDREN = 4

CP_PLAN = (
    ("now", "Yes, now"),
    ("before", "Yes, before"),
    ("no", "No, never"),
    ("unknown", "Not known"),
)


def _reachable(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    if values.get("email") or values.get("phone"):
        return {}
    return {"email": "Give an email or a phone number so the BDSCP can reach you."}


def _identifiable(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    if values.get("name") or values.get("identifying_details") or "name" in already:
        return {}
    return {
        "name": "Give the child's name, or describe how to identify them if the name isn't known."
    }


def _cp_answers_agree(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    picked = set(values.get("cp_plan") or [])
    yes, other = picked & {"now", "before"}, picked & {"no", "unknown"}
    if (yes and other) or len(other) > 1:
        return {"cp_plan": "Tick 'Yes, now', 'Yes, before' or both; or one of the others."}
    return {}


def _child_dates_agree(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    born = parse_date(values.get("date_of_birth", "")) if "date_of_birth" not in already else None
    died = parse_date(values.get("date_of_death", "")) if "date_of_death" not in already else None
    if born and died and died < born:
        return {"date_of_death": "The date of death is before the date of birth: check both."}
    return {}


def _aware_after_incident(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    incident = (
        parse_date(values.get("incident_date", "")) if "incident_date" not in already else None
    )
    aware = parse_date(values.get("aware_date", "")) if "aware_date" not in already else None
    if incident and aware and aware < incident:
        return {
            "aware_date": "Your agency can't have become aware before the incident: check both."
        }
    return {}


def _born_before_incident(form: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """A child born after the incident: said on the child's row and on the incident date."""
    incident = parse_date(str(form.get("incident", {}).get("incident_date", "")))
    children = form.get("child", [])
    if incident is None or not isinstance(children, list):
        return {}
    found: dict[str, dict[str, str]] = {}
    for row, child in enumerate(children):
        born = parse_date(str(child.get("date_of_birth", "")))
        if born and born > incident:
            found.setdefault("child", {})[input_id("date_of_birth", row)] = (
                f"This is after the date of the critical incident ({british(incident)}): "
                "check both."
            )
            found.setdefault("incident", {})["incident_date"] = (
                f"This is before child {row + 1}'s date of birth ({british(born)}): check both."
            )
    return found


SECTIONS: tuple[Section, ...] = (
    Section(
        "criteria",
        "Immediate safety and the criteria",
        "Tick any that apply. If you're not sure, leave them and say why in 'Why you are "
        "referring', on the last step.",
        (
            Field(
                "immediate_risk",
                "Is any child at immediate risk of harm now?",
                "choice",
                required=True,
                choices=YES_NO_UNKNOWN,
                help="If so, act to keep them safe now, as you normally would: this referral "
                "is not a way to get urgent help.",
                personal=False,
                expanded=True,
                reader_label="Any child at immediate risk of harm now?",
            ),
            Field(
                "cp_referral",
                "Has a child protection referral been made?",
                "choice",
                choices=(
                    ("yes", "Yes"),
                    ("no", "No"),
                    ("not_needed", "Not needed"),
                    ("unknown", "Not known"),
                ),
                personal=False,
            ),
            Field(
                "must_notify",
                "Incidents that must be notified to the BDSCP",
                "multichoice",
                choices=tuple((c.key, c.text) for c in criteria.MUST_NOTIFY),
                personal=False,
            ),
            Field(
                "consider",
                "Cases to consider referring, depending on the gravity of the case or the "
                "significance of the issues it raises",
                "multichoice",
                choices=tuple((c.key, c.text) for c in criteria.CONSIDER),
                personal=False,
            ),
        ),
        name="safety and the criteria",
    ),
    Section(
        "referrer",
        "About you (the referrer)",
        "We've filled in what Teams knows about you. Add your agency so we can contact you.",
        (
            Field("name", "Your name", required=True, personal=False, reader_label="Name"),
            Field(
                "agency",
                "Agency",
                required=True,
                personal=False,
                placeholder="e.g. West Yorkshire Police",
            ),
            Field(
                "designation",
                "Designation (your role)",
                personal=False,
                reader_label="Designation",
            ),
            Field("email", "Email", "email", max_length=254, personal=False),
            Field("phone", "Phone", "phone", max_length=40, personal=False),
            Field("address", "Work address", "multiline", max_length=500, personal=False),
        ),
        checks=(_reachable,),
        name="your details",
        reader_title="The referrer",
    ),
    Section(
        "child",
        "The children",
        "Give what you know now about each child the incident concerns (up to four); more can "
        "be added later. If you don't know a name, say how to identify the child. On child "
        "protection, tick both 'Yes, now' and 'Yes, before' if both are true.",
        (
            Field("name", "Child's name"),
            Field(
                "identifying_details",
                "If the name isn't known: how to identify the child",
                "multiline",
                max_length=300,
                placeholder="e.g. baby born at Bradford Royal Infirmary on 3 November",
            ),
            Field("date_of_birth", "Date of birth", "date"),
            Field("date_of_death", "Date of death (if applicable)", "date"),
            Field("home_address", "Home address", "multiline", max_length=300),
            Field("ethnic_origin", "Ethnic origin", max_length=80),
            Field("faith", "Faith or religion", max_length=80),
            Field("disability", "Disability", max_length=200),
            Field(
                "cp_plan",
                "Subject to a child protection plan or process, now or before?",
                "multichoice",
                choices=CP_PLAN,
            ),
            Field(
                "whereabouts",
                "Whereabouts at the time of the incident",
                "multiline",
                max_length=300,
            ),
            Field("carer", "Carer at the time of the incident", max_length=150),
        ),
        repeating=True,
        row_noun="child",
        min_rows=1,
        max_rows=MAX_CHILDREN,
        checks=(_identifiable, _child_dates_agree, _cp_answers_agree),
        name="the children",
    ),
    Section(
        "family",
        "Family and significant others",
        "Add anyone significant: parents, carers, siblings, and a parent's or carer's partner. "
        "Leave this empty if not known.",
        (
            Field("name", "Name"),
            Field("relationship", "Relationship to the child", max_length=100),
            Field("date_of_birth", "Date of birth", "date"),
            Field("address", "Address", "multiline", max_length=300),
            Field("legal_status", "Legal status or current criminal proceedings", max_length=300),
            Field("ethnic_origin", "Ethnic origin", max_length=100),
        ),
        repeating=True,
        row_noun="family member",
        max_rows=MAX_ROWS,
        name="the family",
    ),
    Section(
        "agencies",
        "Other agencies involved",
        "Which other agencies know the child or family? The BDSCP may ask them for information.",
        (
            Field("name", "Contact name", personal=False),
            Field("agency", "Agency", personal=False),
            Field("contact", "Contact details", "multiline", max_length=500, personal=False),
            Field(
                "still_involved",
                "Still involved?",
                "choice",
                choices=YES_NO_UNKNOWN,
                personal=False,
            ),
        ),
        repeating=True,
        row_noun="agency",
        max_rows=MAX_ROWS,
        name="the agencies",
    ),
    Section(
        "incident",
        "What happened",
        "Outline the events and circumstances that triggered this referral. This helps decide "
        "whether the case meets the criteria; it doesn't need to be a detailed analysis.",
        (
            Field(
                "incident_date",
                "Date of the critical incident",
                "date",
                required=True,
                personal=False,
            ),
            Field(
                "aware_date",
                "When your agency became aware of it",
                "date",
                required=True,
                personal=False,
                help="Day 1 of the timetable. Filled in as the day you started this form: "
                "change it if your agency knew earlier.",
                reader_label="When the referrer's agency became aware of it",
            ),
            Field("what_happened", "What happened", "multiline", max_length=8000, required=True),
            Field(
                "why_referred",
                "Why you are referring (anything else we should know)",
                "multiline",
                max_length=4000,
            ),
        ),
        checks=(_aware_after_incident,),
    ),
)

_OLD_CP = {"current": "now", "previous": "before", "no": "no", "unknown": "unknown"}


def _upgrade(form: dict[str, Any]) -> dict[str, Any]:
    """Referrals saved before one referral could name several children: the one child
    becomes the first of a list, the incident's dates move to the incident, and the child
    protection answer becomes a list."""
    child = form.get("child")
    if not isinstance(child, dict):
        return form
    form = dict(form)
    child = dict(child)
    incident = dict(form.get("incident") or {})
    for key in ("incident_date", "aware_date"):
        value = child.pop(key, "")
        incident.setdefault(key, value)
    cp = child.get("cp_plan")
    child["cp_plan"] = [_OLD_CP[cp]] if isinstance(cp, str) and cp in _OLD_CP else []
    form["child"] = [child]
    form["incident"] = incident
    return form


REFERRAL = FormSpec(
    kind="referral",
    title="New referral",
    noun="referral",
    command="refer",
    sections=SECTIONS,
    submit_label="Submit referral",
    checks=(_born_before_incident,),
    upgrade=_upgrade,
    hint=(
        "This is a referral to the BDSCP for consideration of a case review. It does not "
        "replace a child protection referral, or any urgent action to keep a child safe: do "
        "those first, as you normally would."
    ),
    submit_note=(
        "When you submit, the BDSCP Business Unit, the Case Review Sub-group chair and the "
        "Children's Social Care Deputy Director receive these details privately. The case "
        "review channel sees only the case reference, stage, your agency and the dates."
    ),
)
SECTION_KEYS = REFERRAL.keys

# ----- a referral the Business Unit enters for someone (it came by email, phone or letter) ----

RECEIVED_VIA = (
    ("email", "By email"),
    ("phone", "By phone"),
    ("letter", "By letter or form"),
    ("in_person", "In person"),
)


def _referrer_reachable(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    if values.get("email") or values.get("phone"):
        return {}
    return {"email": "Give the referrer's email or phone number so the BDSCP can reach them."}


def _entered(sec: Section) -> Section:
    """A section of the referral as the Business Unit fills it in for someone else: what
    asks about "you" asks about the referrer."""
    if sec.key == "referrer":
        labels = {
            "name": "Referrer's name",
            "designation": "Their designation (role)",
            "address": "Their work address",
        }
        fields = tuple(
            replace(f, label=labels[f.id], reader_label=f.reader_label or f.label)
            if f.id in labels
            else f
            for f in sec.fields
        )
        received = Field(
            "received_via",
            "How the referral reached the Business Unit",
            "choice",
            required=True,
            choices=RECEIVED_VIA,
            personal=False,
            expanded=True,
        )
        return replace(
            sec,
            title="The referrer",
            intro="Type the referrer's details as they gave them, and how the referral arrived.",
            fields=(received, *fields),
            checks=(_referrer_reachable,),
            name="the referrer",
        )
    if sec.key == "incident":
        fields = tuple(
            replace(
                f,
                label="When the referrer's agency became aware of it",
                help="Day 1 of the timetable. Filled in as today: change it to the day the "
                "referrer's agency knew.",
            )
            if f.id == "aware_date"
            else replace(f, label="Why they are referring (anything else we should know)")
            if f.id == "why_referred"
            else f
            for f in sec.fields
        )
        return replace(sec, fields=fields)
    if sec.key == "criteria":
        intro = (
            "Tick any that apply, as the referrer described the incident. If they weren't "
            "sure, leave them and say why in 'Why they are referring', on the last step."
        )
        return replace(sec, intro=intro)
    return sec


REFERRAL_FOR = replace(
    REFERRAL,
    kind="referral_for",
    title="Referral for someone",
    command="enter referral",
    sections=tuple(_entered(sec) for sec in SECTIONS),
    hint=(
        "For a referral that reached the Business Unit by email, phone or letter: you enter it "
        "here for the referrer, and the case records that you did. It does not replace a "
        "child protection referral, or any urgent action to keep a child safe."
    ),
    submit_note=(
        "When you submit, the case is created and the BDSCP Business Unit, the Case Review "
        "Sub-group chair and the Children's Social Care Deputy Director receive these details "
        "privately. The referrer isn't told by me: give them the case reference yourself."
    ),
)


def received_via(form: Mapping[str, Any]) -> str:
    """How the referral arrived: through Teams, or as the Business Unit recorded it."""
    value = str(form.get("referrer", {}).get("received_via", ""))
    return value if value in dict(RECEIVED_VIA) else "teams"


def empty_form(
    *, referrer_name: str = "", referrer_email: str = "", today: date | None = None
) -> dict[str, Any]:
    return REFERRAL.empty(
        {
            "referrer": {"name": referrer_name, "email": referrer_email},
            "incident": {"aware_date": today.isoformat() if today else ""},
        }
    )


def awareness_date(form: Mapping[str, Any], submitted: date) -> date:
    """Day 1's date: when the referrer's agency became aware, or the day it was submitted."""
    return parse_date(form.get("incident", {}).get("aware_date", "")) or submitted


def immediate_risk(form: Mapping[str, Any]) -> bool:
    """The referrer says a child is at immediate risk of harm now."""
    return bool(form.get("criteria", {}).get("immediate_risk") == "yes")


def from_childrens_social_care(agency: str) -> bool:
    """The referring agency is Children's Social Care, who notify Ofsted themselves too."""
    words = " ".join(agency.lower().replace("’", "'").split())
    return (
        "children's social care" in words
        or "childrens social care" in words
        or any(part.strip(" ,.()") == "csc" for part in words.split())
    )


def referring_agency(form: Mapping[str, Any]) -> str:
    return str(form.get("referrer", {}).get("agency", "")).strip()[:200] or "Not given"


def criteria_keys(form: Mapping[str, Any]) -> list[str]:
    chosen = form.get("criteria", {})
    return [*chosen.get("must_notify", []), *chosen.get("consider", [])]
