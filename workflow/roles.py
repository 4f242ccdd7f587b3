"""Roles, as the procedure names them. Role names live here; who holds them, in the database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    BUSINESS_UNIT = "business_unit"
    CHAIR = "chair"
    PARTNER_POLICE = "partner_police"
    PARTNER_LA = "partner_la"
    PARTNER_ICB = "partner_icb"
    STRATEGIC_DIRECTOR = "strategic_director"
    CSC_DEPUTY_DIRECTOR = "csc_deputy_director"
    AGENCY_RESPONDENT = "agency_respondent"  # per case: holds it only for the case asked
    INVITED_AGENCY = "invited_agency"  # per case: asked for a scoping view on it
    SCRUTINEER = "scrutineer"
    ADMIN = "admin"


LABELS: dict[Role, str] = {
    Role.PRACTITIONER: "Practitioner",
    Role.BUSINESS_UNIT: "BDSCP Business Unit",
    Role.CHAIR: "Case Review Sub-group chair",
    Role.PARTNER_POLICE: "Police representative (West Yorkshire Police)",
    Role.PARTNER_LA: "Local Authority representative (Children's Social Care)",
    Role.PARTNER_ICB: "Integrated Care Board (health) representative",
    Role.STRATEGIC_DIRECTOR: "Local Authority Strategic Director, Children's Services",
    Role.CSC_DEPUTY_DIRECTOR: "Children's Social Care Deputy Director",
    Role.AGENCY_RESPONDENT: "Agency respondent",
    Role.INVITED_AGENCY: "Invited agency representative",
    Role.SCRUTINEER: "Independent scrutineer",
    Role.ADMIN: "Bot administrator",
}

# Who is sent a new referral's details: partner agencies notify the CSC Deputy Director and
# the Business Unit (section 4 of the procedure); the chair leads the scoping.
REFERRAL_RECIPIENTS = (Role.BUSINESS_UNIT, Role.CHAIR, Role.CSC_DEPUTY_DIRECTOR)


# Roles held for one case only, through a request on it (storage.requests); never granted
# for every case, whatever the configuration says.
CASE_ONLY = frozenset({Role.AGENCY_RESPONDENT, Role.INVITED_AGENCY})
# What each kind of request on a case lets its person do there.
REQUEST_ROLES: dict[str, Role] = {
    "scoping_view": Role.INVITED_AGENCY,
    "igt": Role.AGENCY_RESPONDENT,
}


def label(role: str) -> str:
    try:
        return LABELS[Role(role)]
    except ValueError:
        return role
