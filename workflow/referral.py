"""The referral form (Appendix 2), section by section, and its validation.

Pure: values in, cleaned values and error messages out; ``today`` is a parameter. The form
says "if information is unavailable do not delay", so only the minimum is required: the
referrer, a way to identify the child, the incident date and what happened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow import criteria

HARD_CAP = 10_000  # the most kept of any one answer; past it the answer is cut and said so
MAX_ROWS = 20

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    kind: str = "text"  # text | multiline | date | email | phone | choice | multichoice
    max_length: int = 200
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, title)
    placeholder: str = ""
    personal: bool = True  # about the child or family (never in channel posts or logs)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    fields: tuple[Field, ...]
    repeating: bool = False
    row_noun: str = ""


YES_NO_UNKNOWN = (("yes", "Yes"), ("no", "No"), ("unknown", "Not known"))
CP_PLAN = (
    ("current", "Yes, currently"),
    ("previous", "Previously"),
    ("no", "No"),
    ("unknown", "Not known"),
)

SECTIONS: tuple[Section, ...] = (
    Section(
        "criteria",
        "Which criteria apply",
        "Tick any that apply. If you're not sure, leave them and say why in 'What happened'.",
        (
            Field(
                "must_notify",
                "Incidents that must be notified to the BDSCP",
                "multichoice",
                choices=tuple((c.key, c.text) for c in criteria.MUST_NOTIFY),
                personal=False,
            ),
            Field(
                "consider",
                "Cases to consider referring",
                "multichoice",
                choices=tuple((c.key, c.text) for c in criteria.CONSIDER),
                personal=False,
            ),
        ),
    ),
    Section(
        "referrer",
        "About you (the referrer)",
        "We've filled in what Teams knows about you. Add your agency so we can contact you.",
        (
            Field("name", "Your name", required=True, personal=False),
            Field(
                "agency",
                "Agency",
                required=True,
                personal=False,
                placeholder="e.g. West Yorkshire Police",
            ),
            Field("designation", "Designation (your role)", personal=False),
            Field("email", "Email", "email", max_length=254, personal=False),
            Field("phone", "Phone", "phone", max_length=40, personal=False),
            Field("address", "Work address", "multiline", max_length=500, personal=False),
        ),
    ),
    Section(
        "child",
        "The child",
        "Give what you know now; more can be added later. If you don't know the name, say how "
        "to identify the child.",
        (
            Field("name", "Child's name"),
            Field(
                "identifying_details",
                "If the name isn't known: how to identify the child",
                "multiline",
                max_length=500,
                placeholder="e.g. baby born at Bradford Royal Infirmary on 3 November",
            ),
            Field("date_of_birth", "Date of birth", "date"),
            Field("date_of_death", "Date of death (if applicable)", "date"),
            Field(
                "incident_date",
                "Date of the critical incident",
                "date",
                required=True,
                personal=False,
            ),
            Field("home_address", "Home address", "multiline", max_length=500),
            Field("ethnic_origin", "Ethnic origin", max_length=100),
            Field("faith", "Faith or religion", max_length=100),
            Field("disability", "Disability", max_length=500),
            Field(
                "cp_plan",
                "Subject to a child protection plan now or before?",
                "choice",
                choices=CP_PLAN,
            ),
            Field(
                "whereabouts",
                "Whereabouts at the time of the incident",
                "multiline",
                max_length=500,
            ),
            Field("carer", "Carer at the time of the incident", max_length=200),
        ),
    ),
    Section(
        "family",
        "Family and significant others",
        "Add anyone significant: parents, carers, siblings, partners. Leave empty if not known.",
        (
            Field("name", "Name"),
            Field("relationship", "Relationship to the child", max_length=100),
            Field("date_of_birth", "Date of birth", "date"),
            Field("address", "Address", "multiline", max_length=500),
            Field("legal_status", "Legal status or current criminal proceedings", max_length=500),
            Field("ethnic_origin", "Ethnic origin", max_length=100),
        ),
        repeating=True,
        row_noun="family member",
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
    ),
    Section(
        "incident",
        "What happened",
        "Outline the events and circumstances that triggered this referral. This helps decide "
        "whether the case meets the criteria; it doesn't need to be a detailed analysis.",
        (
            Field("what_happened", "What happened", "multiline", max_length=8000, required=True),
            Field(
                "why_referred",
                "Why you are referring (anything else we should know)",
                "multiline",
                max_length=4000,
            ),
        ),
    ),
)

SECTION_KEYS = tuple(s.key for s in SECTIONS)
BY_KEY = {s.key: s for s in SECTIONS}


def section(key: str) -> Section:
    return BY_KEY[key]


def next_section(key: str) -> str | None:
    index = SECTION_KEYS.index(key)
    return SECTION_KEYS[index + 1] if index + 1 < len(SECTION_KEYS) else None


def previous_section(key: str) -> str | None:
    index = SECTION_KEYS.index(key)
    return SECTION_KEYS[index - 1] if index > 0 else None


def input_id(field_id: str, row: int | None = None) -> str:
    return field_id if row is None else f"{field_id}__{row}"


# ----- reading what the card sent -----------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()


@dataclass
class Reading:
    values: Any  # dict for a section, list of dicts for a repeating one
    errors: dict[str, str] = field(default_factory=dict)  # input id -> message


def read_section(sec: Section, data: Mapping[str, Any], rows: int = 0) -> Reading:
    """What the card sent for ``sec``, as typed (trimmed; over-long answers cut at HARD_CAP)."""
    errors: dict[str, str] = {}

    def one(fld: Field, row: int | None) -> Any:
        raw = data.get(input_id(fld.id, row))
        if fld.kind == "multichoice":
            picked = [p for p in _text(raw).split(",") if p]
            return [p for p in picked if p in {v for v, _ in fld.choices}]
        text = _text(raw)
        if len(text) > HARD_CAP:
            errors[input_id(fld.id, row)] = (
                f"That was too long to keep whole: the first {HARD_CAP:,} characters are kept."
            )
            text = text[:HARD_CAP]
        return text

    if sec.repeating:
        count = max(0, min(rows, MAX_ROWS))
        values = [{f.id: one(f, i) for f in sec.fields} for i in range(count)]
        return Reading(values, errors)
    return Reading({f.id: one(f, None) for f in sec.fields}, errors)


# ----- checking it ------------------------------------------------------------------------


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _check_field(fld: Field, value: Any, today: date) -> str | None:
    if fld.kind == "multichoice":
        return None
    text = str(value)
    if not text:
        return f"{fld.label} is required." if fld.required else None
    if len(text) > fld.max_length:
        return (
            f"{fld.label} is too long: at most {fld.max_length:,} characters "
            f"(this has {len(text):,}). Everything you typed is kept; shorten it to continue."
        )
    if fld.kind == "date":
        parsed = _date(text)
        if parsed is None:
            return f"{fld.label}: enter a real date (for example 2026-03-14)."
        if parsed > today:
            return f"{fld.label} can't be in the future."
        if parsed.year < 1900:
            return f"{fld.label}: check the year."
    if fld.kind == "email" and not _EMAIL.match(text):
        return "Enter an email address like name@example.org."
    if fld.kind == "phone" and (not _PHONE.match(text) or sum(c.isdigit() for c in text) < 7):
        return "Enter a phone number using digits, spaces and + only."
    if fld.kind == "choice" and text not in {v for v, _ in fld.choices}:
        return f"{fld.label}: choose one of the options."
    return None


def check_section(sec: Section, values: Any, today: date) -> dict[str, str]:
    """Messages by input id for everything wrong with ``values``; empty when all is well."""
    errors: dict[str, str] = {}
    if sec.repeating:
        for row, item in enumerate(values):
            for fld in sec.fields:
                message = _check_field(fld, item.get(fld.id, ""), today)
                if message:
                    errors[input_id(fld.id, row)] = message
        return errors
    for fld in sec.fields:
        message = _check_field(fld, values.get(fld.id, ""), today)
        if message:
            errors[input_id(fld.id)] = message
    if sec.key == "referrer" and not (values.get("email") or values.get("phone")):
        errors.setdefault("email", "Give an email or a phone number so the BDSCP can reach you.")
    if sec.key == "child":
        errors.update(_check_child(values, errors))
    return errors


def _check_child(values: Mapping[str, Any], already: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values.get("name") and not values.get("identifying_details") and "name" not in already:
        errors["name"] = (
            "Give the child's name, or describe how to identify them if the name isn't known."
        )
    born = _date(values.get("date_of_birth", "")) if "date_of_birth" not in already else None
    died = _date(values.get("date_of_death", "")) if "date_of_death" not in already else None
    incident = _date(values.get("incident_date", "")) if "incident_date" not in already else None
    if born and incident and born > incident:
        errors["date_of_birth"] = "The date of birth is after the incident date: check both."
    if born and died and died < born:
        errors["date_of_death"] = "The date of death is before the date of birth: check both."
    return errors


def drop_empty_rows(
    values: Sequence[Mapping[str, Any]], errors: Mapping[str, str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Rows with anything in them, and ``errors`` (keyed ``field__row``) renumbered to match."""
    kept: list[dict[str, Any]] = []
    renumbered: dict[str, str] = {}
    for old, row in enumerate(values):
        if not any(str(x).strip() for x in row.values() if x):
            continue
        new = len(kept)
        kept.append(dict(row))
        for ident, message in (errors or {}).items():
            field_id, _, index = ident.rpartition("__")
            if index == str(old):
                renumbered[input_id(field_id, new)] = message
    return kept, renumbered


# ----- the whole form -----------------------------------------------------------------------


def empty_form(*, referrer_name: str = "", referrer_email: str = "") -> dict[str, Any]:
    form: dict[str, Any] = {}
    for sec in SECTIONS:
        if sec.repeating:
            form[sec.key] = []
        else:
            form[sec.key] = {f.id: ([] if f.kind == "multichoice" else "") for f in sec.fields}
    form["referrer"]["name"] = referrer_name
    form["referrer"]["email"] = referrer_email
    return form


def check_form(form: Mapping[str, Any], today: date) -> dict[str, dict[str, str]]:
    """Every section's errors (only sections with errors), before submitting."""
    problems: dict[str, dict[str, str]] = {}
    for sec in SECTIONS:
        errors = check_section(sec, form.get(sec.key, [] if sec.repeating else {}), today)
        if errors:
            problems[sec.key] = errors
    return problems


def referring_agency(form: Mapping[str, Any]) -> str:
    return str(form.get("referrer", {}).get("agency", "")).strip()[:200] or "Not given"


def criteria_keys(form: Mapping[str, Any]) -> list[str]:
    chosen = form.get("criteria", {})
    return [*chosen.get("must_notify", []), *chosen.get("consider", [])]
