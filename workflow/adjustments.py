"""Pauses and extensions of a milestone's deadline.

Only with a reason and the chair's approval. A pause stops the clock from the day it starts;
on resume the due date moves on by the working days the pause lasted. An extension sets a
later due date. The base due date and every adjustment stay on record: ``effective_due``
replays them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from workflow.calendar import WorkingCalendar
from workflow.roles import Role


class AdjustmentKind(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"


@dataclass(frozen=True)
class Adjustment:
    kind: AdjustmentKind
    on: date  # the day it takes effect
    reason: str
    approved_by: str
    new_due: date | None = None  # extensions only


@dataclass(frozen=True)
class DueState:
    due: date | None  # None while paused
    paused_since: date | None
    base_due: date


class InvalidAdjustment(ValueError):
    pass


def effective_due(
    base_due: date, adjustments: Sequence[Adjustment], calendar: WorkingCalendar
) -> DueState:
    due = base_due
    paused_since: date | None = None
    for adjustment in adjustments:
        if adjustment.kind is AdjustmentKind.PAUSE:
            paused_since = adjustment.on
        elif adjustment.kind is AdjustmentKind.RESUME and paused_since is not None:
            lost = calendar.count_working_days(paused_since, adjustment.on)
            due = calendar.add_working_days(due, max(lost, 0))
            paused_since = None
        elif adjustment.kind is AdjustmentKind.EXTEND and adjustment.new_due is not None:
            due = adjustment.new_due
    return DueState(None if paused_since else due, paused_since, base_due)


def check_adjustment(
    current: DueState,
    adjustment: Adjustment,
    approver_roles: Iterable[str],
    calendar: WorkingCalendar,
) -> None:
    """Raise ``InvalidAdjustment`` with a plain reason if ``adjustment`` can't be made."""
    if Role.CHAIR not in set(approver_roles):
        raise InvalidAdjustment("Only the Case Review Sub-group chair can approve this.")
    if not adjustment.reason.strip():
        raise InvalidAdjustment("Give the reason: it is kept on the case and told to the Panel.")
    if adjustment.kind is AdjustmentKind.PAUSE and current.paused_since is not None:
        raise InvalidAdjustment(f"This deadline is already paused (since {current.paused_since}).")
    if adjustment.kind is AdjustmentKind.RESUME:
        if current.paused_since is None:
            raise InvalidAdjustment("This deadline is not paused.")
        if adjustment.on < current.paused_since:
            raise InvalidAdjustment("A pause can't end before it started.")
    if adjustment.kind is AdjustmentKind.EXTEND:
        if current.paused_since is not None:
            raise InvalidAdjustment("Resume the deadline before extending it.")
        if adjustment.new_due is None or current.due is None or adjustment.new_due <= current.due:
            raise InvalidAdjustment(
                f"An extension must be later than the current due date ({current.due})."
            )
        if not calendar.is_working_day(adjustment.new_due):
            raise InvalidAdjustment("Choose a working day for the new due date.")
