"""Who the Local Authority notifies, and the text for the Panel's online form (seed, section 3).

"The local authority must report any event that meets the above criteria to the Child
Safeguarding Practice Review Panel ... within five working days", and "should also report the
event to Ofsted, Department for Education (DfE), the relevant child death review partners and
the relevant safeguarding partners". "Where a looked-after child has died (including cases
where abuse or neglect is not known or suspected)", Ofsted, the safeguarding partners and the
child death review partners are told too.

Pure: the referral's answers in, recipients and text out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from workflow.calendar import british
from workflow.forms import parse_date

RECIPIENTS: dict[str, str] = {
    "panel": "The national Panel (its online notification service)",
    "ofsted": "Ofsted",
    "dfe": "Department for Education (DfE)",
    "cdr_partners": "The child death review partners",
    "safeguarding_partners": "The safeguarding partners",
}
# As a sentence names them ("Mark the national Panel as told").
SHORT_NAMES: dict[str, str] = {
    "panel": "the national Panel",
    "ofsted": "Ofsted",
    "dfe": "the DfE",
    "cdr_partners": "the child death review partners",
    "safeguarding_partners": "the safeguarding partners",
}
LOOKED_AFTER_DEATH = ("ofsted", "safeguarding_partners", "cdr_partners")
NOTIFIER = "City of Bradford Metropolitan District Council"  # the partnership's local authority
PANEL_SUMMARY_MAX = 2000  # characters of "what happened" put in the Panel's text


def looked_after_child_died(form: Mapping[str, Any]) -> bool:
    """The referral says a child was looked after by the local authority, and names a child
    who has died."""
    criteria = form.get("criteria", {})
    looked_after = "while_looked_after" in (criteria.get("consider") or [])
    died = any(
        parse_date(str(child.get("date_of_death", "")))
        for child in form.get("child", [])
        if isinstance(child, Mapping)
    )
    return looked_after and died


def required(*, notified: bool, form: Mapping[str, Any]) -> list[str]:
    """Who must be told, in the order the checklist shows them."""
    keys: set[str] = set(RECIPIENTS) if notified else set()
    if looked_after_child_died(form):
        keys |= set(LOOKED_AFTER_DEATH)
    return [key for key in RECIPIENTS if key in keys]


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def panel_text(form: Mapping[str, Any], *, notifier: str) -> str:
    """What the Business Unit copies into the Panel's online form: the notifier, up to four
    children with their ages at the incident, the incident's date and place, a summary."""
    incident = form.get("incident", {})
    happened = parse_date(str(incident.get("incident_date", "")))
    lines = [f"Notifying local authority: {notifier}"]
    for n, child in enumerate(form.get("child", [])[:4], 1):
        name = str(child.get("name") or child.get("identifying_details") or "Name not known")
        born = parse_date(str(child.get("date_of_birth", "")))
        died = parse_date(str(child.get("date_of_death", "")))
        age = (
            f"aged {age_on(born, happened)} at the incident"
            if born and happened
            else "age not known"
        )
        extra = f"; died {british(died)}" if died else ""
        lines.append(f"Child {n}: {name}, {age}{extra}")
    lines.append(f"Date of the incident: {british(happened) if happened else 'not known'}")
    places = "; ".join(
        str(child.get("whereabouts")) for child in form.get("child", []) if child.get("whereabouts")
    )
    lines.append(f"Where: {places or 'not known'}")
    summary = str(incident.get("what_happened", "")).strip()
    if len(summary) > PANEL_SUMMARY_MAX:
        summary = summary[: PANEL_SUMMARY_MAX - 1].rstrip() + "…"
    lines.append(f"Summary: {summary or 'not given'}")
    return "\n".join(lines)
