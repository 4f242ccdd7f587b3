"""A form draft's own cards: resume or discard one left open, discarded, gone (no longer open),
and refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adaptive_cards import types as act

from cards.common import day, esc, execute, heading, para, render
from cards.forms import article, verbs
from workflow.forms import (
    FormSpec,
)


def resume_card(
    spec: FormSpec, *, draft_id: str, started: datetime, updated: datetime, section_key: str
) -> dict[str, Any]:
    v = verbs(spec)
    sec_title = spec.section(section_key).title if section_key in spec.keys else "the summary"
    items = [
        *heading(f"You have {article(spec.noun)} {spec.noun} in progress"),
        para(
            f"Started {day(started.date())}, last saved {day(updated.date())}, at "
            f'"{esc(sec_title)}".'
        ),
        para("Carry on where you left off, or discard it and start again."),
    ]
    actions = [
        execute(
            f"Resume the {spec.noun}",
            v.resume,
            {"draft_id": draft_id},
            style=act.ActionStyle.POSITIVE,
        ),
        execute(f"Discard the {spec.noun} and start again", v.discard, {"draft_id": draft_id}),
    ]
    return render(
        items, actions, fallback_text=f"You have {article(spec.noun)} {spec.noun} in progress"
    )


def discarded_card(spec: FormSpec) -> dict[str, Any]:
    noun = spec.noun.capitalize()
    return render(
        [
            *heading(f"{noun} cancelled"),
            para(
                "The draft and everything in it has been deleted. "
                f"Type **{spec.command}** to start a new one."
            ),
        ],
        fallback_text=f"{noun} cancelled",
    )


def draft_gone_card(spec: FormSpec, reason: str) -> dict[str, Any]:
    return render(
        [
            *heading(f"This {spec.noun} form is no longer open"),
            para(esc(reason)),
            para(
                f"Type **{spec.command}**"
                + (" and the case reference" if spec.per_case else "")
                + f" to start a new {spec.noun}, or **help** to see what else I can do."
            ),
        ],
        [] if spec.per_case else [execute(f"Start a new {spec.noun}", verbs(spec).start_new, {})],
        fallback_text=f"This {spec.noun} form is no longer open",
    )


def refused_card(spec: FormSpec, reason: str, draft_id: str = "") -> dict[str, Any]:
    """A submit the server refused: why, that nothing was lost, and the way back to it."""
    actions = (
        [execute(f"Back to the {spec.noun}", verbs(spec).resume, {"draft_id": draft_id})]
        if draft_id
        else []
    )
    return render(
        [
            *heading(f"This {spec.noun} wasn't submitted"),
            para(esc(reason)),
            para(
                f"Your answers are kept: go back to them to change them, or type "
                f"**{spec.command}**"
                + (" and the case reference" if spec.per_case else "")
                + " later.",
                is_subtle=True,
            ),
        ],
        actions,
        fallback_text=f"This {spec.noun} wasn't submitted",
    )
