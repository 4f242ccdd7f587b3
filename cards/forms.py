"""Cards for any form spec (workflow/forms.py): each section's step, with its inputs, errors
and buttons, and the cancel button with its confirmation. One renderer for every form: a new
form is a spec, never a copy of these. The summary is in ``cards.form_summary``; the cards
for a draft to resume, discarded, or no longer open in ``cards.drafts``.

Everything typed is escaped before it is shown. Buttons say what they act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import clip, esc, execute, heading, para, render
from workflow.forms import (
    WITHHELD,
    Field,
    FormSpec,
    Section,
    input_id,
)

SUMMARY = "summary"


@dataclass(frozen=True)
class Verbs:
    """The card verbs of one form kind: ``<kind>.next`` and so on."""

    kind: str

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.kind}.{name}"

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(
            f"{self.kind}.{n}"
            for n in (
                "next",
                "back",
                "add_row",
                "remove_row",
                "page",
                "edit",
                "submit",
                "cancel_confirm",
                "resume",
                "discard",
                "start_new",
            )
        )


def verbs(spec: FormSpec) -> Verbs:
    return Verbs(spec.kind)


def _error(message: str) -> ac.TextBlock:
    return ac.TextBlock(
        text=esc(message),
        color=act.Colors.ATTENTION,
        size=act.FontSize.SMALL,
        wrap=True,
        spacing=act.Spacing.NONE,
    )


def _input(fld: Field, value: Any, row: int | None) -> Any:
    ident = input_id(fld.id, row)
    label = fld.label  # Teams marks required inputs itself
    if fld.kind == "date":
        return ac.InputDate(
            id=ident,
            label=label,
            value=str(value or "") or None,
            is_required=fld.required or None,
            error_message=f"{fld.label} is required." if fld.required else None,
        )
    if fld.kind == "time":
        return ac.InputTime(
            id=ident,
            label=label,
            value=str(value or "") or None,
            is_required=fld.required or None,
            error_message=f"{fld.label} is required." if fld.required else None,
        )
    if fld.kind in ("choice", "multichoice"):
        selected = ",".join(value) if isinstance(value, list) else str(value or "")
        return ac.InputChoiceSet(
            id=ident,
            label=label,
            choices=[ac.InputChoice(title=title, value=val) for val, title in fld.choices],
            is_multi_select=fld.kind == "multichoice" or None,
            style=act.ChoiceInputStyle.EXPANDED
            if fld.kind == "multichoice" or fld.expanded
            else None,
            value=selected or None,
            wrap=True,
        )
    regex = None
    if fld.kind == "email":
        regex = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
    return ac.InputText(
        id=ident,
        label=label,
        value=str(value or "") or None,
        max_length=fld.max_length,
        is_multiline=fld.kind == "multiline" or None,
        placeholder=fld.placeholder or None,
        is_required=fld.required or None,
        regex=regex,
        error_message=(
            f"{fld.label} is required." if fld.required else "Check this answer." if regex else None
        ),
        style=act.TextInputStyle.EMAIL
        if fld.kind == "email"
        else act.TextInputStyle.TEL
        if fld.kind == "phone"
        else None,
    )


def _fields(
    sec: Section, values: Mapping[str, Any], errors: Mapping[str, str], row: int | None = None
) -> list[Any]:
    items: list[Any] = []
    for fld in sec.fields:
        items.append(_input(fld, values.get(fld.id, ""), row))
        if fld.help:
            items.append(para(esc(fld.help), is_subtle=True, size=act.FontSize.SMALL))
        message = errors.get(input_id(fld.id, row))
        if message:
            items.append(_error(message))
    if row is None and sec.withholdable:
        items.append(
            ac.InputChoiceSet(
                id=WITHHELD,
                label="Can't be shared yet because of an ongoing police investigation? Tick "
                "each answer withheld for now.",
                choices=[
                    ac.InputChoice(title=clip(f.label_for_reader, 90), value=f.id)
                    for f in sec.withholdable
                ],
                is_multi_select=True,
                style=act.ChoiceInputStyle.EXPANDED,
                value=",".join(values.get(WITHHELD) or []) or None,
                wrap=True,
                separator=True,
                spacing=act.Spacing.MEDIUM,
            )
        )
    return items


def _pages(sec: Section, total: int, first: int, verb: str, base: dict[str, Any]) -> Any:
    """Which rows this card shows, and a button for each other page of them."""
    noun = sec.row_noun
    last = min(first + sec.page_rows, total)
    buttons: list[Any] = [
        execute(
            f"Show {noun}s {start + 1} to {min(start + sec.page_rows, total)}",
            verb,
            {**base, "to": start},
        )
        for start in range(0, total, sec.page_rows)
        if start != first
    ]
    return ac.Container(
        items=[
            para(
                f"Showing {noun}s {first + 1} to {last} of {total}. What you type is kept "
                "when you move between them."
            ),
            ac.ActionSet(actions=buttons),
        ]
    )


def article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def section_card(
    spec: FormSpec,
    *,
    draft_id: str,
    section_key: str,
    values: Any,
    errors: Mapping[str, str],
    returning_to_summary: bool = False,
    notice: str | None = None,
    cut: bool = False,
    first: int = 0,
) -> dict[str, Any]:
    """One step of the wizard, with what was typed and any problems next to their fields.
    ``cut``: an answer was longer than its field allows and was cut (the banner says so).
    ``first``: a paged repeating section shows its rows from this one."""
    v = verbs(spec)
    sec = spec.section(section_key)
    step, steps = spec.step(sec.key), len(spec.sections)
    items: list[Any] = heading(
        f"{spec.title}: {sec.title}",
        subtle=f"Step {step} of {steps}. Saved each time you press a button.",
    )
    if step == 1 and spec.hint:
        items.append(para(spec.hint))
    items.append(para(sec.intro))
    if errors:
        banner = (
            "Some answers were too long and were cut to fit: check the ones marked below."
            if cut
            else "Please check the answers marked below. Everything you typed is kept."
        )
        items.append(
            ac.TextBlock(
                text=banner, color=act.Colors.ATTENTION, weight=act.FontWeight.BOLDER, wrap=True
            )
        )
        if "_rows" in errors:
            items.append(_error(errors["_rows"]))
    if notice:
        items.append(para(esc(notice), is_subtle=True))
    first = sec.page_of(first) if sec.repeating else 0
    page = values[first : first + sec.page_rows] if sec.repeating and sec.page_rows else values
    rows = len(page) if sec.repeating else 0
    base = {
        "draft_id": draft_id,
        "section": sec.key,
        "rows": rows,
        "first": first,
        "return": SUMMARY if returning_to_summary else "",
    }
    if sec.repeating:
        noun = sec.row_noun
        if not values:
            items.append(para(f"No {noun} added yet.", is_subtle=True))
        if sec.page_rows and len(values) > sec.page_rows:
            items.append(_pages(sec, len(values), first, v.page, base))
        for row, item in enumerate(page, first):
            removable = len(values) > sec.min_rows
            items.append(
                ac.Container(
                    separator=True,
                    spacing=act.Spacing.MEDIUM,
                    items=[
                        ac.TextBlock(
                            text=f"{noun.capitalize()} {row + 1}", weight=act.FontWeight.BOLDER
                        ),
                        *_fields(sec, item, errors, row),
                        *(
                            [
                                ac.ActionSet(
                                    actions=[
                                        execute(
                                            f"Remove {noun} {row + 1}",
                                            v.remove_row,
                                            {**base, "row": row},
                                        )
                                    ]
                                )
                            ]
                            if removable
                            else []
                        ),
                    ],
                )
            )
        if len(values) < sec.max_rows:
            items.append(
                ac.ActionSet(
                    actions=[
                        execute(
                            f"Add another {noun}" if values else f"Add {article(noun)} {noun}",
                            v.add_row,
                            base,
                        )
                    ]
                )
            )
    else:
        items += _fields(sec, values, errors)

    actions: list[Any] = []
    if returning_to_summary:
        actions.append(
            execute("Save and return to summary", v.next, base, style=act.ActionStyle.POSITIVE)
        )
    else:
        actions.append(execute("Next", v.next, base, style=act.ActionStyle.POSITIVE))
        if step > 1:
            actions.append(execute("Back", v.back, base))
    actions.append(cancel_action(spec, draft_id))
    return render(items, actions, fallback_text=f"{spec.title}, step {step} of {steps}")


def cancel_action(spec: FormSpec, draft_id: str) -> ac.ActionShowCard:
    """Cancel asks first, in place: the form and everything typed on it stay as they are
    unless the person confirms."""
    confirm = ac.AdaptiveCard(
        body=[
            para(
                f"**Delete this {spec.noun}?** Everything you've entered will be deleted; this "
                "can't be undone."
            ),
            para(
                f"To stop for now instead, just leave it: it's saved, and typing "
                f"**{spec.command}** later brings it back.",
                is_subtle=True,
            ),
        ],
        actions=[
            execute(
                "Yes, delete it",
                verbs(spec).cancel_confirm,
                {"draft_id": draft_id},
                style=act.ActionStyle.DESTRUCTIVE,
                associated_inputs=act.AssociatedInputs.NONE,
            ),
        ],
    )
    return ac.ActionShowCard(title=f"Cancel {spec.noun}", card=confirm)
