"""What the decision cards share: the titles of the scoping answers, the rationale input,
and how a decision already made is shown (who, when, the outcome, the rationale).

Channel cards carry the reference, the stage, agencies' answers in short, names of staff and
the outcome: never a child's or family's details, and never a rationale (free text can name a
child, whatever the hint asks). A rationale is shown only in 1:1 chats: the decision's own
card there, and ``decisions BR-...`` for those who read decisions. Everything typed is
escaped before it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import (
    day_and_time,
    esc,
    facts,
    para,
)
from workflow.scoping import (
    VIEWS,
)

VIEW_TITLES = dict(VIEWS)
PART_TITLES = {
    "abuse_or_neglect": "Abuse or neglect known or suspected",
    "died_or_harmed": "Died or seriously harmed",
    "where": "In the area, or outside England while living here",
}
PART_ANSWERS = {"yes": "Yes", "no": "No", "differ": "Views differ", "not_known": "Not yet known"}
LOOKS_MET = {
    "yes": "Yes, from the views given",
    "no": "No, from the views given",
    "not_clear": "Not clear yet",
}


RATIONALE_HINT = (
    "Required. It is kept with the decision and shown only in 1:1 chats, to those who read "
    "decisions; the channel sees the outcome. Even so, name the child or family only if you "
    "must."
)
IN_1_TO_1 = "Recorded with the decision: type **decisions {reference}** in a 1:1 chat with me."


def rationale_input(
    rationale: str = "", *, label: str = "Rationale", required: bool = True
) -> list[Any]:
    """The rationale box every decision card asks for, with what becomes of what is typed."""
    return [
        ac.InputText(
            id="rationale",
            label=label,
            is_multiline=True,
            max_length=4000,
            value=rationale or None,
            is_required=required or None,
            error_message="Give the rationale." if required else None,
        ),
        para(RATIONALE_HINT, is_subtle=True, size=act.FontSize.SMALL),
    ]


@dataclass(frozen=True)
class ViewLine:
    """One partner's current view, in short: whose, what, when."""

    who: str  # the role, as people know it ("Police representative (West Yorkshire Police)")
    outcome: str  # a VIEWS value
    when: datetime  # local time


@dataclass(frozen=True)
class Decided:
    outcome: str  # as the card's readers say it
    by: str  # "Chris Holt (Case Review Sub-group chair)"
    when: datetime  # local time
    rationale: str
    recorded_by: str = ""  # "Bea Umar (BDSCP Business Unit)", when not the decider


def decided_block(decided: Decided, title: str, *, reference: str = "") -> list[Any]:
    """Who decided what, when, and why. With ``reference`` (a channel card), the rationale is
    not shown: where to read it, in a 1:1 chat, instead."""
    lines = [
        (title, esc(decided.outcome)),
        ("By", esc(decided.by)),
        ("When", day_and_time(decided.when)),
    ]
    if decided.recorded_by:
        lines.append(("Recorded by", esc(decided.recorded_by)))
    why = IN_1_TO_1.format(reference=reference) if reference else esc(decided.rationale)
    return [facts(lines), para(f"**Rationale:** {why}")]


def for_the_chair(
    card: dict[str, Any], verb: str, reference: str, chair_ids: Sequence[str]
) -> dict[str, Any]:
    """A channel card Teams refreshes for the chairs (``chair_ids``; none once decided), so
    they see the live buttons and everyone else the status (PLATFORM.md: at most 60 ids)."""
    if chair_ids:
        card["refresh"] = {
            "action": {"type": "Action.Execute", "verb": verb, "data": {"case": reference}},
            "userIds": list(chair_ids)[:60],
        }
    return card
