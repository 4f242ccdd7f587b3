"""The referral criteria (Appendix 2) and the statutory test for notifying the Panel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Criterion:
    key: str
    text: str


MUST_NOTIFY: tuple[Criterion, ...] = (
    Criterion(
        "child_death_abuse_neglect",
        "A child dies (including suspected suicide) and abuse or neglect is known or suspected "
        "to be a factor",
    ),
    Criterion(
        "death_in_custody",
        "A child dies in police custody, on remand or after sentence, in a Young Offender "
        "Institution, secure training centre or secure children's home, or detained under the "
        "Mental Capacity Act 2005",
    ),
    Criterion(
        "life_threatening_injury",
        "A child sustains a potentially life-threatening injury or serious and permanent "
        "impairment of health or development through abuse or neglect",
    ),
    Criterion("serious_sexual_abuse", "A child has been subjected to serious sexual abuse"),
    Criterion(
        "serious_offence_by_child",
        "A child has perpetrated a particularly serious offence, against another child or an adult",
    ),
)

CONSIDER: tuple[Criterion, ...] = (
    Criterion(
        "risk_not_recognised",
        "Clear evidence of a risk of significant harm to a child that was not recognised by "
        "organisations or individuals in contact with the child or perpetrator",
    ),
    Criterion(
        "risk_not_shared",
        "Clear evidence of a risk of significant harm to a child that was not shared with others",
    ),
    Criterion(
        "risk_not_acted_on",
        "Clear evidence of a risk of significant harm to a child that was not acted on "
        "appropriately",
    ),
    Criterion(
        "institutional_setting",
        "Abuse or neglect in an institutional setting (school, nursery, children's centre, "
        "Youth Offending Institution, secure training centre, children's home, Armed Services "
        "training establishment)",
    ),
    Criterion("while_looked_after", "Abuse or neglect while looked after by the local authority"),
    Criterion("died_while_missing", "A child died while absent or missing from home or care"),
    Criterion(
        "concerns_not_taken_seriously",
        "One or more agencies or professionals consider their concerns were not taken "
        "sufficiently seriously, or acted on appropriately, by another",
    ),
    Criterion(
        "procedural_failings",
        "Possible failings in the local operation of safeguarding procedures beyond this case",
    ),
    Criterion(
        "child_protection_plan",
        "The child was, or had been, the subject of a child protection plan",
    ),
    Criterion(
        "protocols_may_change",
        "Local protocols or procedures may need to change, or are not understood or acted on",
    ),
    Criterion(
        "national_implications",
        "National implications for systems or processes, or significant public interest or "
        "community issues",
    ),
)

ALL: dict[str, Criterion] = {c.key: c for c in (*MUST_NOTIFY, *CONSIDER)}


def any_must_notify(keys: Iterable[str]) -> bool:
    must = {c.key for c in MUST_NOTIFY}
    return any(k in must for k in keys)


def meets_statutory_test(
    *,
    abuse_or_neglect_known_or_suspected: bool,
    died_or_seriously_harmed: bool,
    in_area_or_resident_harmed_outside_england: bool,
) -> bool:
    """The s16C(1) test for the LA's duty to notify the Panel."""
    return (
        abuse_or_neglect_known_or_suspected
        and died_or_seriously_harmed
        and in_area_or_resident_harmed_outside_england
    )
