"""Corrections to a case's record: who may make them and what makes sense. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from workflow.roles import Role

MIN_REASON = 5


class InvalidCorrection(Exception):
    """The correction can't be made; the message says why, in plain words."""


def check_awareness_correction(
    *,
    current: date,
    new: date,
    today: date,
    reason: str,
    roles: Iterable[str],
) -> None:
    """The BDSCP Business Unit may correct when the agency became aware (Day 1), with a
    reason; not into the future, and not to the date it already is."""
    if Role.BUSINESS_UNIT not in set(roles):
        raise InvalidCorrection("Only the BDSCP Business Unit can correct a case's Day 1.")
    if len(reason.strip()) < MIN_REASON:
        raise InvalidCorrection(
            "Say why the date is being corrected (for example, who became aware when)."
        )
    if new > today:
        raise InvalidCorrection("The date the agency became aware can't be in the future.")
    if new == current:
        raise InvalidCorrection("That is already the case's awareness date: nothing to change.")
