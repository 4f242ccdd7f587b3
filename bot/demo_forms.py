"""What the demo data says (``bot.demo``): invented names, forms and rationales."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from workflow.decisions import DecisionKind
from workflow.igt import IGT
from workflow.referral import REFERRAL

FIRST = (
    "Ada Bram Cleo Dara Elin Finn Gwen Hari Ines Jago Kit Lior Mabli Nye Orla Pip Rhea Sol Tova Wyn"
)
LAST = "Ashdown Brindle Carrow Dunmore Elsworth Fairlie Gorran Hollin Ivers Jessop Kellaway Lund"
CHILD_FIRST, FAMILY_LAST = FIRST.split(), LAST.split()
AGENCIES = (
    "West Yorkshire Police",
    "Children's Social Care",
    "Bradford Teaching Hospitals",
    "Moorside GP Practice",
    "Bradford Council Education",
    "Probation Service",
    "Youth Justice Service",
)
REVIEWS = ["lcspr"] * 7 + ["single_agency_review"] * 3 + ["learning_event"] * 3 + ["audit"] * 2
REVIEWS += ["no_further_action"] * 5

RATIONALES = {
    DecisionKind.SCOPING_VIEW: "the agency's records show concerns about neglect before the "
    "incident; on what we hold, the criteria appear to be met.",
    DecisionKind.CHAIR_RECOMMENDATION: "the partners' views agree; the harm is serious and "
    "abuse or neglect is known or suspected.",
    DecisionKind.LA_DECISION: "decided on the chair's recommendation and the partners' views.",
    DecisionKind.REVIEW_DECISION: "the rapid review found learning about how agencies shared "
    "information before the incident.",
    DecisionKind.PANEL_RESPONSE: "the Panel agreed with the rapid review's decision.",
    DecisionKind.CLOSURE: "every action is complete and the learning has been shared.",
}


def referral_form(awareness: date, surname: str, rng: random.Random) -> dict[str, Any]:
    """A referral's form, every name invented."""
    born = awareness - timedelta(days=rng.randrange(60, 16 * 365))
    return REFERRAL.empty(
        {
            "referrer": {
                "name": f"{rng.choice(CHILD_FIRST)} {rng.choice(FAMILY_LAST)}",
                "agency": rng.choice(AGENCIES),
                "designation": "Safeguarding lead",
                "email": "referrer@example.org",
            },
            "child": [
                {
                    "name": f"{rng.choice(CHILD_FIRST)} {surname}",
                    "date_of_birth": born.isoformat(),
                    "home_address": f"{rng.randrange(1, 90)} Demo Row\nBradford BD0 0AA",
                    "ethnic_origin": "Not known",
                }
            ],
            "family": [
                {
                    "name": f"{rng.choice(CHILD_FIRST)} {surname}",
                    "relationship": rng.choice(["Mother", "Father", "Carer"]),
                }
            ],
            "incident": {
                "incident_date": (awareness - timedelta(days=1)).isoformat(),
                "aware_date": awareness.isoformat(),
                "what_happened": "Invented for the demonstration: the child was taken to "
                "hospital with injuries the account given did not explain.",
            },
        }
    )


def igt_form(
    agency: str, events: list[dict[str, str]], review: str, rng: random.Random
) -> dict[str, Any]:
    """An agency's Information Gathering Tool return, invented."""
    return IGT.empty(
        {
            "completing": {"name": f"{rng.choice(CHILD_FIRST)} Demo", "organisation": agency},
            "synopsis": {
                "initial_information": f"{agency} knew the family through routine contact.",
                "involvement_incident": "No contact on the day of the incident.",
            },
            "chronology": sorted(events, key=lambda e: (e["date"], e["time"])),
            "practitioners": [
                {"name": f"{rng.choice(CHILD_FIRST)} {rng.choice(FAMILY_LAST)}", "role": "Lead"}
            ],
            "recommendation": {"review_type": "local" if review == "lcspr" else "single_agency"},
        }
    )
