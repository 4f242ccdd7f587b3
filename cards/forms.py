"""Cards for any form spec (workflow/forms.py): each section's step, the summary with an Edit
per section, resume or discard, cancel with confirmation, and the cards for a form that is no
longer open. One renderer for every form: a new form is a spec, never a copy of these.

Everything typed is escaped before it is shown. Buttons say what they act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import clip, day, esc, execute, facts, heading, para, render, split_parts
from workflow.forms import (
    WITHHELD,
    WITHHELD_TEXT,
    Field,
    FormSpec,
    Section,
    input_id,
    parse_date,
    withheld,
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


def _article(noun: str) -> str:
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
                            f"Add another {noun}" if values else f"Add {_article(noun)} {noun}",
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


# ----- the summary --------------------------------------------------------------------------


def shown(fld: Field, value: Any) -> str:
    """An answer as a reader sees it: chosen labels, British dates, escaped text."""
    if fld.kind == "multichoice":
        picked = value if isinstance(value, list) else []
        return "; ".join(esc(fld.title_of(v)) for v in picked) or "None ticked"
    if fld.kind == "choice":
        return esc(fld.title_of(str(value))) if value else "Not given"
    if fld.kind == "date" and value:
        parsed = parse_date(value)
        return esc(value) if parsed is None else day(parsed)
    if not value:
        return "Not given"
    return esc(value)


def section_facts(
    sec: Section,
    values: Any,
    *,
    reader: bool = False,
    one_each: bool = False,
) -> list[Any]:
    """A section's given answers as facts (rows one after another); multi-choices always
    shown. ``reader``: for someone other than the person who filled it in (labels speak about
    them, not to them). ``one_each``: a fact set per answer, so that long ones can go to
    separate cards."""

    def label(fld: Field) -> str:
        return fld.label_for_reader if reader else fld.label

    if sec.repeating:
        if not values:
            return [para("None given.", is_subtle=True)]
        blocks: list[Any] = []
        for row, item in enumerate(values):
            blocks.append(para(f"**{sec.row_noun.capitalize()} {row + 1}**", spacing="Small"))
            blocks.append(
                facts(
                    (label(fld), shown(fld, item.get(fld.id, "")))
                    for fld in sec.fields
                    if item.get(fld.id)
                )
            )
        return blocks
    given: list[tuple[str, str]] = [
        (
            label(fld),
            WITHHELD_TEXT if withheld(values, fld.id) else shown(fld, values.get(fld.id, "")),
        )
        for fld in sec.fields
        if values.get(fld.id) or fld.kind == "multichoice" or withheld(values, fld.id)
    ]
    if not given:
        return [para("Nothing given yet.", is_subtle=True)]
    return [facts([pair]) for pair in given] if one_each else [facts(given)]


def every_answer(sec: Section, values: Mapping[str, Any]) -> list[Any]:
    """Every question of a section (or of one row) with its answer, "Not given" where blank
    (the GOV.UK "check answers" pattern): short answers as facts, a long answer as its
    question and then the text in full."""
    items: list[Any] = []
    short: list[tuple[str, str]] = []

    def flush() -> None:
        if short:
            items.append(facts(list(short)))
            short.clear()

    for fld in sec.fields:
        value = values.get(fld.id)
        answer = WITHHELD_TEXT if withheld(values, fld.id) else shown(fld, value)
        if fld.kind == "multiline" and value and not withheld(values, fld.id):
            flush()
            items.append(para(f"**{esc(fld.label)}**", spacing="Small"))
            items.append(para(answer, spacing="None"))
        else:
            short.append((fld.label, answer))
    flush()
    return items


def _summary_blocks(
    spec: FormSpec, form: Mapping[str, Any], problems: Mapping[str, Mapping[str, str]]
) -> list[tuple[str, list[Any]]]:
    """The summary's blocks, each with the key of its section: a section's heading (with its
    change button) and its answers, then one block per row of a repeating section, so that a
    long section can go on across parts of the summary."""
    v = verbs(spec)
    blocks: list[tuple[str, list[Any]]] = []
    for sec in spec.sections:
        attention = sec.key in problems
        title = sec.title + ("  (needs attention)" if attention else "")
        draft_id = str(form.get("_draft_id", ""))
        head = ac.Container(
            separator=True,
            spacing=act.Spacing.MEDIUM,
            items=[
                ac.ColumnSet(
                    columns=[
                        ac.Column(
                            width="stretch",
                            items=[
                                ac.TextBlock(
                                    text=esc(title),
                                    weight=act.FontWeight.BOLDER,
                                    wrap=True,
                                    color=act.Colors.ATTENTION if attention else None,
                                )
                            ],
                        ),
                        ac.Column(
                            width="auto",
                            items=[
                                ac.ActionSet(
                                    actions=[
                                        execute(
                                            f"Edit {sec.button_name}",
                                            v.edit,
                                            {"draft_id": draft_id, "section": sec.key},
                                        )
                                    ]
                                )
                            ],
                        ),
                    ]
                )
            ],
        )
        values = form.get(sec.key, [] if sec.repeating else {})
        if not sec.repeating:
            blocks.append((sec.key, [head, *every_answer(sec, values)]))
            continue
        if not values:
            blocks.append((sec.key, [head, para("None given.", is_subtle=True)]))
            continue
        for row, item in enumerate(values):
            row_items = [
                para(f"**{esc(sec.row_noun.capitalize())} {row + 1}**", spacing="Small"),
                *every_answer(sec, item),
            ]
            blocks.append((sec.key, [head, *row_items] if row == 0 else row_items))
    return blocks


def summary_card(
    spec: FormSpec,
    *,
    draft_id: str,
    form: Mapping[str, Any],
    problems: Mapping[str, Mapping[str, str]],
    part: int = 1,
    section: str = "",
) -> dict[str, Any]:
    """The check-and-submit summary: every question and answer, a change button per section.
    When it is longer than one card can carry it is shown in parts (sections kept whole
    where they fit), with buttons to the parts either side; Submit is on the last.
    ``section``: show the part that holds that section (after its Edit), else ``part``."""
    v = verbs(spec)
    notice: list[Any] = []
    if problems:
        titles = ", ".join(spec.section(k).title for k in problems)
        notice.append(
            ac.TextBlock(
                text=f"Some answers need attention before you can submit: {esc(titles)}.",
                color=act.Colors.ATTENTION,
                weight=act.FontWeight.BOLDER,
                wrap=True,
            )
        )
    blocks = _summary_blocks(spec, {**form, "_draft_id": draft_id}, problems)
    base = {"draft_id": draft_id, "section": SUMMARY}
    submit = execute(
        spec.submit_label, v.submit, {"draft_id": draft_id}, style=act.ActionStyle.POSITIVE
    )
    cancel = cancel_action(spec, draft_id)

    def card(items: list[Any], n: int, total: int) -> dict[str, Any]:
        title = f"{spec.title}: check and submit"
        if total > 1:
            title += f" (part {n} of {total})"
        body: list[Any] = [
            *heading(title, subtle="Check your answers. Use Edit to change a section."),
            *notice,
            *items,
        ]
        actions: list[Any] = []
        if n > 1:
            actions.append(
                execute(f"Back to part {n - 1} of the summary", v.page, {**base, "to": n - 1})
            )
        if n < total:
            body.append(
                para(
                    f"There is more to check: part {n + 1} of {total} follows.",
                    is_subtle=True,
                    spacing="Medium",
                )
            )
            actions.append(
                execute(f"Go on to part {n + 1} of the summary", v.page, {**base, "to": n + 1})
            )
        else:
            if spec.submit_note:
                body.append(para(spec.submit_note, is_subtle=True, spacing="Medium"))
            actions.append(submit)
        actions.append(cancel)
        return render(body, actions, fallback_text=title)

    parts = split_parts([items for _, items in blocks], lambda items: card(items, 99, 99))
    if section:
        holding = [
            n for n, (_, held) in enumerate(parts, 1) if section in {blocks[i][0] for i in held}
        ]
        part = holding[0] if holding else 1
    part = min(max(part, 1), len(parts))
    return card(parts[part - 1][0], part, len(parts))


# ----- resume, cancel, gone ---------------------------------------------------------------


def resume_card(
    spec: FormSpec, *, draft_id: str, started: datetime, updated: datetime, section_key: str
) -> dict[str, Any]:
    v = verbs(spec)
    sec_title = spec.section(section_key).title if section_key in spec.keys else "the summary"
    items = [
        *heading(f"You have {_article(spec.noun)} {spec.noun} in progress"),
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
        items, actions, fallback_text=f"You have {_article(spec.noun)} {spec.noun} in progress"
    )


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
