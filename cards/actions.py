"""Action plans as cards: a case's actions (with their text only in a 1:1 chat), an action
given to its owner, and the weekly summary of overdue actions for the channel (no text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from cards.common import attention, clip, day, esc, execute, facts, heading, para, render
from workflow.actions import (
    CLOSED,
    COMPLETE,
    ActionView,
    is_overdue,
    kind_title,
    rag_title,
    status_title,
)

LIST_LINES = 25  # actions a list card shows; the rest are counted
WITH_TEXT_LINES = 8  # with their words (1:1), fewer, to stay within Teams' card size


def _line(action: ActionView, owner: str, today: date) -> str:
    late = " **(overdue)**" if is_overdue(action.status, action.due, today) else ""
    return (
        f"{esc(clip(action.agency, 80))}; owner {esc(clip(owner, 80))}; "
        f"due {day(action.due)}{late}; "
        f"{status_title(action.status)}; RAG {rag_title(action.rag)}"
    )


def actions_card(
    *,
    reference: str,
    actions: Sequence[ActionView],
    names: Mapping[str, str],
    today: date,
    with_text: bool,
    note: str = "",
    start: int = 0,
) -> dict[str, Any]:
    """A case's action plan, a page from ``start`` (0: the first). ``with_text``: each
    action's words and outcome too (1:1 only)."""
    title = f"Action plan: {reference}"
    done = sum(1 for a in actions if a.status == COMPLETE)
    closed = sum(1 for a in actions if a.status == CLOSED)
    late = sum(1 for a in actions if is_overdue(a.status, a.due, today))
    items: list[Any] = [
        *heading(
            title,
            subtle=f"{len(actions)} action{'s' if len(actions) != 1 else ''}: {done} complete, "
            + (f"{closed} closed by the chair, " if closed else "")
            + f"{late} overdue.",
        )
    ]
    if note:
        items.append(para(esc(note)))
    if not actions:
        items.append(para("No actions yet. The Business Unit adds them with **action add**."))
    lines = WITH_TEXT_LINES if with_text else LIST_LINES
    start = max(0, min(start, len(actions) - 1)) // lines * lines if actions else 0
    shown = actions[start : start + lines]
    for action in shown:
        owner = names.get(action.owner_aad_id, "someone")
        items.append(
            para(f"**Action {action.number}**: {kind_title(action.kind)}", spacing="Medium")
        )
        if with_text and action.text:
            items.append(para(esc(clip(action.text, 300))))
        items.append(para(_line(action, owner, today), is_subtle=True, spacing="None"))
        if with_text and action.outcome:
            items.append(para(f"Outcome: {esc(clip(action.outcome, 200))}", spacing="None"))
    buttons = []
    if len(actions) > len(shown):
        first, last = start + 1, start + len(shown)
        items.append(
            para(f"Actions {first} to {last} of {len(actions)}.", is_subtle=True, spacing="Medium")
        )
        if start > 0:
            back = max(0, start - lines)
            buttons.append(
                execute(
                    f"Show actions {back + 1} to {back + lines} of {reference}",
                    "actions.page",
                    {"case": reference, "start": back},
                )
            )
        if start + lines < len(actions):
            after = start + lines
            buttons.append(
                execute(
                    f"Show actions {after + 1} to {min(after + lines, len(actions))} of "
                    f"{reference}",
                    "actions.page",
                    {"case": reference, "start": after},
                )
            )
    items.append(
        para(
            f"Type **action update {reference} 2** to change action 2 (its owner or the "
            "Business Unit).",
            is_subtle=True,
        )
    )
    return render(items, buttons, fallback_text=title)


def action_given_card(*, action: ActionView, by: str) -> dict[str, Any]:
    """To the owner, in their 1:1 chat: the action is theirs."""
    title = f"An action for you: {action.reference}, action {action.number}"
    return render(
        [
            *heading(title, subtle=f"Added by {esc(by)}."),
            para(esc(action.text)),
            facts(
                [
                    ("Kind", kind_title(action.kind)),
                    ("Agency", esc(action.agency)),
                    ("Due by", day(action.due)),
                    ("RAG", rag_title(action.rag)),
                ]
            ),
            para(
                f"When it moves on, type **action update {action.reference}**. Completing it "
                "needs its outcome.",
                is_subtle=True,
            ),
        ],
        fallback_text=title,
    )


def overdue_actions_card(
    *, title: str, actions: Sequence[ActionView], names: Mapping[str, str], today: date
) -> dict[str, Any]:
    """Overdue actions across cases: reference, number, agency, owner, due, marks; no text."""
    items: list[Any] = [
        *heading(
            title,
            subtle=f"{len(actions)} overdue action{'s' if len(actions) != 1 else ''}.",
        )
    ]
    if not actions:
        items.append(para("None overdue.", is_subtle=True))
    else:
        items.append(attention("Each owner is reminded in a 1:1 chat every working day."))
        items.append(
            facts(
                (
                    f"{a.reference}, action {a.number}",
                    _line(a, names.get(a.owner_aad_id, "someone"), today),
                )
                for a in actions[:LIST_LINES]
            )
        )
        if len(actions) > LIST_LINES:
            items.append(para(f"And {len(actions) - LIST_LINES} more.", is_subtle=True))
    items.append(para("Type **actions** and a case reference for one case's plan.", is_subtle=True))
    return render(items, fallback_text=title)
