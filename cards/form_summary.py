"""A form's check-and-submit summary: every question and every answer, a row per answer
('Not given' for a blank one), long text in full under its question, every row of a repeating
section, an Edit per section; in parts when one card cannot carry it (sections whole where
they fit), with Submit on the last.

Everything typed is escaped before it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import day, esc, execute, facts, heading, para, render, split_parts
from cards.forms import SUMMARY, cancel_action, verbs
from workflow.forms import (
    WITHHELD_TEXT,
    Field,
    FormSpec,
    Section,
    parse_date,
    withheld,
)


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
